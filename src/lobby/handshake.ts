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
 * after the commit, a departure is the netcode's disconnect handling. In the countdown the host alone
 * cancels, and only until its cutoff (margin + the slowest vote RTT before frame 0), so its abort
 * reaches every member before that member's frame 0; a member's late Not ready is a request to it.
 * Only the host's aborts may name other members: a member's names its sender or nobody.
 *
 * Hostile values are bounded (`HANDSHAKE_LIMITS`): a vote's RTT is clamped, so no vote can stretch the
 * lead; a START whose frame 0 lies in the past or further ahead than the largest lead an honest host
 * can pick is refused; clock replies are matched to our own probes (our own `t0`, never the echo).
 * Every non-host has its own timeouts (no clock sync while ready, no START although everyone is ready),
 * so a silent host cannot hold a lobby; *Not ready* aborts in every phase up to frame 0. Aborts carry a
 * code from a fixed vocabulary (`handshake-abort.ts`), and their text is made locally.
 * Sans-IO: time comes in, messages go out through `send`.
 */
import { ClockSync, clockSample } from '../netcode/clock-sync.ts';
import type { PeerId } from '../netcode/socket.ts';
import { describeSetupDiff, hashSetup, isHandshakeMessage, type ControlMessage, type ControlOf } from './control.ts';
import { AbortCode, abortText } from './handshake-abort.ts';
import { HANDSHAKE_LIMITS, maxLeadMs, type HandshakeEvent, type HandshakeOptions, type HandshakePhase, type StartInfo } from './handshake-types.ts';

