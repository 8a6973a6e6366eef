/**
 * The confirmed timeline of an online match, kept beside the (possibly predicted) state the session
 * renders: a second simulation stepped only with inputs every peer has confirmed, so its states are
 * final. It remembers the checksum and scores of the last `capacity` confirmed frames, which lets two
 * browsers compare the *same* confirmed frame while both keep playing (comparing predicted frames
 * gives false alarms), and it decides the winner only once the win is confirmed (a predicted point can
 * still be rolled back).
 *
 * Cost: one extra `step` and one checksum per frame.
 */
import { checksum, initialState, step, type GameState, type MatchConfig } from '../game/index.ts';

/** What the track reads from the session (`P2PSession` satisfies it). */
export interface ConfirmedInputSource {
  /** Last input frame every peer holds confirmed. */
  readonly confirmedFrame: number;
  /** Frames simulated so far. */
  readonly currentFrame: number;
  /** Confirmed inputs of one input frame for every player, or undefined. */
  confirmedInputs(frame: number): readonly number[] | undefined;
}

/** A confirmed frame's digest. */
export interface ConfirmedPoint {
  /** The state after `frame` steps. */
  readonly frame: number;
  readonly checksum: number;
  readonly scores: readonly number[];
  readonly winner: number;
}

/** The confirmed simulation and a ring of its recent checksums. */
export class ConfirmedTrack {
  private current: GameState;
  private readonly points: (ConfirmedPoint | undefined)[];

  /**
   * @param capacity how many recent confirmed frames `at` can answer for (default one minute)
   * @param start the first confirmed state (default frame 0; a rejoined match starts from its transfer)
   */
  constructor(config: MatchConfig, readonly capacity = 3600, start?: GameState) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.points = new Array<ConfirmedPoint | undefined>(capacity);
    this.current = start ?? initialState(config);
    this.record();
  }

  /** The latest confirmed state. */
  get state(): GameState {
    return this.current;
  }

  /** Frame of the latest confirmed state (its checksum is final). */
  get frame(): number {
    return this.current.frame;
  }

  /** The confirmed winner (-1 while nobody has confirmed a win). */
  get winner(): number {
    return this.current.winner;
  }

  /**
   * Steps through every newly confirmed input frame (at most `maxSteps`, so a long catch-up is spread
   * over calls); returns the number of frames stepped.
   */
  advance(source: ConfirmedInputSource, maxSteps = 600): number {
    const last = Math.min(source.confirmedFrame, source.currentFrame - 1);
    let n = 0;
    while (this.current.frame <= last && n < maxSteps) {
      const inputs = source.confirmedInputs(this.current.frame);
      if (inputs === undefined) break;
      this.apply(inputs);
      n++;
    }
    return n;
  }

  /** Steps the next confirmed input frame (the caller reads the inputs: `MatchRunner` records them too). */
  apply(inputs: readonly number[]): void {
    this.current = step(this.current, inputs);
    this.record();
  }

  /** The digest of confirmed frame `frame`, if it is confirmed and still remembered. */
  at(frame: number): ConfirmedPoint | undefined {
    if (!Number.isInteger(frame) || frame < 0 || frame > this.current.frame || frame <= this.current.frame - this.capacity) return undefined;
    const p = this.points[frame % this.capacity];
    return p?.frame === frame ? p : undefined;
  }

  private record(): void {
    const s = this.current;
    this.points[s.frame % this.capacity] = { frame: s.frame, checksum: checksum(s), scores: s.scores.slice(), winner: s.winner };
  }
}
