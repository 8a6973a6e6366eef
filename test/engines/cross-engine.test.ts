/**
 * Determinism across JavaScript engines: every golden replay is re-simulated from one bundle of
 * src/game + immer (engine-bundle.ts) in Node (V8), Chromium (V8), Firefox ESR (SpiderMonkey) and
 * JavaScriptCore, and the checksum after EVERY frame must equal Node's (src/game run directly) and every
 * checkpoint recorded in the file. One launch per engine, all replays in one page load.
 *
 * Self-test: a build with one rule constant changed (the speed-up per hit, by 1/65536) runs in the same
 * launch, and the comparison must name that engine and the exact first frame the change matters (each
 * replay's first paddle hit) — the check is proven able to fail in every engine.
 *
 * A missing engine binary fails the run on CI (`CI` set) and is skipped elsewhere, with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialState, parseReplay, step } from '../../src/game/index.ts';
import { buildEngineBundle, SPEEDUP_PERTURBATION } from './support/engine-bundle.ts';
import { compareTraces, describeMismatch, referenceTrace, type ReferenceTrace } from './support/compare.ts';
import { ENGINES, engineUnavailableReason, runEngine, type EngineName, type EngineRun } from './support/engines.ts';

const FIXTURES = 'test/fixtures/replays';
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
const texts = files.map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
const references: ReferenceTrace[] = files.map((file, i) => {
  const parsed = parseReplay(texts[i] ?? '');
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  return referenceTrace(file, parsed.replay);
});

/** Frame of each replay's first paddle hit (where the perturbed speed-up first changes the state). */
function firstHitFrame(ref: ReferenceTrace): number | undefined {
  let state = initialState(ref.replay.config);
  for (let f = 0; f < ref.replay.frames; f++) {
    state = step(state, ref.replay.inputs[f] ?? []);
    if (state.rally > 0) return state.frame;
  }
  return undefined;
}

const available = ENGINES.filter((e) => engineUnavailableReason(e) === undefined);
/** The engines' runs, started together (mostly browser start-up, which overlaps well). */
const runs = new Map<EngineName, Promise<EngineRun>>();
beforeAll(async () => {
  const bundles = [await buildEngineBundle(), await buildEngineBundle({ perturbation: SPEEDUP_PERTURBATION })];
  const frames = references.reduce((n, r) => n + r.checksums.length, 0);
  for (const engine of available) {
    const run = runEngine(engine, bundles, texts);
    run.then((r) => console.log(`[cross-engine] ${engine}: ${r.version}, ${files.length} replays x 2 builds, ${frames} frames each, ${Math.round(r.ms)} ms`), () => undefined);
    runs.set(engine, run);
  }
  await Promise.allSettled(runs.values());
}, 180_000);

function engineSuite(engine: EngineName): void {
  let run: EngineRun | undefined;
  beforeAll(async () => {
    run = await runs.get(engine);
  });

  it('every golden replay: the checksum after every frame equals Node and the recorded checkpoints', () => {
    const mismatches = compareTraces(engine, references, run?.traces[0] ?? []);
    expect(mismatches.map(describeMismatch)).toEqual([]);
  });

  it('self-test: the perturbed build is caught, naming this engine and each replay\'s first paddle hit', () => {
    const mismatches = compareTraces(engine, references, run?.traces[1] ?? []);
    let perturbedReplays = 0;
    for (const ref of references) {
      const hit = firstHitFrame(ref);
      const mine = mismatches.filter((m) => m.file === ref.file);
      if (hit === undefined) {
        expect(mine, ref.file).toEqual([]);
        continue;
      }
      perturbedReplays++;
      const vsNode = mine.find((m) => m.against === 'node');
      expect(vsNode, ref.file).toMatchObject({ engine, frame: hit });
      expect(describeMismatch(vsNode ?? mine[0] ?? { engine: '', file: '', against: 'node', frame: 0, expected: '', actual: '' })).toContain(`${engine}: ${ref.file} differs from Node's trace at frame ${hit}:`);
      // The first recorded checkpoint at or after the hit catches it too.
      const checkpoint = [...ref.replay.checksums.map(([f]) => f), ref.replay.frames].find((f) => f >= hit);
      expect(mine.find((m) => m.against === 'file')?.frame, ref.file).toBe(checkpoint);
    }
    expect(perturbedReplays).toBeGreaterThanOrEqual(3);
  });
}

describe('cross-engine determinism of the golden replays', () => {
  it('checks the committed goldens, old and new', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files).toEqual(expect.arrayContaining(['pong-2p.json', 'pong-2p-tracker.json', 'pong-4p-tracker.json']));
  });

  for (const engine of ENGINES) {
    const reason = engineUnavailableReason(engine);
    if (reason === undefined) describe(engine, () => engineSuite(engine));
    else if (process.env.CI) {
      describe(engine, () => {
        it(`has ${engine} (required on CI)`, () => {
          throw new Error(reason);
        });
      });
    } else describe.skip(`${engine} (skipped: ${reason})`, () => engineSuite(engine));
  }
});
