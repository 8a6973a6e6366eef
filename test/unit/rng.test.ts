import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextRng, rngBelow, seedRng } from '../../src/game/rng.ts';

const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });

/** The first `n` outputs of the generator seeded with `seed`. */
function outputs(seed: number, n: number): number[] {
  const out: number[] = [];
  let r = seedRng(seed);
  for (let i = 0; i < n; i++) out.push((r = nextRng(r)));
  return out;
}

describe('golden values', () => {
  // These pin the algorithm: the seed mixing in seedRng and xorshift32 (13/17/5). Every serve angle
  // of every match and replay depends on them, so a change here breaks all recorded replays and
  // must come with a GAME_VERSION bump. They were computed once from this implementation.
  const GOLDEN: readonly (readonly [number, number, readonly number[]])[] = [
    [0, 0xc108d225, [0xb2cfefe3, 0xa946a73a, 0xc99ae4aa, 0x34f22b8d, 0x41f5dacc]],
    [1, 0x3b22d6f0, [0x5e6027ce, 0x09a09ac2, 0x45e2207e, 0x3c51f188, 0x4e7ee7b8]],
    [2, 0xcce0081a, [0x7186f38b, 0x510f4a70, 0xb063dc50, 0xb6de8d24, 0x883dedb9]],
    [42, 0xe009ce07, [0xe0e11e83, 0xa512fc7b, 0xa921c795, 0xabb6c0fc, 0x06865c28]],
    [0xffff_ffff, 0xb9009368, [0xc6d51d1e, 0xcbab1b05, 0xb1b60360, 0x4a9d4a2d, 0x98cbe3e1]],
  ];

  it.each(GOLDEN)('seed %i', (seed, state, first) => {
    expect(seedRng(seed)).toBe(state);
    expect(outputs(seed, first.length)).toEqual(first);
  });

  it('nextRng is textbook xorshift32 (Marsaglia 2003: 1 -> 270369)', () => {
    expect(nextRng(1)).toBe(270_369);
    expect(nextRng(270_369)).toBe(67_634_689);
  });
});

describe('seedRng', () => {
  it('gives a non-zero uint32 state for every seed', () => {
    fc.assert(
      fc.property(fc.oneof(uint32, fc.integer({ min: -0x8000_0000, max: -1 })), (seed) => {
        const s = seedRng(seed);
        expect(Number.isInteger(s) && s > 0 && s <= 0xffff_ffff).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('never yields 0 (xorshift\'s fixed point): seed 0 is usable and the one seed that mixes to 0 is remapped', () => {
    expect(nextRng(0)).toBe(0); // why the remap exists
    expect(seedRng(0)).not.toBe(0);
    expect(outputs(0, 3).every((v) => v !== 0)).toBe(true);
    // 0x9e3779b9 is the only seed whose mix is 0 (the mix is a bijection); it takes the fallback state.
    expect(seedRng(0x9e37_79b9)).toBe(0x6d2b_79f5);
  });

  it('separates consecutive seeds (no two of the first 1000 share a state)', () => {
    const states = new Set<number>();
    for (let s = 0; s < 1000; s++) states.add(seedRng(s));
    expect(states.size).toBe(1000);
  });
});

describe('nextRng', () => {
  it('returns a non-zero uint32 for every non-zero state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), (s) => {
        const n = nextRng(s);
        expect(Number.isInteger(n) && n > 0 && n <= 0xffff_ffff).toBe(true);
      }),
      { numRuns: 10_000 },
    );
    expect(nextRng(0xffff_ffff)).not.toBe(0);
  });

  it('treats a signed int32 state like the same bits unsigned', () => {
    fc.assert(
      fc.property(uint32, (s) => nextRng(s) === nextRng(s | 0)),
      { numRuns: 2000 },
    );
  });
});

describe('rngBelow', () => {
  it('stays in [0, n) for every output and every n in 1..2^16', () => {
    fc.assert(
      fc.property(uint32, fc.integer({ min: 1, max: 0x1_0000 }), (out, n) => {
        const v = rngBelow(out, n);
        expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
      }),
      { numRuns: 10_000 },
    );
    expect(rngBelow(0, 7)).toBe(0);
    expect(rngBelow(0xffff_ffff, 7)).toBe(6);
    expect(rngBelow(0xffff_ffff, 0x1_0000)).toBe(0xffff);
  });

  it.each([2, 3, 4, 6, 11])('is roughly uniform for n = %i over 60k draws (chi-square)', (n) => {
    const DRAWS = 60_000;
    const counts = new Array<number>(n).fill(0);
    let r = seedRng(12_345 + n);
    for (let i = 0; i < DRAWS; i++) {
      r = nextRng(r);
      const k = rngBelow(r, n);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const mean = DRAWS / n;
    const chi2 = counts.reduce((sum, c) => sum + (c - mean) ** 2 / mean, 0);
    // Loose bound: for n - 1 <= 10 degrees of freedom, chi-square > 40 has probability < 1e-5.
    // The stream is seeded, so this is deterministic; it guards against a biased or stuck mapping.
    expect(chi2).toBeLessThan(40);
    expect(Math.min(...counts)).toBeGreaterThan(mean * 0.9);
  });
});
