import { NULL_FRAME, type Frame } from '../types.ts';

/**
 * One player's record values not yet in its input queue's reach, in frame order from `from`: frames
 * past our last input frame + `AHEAD_LIMIT`, which the queue's ring cannot take yet (see
 * `Notary.settle`). One byte a frame (an input is 0..255).
 */
export class PendingInputs {
  private data = new Uint8Array(0);
  private head = 0;
  private tail = 0;
  /** The frame of the first value held (meaningless while empty). */
  from: Frame = NULL_FRAME;

  get size(): number {
    return this.tail - this.head;
  }

  get first(): number {
    return this.data[this.head] as number;
  }

  /** The `i`-th value held (0: `first`). */
  at(i: number): number {
    return this.data[this.head + i] as number;
  }

  /** Appends the value of `frame` (the frame after the last one held, or any when empty). */
  push(frame: Frame, value: number): void {
    if (this.size === 0) {
      this.head = 0;
      this.tail = 0;
      this.from = frame;
    }
    if (this.tail === this.data.length) {
      const held = this.data.subarray(this.head, this.tail);
      const grown = new Uint8Array(Math.max(64, 2 * held.length));
      grown.set(held);
      this.data = grown;
      this.tail -= this.head;
      this.head = 0;
    }
    this.data[this.tail++] = value;
  }

  shift(): void {
    this.head++;
    this.from++;
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
  }
}
