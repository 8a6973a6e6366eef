/**
 * What the renderer drew, frame by frame: the render time and the positions it put on screen (after
 * correction smoothing), in a fixed ring so logging costs no allocation per frame beyond the paddle
 * copy. The latency bench correlates a key press with the first logged frame that shows the move, on
 * the pressing page and on the remote one (docs/performance.md).
 */

/** One drawn frame. */
export interface DrawnFrame {
  /** `performance.now()` right after the frame was submitted to the GPU (ms, page clock). */
  readonly atMs: number;
  /** Simulation frame of the state drawn. */
  readonly frame: number;
  /** When the drawn state was simulated (the caller's tick time, page clock), if the caller said. */
  readonly simulatedAtMs?: number | undefined;
  /** Ball centre drawn (arena units). */
  readonly ballX: number;
  readonly ballY: number;
  /** Paddle centres drawn, along their sides (arena units). */
  readonly paddles: readonly number[];
}

/** A ring of the latest drawn frames. */
export class FrameLog {
  private readonly ring: (DrawnFrame | undefined)[];
  private written = 0;

  constructor(readonly capacity = 1200) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<DrawnFrame | undefined>(capacity).fill(undefined);
  }

  /** Records a drawn frame. */
  record(f: DrawnFrame): void {
    this.ring[this.written % this.capacity] = f;
    this.written++;
  }

  /** Frames drawn so far (including those the ring no longer holds). */
  get count(): number {
    return this.written;
  }

  /** The retained frames drawn at or after `sinceMs`, oldest first. */
  since(sinceMs = -Infinity): DrawnFrame[] {
    const n = Math.min(this.written, this.capacity);
    const out: DrawnFrame[] = [];
    for (let i = this.written - n; i < this.written; i++) {
      const f = this.ring[i % this.capacity];
      if (f !== undefined && f.atMs >= sinceMs) out.push(f);
    }
    return out;
  }
}
