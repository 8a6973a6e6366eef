import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/checksum.ts';
import { GAME_VERSION, makeConfig } from '../../src/game/config.ts';
import { diffStates } from '../../src/game/diff.ts';
import { buildReplay, encodeReplay, MAX_REPLAY_CHARS, MAX_REPLAY_FRAMES, parseReplay, REPLAY_FORMAT, REPLAY_VERSION, verifyReplay } from '../../src/game/replay.ts';
import { nextRng, rngBelow, seedRng } from '../../src/game/rng.ts';
import { initialState } from '../../src/game/state.ts';
import { step } from '../../src/game/step.ts';

/** Held random inputs (like the CLI's recorder), from the game's own seeded generator. */
function heldInputs(players: number, frames: number, seed: number): number[][] {
  let r = seedRng(seed);
  const held = new Array<number>(players).fill(0);
  const left = new Array<number>(players).fill(0);
  const out: number[][] = [];
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < players; p++) {
      if ((left[p] ?? 0) === 0) {
        held[p] = rngBelow((r = nextRng(r)), 4);
        left[p] = 1 + rngBelow((r = nextRng(r)), 30);
      }
      left[p] = (left[p] ?? 1) - 1;
    }
    out.push(held.slice());
  }
  return out;
}

/** Parses, edits the raw JSON object, and re-serializes a replay text. */
function edit(text: string, change: (raw: Record<string, unknown>) => void): string {
  const raw = JSON.parse(text) as Record<string, unknown>;
  change(raw);
  return JSON.stringify(raw);
}

function errorOf(text: string): string {
  const r = parseReplay(text);
  return r.ok ? 'ok' : r.error;
}

const arbReplay = fc
  .record({
    players: fc.integer({ min: 2, max: 4 }),
    seed: fc.integer({ min: 0, max: 0xffff_ffff }),
    pointsToWin: fc.integer({ min: 1, max: 5 }),
    frames: fc.integer({ min: 0, max: 400 }),
    interval: fc.integer({ min: 1, max: 100 }),
    inputSeed: fc.nat(),
  })
  .chain(({ players, seed, pointsToWin, frames, interval, inputSeed }) =>
    fc.tuple(
      fc.constant(makeConfig({ players, seed, pointsToWin })),
      fc.oneof(
        fc.constant(heldInputs(players, frames, inputSeed)),
        fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: players, maxLength: players }), { minLength: frames, maxLength: frames }),
      ),
      fc.constant(interval),
      fc.array(fc.string({ maxLength: 64 }), { maxLength: players }),
    ),
  );

