/**
 * A spectator's view of a running match (docs/protocol.md, "Spectators"): the `SpectatorSession` over the
 * link's unreliable channel, and a playback that follows the confirmed inputs a short delay behind the
 * newest one (`delayFrames`, default 6 = 100 ms), at 60 fps, catching up a few extra frames per update
 * when it falls behind. The playback *is* a `ConfirmedTrack` (every frame it steps is final), so
 * `track.at(frame)` gives the same checksum as the players' confirmed track. Nothing here can touch the
 * players' match: the spectator only asks and follows.
 *
 * Driven by `update(nowMs)` from the browser's animation frame or a Node timer.
 */
import { checksum, decodeState, initialState, InputBits, makeConfig, type GameState, type MatchConfig } from '../game/index.ts';
import { SpectatorSession, type PeerId, type SpectatorEvent, type SpectatorStats } from '../netcode/index.ts';
import { LagInjector } from '../transport/lag-injector.ts';
import { PERFECT_LINK, type LinkConditions } from '../transport/link-model.ts';
import type { PeerLink } from '../transport/link.ts';
import { ConfirmedTrack, type ConfirmedInputSource } from '../match/confirmed-track.ts';
import type { MatchSetup } from './control.ts';

/** The match to watch: the `rj-match` control message's fields. */
export interface SpectatorStart {
  readonly seed: number;
  readonly sessionId: number;
  /** Member ids in player order (index = player). */
  readonly order: readonly PeerId[];
  readonly setup: MatchSetup;
}

/** Options of a spectator's match. */
export interface SpectatorMatchOptions {
  readonly link: PeerLink;
  readonly start: SpectatorStart;
  readonly names: readonly string[];
  /** Clock used by the lag injector (same clock as `update`'s `nowMs`). */
  readonly now: () => number;
  /** Frames the playback stays behind the newest confirmed frame (default `SPECTATOR_DELAY_FRAMES`). */
  readonly delayFrames?: number;
  /** Players to ask, in failover order (default: `start.order`). */
  readonly feeders?: readonly PeerId[];
  /** Artificial network conditions on incoming datagrams (default: none). */
  readonly lag?: LinkConditions;
  readonly tickMs?: number;
}

/** Default playback delay behind the newest confirmed frame: 100 ms. */
export const SPECTATOR_DELAY_FRAMES = 6;
/** Extra frames per update while the playback is behind its target. */
const MAX_CATCH_UP_FRAMES = 4;
/** Frames of confirmed checksums the track remembers (one minute). */
const TRACK_CAPACITY = 3600;

/** What a spectator's match reports. */
export interface SpectatorMatchStats {
  readonly session: SpectatorStats;
  /** Frame of the rendered state. */
  readonly frame: number;
  /** Newest confirmed input frame held. */
  readonly confirmedFrame: number;
  /** Frames the playback is behind the newest confirmed state. */
  readonly behind: number;
  readonly feeder: PeerId | undefined;
}

/** A watched match. */
export class SpectatorMatch {
  readonly session: SpectatorSession<GameState>;
  readonly names: readonly string[];
  readonly start: SpectatorStart;
  readonly lag: LagInjector;
  readonly delayFrames: number;
  private readonly tickMs: number;
  private readonly initialConfig: MatchConfig;
  private current: ConfirmedTrack | undefined;
  private waiting: GameState | undefined;
  private lastMs: number | undefined;
  private owedMs = 0;
  private readonly events: SpectatorEvent[] = [];
  /** The session, seen only up to the playback's target frame. */
  private readonly delayed: ConfirmedInputSource & { limit: number };

