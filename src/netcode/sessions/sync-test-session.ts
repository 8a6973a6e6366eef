/**
 * Sync-test session: proves a game's `step` is deterministic under rollback, with no network.
 *
 * Every frame it saves the state (first pass), then loads the state `checkDistance` frames back and
 * re-simulates to the present with the same inputs, saving each re-simulated frame; at the next call it
 * compares every re-simulated checksum with the first-pass one. A step that reads a clock, a random
 * source, mutable globals or mutates its input is caught within a frame or two. (GGRS's SyncTestSession.)
 */
import { StateRing } from '../state-ring.ts';
import type { FieldDiff, Frame, SessionRequest } from '../types.ts';

/** A re-simulation that did not reproduce the first pass. */
export interface SyncTestMismatch {
  readonly frame: Frame;
  /** Checksum of the first simulation of `frame`. */
  readonly expected: number;
  /** Checksum of the re-simulation. */
  readonly actual: number;
  readonly diff: readonly FieldDiff[];
}

/** Options of a sync test. */
export interface SyncTestOptions<S> {
  readonly players: number;
  /** Frames rolled back every frame, 1..16. */
  readonly checkDistance: number;
  /** Field-level diff of two states, for the mismatch report. */
  readonly diff?: (expected: S, actual: S) => readonly FieldDiff[];
}

/** The session. Call `addInputs` then `advanceFrame` once per frame and execute the requests. */
export class SyncTestSession<S> {
  private frame: Frame = 0;
  private readonly d: number;
  private readonly first: StateRing<S>;
  private readonly verify: StateRing<S>;
  private readonly inputs: (readonly number[])[];
  private pendingInputs: readonly number[] | undefined;
  private toCompare: Frame[] = [];
  private readonly mismatches: SyncTestMismatch[] = [];
  /** Comparisons made so far. */
  checks = 0;

  constructor(private readonly options: SyncTestOptions<S>) {
    const d = options.checkDistance;
    if (!Number.isInteger(d) || d < 1 || d > 16) throw new RangeError('checkDistance must be 1..16');
    this.d = d;
    this.first = new StateRing<S>(d + 2);
    this.verify = new StateRing<S>(d + 2);
    this.inputs = Array.from({ length: d + 2 }, () => []);
  }

  get currentFrame(): Frame {
    return this.frame;
  }

  /** Inputs of every player for the current frame. */
  addInputs(inputs: readonly number[]): void {
    if (inputs.length !== this.options.players) throw new RangeError(`expected ${this.options.players} inputs`);
    this.pendingInputs = [...inputs];
  }

  /** Mismatches found so far (drained). */
  drainMismatches(): SyncTestMismatch[] {
    return this.mismatches.splice(0, this.mismatches.length);
  }

  /** The requests for one frame: save, load d back, re-simulate (saving), advance. */
  advanceFrame(): SessionRequest<S>[] {
    this.compare();
    const inputs = this.pendingInputs;
    if (inputs === undefined) throw new Error('addInputs must be called before advanceFrame');
    this.pendingInputs = undefined;
    const cur = this.frame;
    this.inputs[cur % this.inputs.length] = inputs;
    const requests: SessionRequest<S>[] = [{ kind: 'save', frame: cur, cell: this.first.cellFor(cur) }];
    const from = cur - this.d;
    if (from >= 0) {
      const saved = this.first.get(from);
      if (saved?.state === undefined) throw new Error(`sync test lost frame ${from}`);
      requests.push({ kind: 'load', frame: from, state: saved.state });
      for (let f = from; f < cur; f++) {
        requests.push({ kind: 'advance', frame: f, inputs: this.inputs[f % this.inputs.length] ?? [] });
        requests.push({ kind: 'save', frame: f + 1, cell: this.verify.cellFor(f + 1) });
        this.toCompare.push(f + 1);
      }
    }
    requests.push({ kind: 'advance', frame: cur, inputs });
    this.frame++;
    return requests;
  }

  /** Compares what the caller saved during the previous call. */
  private compare(): void {
    for (const f of this.toCompare) {
      const a = this.first.get(f);
      const b = this.verify.get(f);
      if (a?.state === undefined || b?.state === undefined) continue;
      this.checks++;
      if (a.checksum !== b.checksum) {
        this.mismatches.push({ frame: f, expected: a.checksum, actual: b.checksum, diff: this.options.diff?.(a.state, b.state) ?? [] });
      }
    }
    this.toCompare = [];
  }
}
