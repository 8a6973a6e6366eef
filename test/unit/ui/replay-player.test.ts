import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildReplay, checksum, encodeReplay, initialState, makeConfig, parseReplay, step, verifyReplay, type GameState, type Replay } from '../../../src/game/index.ts';
import { ReplayPlayer } from '../../../src/ui/replay-player.ts';
import { makeTestReplay } from '../../e2e/support/replays.ts';

function statesOf(replay: Replay): GameState[] {
  const out = [initialState(replay.config)];
  for (let f = 0; f < replay.frames; f++) out.push(step(out[f] as GameState, replay.inputs[f] ?? []));
  return out;
}

const replay = makeTestReplay({ players: 3, frames: 400, seed: 9 });
const truth = statesOf(replay);

describe('ReplayPlayer', () => {
  it('lands on the exact state of any frame after any sequence of seeks and steps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -10, max: 410 }).map((t) => ({ kind: 'seek' as const, t })), fc.constant({ kind: 'fwd' as const }), fc.constant({ kind: 'back' as const })), { minLength: 1, maxLength: 25 }),
        (ops) => {
          const p = new ReplayPlayer(replay);
          for (const op of ops) {
            if (op.kind === 'seek') {
              expect(p.seek(op.t)).toBe(true);
              expect(p.frame).toBe(Math.min(400, Math.max(0, op.t)));
            } else if (op.kind === 'fwd') p.stepForward();
            else p.stepBack();
            expect(checksum(p.state)).toBe(checksum(truth[p.frame] as GameState));
          }
          // The cache holds exactly the multiples of 60 up to the simulation frontier.
          const expected = [];
          for (let f = 0; f <= p.simulatedUpTo; f += 60) expected.push(f);
          expect(p.cachedFrames()).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('re-simulates at most cacheInterval - 1 frames to seek backwards', () => {
    const p = new ReplayPlayer(replay);
    p.seek(400);
    // A budget of 59 frames is enough for any backward seek once the cache is full.
    for (const t of [399, 301, 240, 239, 1, 0, 359]) expect(p.seek(t, 59)).toBe(true);
    expect(p.frame).toBe(359);
  });

  it('continues a budgeted long seek across calls', () => {
    const p = new ReplayPlayer(replay);
    let calls = 0;
    while (!p.seek(400, 70)) calls++;
    expect(calls).toBe(5); // 70 * 5 = 350 < 400 <= 420
    expect(checksum(p.state)).toBe(checksum(truth[400] as GameState));
  });

  it('reports verifying, then verified with the final checksum verifyReplay computes', () => {
    const p = new ReplayPlayer(replay);
    expect(p.status).toEqual({ kind: 'verifying', verifiedUpTo: 0 });
    p.seek(130);
    expect(p.status).toEqual({ kind: 'verifying', verifiedUpTo: 120 });
    p.seek(10); // going back never un-verifies
    expect(p.status).toEqual({ kind: 'verifying', verifiedUpTo: 120 });
    while (p.stepForward());
    const v = verifyReplay(replay);
    if (!v.ok) throw new Error('fixture must verify');
    expect(p.status).toEqual({ kind: 'verified', frames: 400, checksum: v.checksum });
    expect(p.atEnd).toBe(true);
    expect(p.stepForward()).toBe(false);
  });

  it('finds the first mismatch, matching verifyReplay, whether a checksum or an input was corrupted', () => {
    const body = JSON.parse(encodeReplay(replay)) as { checksums: [number, string][]; inputs: [number, number][][] };
    const wrong = body.checksums[3];
    if (wrong === undefined) throw new Error('need 4 checksums');
    wrong[1] = wrong[1] === '00000000' ? '00000001' : '00000000';
    const parsed = parseReplay(JSON.stringify(body));
    if (!parsed.ok) throw new Error(parsed.error);
    const p = new ReplayPlayer(parsed.replay);
    p.seek(400);
    const v = verifyReplay(parsed.replay);
    if (v.ok) throw new Error('corrupted replay must not verify');
    expect(v.frame).toBe(240);
    expect(p.status).toEqual({ kind: 'mismatch', frame: 240, expected: v.expected, actual: checksum(truth[240] as GameState) });
    expect(v.actual).toBe(checksum(truth[240] as GameState));
    expect(p.verifiedUpTo).toBe(180);

    // A changed input diverges the simulation: the first recorded checksum after it mismatches.
    const inputs = replay.inputs.map((row) => row.slice());
    for (let f = 70; f < 100; f++) {
      const row = inputs[f] as number[];
      row[0] = row[0] === 2 ? 1 : 2;
    }
    const tampered: Replay = { ...replay, inputs };
    const q = new ReplayPlayer(tampered);
    q.seek(400);
    const w = verifyReplay(tampered);
    if (w.ok) throw new Error('tampered replay must not verify');
    expect(w.frame).toBe(120); // the first recorded checksum after the change
    expect(q.status).toEqual({ kind: 'mismatch', frame: w.frame, expected: w.expected, actual: w.actual });
  });

  it('verifies an empty replay at once, and a wrong final checksum at the last frame', () => {
    const empty = buildReplay(makeConfig({}), []);
    expect(new ReplayPlayer(empty).status).toMatchObject({ kind: 'verified', frames: 0 });
    const bad = { ...replay, finalChecksum: (replay.finalChecksum + 1) >>> 0 };
    const p = new ReplayPlayer(bad);
    p.seek(400);
    expect(p.status).toEqual({ kind: 'mismatch', frame: 400, expected: bad.finalChecksum, actual: replay.finalChecksum });
  });
});
