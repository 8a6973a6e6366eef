/**
 * Spectators in the simulator (match-harness.ts): `n` spectators join a running match at `joinAtMs`,
 * each over its own simulated links to every player, admitted by every player (`P2PSession.watch`), and
 * follow it with a `SpectatorSession` and a `ConfirmedTrack`, exactly like a spectator's browser does.
 * Spectator `i` asks player `i mod players` first (the load spreads), then the others in order; when a
 * player leaves, the lobby's word (`setFeeders` without it) reaches the spectators after a delay.
 */
import { checksum, decodeState, initialState, InputBits, step, type GameState, type MatchConfig } from '../game/index.ts';
import { ConfirmedTrack } from '../match/confirmed-track.ts';
import { SpectatorSession, type P2PSession, type PeerId, type SpectatorEvent, type SpectatorStats } from '../netcode/index.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import type { SimNetwork } from '../transport/sim-network.ts';

/** Spectators of a simulated match. */
export interface SimSpectatorOptions {
  readonly count: number;
  /** Virtual time at which they join (default 1 s: mid-match). */
  readonly joinAtMs?: number;
  /** Conditions of the links between a spectator and each player (default: the players' link from player 0). */
  readonly link?: LinkConditions;
  /** How long the lobby's word that a player left takes to reach the spectators (default 200 ms). */
  readonly leftNoticeMs?: number;
  /** Every spectator asks this player first (default: spectator i asks player i mod players). */
  readonly firstFeeder?: number;
}

/** One spectator's outcome. */
export interface SimSpectatorResult {
  readonly id: PeerId;
  /** Frame its transfer started at (-1: never started). */
  readonly startFrame: number;
  /** Frame of its confirmed state at the end. */
  readonly frame: number;
  readonly checksum: number;
  /** Virtual ms from joining to its first state (the transfer checked). */
  readonly catchupMs: number | undefined;
  readonly feeder: PeerId | undefined;
  readonly stats: SpectatorStats;
  readonly events: readonly SpectatorEvent[];
  /** Checksums of every frame it reached (frame → checksum), to compare with the players' replay. */
  readonly checksums: ReadonlyMap<number, number>;
}

interface Watcher {
  readonly id: PeerId;
  readonly session: SpectatorSession<GameState>;
  track: ConfirmedTrack | undefined;
  startFrame: number;
  startedAtMs: number | undefined;
  readonly events: SpectatorEvent[];
  readonly checksums: Map<number, number>;
}

/** The spectators of one simulated match. */
export class SimSpectators {
  private readonly watchers: Watcher[] = [];
  private joined = false;
  private readonly admitted = new WeakSet<P2PSession<GameState>>();
  private readonly notices: { at: number; player: number }[] = [];
  private readonly gone = new Set<number>();

  constructor(
    private readonly o: SimSpectatorOptions,
    private readonly net: SimNetwork,
    private readonly ids: readonly PeerId[],
    private readonly sessionId: number,
    playerLink: (from: number, to: number) => LinkConditions,
  ) {
    const players = ids.length;
    for (let i = 0; i < o.count; i++) {
      const id = `s${i}`;
      for (let p = 0; p < players; p++) {
        net.setLink(id, ids[p] as string, o.link ?? playerLink(0, p === 0 ? 1 : p));
        net.setLink(ids[p] as string, id, o.link ?? playerLink(p === 0 ? 1 : 0, 0));
      }
      const first = o.firstFeeder ?? i;
      const feeders = Array.from({ length: players }, (_, k) => ids[(first + k) % players] as string);
      const session = new SpectatorSession<GameState>({
        players,
        sessionId,
        socket: net.createSocket(id),
        feeders,
        decodeState: (b, frame) => {
          const r = decodeState(b);
          return r.ok && r.state.frame === frame && r.state.config.players === players ? r.state : undefined;
        },
        checksum,
        departedInput: InputBits.absent,
      });
      this.watchers.push({ id, session, track: undefined, startFrame: -1, startedAtMs: undefined, events: [], checksums: new Map() });
    }
  }