describe('build / encode / parse round trip', () => {
  it('parses what it encodes, and the replay verifies', () => {
    fc.assert(
      fc.property(arbReplay, ([config, inputs, checksumInterval, names]) => {
        const replay = buildReplay(config, inputs, { checksumInterval, names });
        expect(parseReplay(encodeReplay(replay))).toEqual({ ok: true, replay });
        const verdict = verifyReplay(replay);
        expect(verdict).toMatchObject({ ok: true, frames: inputs.length, checksum: replay.finalChecksum });
      }),
      { numRuns: 300 },
    );
  });

  it('records the checksum of the state after every interval-th frame, and the final one', () => {
    const config = makeConfig({ players: 3, seed: 8 });
    const inputs = heldInputs(3, 250, 1);
    const replay = buildReplay(config, inputs, { checksumInterval: 100 });
    let s = initialState(config);
    const expected: [number, number][] = [];
    for (const row of inputs) {
      s = step(s, row);
      if (s.frame % 100 === 0) expected.push([s.frame, checksum(s)]);
    }
    expect(replay.checksums).toEqual(expected);
    expect(replay.checksums.map(([f]) => f)).toEqual([100, 200]);
    expect(replay.finalChecksum).toBe(checksum(s));
    expect(replay.finalScores).toEqual(s.scores);
    expect(replay.gameVersion).toBe(GAME_VERSION);
  });

  it('pads short input rows with 0 and keeps a zero-frame replay valid', () => {
    const config = makeConfig({ players: 4 });
    const replay = buildReplay(config, [[1], [], [2, 2, 2, 2]]);
    expect(replay.inputs).toEqual([[1, 0, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2]]);
    const empty = buildReplay(config, []);
    expect(empty.checksums).toEqual([]);
    expect(empty.finalChecksum).toBe(checksum(initialState(config)));
    expect(parseReplay(encodeReplay(empty))).toEqual({ ok: true, replay: empty });
    expect(verifyReplay(empty)).toMatchObject({ ok: true, frames: 0 });
  });

  it('leaves names that look like number pairs alone', () => {
    const replay = buildReplay(makeConfig(), [[1, 2]], { names: ['[ 1, 2 ]', '[\t3, "00000000" ]'] });
    const parsed = parseReplay(encodeReplay(replay));
    expect(parsed.ok && parsed.replay.names).toEqual(['[ 1, 2 ]', '[\t3, "00000000" ]']);
  });

  it('writes the documented layout: header fields, one line per run and per checksum', () => {
    const replay = buildReplay(makeConfig({ players: 2, seed: 4 }), [...Array.from({ length: 70 }, () => [2, 0]), [1, 0]], { checksumInterval: 60 });
    const text = encodeReplay(replay);
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual(['format', 'version', 'gameVersion', 'players', 'seed', 'config', 'names', 'frames', 'checksumInterval', 'checksums', 'final', 'inputs']);
    expect(raw).toMatchObject({ format: REPLAY_FORMAT, version: REPLAY_VERSION, gameVersion: GAME_VERSION, players: 2, seed: 4, frames: 71 });
    expect(raw.inputs).toEqual([[[2, 70], [1, 1]], [[0, 71]]]);
    expect(text).toContain(`\n  [60,"${formatChecksum(replay.checksums[0]?.[1] ?? 0)}"]`);
    expect(text).toContain('\n   [2,70],\n   [1,1]\n');
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('verifyReplay', () => {
  const config = makeConfig({ players: 2, seed: 21 });
  const idle = (frames: number): number[][] => Array.from({ length: frames }, () => [0, 0]);

  it('fails at the first checkpoint after a flipped input', () => {
    // All-idle inputs: the paddles never move, so one extra move of paddle 0 at frame index 130 (the
    // 131st step) changes every state from then on; the first checkpoint at or after 131 is 180.
    const text = encodeReplay(buildReplay(config, idle(600), { checksumInterval: 60 }));
    const flipped = parseReplay(edit(text, (raw) => {
      (raw.inputs as unknown[])[0] = [[0, 130], [2, 1], [0, 469]];
    }));
    expect(flipped.ok).toBe(true);
    if (!flipped.ok) return;
    const verdict = verifyReplay(flipped.replay);
    const original = parseReplay(text);
    const expected = original.ok ? original.replay.checksums.find(([f]) => f === 180)?.[1] : undefined;
    expect(verdict).toMatchObject({ ok: false, frame: 180, expected });
    if (!verdict.ok) expect(verdict.actual).not.toBe(verdict.expected);
  });

  it('fails at the final frame when the change comes after the last checkpoint', () => {
    const text = encodeReplay(buildReplay(config, idle(610), { checksumInterval: 60 }));
    const flipped = parseReplay(edit(text, (raw) => {
      (raw.inputs as unknown[])[1] = [[0, 605], [1, 1], [0, 4]];
    }));
    expect(flipped.ok && verifyReplay(flipped.replay)).toMatchObject({ ok: false, frame: 610 });
  });

  it('reports a tampered checksum at its frame, with the recorded and the real value', () => {
    const replay = buildReplay(config, heldInputs(2, 300, 3), { checksumInterval: 50 });
    const tampered = parseReplay(edit(encodeReplay(replay), (raw) => {
      (raw.checksums as [number, string][])[2] = [150, '12345678'];
    }));
    expect(tampered.ok && verifyReplay(tampered.replay)).toEqual({ ok: false, frame: 150, expected: 0x12345678, actual: replay.checksums[2]?.[1] });
    const badFinal = parseReplay(edit(encodeReplay(replay), (raw) => {
      (raw.final as Record<string, unknown>).checksum = '00000000';
    }));
    expect(badFinal.ok && verifyReplay(badFinal.replay)).toMatchObject({ ok: false, frame: 300, expected: 0 });
  });

  it('after any changed input run, fails exactly at the first checkpoint whose state differs (property)', () => {
    const arb = fc
      .record({ players: fc.integer({ min: 2, max: 4 }), frames: fc.integer({ min: 50, max: 500 }), interval: fc.integer({ min: 1, max: 97 }), seed: fc.nat() })
      .chain((r) => fc.tuple(fc.constant(r), fc.nat(r.players - 1), fc.nat(), fc.integer({ min: 1, max: 3 })));
    fc.assert(
      fc.property(arb, ([{ players, frames, interval, seed }, player, runPick, xor]) => {
        const cfg = makeConfig({ players, seed });
        const inputs = heldInputs(players, frames, seed);
        const text = encodeReplay(buildReplay(cfg, inputs, { checksumInterval: interval }));
        let start = 0;
        const changed = parseReplay(edit(text, (raw) => {
          const runs = (raw.inputs as [number, number][][])[player] ?? [];
          const k = runPick % runs.length;
          for (let i = 0; i < k; i++) start += runs[i]?.[1] ?? 0;
          const run = runs[k];
          if (run !== undefined) run[0] ^= xor;
        }));
        if (!changed.ok) throw new Error(changed.error);
        // Independent expectation: step both input sequences side by side, compare states field by field.
        let a = initialState(cfg);
        let b = a;
        let firstBad: number | undefined;
        for (let f = 0; f < frames && firstBad === undefined; f++) {
          a = step(a, inputs[f] ?? []);
          b = step(b, changed.replay.inputs[f] ?? []);
          const checkpoint = a.frame % interval === 0 || a.frame === frames;
          if (checkpoint && diffStates(a, b).length > 0) firstBad = a.frame;
        }
        const verdict = verifyReplay(changed.replay);
        if (firstBad === undefined) expect(verdict.ok).toBe(true);
        else {
          expect(verdict).toMatchObject({ ok: false, frame: firstBad });
          expect(firstBad).toBeGreaterThan(start);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('parseReplay rejects malformed files with a reason', () => {
  const good = encodeReplay(buildReplay(makeConfig({ players: 2, seed: 6 }), heldInputs(2, 200, 6), { checksumInterval: 50 }));

  it.each<[string, (raw: Record<string, unknown>) => void, RegExp]>([
    ['wrong format', (r) => { r.format = 'pong'; }, /^not a replay \(format is "pong"/],
    ['missing format', (r) => { delete r.format; }, /^not a replay/],
    ['newer version', (r) => { r.version = 2; }, /^unsupported replay version 2 \(this build reads 1\)/],
    ['other game version', (r) => { r.gameVersion = 99; }, /^replay is for game version 99, this build is 1/],
    ['bad config', (r) => { r.config = { players: 5 }; }, /^config\.players must be/],
    ['header players mismatch', (r) => { r.players = 3; }, /^header players differs/],
    ['header seed mismatch', (r) => { r.seed = 7; }, /^header seed differs/],
    ['negative frames', (r) => { r.frames = -1; }, /^frames must be an integer/],
    ['too many frames', (r) => { r.frames = 2_000_000; }, /^frames must be an integer in 0\.\.1200000/],
    ['zero interval', (r) => { r.checksumInterval = 0; }, /^checksumInterval must be a positive integer/],
    ['too many names', (r) => { r.names = ['a', 'b', 'c']; }, /^names must be/],
    ['inputs not per player', (r) => { r.inputs = [[[0, 200]]]; }, /^inputs must hold one run list per player \(2\)/],
    ['run list not a list', (r) => { (r.inputs as unknown[])[1] = 'x'; }, /^inputs\[1\] must be a list/],
    ['run of one number', (r) => { (r.inputs as unknown[])[0] = [[0]]; }, /^inputs\[0\] has a bad run \[0\]/],
    ['zero-length run', (r) => { (r.inputs as unknown[])[0] = [[0, 0], [0, 200]]; }, /^inputs\[0\] has a bad run \[0,0\]/],
    ['input value 256', (r) => { (r.inputs as unknown[])[0] = [[256, 200]]; }, /bad run \[256,200\]/],
    ['negative input', (r) => { (r.inputs as unknown[])[0] = [[-1, 200]]; }, /bad run \[-1,200\]/],
    ['fractional count', (r) => { (r.inputs as unknown[])[0] = [[1, 199.5], [0, 0.5]]; }, /bad run \[1,199\.5\]/],
    ['runs too short', (r) => { (r.inputs as unknown[])[0] = [[1, 150]]; }, /^inputs\[0\] covers 150 frames, expected 200/],
    ['runs too long', (r) => { (r.inputs as unknown[])[1] = [[1, 150], [2, 51]]; }, /^inputs\[1\] covers more than 200 frames/],
    ['checksums not a list', (r) => { r.checksums = {}; }, /^checksums must be a list/],
    ['bad hex', (r) => { (r.checksums as unknown[])[0] = [50, 'xyz12345']; }, /^bad checksum entry \[50,"xyz12345"\]/],
    ['upper-case hex', (r) => { (r.checksums as unknown[])[0] = [50, 'ABCDEF12']; }, /^bad checksum entry/],
    ['short hex', (r) => { (r.checksums as unknown[])[0] = [50, 'abc']; }, /^bad checksum entry/],
    ['checksum beyond the end', (r) => { (r.checksums as unknown[]).push([201, '00000000']); }, /^bad checksum entry \[201/],
    ['checksum at frame 0', (r) => { (r.checksums as unknown[])[0] = [0, '00000000']; }, /^checksum frames must increase/],
    ['checksums out of order', (r) => { (r.checksums as unknown[]).reverse(); }, /^checksum frames must increase/],
    ['final missing', (r) => { delete r.final; }, /^final must be/],
    ['final frame wrong', (r) => { (r.final as Record<string, unknown>).frame = 199; }, /^final must be/],
    ['final bad hex', (r) => { (r.final as Record<string, unknown>).checksum = 'nope'; }, /^final must be/],
  ])('%s', (_name, change, message) => {
    expect(errorOf(good)).toBe('ok');
    expect(errorOf(edit(good, change))).toMatch(message);
  });

  it.each([
    ['truncated JSON', good.slice(0, good.length >> 1), /^not JSON \(/],
    ['empty file', '', /^not JSON/],
    ['JSON array', '[1,2]', /^replay must be a JSON object/],
    ['JSON null', 'null', /^replay must be a JSON object/],
  ])('%s', (_name, text, message) => {
    expect(errorOf(text)).toMatch(message);
  });
});

describe('parseReplay never throws', () => {
  const good = encodeReplay(buildReplay(makeConfig({ players: 3, seed: 2 }), heldInputs(3, 240, 2), { checksumInterval: 40 }));

  it('on mutated text (deleted, inserted, replaced characters, truncation)', () => {
    const mutation = fc.oneof(
      fc.tuple(fc.constant('delete' as const), fc.nat(good.length), fc.integer({ min: 1, max: 20 }), fc.constant('')),
      fc.tuple(fc.constant('insert' as const), fc.nat(good.length), fc.constant(0), fc.string({ minLength: 1, maxLength: 8 })),
      fc.tuple(fc.constant('replace' as const), fc.nat(good.length), fc.integer({ min: 1, max: 4 }), fc.constantFrom('0', '9', '-', '"', ']', '[', ',', '{', '}', 'e', '.', ' ', '1e9')),
      fc.tuple(fc.constant('truncate' as const), fc.nat(good.length), fc.constant(0), fc.constant('')),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let text = good;
        for (const [kind, at, length, insert] of mutations) {
          if (kind === 'truncate') text = text.slice(0, at);
          else text = text.slice(0, at) + insert + text.slice(at + length);
        }
        const r = parseReplay(text);
        if (r.ok) expect(typeof verifyReplay(r.replay).ok).toBe('boolean');
        else expect(r.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('on structurally mutated JSON (any field replaced by any JSON value)', () => {
    const raw = JSON.parse(good) as Record<string, unknown>;
    const paths = [...Object.keys(raw).map((k) => [k]), ['config', 'players'], ['config', 'seed'], ['final', 'scores'], ['final', 'winner'], ['inputs', '0'], ['inputs', '2'], ['checksums', '1'], ['names', '0']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        const text = edit(good, (r) => {
          let at = r;
          for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
          at[path[path.length - 1] ?? ''] = value;
        });
        const r = parseReplay(text);
        if (r.ok) expect(typeof verifyReplay(r.replay).ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseReplay against hostile files', () => {
  const good = encodeReplay(buildReplay(makeConfig({ players: 2, seed: 6 }), heldInputs(2, 200, 6), { checksumInterval: 50 }));

  it('a name with a bidi override or a control character is refused (the viewer shows names)', () => {
    expect(errorOf(edit(good, (r) => (r.names = ['abc\u202egpj.exe'])))).toMatch(/^names must be/);
    expect(errorOf(edit(good, (r) => (r.names = ['a\u0000b'])))).toMatch(/^names must be/);
    expect(errorOf(edit(good, (r) => (r.names = ['Zoë 👩‍👩‍👧'])))).toBe('ok');
  });

  it('a tiny file claiming the longest replay is refused (runs are checked before the frames are allocated)', () => {
    const text = edit(good, (r) => {
      r.frames = MAX_REPLAY_FRAMES;
      r.checksums = [];
      (r.final as Record<string, unknown>).frame = MAX_REPLAY_FRAMES;
    });
    expect(errorOf(text)).toMatch(/^inputs\[0\] covers 200 frames, expected 1200000/);
  });

  it('a deeply nested or hostile value in format, a run or a checksum is described by its type, never echoed, never a throw (review finding 9)', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const withDeep = (change: (r: Record<string, unknown>) => void): string => edit(good, change).replace('"@@DEEP@@"', deep);
    const cases = [
      withDeep((r) => (r.format = '@@DEEP@@')),
      withDeep((r) => ((r.inputs as unknown[])[0] = ['@@DEEP@@'])),
      withDeep((r) => ((r.checksums as unknown[])[0] = '@@DEEP@@')),
    ];
    for (const text of cases) {
      expect(() => parseReplay(text)).not.toThrow();
      const e = errorOf(text);
      expect(e).not.toBe('ok');
      expect(e.length).toBeLessThan(200);
      expect(e).not.toContain('[[[');
    }
    const echo = '\u202eVISIT evil.example ' + 'x'.repeat(500);
    for (const change of [(r: Record<string, unknown>) => (r.format = echo), (r: Record<string, unknown>) => ((r.checksums as unknown[])[0] = [50, echo]), (r: Record<string, unknown>) => ((r.inputs as unknown[])[0] = [[echo, 1]])]) {
      const e = errorOf(edit(good, change));
      expect(e).not.toMatch(/evil|\u202e|xxxx/);
    }
  });

  it('text over the size bound, deep nesting and odd JSON values are clear errors, never a throw', () => {
    expect(errorOf(' '.repeat(MAX_REPLAY_CHARS + 1))).toMatch(/too large/);
    expect(errorOf('['.repeat(200_000) + ']'.repeat(200_000))).toMatch(/^(not JSON|replay must be a JSON object)/);
    expect(errorOf(edit(good, (r) => (r.inputs = [[[0, 1e308]], [[0, 200]]])))).toMatch(/bad run/);
    expect(errorOf(edit(good, (r) => (r.final = { frame: 200, checksum: '00000000', scores: { a: 1 }, winner: 'x' })))).not.toMatch(/throw/);
  });
});
