/**
 * Two-phase ready handshake: every peer starts frame 0 at the same moment, or nobody starts.
 *
 * Phase 1 (prepare): once the mesh is open, every non-host peer runs clock-sync rounds with the host
 * (NTP-style probes, at least `syncRounds`), then each peer's READY vote carries its protocol version,
 * game version, a hash of the match setup and its RTT to the host. A mismatch aborts for everyone with a
 * message naming what differs, as soon as either side of it is ready. Phase 2 (commit): when the host
 * holds READY from everyone it sends START (seed, session id, player order, start time on the host's
 * clock, far enough ahead to cover the slowest RTT), retransmitted until each peer acknowledges. Each
 * peer converts the start time with its clock offset and begins then. A departure or an un-ready before
 * every acknowledgement arrived aborts for all (the host aborts too if the acknowledgements do not
 * arrive before the start time). An explicit abort that arrives before a peer's frame 0 (the host's
 * deadline, or a member leaving during the countdown) still stops that peer, host included; otherwise,
 * after the commit, a departure is the netcode's disconnect handling.
 * Sans-IO: time comes in, messages go out through `send`.
 */
import { ClockSync, clockSample } from '../netcode/clock-sync.ts';
import type { PeerId } from '../netcode/socket.ts';
import { hashSetup, type ControlMessage, type MatchSetup } from './control.ts';

/** What both versions a peer runs. */
export interface Versions {
  readonly protocol: number;
  readonly game: number;
}

/** Everything a peer needs to begin the match. */
export interface StartInfo {
  readonly round: number;
  readonly seed: number;
  readonly sessionId: number;
  /** Member ids in player order (index = player). */
  readonly order: readonly PeerId[];
  readonly localPlayer: number;
  readonly setup: MatchSetup;
  /** Start time on the host's clock. */
  readonly startAtHostMs: number;
  /** The same moment on this peer's clock: begin frame 0 then. */
  readonly localStartMs: number;
  /** This peer's estimate of host clock minus local clock. */
  readonly clockOffsetMs: number;
}

/** Events drained with `drainEvents`. */
export type HandshakeEvent =
  | { readonly kind: 'clock-synced'; readonly offsetMs: number; readonly rttMs: number }
  | { readonly kind: 'ready-changed'; readonly peer: PeerId; readonly ready: boolean }
  | { readonly kind: 'committed'; readonly start: StartInfo }
  | { readonly kind: 'aborted'; readonly reason: string };

/** Where the handshake is. */
export type HandshakePhase = 'syncing' | 'voting' | 'committing' | 'committed' | 'aborted';

/** Configuration of one handshake round. */
export interface HandshakeOptions {
  readonly localId: PeerId;
  readonly hostId: PeerId;
  /** Every member of the match, in player order (the lobby's join order). */
  readonly members: readonly PeerId[];
  readonly round: number;
  readonly versions: Versions;
  readonly setup: MatchSetup;
  readonly send: (to: PeerId, message: ControlMessage) => void;
  /** A uint32 from a random source (seed and session id; injected so tests are repeatable). */
  readonly random: () => number;
  /** Names for messages (defaults to ids). */
  readonly nameOf?: (id: PeerId) => string;
  readonly syncRounds?: number;
  readonly syncIntervalMs?: number;
  /** Least time between START and frame 0, plus 3 x the slowest RTT. */
  readonly minLeadMs?: number;
  /** Extra lead for a visible countdown. */
  readonly countdownMs?: number;
  readonly retransmitMs?: number;
}

interface Vote {
  readonly ready: boolean;
  readonly rttMs: number;
}

/** One round of the handshake. */
export class ReadyHandshake {
  phase: HandshakePhase;
  private readonly o: HandshakeOptions;
  private readonly clock = new ClockSync();
  private readonly votes = new Map<PeerId, Vote>();
  private readonly acks = new Set<PeerId>();
  private readonly events: HandshakeEvent[] = [];
  private localReady = false;
  private lastProbeMs = -Infinity;
  private nonce = 0;
  private start: (ControlMessage & { t: 'hs-start' }) | undefined;
  private lastStartSendMs = -Infinity;

  constructor(options: HandshakeOptions) {
    if (!options.members.includes(options.localId) || !options.members.includes(options.hostId)) throw new RangeError('local and host must be members');
    if (new Set(options.members).size !== options.members.length || options.members.length !== options.setup.players) throw new RangeError('members must be distinct, one per player');
    this.o = options;
    this.phase = this.isHost ? 'voting' : 'syncing';
  }

  get isHost(): boolean {
    return this.o.localId === this.o.hostId;
  }

  /** Clock-sync samples taken with the host so far. */
  get syncSamples(): number {
    return this.clock.samples;
  }

  /** Ready votes as this peer knows them. */
  readyOf(id: PeerId): boolean {
    return id === this.o.localId ? this.localReady : (this.votes.get(id)?.ready ?? false);
  }

