/**
 * The synchronization layer of a rollback session (GGRS's `sync_layer`): the input queues of every
 * player, the ring of saved states, the current frame, the local input delay, and the planning of
 * rollbacks — load the first frame simulated with a wrong input, then re-simulate to the present,
 * saving each frame. It knows nothing of the network; the session feeds it inputs and asks it for work.
 */
import { InputQueue } from './input-queue.ts';
import { StateRing } from './state-ring.ts';
import { NULL_FRAME, type Frame, type SessionRequest, type StateLostReason } from './types.ts';

/** Outcome of planning a rollback. */
export type RollbackPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'rollback'; readonly depth: number }
  /**
   * The state of `frame` is gone (its ring slot reused): `player`'s input there changed too late, by a
   * departure agreed at an earlier frame or by a notarised record (see `StateLostReason`).
   */
  | { readonly kind: 'lost'; readonly frame: Frame; readonly player: number; readonly reason: StateLostReason };

/** Input queues, saved states and the rollback planner. */
export class SyncLayer<S> {
  readonly queues: InputQueue[];
  private readonly ring: StateRing<S>;
  private frameNow: Frame = 0;
  private delay: number;
  private lastLocalInput = 0;

  /**
   * @param onSave called for every frame a `save` request is issued for (the caller's checksum tracking)
   */
  constructor(
    readonly players: number,
    readonly localPlayer: number,
    inputDelay: number,
    ringSize: number,
    private readonly onSave: (frame: Frame) => void,
    departedInput = 0,
    resumeFrame?: Frame,
  ) {
    this.queues = Array.from({ length: players }, () => new InputQueue(256, departedInput));
    this.ring = new StateRing<S>(ringSize);
    this.delay = inputDelay;
    const local = this.queue(localPlayer);
    if (resumeFrame === undefined) {
      for (let f = 0; f < inputDelay; f++) local.addConfirmed(f, 0);
      return;
    }
    // Resumed from a transferred state (a rejoin): the session fills the queues; a gap before the local
    // player's first input after its return is the departed input too (it was away).
    this.frameNow = resumeFrame;
    for (const q of this.queues) q.startAt(resumeFrame);
    this.lastLocalInput = departedInput;
  }

  /** The frame the next `advance` simulates. */
  get frame(): Frame {
    return this.frameNow;
  }

  get inputDelay(): number {
    return this.delay;
  }

  /** Changes the local input delay; later local inputs are scheduled with it. */
  set inputDelay(frames: number) {
    this.delay = frames;
  }

  queue(player: number): InputQueue {
    return this.queues[player] as InputQueue;
  }

  /** The saved slot of `frame` (for the caller's checksums), if still held. */
  saved(frame: Frame): { readonly state: S | undefined; readonly checksum: number } | undefined {
    return this.ring.get(frame);
  }

  /**
   * Schedules the local input of the current frame `inputDelay` frames later. A raised delay leaves a
   * gap, filled with the previous input; a lowered one drops inputs until the schedule catches up; a
   * repeated call for the same frame (while stalled) is ignored.
   */
  addLocalInput(input: number): void {
    const q = this.queue(this.localPlayer);
    const target = this.frameNow + this.delay;
    for (let f = q.lastConfirmedFrame + 1; f < target; f++) q.addConfirmed(f, this.lastLocalInput);
    if (q.addConfirmed(target, input) === 'added') this.lastLocalInput = input;
  }

  /** If some frame was simulated with a wrong input, pushes load + re-simulation requests. */
  planRollback(requests: SessionRequest<S>[]): RollbackPlan {
    let first: Frame = NULL_FRAME;
    let player = 0;
    for (let p = 0; p < this.players; p++) {
      const q = this.queue(p);
      const f = q.firstIncorrectFrame;
      if (f !== NULL_FRAME && (first === NULL_FRAME || f < first)) {
        first = f;
        player = p;
      }
      q.resetIncorrect();
    }
    if (first === NULL_FRAME || first >= this.frameNow) return { kind: 'none' };
    const saved = this.ring.get(first);
    // Cannot happen within the prediction window; only a departure agreed very late, or a notarised
    // record correcting an old frame, could ask for it. Past its last real frame a departed player's
    // input is the neutral one: that is the departure's doing; anything before is a record's.
    if (saved?.state === undefined) {
      const q = this.queue(player);
      return { kind: 'lost', frame: first, player, reason: q.isDisconnected && first > q.lastReceivedFrame ? 'departure' : 'record' };
    }
    requests.push({ kind: 'load', frame: first, state: saved.state });
    for (let f = first; f < this.frameNow; f++) {
      if (f > first) this.pushSave(requests, f);
      requests.push({ kind: 'advance', frame: f, inputs: this.inputsFor(f).inputs });
    }
    return { kind: 'rollback', depth: this.frameNow - first };
  }

  /** Pushes save + advance of the current frame; returns whether a remote input was predicted. */
  advance(requests: SessionRequest<S>[]): boolean {
    this.pushSave(requests, this.frameNow);
    const { inputs, predicted } = this.inputsFor(this.frameNow);
    requests.push({ kind: 'advance', frame: this.frameNow, inputs });
    this.frameNow++;
    return predicted;
  }

  /** Smallest last-confirmed frame over the remote players (departed players do not hold it back). */
  minRemoteConfirmed(): Frame {
    let min = Number.MAX_SAFE_INTEGER;
    for (let p = 0; p < this.players; p++) if (p !== this.localPlayer) min = Math.min(min, this.queue(p).lastConfirmedFrame);
    return min;
  }

  /** Remote players whose confirmed input is the oldest (who a stall waits for). */
  waitingFor(minConfirmed: Frame): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.players; p++) if (p !== this.localPlayer && this.queue(p).lastConfirmedFrame === minConfirmed) out.push(p);
    return out;
  }

  /** Confirmed inputs of `frame` for every player, or undefined if some are not confirmed. */
  confirmedInputs(frame: Frame): number[] | undefined {
    const out: number[] = [];
    for (const q of this.queues) {
      const v = q.confirmedInput(frame);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  private inputsFor(frame: Frame): { inputs: number[]; predicted: boolean } {
    const inputs = new Array<number>(this.players);
    let predicted = false;
    for (let p = 0; p < this.players; p++) {
      const r = this.queue(p).inputFor(frame);
      inputs[p] = r.input;
      if (r.predicted && p !== this.localPlayer) predicted = true;
    }
    return { inputs, predicted };
  }

  private pushSave(requests: SessionRequest<S>[], frame: Frame): void {
    requests.push({ kind: 'save', frame, cell: this.ring.cellFor(frame) });
    this.onSave(frame);
  }
}
