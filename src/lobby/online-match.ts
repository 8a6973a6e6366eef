/**
 * One online match once the handshake committed: the rollback session over the link's unreliable
 * channel (through the lag injector, for testers), the lobby server as its notary, and the match
 * runner (src/match/runner.ts: the frame loop, the confirmed timeline and the replay, settling).
 * Driven by `update(nowMs, localInput)` from the browser's animation frame or a Node timer: the same
 * code runs in both. The UI holds it as a `PlayableMatch` and never reaches into the session.
 */
import { decodeState, diffStates, encodeState, initialState, InputBits, makeConfig, type GameState, type MatchConfig, type Replay } from '../game/index.ts';
import { P2PSession, type PeerId, type ResumePoint, type SessionEvent, type SessionStats } from '../netcode/index.ts';
import { MatchRunner, type LocalInput, type RunnerView, type UpdateResult } from '../match/runner.ts';
import { LagInjector } from '../transport/lag-injector.ts';
import { PERFECT_LINK, type LinkConditions } from '../transport/link-model.ts';
import type { PeerLink } from '../transport/link.ts';
import type { StartInfo } from './handshake.ts';
import { recordFromData, recordToData } from './record-data.ts';

/** Options of an online match. */
export interface OnlineMatchOptions {
  readonly link: PeerLink;
  readonly start: StartInfo;
  /** Clock used by the lag injector (same clock as `update`'s `nowMs`). */
  readonly now: () => number;
  /** Artificial network conditions on incoming input datagrams (default: none). */
  readonly lag?: LinkConditions;
  readonly tickMs?: number;
  readonly names?: readonly string[];
  /** Disconnect timeouts (defaults: 750 ms / 5000 ms). */
  readonly interruptAfterMs?: number;
  readonly disconnectAfterMs?: number;
  /**
   * The lobby server as the notary (docs/protocol.md, "Hostile peers"): broadcasts this player's input
   * records to every other member. Without it the match runs on gossip finality alone.
   */
  readonly notary?: {
    readonly send: (data: string) => void;
    readonly up: boolean;
    /**
     * Tells the lobby server that this match dropped `peer` (once per peer). When every other member
     * says so, the server removes it: that word closes its records for everyone, so a peer whose links
     * died but whose lobby socket lives (a frozen tab) cannot hold the others' finality.
     */
    readonly report: (peer: PeerId) => void;
  };
  /**
   * A returning player resumes the match from a checked rejoin transfer (room.ts, "Rejoin"): the
   * transferred state and where the session starts. Its replay is not whole (no frames before it).
   */
  readonly resume?: { readonly state: GameState; readonly point: ResumePoint };
}

/** Extra frames a resumed match runs per update while behind its peers (catching up after the transfer). */
const MAX_CATCH_UP_FRAMES = 8;

/**
 * What the UI holds of a running online match: read-only views and the few actions a page takes
 * (drive the frames, settle, set the tester's lag). `OnlineMatch` is the one implementation.
 */
export interface PlayableMatch {
  readonly start: StartInfo;
  readonly config: MatchConfig;
  /** The frame loop's read-only view: states, frames, the confirmed timeline. */
  readonly view: RunnerView;
  /** On the minority side of a partition: the match waits (see `OnlineMatch.cutOff`). */
  readonly cutOff: boolean;
  /** Whether `view.replay()` holds the whole match (not for a match resumed mid-way). */
  readonly replayAvailable: boolean;
  update(nowMs: number, localInput: LocalInput, until?: number): UpdateResult;
  hold(nowMs: number): void;
  drainEvents(): SessionEvent[];
  countdownMs(nowMs: number): number;
  stats(nowMs: number): SessionStats;
  /** The tester's artificial conditions on incoming input datagrams. */
  setLag(conditions: LinkConditions): void;
  /** The replay of every confirmed frame so far, with the players' names (see `replayAvailable`). */
  replay(): Replay;
}

/** A running match. */
export class OnlineMatch implements PlayableMatch {
  readonly session: P2PSession<GameState>;
  readonly config: MatchConfig;
  readonly lag: LagInjector;
  readonly start: StartInfo;
  private readonly runner: MatchRunner;
  private readonly events: SessionEvent[] = [];
  private readonly names: readonly string[];
  private readonly sendRecord: ((data: string) => void) | undefined;
  private readonly report: ((peer: PeerId) => void) | undefined;
  private readonly reported = new Set<PeerId>();
  /** Players dropped for their silence while the notary was down (see `cutOff`), until they return. */
  private readonly lostWhileAlone = new Set<number>();
  /** The lobby server is gone for good (see `serverGone`). */
  private arbiterGone = false;
  /** The last update found the match cut off. */
  private paused = false;