  drainEvents(): HandshakeEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** The local player presses Ready / Not ready. Un-ready after voting aborts the round for all. */
  setReady(ready: boolean, nowMs: number): void {
    if (this.phase === 'aborted' || this.phase === 'committed' || ready === this.localReady) return;
    if (!ready && this.phase === 'committing') return this.abort(`${this.name(this.o.localId)} is no longer ready`, nowMs);
    const wasReady = this.localReady;
    this.localReady = ready;
    if (this.phase !== 'syncing') this.sendVote();
    if (wasReady && !ready) return this.abort(`${this.name(this.o.localId)} is no longer ready`, nowMs);
    this.maybeCommit(nowMs);
  }

  /** A member left the lobby or its connection closed. */
  peerLeft(id: PeerId, nowMs: number): void {
    if (!this.o.members.includes(id) || this.phase === 'aborted' || this.phase === 'committed') return;
    this.abort(`${this.name(id)} left`, nowMs);
  }

  /** Aborts this round for everyone. */
  abort(reason: string, _nowMs: number): void {
    if (this.phase === 'aborted') return;
    this.phase = 'aborted';
    for (const id of this.others()) this.o.send(id, { t: 'hs-abort', round: this.o.round, reason });
    this.events.push({ kind: 'aborted', reason });
  }

  /** Timers: clock probes, START retransmission, the host's acknowledgement deadline. */
  update(nowMs: number): void {
    if (this.phase === 'syncing' && nowMs - this.lastProbeMs >= (this.o.syncIntervalMs ?? 50)) {
      this.lastProbeMs = nowMs;
      this.nonce++;
      this.o.send(this.o.hostId, { t: 'hs-sync-req', round: this.o.round, nonce: this.nonce, t0: nowMs });
    }
    if (this.phase === 'committing' && this.start !== undefined) {
      if (nowMs >= this.start.startAt - (this.o.retransmitMs ?? 200) / 2) {
        const missing = this.others().filter((id) => !this.acks.has(id));
        return this.abort(`no answer from ${missing.map((id) => this.name(id)).join(', ')} before the start`, nowMs);
      }
      if (nowMs - this.lastStartSendMs >= (this.o.retransmitMs ?? 200)) {
        this.lastStartSendMs = nowMs;
        for (const id of this.others()) if (!this.acks.has(id)) this.o.send(id, this.start);
      }
    }
  }

  /** Takes one message from a peer's reliable channel. */
  handle(from: PeerId, m: ControlMessage, nowMs: number): void {
    if (!this.o.members.includes(from) || m.t === 'chat' || m.t === 'ping' || m.t === 'pong' || m.round !== this.o.round) return;
    switch (m.t) {
      case 'hs-sync-req':
        if (this.isHost) this.o.send(from, { t: 'hs-sync-rep', round: m.round, nonce: m.nonce, t0: m.t0, t1: nowMs, t2: nowMs });
        break;
      case 'hs-sync-rep':
        if (from !== this.o.hostId || this.phase === 'aborted') return;
        this.clock.add(clockSample(m.t0, m.t1, m.t2, nowMs));
        if (this.phase === 'syncing' && this.clock.samples >= (this.o.syncRounds ?? 5)) {
          this.phase = 'voting';
          this.events.push({ kind: 'clock-synced', offsetMs: this.clock.offsetMs, rttMs: this.clock.rttMs });
          this.sendVote();
          this.maybeCommit(nowMs);
        }
        break;
      case 'hs-ready':
        this.onVote(from, m, nowMs);
        break;
      case 'hs-start':
        this.onStart(from, m, nowMs);
        break;
      case 'hs-ack':
        if (this.isHost && this.start !== undefined && m.sessionId === this.start.sessionId) {
          this.acks.add(from);
          this.maybeFinishCommit(nowMs);
        }
        break;
      case 'hs-abort':
        if (this.phase !== 'aborted' && this.phase !== 'committed') {
          this.phase = 'aborted';
          this.events.push({ kind: 'aborted', reason: m.reason });
        } else if (this.phase === 'committed' && this.startInfo !== undefined && nowMs < this.startInfo.localStartMs) {
          // Someone gave up before frame 0 (the host missed an acknowledgement, or a member left during
          // the countdown): nobody starts, the host included.
          this.phase = 'aborted';
          this.events.push({ kind: 'aborted', reason: m.reason });
        }
        break;
    }
  }

  /** The start info once committed. */
  startInfo: StartInfo | undefined;

