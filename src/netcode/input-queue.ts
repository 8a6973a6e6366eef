/**
 * Per-player input queue: confirmed inputs, predictions, and the first frame whose simulation used a
 * value that later turned out wrong.
 *
 * Prediction rule (GGPO): a missing input repeats the player's last confirmed input (0 before any).
 * The queue remembers the value each frame was last *simulated* with (`used`), confirmed or predicted;
 * whenever a confirmed value differs from the used one, that frame becomes a rollback candidate. A correct
 * prediction therefore costs nothing — no rollback. Storage is a ring (capacity must exceed the span
 * between the oldest frame a rollback can reach and the newest input held).
 */
import { NULL_FRAME, type Frame } from './types.ts';

/** Outcome of offering a confirmed input. */
export type AddResult = 'added' | 'duplicate' | 'gap' | 'disconnected';

/** Inputs of one player. */
export class InputQueue {
  private readonly values: Int16Array;
  private readonly used: Int16Array;
  private readonly capacity: number;
  private lastConfirmed: Frame = NULL_FRAME;
  private maxUsed: Frame = NULL_FRAME;
  private firstIncorrect: Frame = NULL_FRAME;
  /** Inputs after this frame are neutral (the player left); NULL_FRAME while connected. */
  private disconnectedAfter: Frame = NULL_FRAME;
  private disconnected = false;
  /** Frames before this one are not held (a session resumed from a transferred state, see `startAt`). */
  private floor: Frame = 0;
  /**
   * Since the last `reopenAt`: frames `gapFrom`..`gapTo` (the player's time away, up to the frame its
   * input counts again) are `departedInput`, as every peer agreed. Not stored in the ring: a resume
   * frame far ahead (a hostile hold) would overrun it, and every frame before it would read as unknown.
   */
  private gapFrom: Frame = 0;
  private gapTo: Frame = NULL_FRAME;

  /**
   * @param departedInput the input of a departed player (after its last frame), and of a returning one
   *   until its input counts again (see `reopenAt`)
   */
  constructor(
    capacity = 256,
    readonly departedInput = 0,
  ) {
    this.capacity = capacity;
    this.values = new Int16Array(capacity);
    this.used = new Int16Array(capacity);
  }

  /** Last frame whose input is confirmed contiguously from frame 0 (NULL_FRAME when none). */
  get lastConfirmedFrame(): Frame {
    return this.disconnected ? Number.MAX_SAFE_INTEGER : this.lastConfirmed;
  }

  /** Last frame of real input received (for status gossip), even after a disconnect. */
  get lastReceivedFrame(): Frame {
    return this.disconnected ? this.disconnectedAfter : this.lastConfirmed;
  }

  /** First frame whose input this queue may hold (0, or where a resumed session starts). */
  get firstFrame(): Frame {
    return this.floor;
  }

  /** First frame simulated with a wrong value since the last `resetIncorrect` (NULL_FRAME: none). */
  get firstIncorrectFrame(): Frame {
    return this.firstIncorrect;
  }

  get isDisconnected(): boolean {
    return this.disconnected;
  }

  /** Offers the confirmed input of `frame`; only the next contiguous frame is taken. */
  addConfirmed(frame: Frame, input: number): AddResult {
    if (this.disconnected) return 'disconnected';
    if (frame <= this.lastConfirmed) return 'duplicate';
    if (frame !== this.lastConfirmed + 1) return 'gap';
    this.store(frame, input);
    this.lastConfirmed = frame;
    return 'added';
  }

  /**
   * Replaces the confirmed input of an already confirmed `frame` with the authoritative one (a notarised
   * record that differs from what the peer sent directly); flags it when it was simulated otherwise.
   * For a departed player it may also continue its input one frame past the departure frame (a record
   * that arrived after the drop). Returns false when the frame cannot be set (not held, or a gap).
   */
  setAuthoritative(frame: Frame, input: number): boolean {
    if (frame < this.floor || frame <= this.lastConfirmed - this.capacity || frame <= this.maxUsed - this.capacity) return false;
    if (this.inGap(frame)) return false; // agreed departed input: nothing changes it
    if (this.disconnected) {
      if (frame > this.disconnectedAfter + 1) return false;
      if (frame === this.disconnectedAfter + 1) this.disconnectedAfter = frame;
      if (frame > this.lastConfirmed) this.lastConfirmed = frame;
      this.store(frame, input);
      return true;
    }
    if (frame > this.lastConfirmed + 1) return false;
    if (frame === this.lastConfirmed + 1) this.lastConfirmed = frame;
    this.store(frame, input);
    return true;
  }

