/**
 * A session with no network: every player's input is decided here, so every frame is final the moment
 * it is simulated. Practice against bots runs the one match runner on it (the same frame loop, confirmed
 * timeline and replay as online play).
 */
import type { GameState } from '../game/index.ts';
import type { SessionEvent, SessionRequest } from '../netcode/index.ts';
import type { FrameSource } from './runner.ts';

/** Every player's input of a frame, given the local one (bots fill in the rest). */
export type LocalInputs = (local: number, frame: number) => readonly number[];

/** A local match's inputs, all final at once. */
export class LocalSession implements FrameSource<GameState> {
  readonly tickRateFactor = 1;
  private readonly inputs: (readonly number[])[] = [];
  private local = 0;

  constructor(private readonly inputsOf: LocalInputs) {}

  get currentFrame(): number {
    return this.inputs.length;
  }

  get confirmedFrame(): number {
    return this.inputs.length - 1;
  }

  addLocalInput(input: number): void {
    this.local = input;
  }

  advanceFrame(_nowMs: number, advance = true): SessionRequest<GameState>[] {
    if (!advance) return [];
    const frame = this.inputs.length;
    const inputs = this.inputsOf(this.local, frame).slice();
    this.inputs.push(inputs);
    return [{ kind: 'advance', frame, inputs }];
  }

  poll(): void {}

  drainEvents(): SessionEvent[] {
    return [];
  }

  confirmedInputs(frame: number): readonly number[] | undefined {
    return this.inputs[frame];
  }
}
