import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clamp,
  fabs,
  fadd,
  fdiv,
  floorDivExact,
  fmul,
  fsub,
  fx,
  FX_HALF,
  FX_MAX,
  FX_MIN,
  FX_ONE,
  fxFloor,
  fxRound,
  fxToFloat,
} from '../../src/game/fixed.ts';

const RUNS = 10_000;
const EDGES = [FX_MIN, FX_MAX, 0, 1, -1, FX_ONE, -FX_ONE, FX_ONE - 1, -FX_ONE + 1, FX_HALF, -FX_HALF, FX_MIN + 1, FX_MAX - 1];

/** Any int32, with the edge values drawn often. */
const int32 = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: FX_MIN, max: FX_MAX }));

/** floor(n / d) in BigInt (BigInt division truncates toward zero). */
function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

const wrap32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

describe('BigInt reference helpers', () => {
  it('floorDiv rounds toward negative infinity for every sign combination', () => {
    expect(floorDiv(7n, 2n)).toBe(3n);
    expect(floorDiv(-7n, 2n)).toBe(-4n);
    expect(floorDiv(7n, -2n)).toBe(-4n);
    expect(floorDiv(-7n, -2n)).toBe(3n);
    expect(floorDiv(-8n, 2n)).toBe(-4n);
  });
});

describe('fmul', () => {
  it('equals floor(a*b / 2^16) wrapped to int32 (BigInt reference)', () => {
    fc.assert(
      fc.property(int32, int32, (a, b) => {
        expect(fmul(a, b)).toBe(wrap32(floorDiv(BigInt(a) * BigInt(b), 65536n)));
      }),
      { numRuns: RUNS },
    );
  });

  it('matches the reference on every pair of edge values', () => {
    for (const a of EDGES) for (const b of EDGES) expect(fmul(a, b)).toBe(wrap32(floorDiv(BigInt(a) * BigInt(b), 65536n)));
  });

  it('has FX_ONE as identity and rounds products of negatives down', () => {
    expect(fmul(fx(3), fx(-2))).toBe(fx(-6));
    expect(fmul(FX_HALF, FX_HALF)).toBe(FX_ONE / 4);
    expect(fmul(-1, 1)).toBe(-1); // -1/65536 floors to -1, not 0
    expect(fmul(1, 1)).toBe(0);
    fc.assert(fc.property(int32, (a) => fmul(a, FX_ONE) === a && fmul(FX_ONE, a) === a), { numRuns: RUNS });
  });

  it('always returns an int32', () => {
    fc.assert(fc.property(int32, int32, (a, b) => (fmul(a, b) | 0) === fmul(a, b)), { numRuns: RUNS });
  });
});