  /** The input to simulate `frame` with; records it as used. `predicted` when not confirmed yet. */
  inputFor(frame: Frame): { readonly input: number; readonly predicted: boolean } {
    let input: number;
    let predicted = false;
    if ((this.disconnected && frame > this.disconnectedAfter) || this.inGap(frame)) input = this.departedInput;
    else if (frame <= this.lastConfirmed) input = this.values[this.slot(frame)] ?? 0;
    else {
      predicted = true;
      input = this.lastConfirmed === NULL_FRAME ? 0 : (this.values[this.slot(this.lastConfirmed)] ?? 0);
    }
    this.used[this.slot(frame)] = input;
    if (frame > this.maxUsed) this.maxUsed = frame;
    return { input, predicted };
  }

  /** The confirmed input of `frame`, or undefined when not confirmed (or too old to be held). */
  confirmedInput(frame: Frame): number | undefined {
    if ((this.disconnected && frame > this.disconnectedAfter) || this.inGap(frame)) return this.departedInput;
    if (frame > this.lastConfirmed || frame < this.floor || frame <= this.lastConfirmed - this.capacity) return undefined;
    return this.values[this.slot(frame)];
  }

  /**
   * The player left: inputs after `lastFrame` become neutral. May be called again with a smaller frame
   * when the peers agree on an earlier one; frames already simulated with other values get flagged.
   */
  disconnectAfter(lastFrame: Frame): void {
    if (this.disconnected && lastFrame >= this.disconnectedAfter) return;
    const from = Math.min(lastFrame, this.lastConfirmed);
    this.disconnected = true;
    this.disconnectedAfter = from;
    for (let f = from + 1; f <= this.maxUsed; f++) {
      if (f > this.maxUsed - this.capacity && this.used[this.slot(f)] !== this.departedInput) {
        this.flag(f);
        break;
      }
    }
  }

  /**
   * A departed player returns: its input stays `departedInput` up to `frame - 1` (confirmed, as every
   * remaining peer agreed) and is its own again from `frame` on (predicted until it arrives). Frames
   * already simulated from `frame` on used `departedInput`, which is also the prediction now: nothing
   * to roll back until its real inputs come.
   */
  reopenAt(frame: Frame): void {
    if (!this.disconnected || frame <= this.disconnectedAfter) return;
    this.gapFrom = this.disconnectedAfter + 1;
    this.gapTo = frame - 1;
    for (let f = Math.max(this.disconnectedAfter + 1, frame - this.capacity + 1); f < frame; f++) this.values[this.slot(f)] = this.departedInput;
    this.lastConfirmed = frame - 1;
    this.disconnected = false;
    this.disconnectedAfter = NULL_FRAME;
  }

  /**
   * A queue of a session resumed at `frame` from a transferred state: inputs before it are not held
   * (and never asked for); the next confirmed input expected is `frame`'s.
   */
  startAt(frame: Frame): void {
    this.floor = frame;
    this.lastConfirmed = frame - 1;
    this.maxUsed = frame - 1;
  }

  /** Clears the rollback marker (after the session rolled back past it). */
  resetIncorrect(): void {
    this.firstIncorrect = NULL_FRAME;
  }

  private store(frame: Frame, input: number): void {
    const slot = this.slot(frame);
    this.values[slot] = input;
    if (frame <= this.maxUsed && this.used[slot] !== input) this.flag(frame);
  }

  private flag(frame: Frame): void {
    if (this.firstIncorrect === NULL_FRAME || frame < this.firstIncorrect) this.firstIncorrect = frame;
  }

  private inGap(frame: Frame): boolean {
    return frame >= this.gapFrom && frame <= this.gapTo;
  }

  private slot(frame: Frame): number {
    return frame % this.capacity;
  }
}
