/**
 * A small seeded pseudo-random generator for the transport layer (the network simulator and the
 * lag injector), so that a lossy, jittery run is reproducible from one number.
 *
 * Algorithm: mulberry32 (Tommy Ettinger, public domain): a 32-bit Weyl sequence
 * (`state += 0x6D2B79F5`) passed through an xor-shift-multiply output mix. Period 2^32, fast,
 * and good enough for packet fates; it is deliberately a different family from the game's
 * xorshift so that the two streams can never be confused. Sub-seeds for independent streams
 * (one per directed link) come from `deriveSeed`: FNV-1a over the labels, then the murmur3
 * `fmix32` finalizer.
 */
import { FNV1A_OFFSET, fnv1aMix, fnv1aText } from '../shared/fnv1a.ts';

const TWO_POW_32 = 4_294_967_296;

/** A mulberry32 stream. Not cryptographic; never use it for secrets. */
export class SeededRandom {
  private state: number;

  /** @param seed any number; only its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float uniformly distributed in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A float uniformly distributed in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** True with probability `p` (p <= 0 never, p >= 1 always). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** The internal state, so a run can be checkpointed and resumed with `new SeededRandom(state)`. */
  get seedState(): number {
    return this.state;
  }
}

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A 32-bit seed for an independent sub-stream, derived from a root seed and labels
 * (for example `deriveSeed(seed, 'link', from, to)`). Same inputs, same seed; labels are
 * length-prefixed so that ('ab', 'c') and ('a', 'bc') differ.
 */
export function deriveSeed(seed: number, ...labels: readonly (string | number)[]): number {
  let h = FNV1A_OFFSET ^ fmix32(seed >>> 0);
  for (const label of labels) {
    const text = typeof label === 'number' ? `#${label}` : label;
    // Length first, so that label boundaries are unambiguous.
    h = fnv1aText(text, fnv1aMix(h, text.length));
  }
  return fmix32(h);
}