  constructor(o: OnlineMatchOptions) {
    const { start } = o;
    this.start = start;
    this.names = o.names ?? start.order;
    this.sendRecord = o.notary?.send;
    this.report = o.notary?.report;
    // A resumed match plays the transferred state's own configuration (its rules included).
    this.config = o.resume?.state.config ?? makeConfig({ players: start.order.length, pointsToWin: start.setup.pointsToWin, seed: start.seed });
    this.lag = new LagInjector(o.link.unreliable, { now: o.now, seed: start.seed ^ start.localPlayer, conditions: o.lag ?? PERFECT_LINK });
    this.session = new P2PSession<GameState>({
      players: start.order.length,
      localPlayer: start.localPlayer,
      remotes: start.order.flatMap((peer, player) => (player === start.localPlayer ? [] : [{ peer, player }])),
      socket: this.lag,
      sessionId: start.sessionId,
      startMs: start.localStartMs,
      inputDelay: start.setup.inputDelay,
      maxPrediction: start.setup.maxPrediction,
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
      ...(o.interruptAfterMs !== undefined ? { interruptAfterMs: o.interruptAfterMs } : {}),
      ...(o.disconnectAfterMs !== undefined ? { disconnectAfterMs: o.disconnectAfterMs } : {}),
      notary: o.notary !== undefined,
      // A departed player's side becomes a wall (game rules 2): the game learns departures from inputs.
      departedInput: InputBits.absent,
      ...(o.resume !== undefined ? { resume: o.resume.point } : {}),
      forensics: {
        encode: encodeState,
        decode: (b) => {
          const r = decodeState(b);
          return r.ok ? r.state : undefined;
        },
        diff: (a, b) => diffStates(a, b),
      },
    });
    const session = this.session;
    this.runner = new MatchRunner({
      session,
      config: this.config,
      startState: o.resume?.state ?? initialState(this.config),
      firstFrame: o.resume?.point.frame ?? 0,
      startMs: start.localStartMs,
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
      // Resumed from a transfer (its state a little behind the peers'): catch up, a few frames at a time.
      ...(o.resume !== undefined ? { catchUp: () => Math.min(MAX_CATCH_UP_FRAMES, Math.max(0, Math.floor(-session.framesAhead) - 1)) } : {}),
    });
    if (o.notary !== undefined && !o.notary.up) this.session.setNotary(false);
  }

  /** The frame loop and the confirmed timeline, read-only. */
  get view(): RunnerView {
    return this.runner;
  }

  /** The latest (possibly predicted) state, for rendering. */
  get state(): GameState {
    return this.runner.state;
  }

  /** When frame 0 (or a resumed match's first frame) was actually simulated (local clock), undefined before. */
  get startedAtMs(): number | undefined {
    return this.runner.startedAtMs;
  }

  /** The state it started from (frame 0's, or a resumed match's transferred one: final either way). */
  get startState(): GameState {
    return this.runner.startState;
  }

  setLag(conditions: LinkConditions): void {
    this.lag.setConditions(conditions);
  }

  /** Milliseconds until frame 0 (negative once started). */
  countdownMs(nowMs: number): number {
    return this.start.localStartMs - nowMs;
  }

  /**
   * Cut off on the minority side of a partition (issue #11): with the lobby server out of reach (no
   * notary to arbitrate), the players this match lost to silence outnumber the ones still here (a tie
   * goes to the side holding the lowest slot, the host's usually). Such a match stops advancing —
   * playing on alone would only diverge from the majority's match and hand out a forfeit win — and
   * goes back into the majority's match once the lobby socket resumes (room.ts, `onResumed`).
   */
  get cutOff(): boolean {
    if (this.lostWhileAlone.size === 0 || this.session.notaryUp || this.arbiterGone) return false;
    const dropped = new Set(this.session.droppedPeers().map((id) => this.start.order.indexOf(id)));
    const lost = [...this.lostWhileAlone].filter((p) => dropped.has(p));
    if (lost.length === 0) return false;
    const here = this.start.order.map((_, p) => p).filter((p) => !dropped.has(p));
    if (lost.length !== here.length) return lost.length > here.length;
    return Math.min(...lost) < Math.min(...here);
  }

