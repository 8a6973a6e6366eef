import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/checksum.ts';
import { DEFAULT_CONFIG, makeConfig, type MatchConfig } from '../../src/game/config.ts';
import { diffStates, formatDiff } from '../../src/game/diff.ts';
import { decodeState, encodeState } from '../../src/game/serialize.ts';
import { initialState, type GameState } from '../../src/game/state.ts';
import { step } from '../../src/game/step.ts';

const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const uint32 = fc.integer({ min: 1, max: 0xffff_ffff });

/** Arbitrary state-shaped data (not necessarily reachable by play): every integer field anywhere in range. */
const arbState: fc.Arbitrary<GameState> = fc
  .record({
    players: fc.integer({ min: 2, max: 4 }),
    pointsToWin: fc.integer({ min: 1, max: 99 }),
    arenaSize: fc.integer({ min: 400, max: 4000 }),
    ballSpeed: fc.integer({ min: 1, max: 40 }),
    paddleLength: fc.integer({ min: 20, max: 200 }),
    paddleSpeed: fc.integer({ min: 1, max: 100 }),
    seed: fc.integer({ min: 0, max: 0xffff_ffff }),
    rules: fc.constantFrom(1, 2),
    forfeitFrames: fc.integer({ min: 1, max: 360_000 }),
  })
  .chain((config: MatchConfig) =>
    fc.record({
      config: fc.constant(config),
      frame: fc.nat(),
      rng: uint32,
      ball: fc.record({ x: int32, y: int32, vx: int32, vy: int32, speed: int32 }),
      paddles: fc.array(int32, { minLength: config.players, maxLength: config.players }),
      scores: fc.array(fc.nat(99), { minLength: config.players, maxLength: config.players }),
      lastHitter: fc.integer({ min: -1, max: config.players - 1 }),
      serveTimer: fc.integer({ min: 0, max: 60 }),
      rally: fc.nat(),
      winner: fc.integer({ min: -1, max: config.players - 1 }),
      absent: fc.integer({ min: 0, max: (1 << config.players) - 1 }),
      alone: fc.nat(),
    }),
  );

/** Fields that only rules 2 hashes (a rules-1 state hashes exactly as before they existed). */
const RULES2_ONLY = ['config.forfeitFrames', 'absent', 'alone'];

/** Every integer leaf of a state, as [path, get, set-on-a-clone]. */
function fieldsOf(s: GameState): { path: string; value: number; set: (v: number) => GameState }[] {
  const out: { path: string; value: number; set: (v: number) => GameState }[] = [];
  const visit = (node: Record<string, unknown> | unknown[], keys: (string | number)[]): void => {
    for (const [k, v] of Object.entries(node)) {
      const key: string | number = Array.isArray(node) ? Number(k) : k;
      if (typeof v === 'number') {
        const path = [...keys, key];
        out.push({
          path: path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''),
          value: v,
          set: (nv) => {
            const copy = structuredClone(s) as unknown as Record<string | number, unknown>;
            let at: Record<string | number, unknown> = copy;
            for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
            at[key] = nv;
            return copy as unknown as GameState;
          },
        });
      } else if (typeof v === 'object' && v !== null) visit(v as Record<string, unknown>, [...keys, key]);
    }
  };
  visit(s as unknown as Record<string, unknown>, []);
  return out;
}

