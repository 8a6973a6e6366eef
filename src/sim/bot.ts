/**
 * Scripted input generator for tests, fixtures and the simulator: a player that holds a random
 * direction (none, negative, positive, both) for a random 1..30 frames, from a seeded xorshift32 stream.
 * Deterministic for a seed; never reads `Math.random`.
 */
import { nextRng, rngBelow, seedRng } from '../game/rng.ts';

/** One scripted player. */
export class RandomBot {
  private rng: number;
  private hold = 0;
  private current = 0;

  constructor(seed: number) {
    this.rng = seedRng(seed);
  }

  /** The input for the next frame. */
  next(): number {
    if (this.hold <= 0) {
      this.rng = nextRng(this.rng);
      this.current = rngBelow(this.rng, 4);
      this.rng = nextRng(this.rng);
      this.hold = 1 + rngBelow(this.rng, 30);
    }
    this.hold--;
    return this.current;
  }
}