  /**
   * Runs the frames due at `nowMs` with the local input, never past `until` (settling); returns what
   * it did (frames advanced and re-simulated).
   */
  update(nowMs: number, localInput: LocalInput, until?: number): UpdateResult {
    if (this.cutOff) {
      this.hold(nowMs);
      this.paused = true;
      return { advanced: 0, resimulated: 0 };
    }
    if (this.paused) {
      this.paused = false;
      this.runner.resetClock(nowMs); // no burst of catch-up frames for the time spent cut off
    }
    const r = this.runner.update(nowMs, localInput, until);
    this.collect(nowMs);
    return r;
  }

  /**
   * Keeps the match talking without advancing a frame (settling, a paused tester): receives, corrects
   * past frames, and sends what is due, input records included.
   */
  hold(nowMs: number): void {
    this.runner.hold(nowMs);
    this.collect(nowMs);
  }

  /** Events since the last call (network notices, desyncs, stalls). */
  drainEvents(): SessionEvent[] {
    return this.events.splice(0, this.events.length);
  }

  stats(nowMs: number): SessionStats {
    return this.session.stats(nowMs);
  }

  /**
   * `peer`, a departed player, is back (its seat resumed and our link to it open): its input counts
   * again from the frame every remaining peer agrees on (`rejoined` event). False when it cannot return.
   */
  rejoin(peer: PeerId): boolean {
    return this.session.rejoin(peer);
  }

  /** `peer` watches (the lobby server said so): feed it the match within its budget (`P2PSession.watch`). */
  watch(peer: PeerId): void {
    this.session.watch(peer);
  }

  /** `peer` stopped watching (left, or took a seat). */
  unwatch(peer: PeerId): void {
    this.session.unwatch(peer);
  }

  /** Whether `replay()` holds the whole match (not for a match resumed mid-way). */
  get replayAvailable(): boolean {
    return this.runner.firstFrame === 0;
  }

  /** The lobby server says `peer` left or lost its socket: drop it from the match now (see `P2PSession.peerLeft`). */
  peerLeft(peer: PeerId, reason: 'left' | 'lost' = 'left'): void {
    // The server's own word: nothing to report (a report sent later, once the player is back in the
    // lobby, would have the server drop the returning player).
    this.reported.add(peer);
    this.session.peerLeft(peer, reason);
  }

  /** A notary record from `peer`, as the lobby server relayed it (base64); anything malformed is dropped and counted. */
  receiveRecord(peer: PeerId, data: string): void {
    const player = this.start.order.indexOf(peer);
    const bytes = recordFromData(data);
    if (player >= 0 && bytes !== undefined) this.session.receiveRecord(player, bytes);
  }

  /** The lobby server (our notary) is reachable (`true`) or not: records wait, finality falls back to gossip. */
  setNotary(up: boolean): void {
    if (this.sendRecord !== undefined) this.session.setNotary(up);
  }

  /**
   * The lobby socket closed for good (no resume): nobody can arbitrate a partition any more, so a
   * cut-off match plays on with whoever it still reaches (the match goes on peer to peer, as always
   * without the server).
   */
  serverGone(): void {
    this.arbiterGone = true;
  }

  /**
   * Leaves the match (tells the peers), and hands our final records to the lobby server now: the room
   * sends `leave` and closes right after, so no later `collect` would, and every peer would end our
   * input at our last periodic record instead of our last input (up to 30 frames earlier than our own
   * timeline, and a watcher we fed, had it). Unpaced: a leave's backlog is a record or two.
   */
  leave(nowMs: number): void {
    this.session.leave(nowMs);
    if (this.sendRecord !== undefined) for (const r of this.session.takeRecords()) this.sendRecord(recordToData(r));
  }

  /** The replay of every confirmed frame so far, with the players' names (see `replayAvailable`). */
  replay(): Replay {
    return this.runner.replay(this.names);
  }

  /** Confirmed frames recorded (counted from frame 0, also for a resumed match). */
  get recordedFrames(): number {
    return this.runner.recordedFrames;
  }

  private collect(nowMs: number): void {
    if (this.sendRecord !== undefined) for (const r of this.session.takeRecords(nowMs)) this.sendRecord(recordToData(r));
    if (this.report !== undefined && this.reported.size < this.start.order.length - 1) {
      for (const peer of this.session.droppedPeers()) {
        if (this.reported.has(peer)) continue;
        this.reported.add(peer);
        this.report(peer);
      }
    }
    for (const e of this.runner.drainEvents()) {
      // Back in the match: a later silence of this player is worth a report again.
      if (e.kind === 'rejoined') {
        this.reported.delete(this.start.order[e.player] ?? '');
        this.lostWhileAlone.delete(e.player);
      } else if (e.kind === 'disconnected' && e.reason === 'lost' && !this.session.notaryUp) this.lostWhileAlone.add(e.player);
      this.events.push(e);
    }
  }
}