/** Reference FNV-1a (32-bit) over a byte array, written from the spec, independent of checksum.ts. */
function fnv1a(bytes: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** The documented canonical order (docs/replay-format.md, "Checksums"). */
function canonicalBytes(s: GameState): number[] {
  const c = s.config;
  const words = [c.players, c.pointsToWin, c.arenaSize, c.ballSpeed, c.paddleLength, c.paddleSpeed, c.seed, s.frame, s.rng, s.ball.x, s.ball.y, s.ball.vx, s.ball.vy, s.ball.speed];
  for (let p = 0; p < c.players; p++) words.push(s.paddles[p] ?? 0, s.scores[p] ?? 0);
  words.push(s.lastHitter, s.serveTimer, s.rally, s.winner);
  if (c.rules >= 2) words.push(c.rules, c.forfeitFrames, s.absent, s.alone);
  return words.flatMap(le32);
}

describe('checksum', () => {
  it('reference FNV-1a matches the published test vectors', () => {
    const ascii = (t: string): number[] => [...t].map((ch) => ch.charCodeAt(0));
    expect(fnv1a([])).toBe(0x811c9dc5);
    expect(fnv1a(ascii('a'))).toBe(0xe40c292c);
    expect(fnv1a(ascii('foobar'))).toBe(0xbf9cf968);
  });

  it('is FNV-1a over the little-endian bytes of the fields in canonical order', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        expect(checksum(s)).toBe(fnv1a(canonicalBytes(s)));
      }),
      { numRuns: 3000 },
    );
  });

  it('is pinned for the default initial state (regression net for the field order)', () => {
    // Rules 1: the values pinned before rule sets existed.
    expect(formatChecksum(checksum(initialState({ ...DEFAULT_CONFIG, rules: 1 })))).toBe('9985d4d3');
    expect(formatChecksum(checksum(initialState(makeConfig({ players: 4, seed: 0xffff_ffff, rules: 1 }))))).toBe('151d2327');
    expect(formatChecksum(checksum(initialState(DEFAULT_CONFIG)))).toBe('47089ecf');
    expect(formatChecksum(checksum(initialState(makeConfig({ players: 4, seed: 0xffff_ffff }))))).toBe('53f17bfb');
  });

  it('gives equal checksums for equal states, whatever their object identity or key order', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        const reordered = Object.fromEntries(Object.entries(structuredClone(s)).reverse()) as unknown as GameState;
        expect(checksum(structuredClone(s))).toBe(checksum(s));
        expect(checksum(reordered)).toBe(checksum(s));
      }),
      { numRuns: 1000 },
    );
  });

  it('changes when any single field changes (property over fields)', () => {
    const mutation = arbState.chain((s) => {
      const fields = fieldsOf(s);
      return fc.tuple(fc.constant(s), fc.constantFrom(...fields), int32);
    });
    fc.assert(
      fc.property(mutation, ([s, field, raw]) => {
        // Values with the same 32 bits are the same word to the hash (e.g. rng -1 and 0xffffffff).
        let value = (raw | 0) === (field.value | 0) ? (raw + 1) | 0 : raw;
        // The player count bounds the hash's loop: keep it a legal, different count.
        if (field.path === 'config.players') value = 2 + ((field.value - 2 + 1 + (raw & 1)) % 3);
        // The rule set decides which words are hashed: keep it a legal, different one.
        if (field.path === 'config.rules') value = 3 - field.value;
        if (s.config.rules < 2 && RULES2_ONLY.includes(field.path)) expect(checksum(field.set(value)), field.path).toBe(checksum(s));
        else expect(checksum(field.set(value)), field.path).not.toBe(checksum(s));
      }),
      { numRuns: 10_000 },
    );
  });

  it('covers every field of a state (no field is left out of the hash)', () => {
    const s = initialState(makeConfig({ players: 4 }));
    const paths = fieldsOf(s).map((f) => f.path);
    expect(paths).toHaveLength(9 + 2 + 5 + 4 + 4 + 6);
    for (const f of fieldsOf(s)) expect(checksum(f.set(f.value + 1)), f.path).not.toBe(checksum(s));
  });

  it('differs along a real match (consecutive frames never collide here)', () => {
    let s = initialState(makeConfig({ players: 3, seed: 5 }));
    const seen = new Set<number>([checksum(s)]);
    for (let f = 0; f < 2000; f++) {
      s = step(s, [f % 4, (f >> 3) % 4, (f >> 5) % 4]);
      seen.add(checksum(s));
    }
    expect(seen.size).toBe(2001);
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        const c = checksum(s);
        return Number.isInteger(c) && c >= 0 && c <= 0xffff_ffff;
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatChecksum', () => {
  it('prints 8 lower-case hex digits, zero-padded, for signed or unsigned input', () => {
    expect(formatChecksum(0)).toBe('00000000');
    expect(formatChecksum(0xabc)).toBe('00000abc');
    expect(formatChecksum(0xdeadbeef)).toBe('deadbeef');
    expect(formatChecksum(-1)).toBe('ffffffff');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (v) => {
        const text = formatChecksum(v);
        return /^[0-9a-f]{8}$/.test(text) && parseInt(text, 16) === v;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('diffStates', () => {
  it('is empty for structurally equal states', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        expect(diffStates(s, structuredClone(s))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('lists exactly the changed paths, with both values', () => {
    const mutation = arbState.chain((s) => {
      const fields = fieldsOf(s);
      return fc.tuple(fc.constant(s), fc.subarray(fields, { minLength: 1 }), int32);
    });
    fc.assert(
      fc.property(mutation, ([s, changed, delta]) => {
        let b: GameState = s;
        const expected = new Map<string, [number, number]>();
        for (const field of changed) {
          const next = field.value + (delta === 0 ? 1 : delta);
          b = fieldsOf(b).find((f) => f.path === field.path)?.set(next) ?? b;
          expected.set(field.path, [field.value, next]);
        }
        const diffs = diffStates(s, b);
        expect(new Map(diffs.map((d) => [d.path, [d.a, d.b]]))).toEqual(expected);
        expect(diffs).toHaveLength(changed.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('reports in the same order whatever the key insertion order (same report on every peer)', () => {
    fc.assert(
      fc.property(arbState, arbState, (a, b) => {
        const reorder = (s: GameState): unknown => JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(s).reverse())));
        expect(diffStates(reorder(a), reorder(b))).toEqual(diffStates(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('names array indices, extra elements, type changes and the root', () => {
    const s = initialState(makeConfig({ players: 2 }));
    expect(diffStates(s, { ...s, paddles: [s.paddles[0], 7, 9] }).map((d) => d.path)).toEqual(['paddles[1]', 'paddles[2]']);
    expect(diffStates(s, { ...s, ball: 5 })).toEqual([{ path: 'ball', a: s.ball, b: 5 }]);
    expect(diffStates(1, 2)).toEqual([{ path: '(root)', a: 1, b: 2 }]);
    expect(diffStates({ x: 1 }, { y: 1 }).map((d) => d.path)).toEqual(['x', 'y']);
  });

  it('stops at the limit', () => {
    const a = { v: Array.from({ length: 50 }, () => 0) };
    const b = { v: Array.from({ length: 50 }, () => 1) };
    expect(diffStates(a, b)).toHaveLength(50);
    expect(diffStates(a, b, 3).map((d) => d.path)).toEqual(['v[0]', 'v[1]', 'v[2]']);
  });

  it('formats one line per difference', () => {
    const s = initialState(makeConfig({ players: 2 }));
    const t = { ...s, frame: 3, ball: { ...s.ball, vx: -4 } };
    expect(formatDiff(diffStates(s, t))).toBe('ball.vx: 0 != -4\nframe: 0 != 3');
  });
});

describe('encodeState / decodeState', () => {
  it('round-trips arbitrary states', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        expect(decodeState(encodeState(s))).toEqual({ ok: true, state: s });
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips states from real play, keeping the checksum', () => {
    let s = initialState(makeConfig({ players: 4, seed: 3 }));
    for (let f = 0; f < 1500; f++) {
      s = step(s, [f % 4, (f >> 2) % 4, (f >> 4) % 4, (f >> 6) % 4]);
      if (f % 100 !== 0) continue;
      const back = decodeState(encodeState(s));
      expect(back).toEqual({ ok: true, state: s });
      if (back.ok) expect(checksum(back.state)).toBe(checksum(s));
    }
  });

  it('rejects malformed input with a reason', () => {
    const good = JSON.parse(new TextDecoder().decode(encodeState(initialState(makeConfig())))) as Record<string, unknown>;
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    const errorOf = (bytes: Uint8Array): string => {
      const r = decodeState(bytes);
      return r.ok ? 'ok' : r.error;
    };
    expect(errorOf(enc(good))).toBe('ok');
    expect(errorOf(Uint8Array.of(0xff, 0xfe))).toBe('state is not valid UTF-8 JSON');
    expect(errorOf(new TextEncoder().encode('{"frame":'))).toBe('state is not valid UTF-8 JSON');
    expect(errorOf(enc(null))).toBe('state must be an object');
    expect(errorOf(enc({ ...good, config: { players: 9 } }))).toMatch(/^config\.players/);
    expect(errorOf(enc({ ...good, ball: { x: 1 } }))).toBe('state.ball is malformed');
    expect(errorOf(enc({ ...good, frame: 1.5 }))).toBe('state.frame must be an integer');
    expect(errorOf(enc({ ...good, rng: '7' }))).toBe('state.rng must be an integer');
    expect(errorOf(enc({ ...good, paddles: [1, 2, 3] }))).toBe('state.paddles/scores are malformed');
    expect(errorOf(enc({ ...good, scores: [0, 2 ** 40] }))).toBe('state.paddles/scores are malformed');
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeState(bytes).ok).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });

  it('never throws on structurally mutated states, and whatever it accepts re-encodes identically', () => {
    const base = JSON.parse(new TextDecoder().decode(encodeState(step(initialState(makeConfig({ players: 3 })), [1, 2, 3])))) as Record<string, unknown>;
    const keys = [...Object.keys(base), 'ball.x', 'ball.speed', 'config.players', 'paddles', 'extra'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const mutated = structuredClone(base);
        const [head, tail] = key.split('.');
        if (tail === undefined) mutated[head ?? ''] = value;
        else (mutated[head ?? ''] as Record<string, unknown>)[tail] = value;
        const r = decodeState(new TextEncoder().encode(JSON.stringify(mutated)));
        if (r.ok) expect(decodeState(encodeState(r.state))).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });
});