  private onVote(from: PeerId, m: ControlMessage & { t: 'hs-ready' }, nowMs: number): void {
    if (this.phase === 'aborted' || this.phase === 'committed') return;
    const who = this.name(from);
    const mismatch =
      m.protocolVersion !== this.o.versions.protocol
        ? `${who} runs protocol version ${m.protocolVersion}, this peer ${this.o.versions.protocol}`
        : m.gameVersion !== this.o.versions.game
          ? `${who} runs game version ${m.gameVersion}, this peer ${this.o.versions.game}`
          : m.configHash !== hashSetup(this.o.setup)
            ? `match settings differ from ${who}'s: ${describeSetupDiff(this.o.setup, m.setup)}`
            : undefined;
    if (mismatch !== undefined) {
      // Only a Ready on either side turns a mismatch into an abort: otherwise every new round (nobody
      // ready after an abort) would abort again at its first vote, forever. Such a vote never counts.
      if (m.ready || this.localReady) this.abort(mismatch, nowMs);
      return;
    }
    const before = this.votes.get(from)?.ready ?? false;
    this.votes.set(from, { ready: m.ready, rttMs: m.rttMs });
    if (before !== m.ready) this.events.push({ kind: 'ready-changed', peer: from, ready: m.ready });
    if (before && !m.ready) return this.abort(`${who} is no longer ready`, nowMs);
    this.maybeCommit(nowMs);
  }

  private maybeCommit(nowMs: number): void {
    if (!this.isHost || this.phase !== 'voting' || !this.localReady) return;
    if (!this.others().every((id) => this.votes.get(id)?.ready === true)) return;
    const slowest = Math.max(0, ...this.others().map((id) => this.votes.get(id)?.rttMs ?? 0));
    const lead = (this.o.minLeadMs ?? 300) + 3 * slowest + (this.o.countdownMs ?? 0);
    this.start = {
      t: 'hs-start',
      round: this.o.round,
      seed: this.o.random() >>> 0,
      sessionId: this.o.random() >>> 0,
      order: [...this.o.members],
      startAt: nowMs + lead,
      setup: this.o.setup,
    };
    this.phase = 'committing';
    this.lastStartSendMs = -Infinity;
    this.update(nowMs);
  }

  private maybeFinishCommit(_nowMs: number): void {
    if (this.phase !== 'committing' || this.start === undefined) return;
    if (!this.others().every((id) => this.acks.has(id))) return;
    this.commit(this.start, 0);
  }

  private onStart(from: PeerId, m: ControlMessage & { t: 'hs-start' }, nowMs: number): void {
    if (from !== this.o.hostId || this.isHost) return;
    if (this.phase === 'committed' && this.startInfo?.sessionId === m.sessionId) {
      this.o.send(from, { t: 'hs-ack', round: m.round, sessionId: m.sessionId }); // our ack was lost
      return;
    }
    if (this.phase !== 'voting' || !this.localReady) return;
    if (m.order.length !== this.o.members.length || !m.order.every((id, i) => id === this.o.members[i])) {
      return this.abort('the host proposed a different player order', nowMs);
    }
    if (hashSetup(m.setup) !== hashSetup(this.o.setup)) return this.abort(`the host's settings differ: ${describeSetupDiff(this.o.setup, m.setup)}`, nowMs);
    this.o.send(from, { t: 'hs-ack', round: m.round, sessionId: m.sessionId });
    this.commit(m, this.clock.offsetMs);
  }

  private commit(m: ControlMessage & { t: 'hs-start' }, offsetMs: number): void {
    this.phase = 'committed';
    this.startInfo = {
      round: m.round,
      seed: m.seed,
      sessionId: m.sessionId,
      order: m.order,
      localPlayer: m.order.indexOf(this.o.localId),
      setup: m.setup,
      startAtHostMs: m.startAt,
      localStartMs: m.startAt - offsetMs,
      clockOffsetMs: offsetMs,
    };
    this.events.push({ kind: 'committed', start: this.startInfo });
  }

  private sendVote(): void {
    const vote: ControlMessage = {
      t: 'hs-ready',
      round: this.o.round,
      ready: this.localReady,
      protocolVersion: this.o.versions.protocol,
      gameVersion: this.o.versions.game,
      configHash: hashSetup(this.o.setup),
      setup: this.o.setup,
      rttMs: this.isHost ? 0 : this.clock.rttMs,
    };
    for (const id of this.others()) this.o.send(id, vote);
  }

  private others(): PeerId[] {
    return this.o.members.filter((id) => id !== this.o.localId);
  }

  private name(id: PeerId): string {
    return this.o.nameOf?.(id) ?? id;
  }
}

/** "pointsToWin 5 vs 7, inputDelay 2 vs 3". */
export function describeSetupDiff(mine: MatchSetup, theirs: MatchSetup): string {
  const keys = ['players', 'pointsToWin', 'inputDelay', 'maxPrediction'] as const;
  const parts = keys.filter((k) => mine[k] !== theirs[k]).map((k) => `${k} ${mine[k]} here vs ${theirs[k]} there`);
  return parts.length > 0 ? parts.join(', ') : 'configuration hash differs';
}