  constructor(o: SpectatorMatchOptions) {
    this.start = o.start;
    this.names = o.names;
    this.delayFrames = o.delayFrames ?? SPECTATOR_DELAY_FRAMES;
    if (!Number.isInteger(this.delayFrames) || this.delayFrames < 0 || this.delayFrames > 600) throw new RangeError('delayFrames must be 0..600');
    this.tickMs = o.tickMs ?? 1000 / 60;
    this.initialConfig = makeConfig({ players: o.start.order.length, pointsToWin: o.start.setup.pointsToWin, seed: o.start.seed });
    this.lag = new LagInjector(o.link.unreliable, { now: o.now, seed: o.start.seed ^ 0x5bec, conditions: o.lag ?? PERFECT_LINK });
    this.session = new SpectatorSession<GameState>({
      players: o.start.order.length,
      sessionId: o.start.sessionId,
      socket: this.lag,
      feeders: o.feeders ?? o.start.order,
      // A feeder's state must be of this match's shape and of the transfer's frame (the track steps it).
      decodeState: (b, frame) => {
        const r = decodeState(b);
        return r.ok && r.state.frame === frame && r.state.config.players === o.start.order.length ? r.state : undefined;
      },
      checksum,
      departedInput: InputBits.absent,
    });
    const s = this.session;
    this.delayed = {
      limit: -1,
      get confirmedFrame() {
        return Math.min(s.confirmedFrame, this.limit);
      },
      get currentFrame() {
        return s.currentFrame;
      },
      confirmedInputs: (frame) => s.confirmedInputs(frame),
    };
  }

  /** The confirmed playback (undefined until the transfer came): `track.at(frame)` has its checksums. */
  get track(): ConfirmedTrack | undefined {
    return this.current;
  }

  /** Whether the match is on screen (a checked transfer came). */
  get started(): boolean {
    return this.current !== undefined;
  }

  /** The state to render (the initial state until the transfer came). */
  get state(): GameState {
    return this.current?.state ?? (this.waiting ??= initialState(this.initialConfig));
  }

  /** Frame of the rendered state (-1 until the transfer came). */
  get frame(): number {
    return this.current?.frame ?? -1;
  }

  /** The rules being played (the transferred state's own once it came). */
  get config(): MatchConfig {
    return this.current?.state.config ?? this.initialConfig;
  }

  /** The confirmed winner on screen, -1 before (`outcomeOf(state, names)` in src/ui/outcome.ts words it). */
  get winner(): number {
    return this.current?.winner ?? -1;
  }

  /** The feeder asked now. */
  get feeder(): PeerId | undefined {
    return this.session.feeder;
  }

  /** Players to ask, in failover order (a player left: drop it; the lobby's order otherwise). */
  setFeeders(ids: readonly PeerId[]): void {
    this.session.setFeeders(ids);
  }

  /**
   * Polls the session and plays the frames due at `nowMs` (60 fps) toward the newest confirmed frame
   * minus `delayFrames`, plus a few when behind; returns the frames stepped.
   */
  update(nowMs: number): number {
    this.session.poll(nowMs);
    for (const e of this.session.drainEvents()) {
      if (e.kind === 'started' || e.kind === 'restarted') this.restart();
      this.events.push(e);
    }
    const track = this.current;
    // After a pause (a background tab) the time owed is dropped: the catch-up below plays it back gently.
    const elapsed = this.lastMs === undefined ? 0 : Math.max(0, Math.min(4 * this.tickMs, nowMs - this.lastMs));
    this.lastMs = nowMs;
    if (track === undefined) return 0;
    this.owedMs += elapsed;
    let due = Math.floor(this.owedMs / this.tickMs);
    this.owedMs -= due * this.tickMs;
    // The state after input frame f is frame f + 1: the target state is newest + 1 - delay.
    const target = this.session.confirmedFrame + 1 - this.delayFrames;
    const behind = target - track.frame;
    if (behind <= 0) {
      this.owedMs = 0;
      return 0;
    }
    if (behind > due) due += Math.min(MAX_CATCH_UP_FRAMES, behind - due);
    this.delayed.limit = target - 1;
    // Fallen behind the inputs the session keeps (a long pause): start over from a fresh transfer.
    if (this.session.confirmedInputs(track.frame) === undefined) {
      this.session.resync();
      return 0;
    }
    return track.advance(this.delayed, due);
  }

  /** Events since the last call (started, restarted, feeder changes, stalls). */
  drainEvents(): SpectatorEvent[] {
    return this.events.splice(0, this.events.length);
  }

  stats(): SpectatorMatchStats {
    const confirmedFrame = this.session.confirmedFrame;
    return { session: this.session.stats(), frame: this.frame, confirmedFrame, behind: this.current === undefined ? 0 : confirmedFrame + 1 - this.current.frame, feeder: this.session.feeder };
  }

  private restart(): void {
    const start = this.session.start;
    if (start === undefined) return;
    this.current = new ConfirmedTrack(start.state.config, TRACK_CAPACITY, start.state);
    this.owedMs = 0;
  }
}
