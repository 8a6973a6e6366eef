import { describe, expect, it } from 'vitest';
import { checksum, initialState, makeConfig } from '../../src/game/index.ts';
import { hashSetup } from '../../src/lobby/control.ts';
import { assertNever } from '../../src/shared/assert-never.ts';
import { FNV1A_OFFSET, fnv1aMix, fnv1aText } from '../../src/shared/fnv1a.ts';
import { quantile, quantileOfSorted } from '../../src/shared/quantile.ts';
import { deriveSeed } from '../../src/transport/seeded-random.ts';

describe('quantile', () => {
  it('takes the element at rank floor(q * n) of the sorted values, clamped', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 0.5)).toBe(6);
    expect(quantile(xs, 0.95)).toBe(10);
    expect(quantile(xs, 1)).toBe(10);
    expect(quantile([7, 3], 0.5)).toBe(7);
    expect(xs[0]).toBe(5); // not sorted in place
    expect(quantileOfSorted([1, 2, 3, 4], 0.25)).toBe(2);
  });

  it('returns the given fallback for no values (NaN by default)', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([], 0.5, 0)).toBe(0);
    expect(quantileOfSorted([], 0.99, -1)).toBe(-1);
  });
});

describe('fnv1a', () => {
  it('matches the published FNV-1a 32-bit vectors', () => {
    expect(fnv1aText('') >>> 0).toBe(0x811c9dc5);
    expect(fnv1aText('a') >>> 0).toBe(0xe40c292c);
    expect(fnv1aText('foobar') >>> 0).toBe(0xbf9cf968);
    expect(fnv1aMix(FNV1A_OFFSET, 0x61) >>> 0).toBe(0xe40c292c);
  });

  it('keeps the hashes the tree already recorded (checksums, setup hashes, derived seeds)', () => {
    // Values computed by the copies these helpers replaced: replays, peers and seeded runs depend on them.
    expect(checksum(initialState(makeConfig({ players: 2, seed: 5, pointsToWin: 99 })))).toBe(0xcb06ace6);
    expect(checksum(initialState(makeConfig({ players: 4, seed: 77, pointsToWin: 5, rules: 2 })))).toBe(0x992ca759);
    expect(hashSetup({ players: 4, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 })).toBe('bfef85ce');
    expect(deriveSeed(1, 'match', 3)).toBe(239817742);
    expect(deriveSeed(0xffffffff, 'ünï', 'a', 'bc')).toBe(3234509413);
  });
});

describe('assertNever', () => {
  it('throws naming the union and the unexpected value', () => {
    expect(() => assertNever('x' as never, 'route')).toThrow('unhandled route "x"');
  });
});
