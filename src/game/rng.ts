/**
 * Seeded pseudo-random generator whose whole state is one uint32 kept inside the game state, so
 * that `step` stays pure and a rollback restores the generator along with everything else.
 *
 * Algorithm: xorshift32 (Marsaglia 2003, shifts 13/17/5), a full-period generator over the non-zero
 * 32-bit integers, using only integer operations. A zero seed is remapped (xorshift's only fixed point).
 */

/** Turns any integer seed into a valid (non-zero) generator state. */
export function seedRng(seed: number): number {
  // Mix with a constant so that small consecutive seeds give unrelated streams.
  let s = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  s = (s ^ (s >>> 13)) >>> 0; // `^` yields a signed int32: keep the state a uint32 as documented
  return s === 0 ? 0x6d2b79f5 : s;
}

/** Advances the generator: returns the next state, which is also the output (uint32). */
export function nextRng(state: number): number {
  let x = state >>> 0;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/**
 * An integer in `[0, n)` from a generator output, by multiply-high (no modulo bias worth noting for
 * n << 2^32, and no division). `n` must be in 1..2^16 so the product stays exact.
 */
export function rngBelow(output: number, n: number): number {
  return Math.floor((output >>> 16) * n / 0x1_0000);
}