describe('fdiv', () => {
  it('equals floor(a*2^16 / b) wrapped to int32 (BigInt reference)', () => {
    const nonZero = int32.filter((b) => b !== 0);
    fc.assert(
      fc.property(int32, nonZero, (a, b) => {
        expect(fdiv(a, b)).toBe(wrap32(floorDiv(BigInt(a) * 65536n, BigInt(b))));
      }),
      { numRuns: RUNS },
    );
  });

  it('matches the reference on every pair of edge values', () => {
    for (const a of EDGES) {
      for (const b of EDGES) if (b !== 0) expect(fdiv(a, b)).toBe(wrap32(floorDiv(BigInt(a) * 65536n, BigInt(b))));
    }
  });

  it('divides simple values exactly and floors negative quotients', () => {
    expect(fdiv(fx(6), fx(3))).toBe(fx(2));
    expect(fdiv(fx(1), fx(2))).toBe(FX_HALF);
    expect(fdiv(fx(-1), fx(3))).toBe(-21846); // -21845.33 floors to -21846
    expect(fdiv(fx(1), fx(3))).toBe(21845);
  });

  it('throws RangeError for a zero divisor', () => {
    fc.assert(
      fc.property(int32, (a) => {
        expect(() => fdiv(a, 0)).toThrow(RangeError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('floorDivExact', () => {
  const LIMIT = 2n ** 52n - 1n;
  const D_LIMIT = 2n ** 32n - 1n;
  const numerator = fc.oneof(
    fc.constantFrom(LIMIT, -LIMIT, 0n, 1n, -1n, 65536n, -65536n, 2n ** 47n, -(2n ** 47n)),
    fc.bigInt({ min: -LIMIT, max: LIMIT }),
    fc.bigInt({ min: -100_000n, max: 100_000n }),
  );
  const divisor = fc
    .oneof(fc.constantFrom(1n, -1n, 2n, -2n, 3n, -3n, 65536n, D_LIMIT, -D_LIMIT), fc.bigInt({ min: -D_LIMIT, max: D_LIMIT }))
    .filter((d) => d !== 0n);

  it('equals BigInt floor division for |n| < 2^52 and 0 < |d| < 2^32', () => {
    fc.assert(
      fc.property(numerator, divisor, (n, d) => {
        expect(floorDivExact(Number(n), Number(d))).toBe(Number(floorDiv(n, d)));
      }),
      { numRuns: RUNS },
    );
  });

  it('is exact where the float quotient rounds across an integer', () => {
    // (2^52 - 1) / 3 = 1501199875790165 exactly; (2^52 - 2) / 3 has remainder 2.
    expect(floorDivExact(2 ** 52 - 1, 3)).toBe(1501199875790165);
    expect(floorDivExact(2 ** 52 - 2, 3)).toBe(1501199875790164);
    expect(floorDivExact(-(2 ** 52 - 2), 3)).toBe(-1501199875790165);
    expect(floorDivExact(2 ** 52 - 1, -(2 ** 32 - 1))).toBe(Number(floorDiv(LIMIT, -D_LIMIT)));
  });
});

describe('fadd / fsub', () => {
  it('wrap like int32 addition and subtraction', () => {
    fc.assert(
      fc.property(int32, int32, (a, b) => {
        expect(fadd(a, b)).toBe(wrap32(BigInt(a) + BigInt(b)));
        expect(fsub(a, b)).toBe(wrap32(BigInt(a) - BigInt(b)));
      }),
      { numRuns: RUNS },
    );
    expect(fadd(FX_MAX, 1)).toBe(FX_MIN);
    expect(fsub(FX_MIN, 1)).toBe(FX_MAX);
  });
});

describe('conversions', () => {
  it('fx scales integers by 2^16 and wraps like int32 outside ±32768', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (n) => fx(n) === n * 65536),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(int32, (n) => fx(n) === wrap32(BigInt(n) * 65536n)),
      { numRuns: RUNS },
    );
    expect(fx(1)).toBe(FX_ONE);
    expect(fx(-32768)).toBe(FX_MIN);
    expect(fx(32768)).toBe(FX_MIN);
  });

  it('fxFloor rounds toward negative infinity', () => {
    fc.assert(
      fc.property(int32, (a) => fxFloor(a) === Math.floor(a / 65536)),
      { numRuns: RUNS },
    );
    expect(fxFloor(-1)).toBe(-1);
    expect(fxFloor(FX_ONE - 1)).toBe(0);
    expect(fxFloor(FX_MIN)).toBe(-32768);
    expect(fxFloor(FX_MAX)).toBe(32767);
  });

  it('fxRound rounds half up, exactly, for every int32 (no wrap near FX_MAX)', () => {
    fc.assert(
      fc.property(int32, (a) => fxRound(a) === Math.floor((a + 32768) / 65536)),
      { numRuns: RUNS },
    );
    expect(fxRound(fx(2) + FX_HALF - 1)).toBe(2);
    expect(fxRound(fx(2) + FX_HALF)).toBe(3);
    expect(fxRound(-FX_HALF)).toBe(0); // -0.5 rounds up to 0
    expect(fxRound(-FX_HALF - 1)).toBe(-1);
    expect(fxRound(FX_MAX)).toBe(32768);
    expect(fxRound(FX_MIN)).toBe(-32768);
  });

  it('fxToFloat is the exact real value', () => {
    expect(fxToFloat(FX_HALF)).toBe(0.5);
    expect(fxToFloat(-FX_ONE - FX_HALF)).toBe(-1.5);
    fc.assert(
      fc.property(int32, (a) => fxToFloat(a) * 65536 === a),
      { numRuns: 1000 },
    );
  });
});

describe('clamp / fabs', () => {
  it('clamp keeps values within bounds and leaves inner values alone', () => {
    fc.assert(
      fc.property(int32, int32, int32, (v, x, y) => {
        const lo = Math.min(x, y);
        const hi = Math.max(x, y);
        const c = clamp(v, lo, hi);
        return c >= lo && c <= hi && (v < lo || v > hi || c === v);
      }),
      { numRuns: RUNS },
    );
  });

  it('fabs is the int32 absolute value (FX_MIN wraps to itself)', () => {
    fc.assert(
      fc.property(int32, (a) => fabs(a) === wrap32(BigInt(a) < 0n ? -BigInt(a) : BigInt(a))),
      { numRuns: RUNS },
    );
    expect(fabs(FX_MIN)).toBe(FX_MIN);
    expect(fabs(-5)).toBe(5);
  });
});
