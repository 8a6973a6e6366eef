/**
 * Q16.16 fixed-point arithmetic in plain JavaScript numbers.
 *
 * A fixed value is a signed 32-bit integer `v` standing for `v / 65536`. Every operation is specified
 * exactly so that all JS engines compute identical bits:
 * - results are rounded toward negative infinity (floor), like an arithmetic right shift;
 * - results wrap to a signed 32-bit integer (two's complement), like `| 0` / C `int32_t`.
 *
 * `a * b` of two Q16.16 values needs up to 62 bits, beyond the 53 bits a double holds exactly, so
 * `fmul` splits `a` into its high and low 16-bit halves: `a*b/2^16 = hi(a)*b + lo(a)*b/2^16`, where
 * each partial product stays below 2^47 and the floor of the second is exact (division by a power of
 * two is exact in binary floating point). `fdiv` computes `floor(a*2^16 / b)` from a float estimate and
 * corrects it with an exact integer remainder. Both are proven against a BigInt reference by property tests.
 */

/** Number of fractional bits. */
export const FX_SHIFT = 16;
/** 1.0 in Q16.16. */
export const FX_ONE = 0x1_0000;
/** 0.5 in Q16.16. */
export const FX_HALF = 0x8000;
/** Largest Q16.16 value (just under 32768). */
export const FX_MAX = 0x7fff_ffff;
/** Smallest Q16.16 value (-32768). */
export const FX_MIN = -0x8000_0000;

const TWO_16 = 0x1_0000;

/** Integer -> Q16.16 (wraps like int32 for |n| >= 32768). */
export function fx(n: number): number {
  return (n * TWO_16) | 0;
}

/** Q16.16 -> integer, rounding toward negative infinity. */
export function fxFloor(a: number): number {
  return a >> FX_SHIFT;
}

/** Q16.16 -> integer, rounding half up (toward positive infinity). Exact for every int32, FX_MAX included. */
export function fxRound(a: number): number {
  // floor(a) plus the half bit; `(a + FX_HALF) >> 16` would wrap to -32768 for a >= FX_MAX - FX_HALF + 1.
  return (a >> FX_SHIFT) + ((a >> (FX_SHIFT - 1)) & 1);
}

/** Q16.16 -> float, for rendering and display only (never feed the result back into the simulation). */
export function fxToFloat(a: number): number {
  return a / TWO_16;
}

/** Wrapping int32 addition. */
export function fadd(a: number, b: number): number {
  return (a + b) | 0;
}

/** Wrapping int32 subtraction. */
export function fsub(a: number, b: number): number {
  return (a - b) | 0;
}

/** Product of two Q16.16 values: `floor(a*b / 2^16)` wrapped to int32. Exact for all int32 inputs. */
export function fmul(a: number, b: number): number {
  const hi = a >> 16; // signed high half, |hi| <= 2^15
  const lo = a & 0xffff; // unsigned low half, 0..65535
  // hi*b < 2^46 and lo*b < 2^47: both exact; lo*b / 2^16 is exact, so its floor is too.
  return (hi * b + Math.floor((lo * b) / TWO_16)) | 0;
}

/**
 * Quotient of two Q16.16 values: `floor(a * 2^16 / b)` wrapped to int32.
 * Division by zero is a broken invariant (callers never divide by a value that can be zero).
 */
export function fdiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('fdiv: division by zero');
  return floorDivExact(a * TWO_16, b) | 0;
}

/**
 * `floor(n / d)` for integers with |n| < 2^52 and 0 < |d| < 2^32: the float quotient is within one of
 * the true one; the remainder (exact, since q*d is close to n) tells which way to correct.
 */
export function floorDivExact(n: number, d: number): number {
  let q = Math.floor(n / d) + 0; // `+ 0` turns the -0 of 0 / negative into 0
  const r = n - q * d;
  if (d > 0 ? r < 0 : r > 0) q -= 1;
  else if (d > 0 ? r >= d : r <= d) q += 1;
  return q;
}

/** Clamp `v` into `[lo, hi]`. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Absolute value of an int32 (wraps for FX_MIN like int32). */
export function fabs(a: number): number {
  return (a < 0 ? -a : a) | 0;
}
