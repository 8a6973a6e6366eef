/**
 * The one match runner (issue #9): owns a match's frame loop, its confirmed timeline and settling, for
 * every way a match is played — online (`OnlineMatch`), practice against bots (`LocalSession`), the
 * in-process simulator harness behind the integration tests and `npm run simulate`, and the benchmarks.
 *
 * - *Frame loop:* a fixed-timestep `FrameClock` (scaled by the session's time-sync factor) turns the
 *   time passed in into due frames; each adds the local input and executes the session's requests
 *   (save, rollback loads, advances) against the game's current, possibly predicted, state.
 * - *Confirmed timeline:* every input frame the session reports final is recorded once, for the
 *   replay, and stepped into a `ConfirmedTrack` — the final state, the checksums of the last minute of
 *   confirmed frames, and the *confirmed* winner (a predicted point can still be rolled back).
 * - *Settling:* `update(…, { until })` stops advancing at a frame and only keeps talking (receives,
 *   corrects past frames, sends) until every input up to it is confirmed.
 *
 * Time is passed in; nothing here reads a clock (docs/determinism.md).
 */
import { buildReplay, checksum, step, type GameState, type MatchConfig, type Replay } from '../game/index.ts';
import { FrameClock, Simulation, type GameAdapter, type SessionEvent, type SessionRequest } from '../netcode/index.ts';
import { ConfirmedTrack, type ConfirmedInputSource, type ConfirmedPoint } from './confirmed-track.ts';

/** What the runner drives: a `P2PSession` online, a `LocalSession` in practice. */
export interface FrameSource<S> extends ConfirmedInputSource {
  /** Time-sync factor for the frame clock (1 = nominal). */
  readonly tickRateFactor: number;
  addLocalInput(input: number): void;
  advanceFrame(nowMs: number, advance?: boolean): SessionRequest<S>[];
  /** Network work without a frame (no frame due). */
  poll(nowMs: number): void;
  drainEvents(): SessionEvent[];
}

/** The local input: one value for every frame due now, or asked per frame (bots, scripted input). */
export type LocalInput = number | ((frame: number) => number);

/** Options of a runner. */
export interface MatchRunnerOptions {
  readonly session: FrameSource<GameState>;
  readonly config: MatchConfig;
  /** The state the match starts from: frame 0's, or a resumed match's transferred (final) state. */
  readonly startState: GameState;
  /** The frame `startState` stands for (default its own `frame`; a resumed match: the transfer's frame). */
  readonly firstFrame?: number;
  /** When the first frame is due (the same clock as `update`'s `nowMs`); before it only `poll` runs. */
  readonly startMs: number;
  readonly tickMs?: number;
  /** The game stepped by the session's requests (default Pong's; the harness may swap in a canary). */
  readonly game?: GameAdapter<GameState>;
  /** Extra frames to run this update (a resumed match catching up with its peers); default none. */
  readonly catchUp?: () => number;
  /** Frames one update may run after a stall (the clock's cap; default 8). */
  readonly maxFramesPerUpdate?: number;
}

/** What one `update` did. */
export interface UpdateResult {
  /** Frames the session moved forward. */
  readonly advanced: number;
  /** Frames simulated again by rollbacks. */
  readonly resimulated: number;
}

/** What a page may read of a runner (no driving): states, frames and the confirmed timeline. */
export type RunnerView = Readonly<Pick<MatchRunner, 'config' | 'firstFrame' | 'startState' | 'startedAtMs' | 'state' | 'frame' | 'confirmedFrame' | 'confirmedState' | 'winner' | 'steps' | 'confirmedAt' | 'confirmedInputs' | 'recordedFrames'>>;

const PONG: GameAdapter<GameState> = { step, checksum };

/** A match being played: its frame loop and its confirmed timeline. */
export class MatchRunner {
  readonly config: MatchConfig;
  /** The first frame this match holds (0, or where a resumed match starts). */
  readonly firstFrame: number;
  readonly startState: GameState;
  readonly startMs: number;
  /** When the first frame was actually simulated (local clock), undefined before. */
  startedAtMs: number | undefined;
  private readonly session: FrameSource<GameState>;
  private readonly sim: Simulation<GameState>;
  private readonly clock: FrameClock;
  private readonly track: ConfirmedTrack;
  private readonly inputs: (readonly number[])[] = [];
  private readonly events: SessionEvent[] = [];
  private readonly catchUp: (() => number) | undefined;