  /** A player left (or dropped): the lobby says so to the spectators a little later. */
  playerLeft(player: number, nowMs: number): void {
    if (this.gone.has(player)) return;
    this.gone.add(player);
    this.notices.push({ at: nowMs + (this.o.leftNoticeMs ?? 200), player });
  }

  /** One step of virtual time: joins when due (every player admits every spectator), then polls and plays. */
  step(nowMs: number, sessions: readonly (P2PSession<GameState> | undefined)[]): void {
    if (nowMs < (this.o.joinAtMs ?? 1000)) return;
    this.joined = true;
    // Every player admits every spectator (a returning player's new session too).
    for (const s of sessions) {
      if (s === undefined || this.admitted.has(s)) continue;
      this.admitted.add(s);
      for (const w of this.watchers) s.watch(w.id);
    }
    while (this.notices.length > 0 && (this.notices[0]?.at ?? Infinity) <= nowMs) {
      this.notices.shift();
      for (const w of this.watchers) w.session.setFeeders(w.session.feeder === undefined ? [] : this.feedersOf(w));
    }
    for (const w of this.watchers) {
      w.session.poll(nowMs);
      for (const e of w.session.drainEvents()) {
        w.events.push(e);
        if (e.kind !== 'started' && e.kind !== 'restarted') continue;
        const start = w.session.start;
        if (start === undefined) continue;
        w.track = new ConfirmedTrack(start.state.config, 3600, start.state);
        w.startFrame = start.frame;
        w.startedAtMs ??= nowMs;
        w.checksums.set(start.frame, checksum(start.state));
      }
      const track = w.track;
      if (track === undefined) continue;
      // No playback delay here: every confirmed frame is stepped (and its checksum kept) at once.
      const before = track.frame;
      track.advance(w.session);
      for (let f = before + 1; f <= track.frame; f++) {
        const p = track.at(f);
        if (p !== undefined) w.checksums.set(f, p.checksum);
      }
    }
  }

  /** Whether every spectator holds the inputs up to `lastFrame` and stepped them. */
  caughtUp(lastFrame: number): boolean {
    return this.watchers.every((w) => w.track !== undefined && w.track.frame >= lastFrame + 1);
  }

  /**
   * Why the spectators disagree with the players, or undefined: each must end on the players' final
   * state, and every frame it reached must have the checksum of the players' confirmed replay.
   */
  check(config: MatchConfig, confirmed: readonly (readonly number[])[], finalChecksum: number): string | undefined {
    const truth = new Map<number, number>();
    let s = initialState(config);
    truth.set(0, checksum(s));
    for (const inputs of confirmed) {
      s = step(s, inputs);
      truth.set(s.frame, checksum(s));
    }
    for (const r of this.results()) {
      if (r.startFrame < 0) return `spectator ${r.id} never started`;
      if (r.frame !== confirmed.length || r.checksum !== finalChecksum) return `spectator ${r.id} ends at frame ${r.frame} (${r.checksum.toString(16)}), the players at ${confirmed.length} (${finalChecksum.toString(16)})`;
      for (const [f, c] of r.checksums) if (truth.get(f) !== c) return `spectator ${r.id} differs at frame ${f}`;
    }
    return undefined;
  }

  results(): SimSpectatorResult[] {
    return this.watchers.map((w) => ({
      id: w.id,
      startFrame: w.startFrame,
      frame: w.track?.frame ?? -1,
      checksum: w.track === undefined ? 0 : checksum(w.track.state),
      catchupMs: w.startedAtMs === undefined ? undefined : w.startedAtMs - (this.o.joinAtMs ?? 1000),
      feeder: w.session.feeder,
      stats: w.session.stats(),
      events: w.events,
      checksums: w.checksums,
    }));
  }

  private feedersOf(w: Watcher): string[] {
    const i = this.o.firstFeeder ?? this.watchers.indexOf(w);
    const n = this.ids.length;
    const out: string[] = [];
    for (let k = 0; k < n; k++) {
      const p = (i + k) % n;
      if (!this.gone.has(p)) out.push(this.ids[p] as string);
    }
    return out;
  }
}