export { HANDSHAKE_LIMITS, maxLeadMs, type HandshakeEvent, type HandshakeOptions, type HandshakePhase, type StartInfo, type Versions } from './handshake-types.ts';

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
  private start: ControlOf<'hs-start'> | undefined;
  private lastStartSendMs = -Infinity;
  /** Our outstanding clock probes: nonce -> our send time. */
  private readonly probes = new Map<number, number>();
  /** When this round began here (first `update`), our Ready, and when we first saw everyone ready. */
  private roundStartMs: number | undefined;
  private readySinceMs: number | undefined;
  private allReadySinceMs: number | undefined;
  /** The slowest member's clamped vote RTT when the host sent START (sets the host's cutoff). */
  private slowestRttMs = 0;
  /** A member's Not ready late in the countdown went to the host as a request (sent once). */
  private abortRequested = false;

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

  /**
   * The local player presses Ready / Not ready. Not ready after a Ready aborts the round for all, in
   * every phase up to our frame 0 (syncing, voting, committing, and committed during the countdown).
   */
  setReady(ready: boolean, nowMs: number): void {
    if (this.phase === 'aborted' || ready === this.localReady) return;
    if (this.phase === 'committed') {
      if (!ready && this.startInfo !== undefined) this.unreadyInCountdown(this.startInfo.localStartMs - nowMs, nowMs);
      return;
    }
    if (!ready && this.phase === 'committing') return this.abort(AbortCode.unready, [this.o.localId], nowMs);
    const wasReady = this.localReady;
    this.localReady = ready;
    this.readySinceMs = ready ? nowMs : undefined;
    if (this.phase !== 'syncing') this.sendVote();
    if (wasReady && !ready) return this.abort(AbortCode.unready, [this.o.localId], nowMs);
    this.maybeCommit(nowMs);
  }

  /**
   * Not ready during the countdown, `left` ms before our frame 0. The host (the commit's coordinator)
   * cancels if it is before its cutoff. A member aborts at once only while the host's cutoff cannot
   * have passed when its abort arrives (the largest cutoff any vote allows, plus our round trip);
   * later it only asks the host, and leaves when the host's abort comes back, or starts with everyone.
   */
  private unreadyInCountdown(left: number, nowMs: number): void {
    if (this.isHost) {
      if (left > this.cutoffMs()) {
        this.localReady = false;
        this.abort(AbortCode.unready, [this.o.localId], nowMs);
      }
      return;
    }
    this.localReady = false;
    if (left > HANDSHAKE_LIMITS.abortMarginMs + HANDSHAKE_LIMITS.maxVoteRttMs + 2 * this.clock.rttMs) return this.abort(AbortCode.unready, [this.o.localId], nowMs);
    if (this.abortRequested || left <= 0) return;
    this.abortRequested = true;
    this.o.send(this.o.hostId, { t: 'hs-abort', round: this.o.round, code: AbortCode.unready, about: [this.o.localId] });
  }

  /** The host's cutoff before frame 0 (see `HANDSHAKE_LIMITS.abortMarginMs`). */
  private cutoffMs(): number {
    return HANDSHAKE_LIMITS.abortMarginMs + this.slowestRttMs;
  }

  /** A member left the lobby or its connection closed. */
  peerLeft(id: PeerId, nowMs: number): void {
    if (!this.o.members.includes(id) || this.phase === 'aborted' || this.phase === 'committed') return;
    this.abort(AbortCode.left, [id], nowMs);
  }

  /**
   * Aborts this round for everyone: `code` and the members it is about go on the wire; `detail` (made
   * locally from validated values) only into our own sentence.
   */
  abort(code: AbortCode, about: readonly PeerId[], _nowMs: number, detail?: string): void {
    if (this.phase === 'aborted') return;
    // Read before the phase changes: was anyone starting (a vote for Ready, or a start being committed)?
    // Only a change of members (joined, left) can cancel nothing; a mismatch or a timeout always tells.
    const membership = code === AbortCode.joined || code === AbortCode.left;
    const starting = !membership || this.phase === 'committing' || this.phase === 'committed' || this.o.members.some((id) => this.readyOf(id));
    this.phase = 'aborted';
    const members = about.filter((id) => this.o.members.includes(id));
    for (const id of this.others()) this.o.send(id, { t: 'hs-abort', round: this.o.round, code, about: members });
    this.pushAborted(code, members, starting, detail);
  }

  private pushAborted = (code: AbortCode, about: readonly PeerId[], starting: boolean, detail?: string): void =>
    void this.events.push({ kind: 'aborted', code, about, reason: abortText(code, about.map((id) => this.name(id)), detail), starting });

  /** Timers: clock probes, START retransmission, the host's acknowledgement deadline. */
  update(nowMs: number): void {
    this.roundStartMs ??= nowMs;
    if (this.phase === 'syncing' && nowMs - this.lastProbeMs >= (this.o.syncIntervalMs ?? 50)) {
      this.lastProbeMs = nowMs;
      this.nonce = (this.nonce + 1) >>> 0;
      this.probes.set(this.nonce, nowMs);
      if (this.probes.size > HANDSHAKE_LIMITS.probesKept) this.probes.delete(this.probes.keys().next().value as number);
      this.o.send(this.o.hostId, { t: 'hs-sync-req', round: this.o.round, nonce: this.nonce, t0: nowMs });
    }
    if (!this.isHost && this.localReady) {
      const silent = this.hostSilent(nowMs);
      if (silent === 'sync') return this.abort(AbortCode.hostTimeout, [this.o.hostId], nowMs);
      if (silent === 'start') return this.abort(AbortCode.startTimeout, [], nowMs);
    }
    if (this.phase === 'committing' && this.start !== undefined) {
      if (nowMs >= this.start.startAt - this.cutoffMs()) {
        return this.abort(AbortCode.noAnswer, this.others().filter((id) => !this.acks.has(id)), nowMs);
      }
      if (nowMs - this.lastStartSendMs >= (this.o.retransmitMs ?? 200)) {
        this.lastStartSendMs = nowMs;
        for (const id of this.others()) if (!this.acks.has(id)) this.o.send(id, this.start);
      }
    }
  }

  /**
   * Our own timeouts on the host: ready but no clock sync (`sync`: the host's replies are the host's),
   * or everyone ready as we heard it but no START (`start`: not necessarily the host's fault, as
   * members' votes reach us directly and a member may tell us "ready" and the host "not ready").
   */
  private hostSilent(nowMs: number): 'sync' | 'start' | undefined {
    if (this.phase === 'syncing') {
      const since = Math.max(this.roundStartMs ?? nowMs, this.readySinceMs ?? nowMs);
      return nowMs - since > HANDSHAKE_LIMITS.syncTimeoutMs ? 'sync' : undefined;
    }
    if (this.phase !== 'voting') return undefined;
    const everyone = this.others().every((id) => this.votes.get(id)?.ready === true);
    if (!everyone) {
      this.allReadySinceMs = undefined;
      return undefined;
    }
    this.allReadySinceMs ??= nowMs;
    return nowMs - this.allReadySinceMs > HANDSHAKE_LIMITS.startWaitMs ? 'start' : undefined;
  }

  /** Takes one message from a peer's reliable channel. */
  handle(from: PeerId, m: ControlMessage, nowMs: number): void {
    if (!this.o.members.includes(from) || !isHandshakeMessage(m) || m.round !== this.o.round) return;
    switch (m.t) {
      case 'hs-sync-req':
        if (this.isHost) this.o.send(from, { t: 'hs-sync-rep', round: m.round, nonce: m.nonce, t0: m.t0, t1: nowMs, t2: nowMs });
        break;
      case 'hs-sync-rep': {
        if (from !== this.o.hostId || this.phase === 'aborted') return;
        // Our own send time, never the echoed one; the host's processing time must fit in the round trip.
        const t0 = this.probes.get(m.nonce);
        if (t0 === undefined || m.t2 < m.t1 || m.t2 - m.t1 > nowMs - t0) return;
        this.probes.delete(m.nonce);
        this.clock.add(clockSample(t0, m.t1, m.t2, nowMs));
        if (this.phase === 'syncing' && this.clock.samples >= (this.o.syncRounds ?? 5)) {
          this.phase = 'voting';
          this.events.push({ kind: 'clock-synced', offsetMs: this.clock.offsetMs, rttMs: this.clock.rttMs });
          this.sendVote();
          this.maybeCommit(nowMs);
        }
        break;
      }
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
      case 'hs-abort': {
        if (this.phase === 'aborted') return;
        // Only the host (the coordinator, whose own observations they are) names others; a member's
        // abort is about its sender, or nobody: it cannot blame an honest player (a relay of another
        // member's abort names nobody).
        const about = from === this.o.hostId ? m.about.filter((id) => this.o.members.includes(id)) : m.about.length === 1 && m.about[0] === from ? [from] : [];
        // Relayed: a peer told alone (by a hostile member) must not be the only one to leave the round.
        if (this.phase !== 'committed') return this.abort(m.code, about, nowMs);
        // In the countdown only the host (the commit's coordinator) cancels: a member's abort goes
        // through it, in time, and the host tells everyone. So an abort told to one peer alone leaves
        // nobody out alone.
        const left = this.startInfo === undefined ? 0 : this.startInfo.localStartMs - nowMs;
        if (from === this.o.hostId && left > 0) {
          this.phase = 'aborted';
          this.pushAborted(m.code, about, true); // in the countdown: a start is cancelled
        } else if (this.isHost && left > this.cutoffMs()) this.abort(m.code, about, nowMs);
        break;
      }
    }
  }

  /** The start info once committed. */
  startInfo: StartInfo | undefined;

  private onVote(from: PeerId, m: ControlOf<'hs-ready'>, nowMs: number): void {
    if (this.phase === 'aborted' || this.phase === 'committed') return;
    const mine = this.o.versions;
    const mismatch: [AbortCode, string] | undefined =
      m.protocolVersion !== mine.protocol
        ? [AbortCode.protocolMismatch, `protocol version ${m.protocolVersion}, this peer ${mine.protocol}`]
        : m.gameVersion !== mine.game
          ? [AbortCode.gameMismatch, `game version ${m.gameVersion}, this peer ${mine.game}`]
          : m.configHash !== hashSetup(this.o.setup)
            ? [AbortCode.setupMismatch, describeSetupDiff(this.o.setup, m.setup)]
            : undefined;
    if (mismatch !== undefined) {
      // Only a Ready on either side turns a mismatch into an abort: otherwise every new round (nobody
      // ready after an abort) would abort again at its first vote, forever. Such a vote never counts.
      if (m.ready || this.localReady) this.abort(mismatch[0], [from], nowMs, mismatch[1]);
      return;
    }
    const before = this.votes.get(from)?.ready ?? false;
    // A claimed RTT beyond the bound counts as the bound: no vote can push frame 0 far away.
    this.votes.set(from, { ready: m.ready, rttMs: Math.min(m.rttMs, HANDSHAKE_LIMITS.maxVoteRttMs) });
    if (before !== m.ready) this.events.push({ kind: 'ready-changed', peer: from, ready: m.ready });
    if (before && !m.ready) return this.abort(AbortCode.unready, [from], nowMs);
    this.maybeCommit(nowMs);
  }

  private maybeCommit(nowMs: number): void {
    if (!this.isHost || this.phase !== 'voting' || !this.localReady) return;
    if (!this.others().every((id) => this.votes.get(id)?.ready === true)) return;
    const slowest = Math.min(HANDSHAKE_LIMITS.maxVoteRttMs, Math.max(0, ...this.others().map((id) => this.votes.get(id)?.rttMs ?? 0)));
    const lead = (this.o.minLeadMs ?? 300) + 3 * slowest + (this.o.countdownMs ?? 0);
    this.slowestRttMs = slowest;
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

  private onStart(from: PeerId, m: ControlOf<'hs-start'>, nowMs: number): void {
    if (from !== this.o.hostId || this.isHost) return;
    if (this.phase === 'committed' && this.startInfo?.sessionId === m.sessionId) {
      this.o.send(from, { t: 'hs-ack', round: m.round, sessionId: m.sessionId }); // our ack was lost
      return;
    }
    if (this.phase !== 'voting' || !this.localReady) return;
    if (m.order.length !== this.o.members.length || !m.order.every((id, i) => id === this.o.members[i])) {
      return this.abort(AbortCode.orderMismatch, [from], nowMs);
    }
    if (hashSetup(m.setup) !== hashSetup(this.o.setup)) return this.abort(AbortCode.setupMismatch, [from], nowMs, describeSetupDiff(this.o.setup, m.setup));
    // Frame 0 on our clock must lie ahead, and no further than the largest lead an honest host picks.
    const inMs = m.startAt - this.clock.offsetMs - nowMs;
    const limit = maxLeadMs(this.o) + HANDSHAKE_LIMITS.startSlackMs;
    if (!(inMs > 0 && inMs <= limit)) {
      return this.abort(AbortCode.badStart, [from], nowMs, inMs <= 0 ? `frame 0 ${Math.round(-inMs)} ms ago` : `frame 0 in ${Math.round(inMs / 1000)} s, at most ${Math.round(limit / 1000)} s allowed`);
    }
    this.o.send(from, { t: 'hs-ack', round: m.round, sessionId: m.sessionId });
    this.commit(m, this.clock.offsetMs);
  }

  private commit(m: ControlOf<'hs-start'>, offsetMs: number): void {
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
