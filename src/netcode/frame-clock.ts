/**
 * Fixed-timestep accumulator: turns wall-clock time (passed in) into a number of simulation frames to
 * run, at the configured tick rate scaled by the session's time-sync factor. A long pause (a suspended
 * tab) is capped so the caller never runs thousands of frames in one go; the session's prediction limit
 * and time sync take care of catching up.
 */

/** Fraction of a frame treated as rounding error. */
const FRAME_EPSILON = 1e-9;

/** Decides how many frames are due at each call. */
export class FrameClock {
  private last: number | undefined;
  private accumulator = 0;

  /**
   * @param tickMs duration of one frame (1000/60 for 60 Hz)
   * @param maxFramesPerTick cap on frames returned by one call
   */
  constructor(
    readonly tickMs: number,
    private readonly maxFramesPerTick = 8,
  ) {}

  /** Starts (or restarts) counting from `nowMs`. */
  start(nowMs: number): void {
    this.last = nowMs;
    this.accumulator = 0;
  }

  /** Frames due at `nowMs` with the time-sync `factor` (1 = nominal; 0.97 = 3 % slower). */
  due(nowMs: number, factor = 1): number {
    if (this.last === undefined) this.start(nowMs);
    const elapsed = Math.max(0, nowMs - (this.last ?? nowMs));
    this.last = nowMs;
    this.accumulator += elapsed * factor;
    // The tolerance absorbs float rounding (1000/60 is not exact): without it a frame due exactly at
    // this call (e.g. the 60th at 1000 ms) comes one call late.
    let n = Math.floor(this.accumulator / this.tickMs + FRAME_EPSILON);
    if (n > this.maxFramesPerTick) {
      n = this.maxFramesPerTick;
      this.accumulator = 0;
    } else this.accumulator = Math.max(0, this.accumulator - n * this.tickMs);
    return n;
  }

  /** Fraction of the next frame already elapsed (0..1), for render interpolation. */
  get alpha(): number {
    return Math.min(1, this.accumulator / this.tickMs);
  }
}
