/**
 * Ring of saved states for rollback: `capacity` slots (max prediction + 1), each holding a frame
 * number, the caller's state reference (immutable, so never cloned) and its checksum. The slots
 * double as the `StateCell`s handed out in `save` requests, so saving allocates nothing.
 */
import { NULL_FRAME, type Frame, type StateCell } from './types.ts';

/** One ring slot. */
export class SavedState<S> implements StateCell<S> {
  frame: Frame = NULL_FRAME;
  state: S | undefined = undefined;
  checksum = 0;

  save(frame: Frame, state: S, checksum: number): void {
    this.frame = frame;
    this.state = state;
    this.checksum = checksum;
  }
}

/** Fixed-size ring of saved states indexed by frame. */
export class StateRing<S> {
  private readonly slots: SavedState<S>[];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError('StateRing needs at least 2 slots');
    this.slots = Array.from({ length: capacity }, () => new SavedState<S>());
  }

  /** The slot that will hold `frame` (its previous content is overwritten by the next save). */
  cellFor(frame: Frame): SavedState<S> {
    return this.slots[frame % this.capacity] as SavedState<S>;
  }

  /** The saved slot of `frame`, or undefined when it was overwritten or never saved. */
  get(frame: Frame): SavedState<S> | undefined {
    const slot = this.slots[frame % this.capacity];
    return slot !== undefined && slot.frame === frame && slot.state !== undefined ? slot : undefined;
  }
}