  constructor(o: MatchRunnerOptions) {
    this.session = o.session;
    this.config = o.config;
    this.startState = o.startState;
    this.firstFrame = o.firstFrame ?? o.startState.frame;
    this.startMs = o.startMs;
    this.catchUp = o.catchUp;
    this.sim = new Simulation(o.game ?? PONG, o.startState);
    this.clock = new FrameClock(o.tickMs ?? 1000 / 60, o.maxFramesPerUpdate);
    this.track = new ConfirmedTrack(o.config, undefined, o.startState);
  }

  /** The latest, possibly predicted, state (what is drawn). */
  get state(): GameState {
    return this.sim.state;
  }

  /** The frame the next advance simulates. */
  get frame(): number {
    return this.session.currentFrame;
  }

  /** The last input frame every player holds confirmed. */
  get confirmedFrame(): number {
    return this.session.confirmedFrame;
  }

  /** The latest confirmed (final) state. */
  get confirmedState(): GameState {
    return this.track.state;
  }

  /** The confirmed winner; -1 while nobody has a confirmed win. */
  get winner(): number {
    return this.track.winner;
  }

  /** Steps simulated so far, re-simulated ones included. */
  get steps(): number {
    return this.sim.steps;
  }

  /** The digest of confirmed frame `frame` (checksum, scores), while remembered. */
  confirmedAt(frame: number): ConfirmedPoint | undefined {
    return this.track.at(frame);
  }

  /** Confirmed input frames recorded, counted from `firstFrame`. */
  get confirmedInputs(): readonly (readonly number[])[] {
    return this.inputs;
  }

  /** Frames recorded, counted from frame 0 (a resumed match counts the frames before it too). */
  get recordedFrames(): number {
    return this.firstFrame + this.inputs.length;
  }

  /** Restarts the frame clock at `nowMs`: no burst of catch-up frames for the time spent paused. */
  resetClock(nowMs: number): void {
    this.clock.start(nowMs);
  }

  /**
   * Runs the frames due at `nowMs` with the local input, never past `until` (settling: from there it
   * only holds, see `hold`).
   */
  update(nowMs: number, input: LocalInput, until = Number.POSITIVE_INFINITY): UpdateResult {
    const steps = this.sim.steps;
    const before = this.session.currentFrame;
    if (nowMs < this.startMs) {
      this.session.poll(nowMs);
      this.collect();
      return { advanced: 0, resimulated: 0 };
    }
    if (this.startedAtMs === undefined) {
      this.startedAtMs = nowMs;
      this.clock.start(this.startMs);
    }
    if (before >= until) {
      this.hold(nowMs);
    } else {
      let due = this.clock.due(nowMs, this.session.tickRateFactor);
      if (due > 0 && this.catchUp !== undefined) due += Math.max(0, Math.floor(this.catchUp()));
      if (due === 0) this.session.poll(nowMs);
      for (let i = 0; i < due && this.session.currentFrame < until; i++) {
        this.session.addLocalInput(typeof input === 'number' ? input : input(this.session.currentFrame));
        this.sim.execute(this.session.advanceFrame(nowMs));
      }
      this.collect();
    }
    const advanced = this.session.currentFrame - before;
    return { advanced, resimulated: this.sim.steps - steps - Math.max(0, advanced) };
  }

  /** Keeps the match talking without a new frame: receives, corrects past frames, sends what is due. */
  hold(nowMs: number): void {
    this.sim.execute(this.session.advanceFrame(nowMs, false));
    this.collect();
  }

  /** Session events since the last call (network notices, desyncs, departures…). */
  drainEvents(): SessionEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** The replay of every confirmed frame so far (only for a match held from frame 0). */
  replay(names?: readonly string[]): Replay {
    if (this.firstFrame > 0) throw new Error('a match resumed mid-way has no whole replay');
    return buildReplay(this.config, this.inputs, names === undefined ? {} : { names });
  }

  /** Records the newly confirmed frames (replay and confirmed track) and collects the session's events. */
  private collect(): void {
    for (const e of this.session.drainEvents()) this.events.push(e);
    const last = Math.min(this.session.confirmedFrame, this.session.currentFrame - 1);
    for (let f = this.firstFrame + this.inputs.length; f <= last; f++) {
      const inputs = this.session.confirmedInputs(f);
      if (inputs === undefined) break;
      this.inputs.push(inputs);
      this.track.apply(inputs);
    }
  }
}
