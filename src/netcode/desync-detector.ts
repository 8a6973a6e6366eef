/**
 * Desync detection on confirmed frames only.
 *
 * A checksum is worth comparing only when every peer computed it from the same inputs; comparing
 * predicted frames gives false alarms (a top complaint about GGRS). The session therefore tracks the
 * last input frame that *every* peer holds confirmed ("final"); the state after frame f is final once
 * inputs up to f-1 are. Every `interval` frames the detector keeps the latest checksum saved for that
 * frame (re-saved after each rollback), reports it once final, and compares it with what peers report.
 * The last few final states are kept for forensics (a field-level diff against a peer's copy).
 */
import type { Frame } from './types.ts';

/** A checksum of a final frame, with the state it came from. */
export interface FinalChecksum<S> {
  readonly frame: Frame;
  readonly checksum: number;
  readonly state: S;
}

/** How many final checksums (and states) are remembered. */
const KEEP_FINAL = 8;

/** Bookkeeping of local and remote checksums. */
export class DesyncDetector<S> {
  private readonly latest = new Map<Frame, { checksum: number; state: S }>();
  private readonly final: FinalChecksum<S>[] = [];
  private lastFinalFrame: Frame = 0;

  constructor(readonly interval: number) {
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError('checksum interval must be a positive integer');
  }

  /** A session resumed at `frame` (a rejoin): only tracked frames from `frame` on are ever saved. */
  startAt(frame: Frame): void {
    this.lastFinalFrame = Math.max(0, Math.ceil(frame / this.interval) - 1) * this.interval;
  }

  /** Is `frame` one whose checksum is exchanged? */
  tracks(frame: Frame): boolean {
    return frame > 0 && frame % this.interval === 0;
  }

  /** Remembers the latest saved checksum of a tracked frame (overwrites an older simulation of it). */
  saved(frame: Frame, checksum: number, state: S): void {
    if (frame > this.lastFinalFrame) this.latest.set(frame, { checksum, state });
  }

  /**
   * Promotes tracked frames whose inputs are final (`frame - 1 <= finalInputFrame`), in frame order.
   * Returns the newly final checksums.
   */
  finalize(finalInputFrame: Frame): FinalChecksum<S>[] {
    const out: FinalChecksum<S>[] = [];
    for (let f = this.lastFinalFrame + this.interval; f - 1 <= finalInputFrame; f += this.interval) {
      const entry = this.latest.get(f);
      if (entry === undefined) break; // not simulated yet
      const fin = { frame: f, checksum: entry.checksum, state: entry.state };
      out.push(fin);
      this.final.push(fin);
      if (this.final.length > KEEP_FINAL) this.final.shift();
      this.latest.delete(f);
      this.lastFinalFrame = f;
    }
    return out;
  }

  /** The final checksum of `frame`, if still remembered. */
  finalAt(frame: Frame): FinalChecksum<S> | undefined {
    return this.final.find((f) => f.frame === frame);
  }

  /** Up to `n` most recent final checksums (for redundant reports). */
  recent(n: number): readonly FinalChecksum<S>[] {
    return this.final.slice(-n);
  }

  /** Highest final tracked frame so far (0 when none). */
  get lastFinal(): Frame {
    return this.lastFinalFrame;
  }
}
