/**
 * Peer-to-peer rollback session for 2-4 players (GGPO/GGRS model, sans-IO).
 *
 * Each call to `advanceFrame(nowMs)`: receives every pending datagram, applies remote inputs and
 * connection gossip, checks link timeouts, rolls back to the first *mispredicted* frame if any (load,
 * then re-simulate with corrected inputs, saving each frame), then — unless the prediction window is
 * exhausted (a stall) — saves and advances the current frame, and finally sends this peer's unacknowledged
 * inputs, acks, quality reports, clock probes and checksums of final frames. The caller executes the
 * returned requests in order (see `Simulation`). Time is passed in; nothing here reads a clock.
 *
 * Departures: a peer silent for `disconnectAfterMs` is dropped; every peer gossips, per player, whether
 * it considers the player gone and the last frame of that player's input it holds. Peers converge on the
 * minimum such frame, after which the departed player's input is neutral, and roll back if they had used
 * later real inputs — so the remaining peers stay in sync.
 */
import { InputQueue } from '../input-queue.ts';
import { DesyncDetector } from '../desync-detector.ts';
import { PeerEndpoint } from '../endpoint.ts';
import { decodePacket } from '../codec.ts';
import { assertNever, LIMITS, type InputMessage, type Message, type PlayerStatus } from '../protocol.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import { StateRing } from '../state-ring.ts';
import { estimateRemoteFrame, tickRateFactor } from '../time-sync.ts';
import { NULL_FRAME, type FieldDiff, type Frame, type SessionEvent, type SessionRequest, type SessionStats } from '../types.ts';

/** Optional state exchange for desync forensics (the netcode never looks inside a state). */
export interface StateForensics<S> {
  encode(state: S): Uint8Array;
  decode(bytes: Uint8Array): S | undefined;
  diff(local: S, remote: S): readonly FieldDiff[];
}

/** Configuration of a session. Defaults follow GGPO/GGRS practice. */
export interface P2PSessionOptions<S> {
  readonly players: number;
  readonly localPlayer: number;
  readonly remotes: readonly { readonly player: number; readonly peer: PeerId }[];
  readonly socket: PeerSocket;
  /** Agreed in the handshake; packets of other sessions are dropped. */
  readonly sessionId: number;
  /** Time of the first call (ms); used to start silence timers. */
  readonly startMs: number;
  readonly inputDelay?: number;
  readonly maxPrediction?: number;
  readonly tickMs?: number;
  readonly checksumInterval?: number;
  readonly interruptAfterMs?: number;
  readonly disconnectAfterMs?: number;
  readonly forensics?: StateForensics<S>;
}

/** Validated defaults. */
export const SESSION_DEFAULTS = {
  inputDelay: 2,
  maxPrediction: 8,
  tickMs: 1000 / 60,
  checksumInterval: 60,
  interruptAfterMs: 750,
  disconnectAfterMs: 5000,
} as const;

const MAX_INPUT_DELAY = 10;
const MAX_PREDICTION = 16;
/** Extra saved states beyond the prediction window, so an agreed departure can still roll back. */
const DISCONNECT_MARGIN = MAX_PREDICTION + MAX_INPUT_DELAY + 16;
const QUALITY_EVERY_FRAMES = 6;
const SYNC_PROBE_MS = 250;
const FAST_SYNC_PROBE_MS = 50;
const FAST_SYNC_SAMPLES = 5;
const KEEP_ALIVE_MS = 200;
const CHECKSUMS_PER_REPORT = 4;
const HISTOGRAM_SIZE = MAX_PREDICTION + DISCONNECT_MARGIN + 1;

/** The rollback session. */
export class P2PSession<S> {
  readonly players: number;
  readonly localPlayer: number;
  readonly maxPrediction: number;
  readonly tickMs: number;
  private inputDelayFrames: number;
  private readonly queues: InputQueue[];
  private readonly ring: StateRing<S>;
  private readonly endpoints: PeerEndpoint[];
  private readonly byPeer = new Map<PeerId, PeerEndpoint>();
  private readonly detector: DesyncDetector<S>;
  private readonly events: SessionEvent[] = [];
  private readonly opts: P2PSessionOptions<S>;
  private frame: Frame = 0;
  private lastLocalInput = 0;
  private pendingChecksumSaves: Frame[] = [];
  private finalInputFrame: Frame = NULL_FRAME;
  private stalled = false;
  private localGone = false;
  private leaving = false;
  private counters = { rollbacks: 0, maxRollback: 0, predicted: 0, stalls: 0, resimulated: 0, unknownPeer: 0 };
  /** Players whose departure was announced with a `disconnected` event. */
  private readonly announced = new Set<number>();
  private readonly histogram = new Array<number>(HISTOGRAM_SIZE).fill(0);
  private framesAheadNow = 0;
  private factor = 1;
  private nowMs: number;

  constructor(options: P2PSessionOptions<S>) {
    const { players, localPlayer, remotes } = options;
    if (!Number.isInteger(players) || players < 2 || players > LIMITS.maxPlayers) throw new RangeError('players must be 2..4');
    if (!Number.isInteger(localPlayer) || localPlayer < 0 || localPlayer >= players) throw new RangeError('localPlayer out of range');
    const seen = new Set([localPlayer]);
    for (const r of remotes) {
      if (seen.has(r.player) || r.player < 0 || r.player >= players) throw new RangeError(`bad remote player ${r.player}`);
      seen.add(r.player);
    }
    if (seen.size !== players) throw new RangeError('every player needs exactly one peer');
    this.opts = options;
    this.nowMs = options.startMs;
    this.players = players;
    this.localPlayer = localPlayer;
    this.inputDelayFrames = checkRange('inputDelay', options.inputDelay ?? SESSION_DEFAULTS.inputDelay, 0, MAX_INPUT_DELAY);
    this.maxPrediction = checkRange('maxPrediction', options.maxPrediction ?? SESSION_DEFAULTS.maxPrediction, 1, MAX_PREDICTION);
    this.tickMs = options.tickMs ?? SESSION_DEFAULTS.tickMs;
    this.queues = Array.from({ length: players }, () => new InputQueue(256));
    this.ring = new StateRing<S>(this.maxPrediction + 1 + DISCONNECT_MARGIN);
    this.detector = new DesyncDetector<S>(options.checksumInterval ?? SESSION_DEFAULTS.checksumInterval);
    this.endpoints = remotes.map((r) => new PeerEndpoint(r.peer, r.player, options.sessionId, options.socket, options.startMs));
    for (const e of this.endpoints) this.byPeer.set(e.peer, e);
    const local = this.queues[localPlayer] as InputQueue;
    for (let f = 0; f < this.inputDelayFrames; f++) local.addConfirmed(f, 0);
  }

  /** The frame the next `advance` request will simulate (= frame of the caller's current state). */
  get currentFrame(): Frame {
    return this.frame;
  }

  /** Last input frame every peer holds confirmed: states up to this + 1 are final. */
  get confirmedFrame(): Frame {
    return this.finalInputFrame;
  }

  get inputDelay(): number {
    return this.inputDelayFrames;
  }

  /** Time-sync factor for the caller's frame clock (1 = nominal, < 1 = run slower). */
  get tickRateFactor(): number {
    return this.factor;
  }

  /** Frames this peer is ahead of the peer it is most ahead of (averaged). */
  get framesAhead(): number {
    return this.framesAheadNow;
  }

  /** Changes the local input delay (0..10) mid-match; deterministic for every peer. */
  setInputDelay(frames: number): void {
    this.inputDelayFrames = checkRange('inputDelay', frames, 0, MAX_INPUT_DELAY);
  }

  /**
   * The local player's input for the current frame; it is scheduled `inputDelay` frames later.
   * Call once before each `advanceFrame`; a repeated call for the same frame (while stalled) is ignored.
   */
  addLocalInput(input: number): void {
    if (!Number.isInteger(input) || input < 0 || input > 255) throw new RangeError('input must be an integer 0..255');
    const q = this.queues[this.localPlayer] as InputQueue;
    const target = this.frame + this.inputDelayFrames;
    // A raised delay leaves a gap: fill it with the previous input. A lowered one drops inputs until caught up.
    for (let f = q.lastConfirmedFrame + 1; f < target; f++) q.addConfirmed(f, this.lastLocalInput);
    if (q.addConfirmed(target, input) === 'added') this.lastLocalInput = input;
  }

  /** Drains the events raised since the last call. */
  drainEvents(): SessionEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** Network work without advancing (call when no frame is due, e.g. between render frames). */
  poll(nowMs: number): void {
    this.nowMs = nowMs;
    this.harvestSaves();
    this.receive(nowMs);
    this.checkTimeouts(nowMs);
    this.announceDepartures();
    this.sendPeriodic(nowMs, false);
  }

  /**
   * One frame: returns the requests to execute, in order (possibly only a rollback, or nothing when
   * stalled). With `advance` false it only receives and corrects past frames (rollback) without
   * simulating a new one — for settling a finished match on its final confirmed state.
   */
  advanceFrame(nowMs: number, advance = true): SessionRequest<S>[] {
    this.nowMs = nowMs;
    this.harvestSaves();
    this.receive(nowMs);
    this.checkTimeouts(nowMs);
    this.announceDepartures();
    const requests: SessionRequest<S>[] = [];
    if (this.localGone || this.leaving) return requests;
    this.rollbackIfNeeded(requests);
    this.updateFinalFrame();
    this.reportChecksums(nowMs);
    const minConfirmed = this.minRemoteConfirmed();
    if (!advance) {
      // settling: no new frame
    } else if (this.frame - minConfirmed > this.maxPrediction) {
      if (!this.stalled) {
        this.stalled = true;
        this.counters.stalls++;
        this.events.push({ kind: 'stall', frame: this.frame, waitingFor: this.waitingFor(minConfirmed) });
      }
    } else {
      this.stalled = false;
      this.pushSave(requests, this.frame);
      const { inputs, predicted } = this.inputsFor(this.frame);
      if (predicted) this.counters.predicted++;
      requests.push({ kind: 'advance', frame: this.frame, inputs });
      this.frame++;
      this.updateTimeSync(nowMs);
    }
    this.sendInputs(nowMs);
    this.sendPeriodic(nowMs, this.frame % QUALITY_EVERY_FRAMES === 0);
    return requests;
  }

  /** Leaves the match: tells every peer (a few times, the channel is lossy) and stops advancing. */
  leave(nowMs: number): void {
    if (this.leaving) return;
    this.leaving = true;
    const last = (this.queues[this.localPlayer] as InputQueue).lastReceivedFrame;
    for (let i = 0; i < 3; i++) this.broadcast({ kind: 'disconnect-notice', player: this.localPlayer, frame: Math.max(0, last) }, nowMs);
  }

  /** Network and rollback figures. */
  stats(nowMs: number): SessionStats {
    for (const e of this.endpoints) e.updateRates(nowMs);
    return {
      frame: this.frame,
      confirmedFrame: this.finalInputFrame,
      rollbacks: this.counters.rollbacks,
      rollbackHistogram: [...this.histogram],
      maxRollbackFrames: this.counters.maxRollback,
      predictedFrames: this.counters.predicted,
      stalls: this.counters.stalls,
      resimulatedFrames: this.counters.resimulated,
      tickRateFactor: this.factor,
      framesAhead: this.framesAheadNow,
      inputDelay: this.inputDelayFrames,
      peers: this.endpoints.map((e) => e.stats((this.queues[e.player] as InputQueue).lastReceivedFrame)),
    };
  }

  /** Confirmed inputs of `frame` for every player, or undefined if some are not confirmed (replay recording). */
  confirmedInputs(frame: Frame): number[] | undefined {
    const out: number[] = [];
    for (const q of this.queues) {
      const v = q.confirmedInput(frame);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  /** Packets dropped because they came from a peer that is not in this session. */
  get unknownPeerPackets(): number {
    return this.counters.unknownPeer;
  }

  // ---- rollback and simulation -------------------------------------------------------------

  private rollbackIfNeeded(requests: SessionRequest<S>[]): void {
    let first: Frame = NULL_FRAME;
    for (const q of this.queues) {
      const f = q.firstIncorrectFrame;
      if (f !== NULL_FRAME && (first === NULL_FRAME || f < first)) first = f;
    }
    for (const q of this.queues) q.resetIncorrect();
    if (first === NULL_FRAME || first >= this.frame) return;
    const saved = this.ring.get(first);
    if (saved === undefined || saved.state === undefined) {
      // Cannot happen within the prediction window; only a departure agreed very late could ask for it.
      this.events.push({ kind: 'desync', report: { frame: first, localChecksum: 0, remoteChecksum: 0 } });
      return;
    }
    requests.push({ kind: 'load', frame: first, state: saved.state });
    const depth = this.frame - first;
    this.counters.rollbacks++;
    this.counters.resimulated += depth;
    this.counters.maxRollback = Math.max(this.counters.maxRollback, depth);
    this.histogram[Math.min(depth, HISTOGRAM_SIZE - 1)] = (this.histogram[Math.min(depth, HISTOGRAM_SIZE - 1)] ?? 0) + 1;
    for (let f = first; f < this.frame; f++) {
      if (f > first) this.pushSave(requests, f);
      requests.push({ kind: 'advance', frame: f, inputs: this.inputsFor(f).inputs });
    }
  }

  private inputsFor(frame: Frame): { inputs: number[]; predicted: boolean } {
    const inputs = new Array<number>(this.players);
    let predicted = false;
    for (let p = 0; p < this.players; p++) {
      const r = (this.queues[p] as InputQueue).inputFor(frame);
      inputs[p] = r.input;
      if (r.predicted && p !== this.localPlayer) predicted = true;
    }
    return { inputs, predicted };
  }

  private pushSave(requests: SessionRequest<S>[], frame: Frame): void {
    requests.push({ kind: 'save', frame, cell: this.ring.cellFor(frame) });
    if (this.detector.tracks(frame)) this.pendingChecksumSaves.push(frame);
  }

  /** Copies checksums saved by the caller during the previous call into the desync detector. */
  private harvestSaves(): void {
    for (const f of this.pendingChecksumSaves) {
      const cell = this.ring.get(f);
      if (cell?.state !== undefined) this.detector.saved(f, cell.checksum, cell.state);
    }
    this.pendingChecksumSaves = [];
  }

  private minRemoteConfirmed(): Frame {
    let min = Number.MAX_SAFE_INTEGER;
    for (let p = 0; p < this.players; p++) {
      if (p === this.localPlayer) continue;
      min = Math.min(min, (this.queues[p] as InputQueue).lastConfirmedFrame);
    }
    return min;
  }

  private waitingFor(minConfirmed: Frame): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.players; p++) {
      if (p !== this.localPlayer && (this.queues[p] as InputQueue).lastConfirmedFrame === minConfirmed) out.push(p);
    }
    return out;
  }

  // ---- receiving ---------------------------------------------------------------------------

  private receive(nowMs: number): void {
    for (const d of this.opts.socket.receiveAll()) {
      const endpoint = this.byPeer.get(d.from);
      if (endpoint === undefined) {
        this.counters.unknownPeer++;
        continue;
      }
      const r = decodePacket(d.bytes);
      if (!r.ok || r.packet.sessionId !== this.opts.sessionId || endpoint.state === 'disconnected') {
        endpoint.rejected++;
        continue;
      }
      endpoint.received(d.bytes.length, nowMs);
      this.handle(endpoint, r.packet.message, nowMs);
    }
  }

  private handle(e: PeerEndpoint, m: Message, nowMs: number): void {
    switch (m.kind) {
      case 'sync-request':
        e.send({ kind: 'sync-reply', nonce: m.nonce, t0: m.t0, t1: nowMs, t2: nowMs }, nowMs);
        break;
      case 'sync-reply':
        e.onSyncReply(m, nowMs);
        break;
      case 'input':
        this.onInput(e, m, nowMs);
        break;
      case 'input-ack':
        if (m.ackFrame > e.remoteAck) e.remoteAck = m.ackFrame;
        break;
      case 'quality-report':
        e.remoteAdvantage = m.frameAdvantage;
        break;
      case 'checksum-report':
        for (const entry of m.entries) {
          e.remoteChecksums.set(entry.frame, entry.checksum);
          this.compare(e, entry.frame);
        }
        pruneOld(e.remoteChecksums, this.detector.lastFinal - 16 * this.detector.interval);
        break;
      case 'keep-alive':
        break;
      case 'disconnect-notice':
        if (m.player === e.player) this.dropPlayer(e, (this.queues[e.player] as InputQueue).lastReceivedFrame);
        break;
      case 'state-request': {
        const fin = this.detector.finalAt(m.frame);
        const encoded = fin !== undefined ? this.opts.forensics?.encode(fin.state) : undefined;
        if (encoded !== undefined && encoded.length <= LIMITS.maxStateBytes) e.send({ kind: 'state-reply', frame: m.frame, state: encoded }, nowMs);
        break;
      }
      case 'state-reply': {
        const fin = this.detector.finalAt(m.frame);
        const f = this.opts.forensics;
        const remote = f?.decode(m.state);
        if (fin !== undefined && f !== undefined && remote !== undefined) {
          this.events.push({ kind: 'desync-diff', peer: e.peer, frame: m.frame, diff: f.diff(fin.state, remote) });
        }
        break;
      }
      default:
        assertNever(m);
    }
  }

  private onInput(e: PeerEndpoint, m: InputMessage, nowMs: number): void {
    if (m.player !== e.player || m.status.length !== this.players) {
      e.rejected++;
      return;
    }
    const q = this.queues[e.player] as InputQueue;
    for (let i = 0; i < m.inputs.length; i++) q.addConfirmed(m.startFrame + i, m.inputs[i] ?? 0);
    if (m.ackFrame > e.remoteAck) e.remoteAck = m.ackFrame;
    if (m.senderFrame >= e.remoteFrame) {
      e.remoteFrame = m.senderFrame;
      e.remoteFrameAtMs = nowMs;
    }
    e.remoteStatus = m.status;
    this.applyGossip(m.status);
  }

  /** Adopts departures other peers decided, converging on the earliest frame anyone reports. */
  private applyGossip(status: readonly PlayerStatus[]): void {
    for (let p = 0; p < this.players; p++) {
      const s = status[p];
      if (s === undefined || !s.disconnected) continue;
      if (p === this.localPlayer) {
        if (!this.localGone) {
          this.localGone = true;
          this.events.push({ kind: 'local-disconnected', frame: this.frame });
        }
        continue;
      }
      const q = this.queues[p] as InputQueue;
      if (!q.isDisconnected || s.lastFrame < q.lastReceivedFrame) {
        const e = this.endpoints.find((x) => x.player === p);
        if (e !== undefined) this.dropPlayer(e, s.lastFrame);
      }
    }
  }

  /** Neutralises a player's input after `lastFrame`; the event waits for agreement (`announceDepartures`). */
  private dropPlayer(e: PeerEndpoint, lastFrame: Frame): void {
    (this.queues[e.player] as InputQueue).disconnectAfter(lastFrame);
    e.state = 'disconnected';
  }

  /** True when every connected peer reports player `p` gone with the same last frame as ours. */
  private departureAgreed(p: number, connected: readonly PeerEndpoint[]): boolean {
    const mine = (this.queues[p] as InputQueue).lastReceivedFrame;
    return connected.every((e) => e.remoteStatus[p]?.disconnected === true && e.remoteStatus[p]?.lastFrame === mine);
  }

  /**
   * Raises `disconnected` once per departed player, when the remaining peers agree on the frame from which
   * its input is neutral. Raising it at the local timeout instead would name a frame that gossip may
   * still lower, so peers would announce different frames for the same departure.
   */
  private announceDepartures(): void {
    const connected = this.endpoints.filter((e) => e.state !== 'disconnected');
    for (const e of this.endpoints) {
      const q = this.queues[e.player] as InputQueue;
      if (!q.isDisconnected || this.announced.has(e.player) || !this.departureAgreed(e.player, connected)) continue;
      this.announced.add(e.player);
      this.events.push({ kind: 'disconnected', peer: e.peer, player: e.player, frame: q.lastReceivedFrame + 1 });
    }
  }

  private checkTimeouts(nowMs: number): void {
    const { interruptAfterMs = SESSION_DEFAULTS.interruptAfterMs, disconnectAfterMs = SESSION_DEFAULTS.disconnectAfterMs } = this.opts;
    for (const e of this.endpoints) {
      const t = e.checkTimeouts(nowMs, interruptAfterMs, disconnectAfterMs);
      if (t === 'interrupted') this.events.push({ kind: 'network-interrupted', peer: e.peer, silentForMs: nowMs - e.lastReceivedMs });
      else if (t === 'resumed') this.events.push({ kind: 'network-resumed', peer: e.peer });
      else if (t === 'disconnected') this.dropPlayer(e, (this.queues[e.player] as InputQueue).lastReceivedFrame);
    }
  }

  // ---- confirmation and desync detection ---------------------------------------------------

  /** Last input frame held by every connected peer for every player (see desync-detector.ts). */
  private updateFinalFrame(): void {
    let final = Number.MAX_SAFE_INTEGER;
    const connected = this.endpoints.filter((e) => e.state !== 'disconnected');
    for (let p = 0; p < this.players; p++) {
      const q = this.queues[p] as InputQueue;
      if (q.isDisconnected) {
        // Final only where every connected peer agrees on the departure frame.
        const mine = q.lastReceivedFrame;
        if (!this.departureAgreed(p, connected)) final = Math.min(final, mine, ...connected.map((e) => e.remoteStatus[p]?.lastFrame ?? NULL_FRAME));
        continue;
      }
      final = Math.min(final, q.lastReceivedFrame);
      for (const e of connected) final = Math.min(final, e.remoteStatus[p]?.lastFrame ?? NULL_FRAME);
    }
    // Inputs beyond the simulated frames cannot make a state final yet.
    this.finalInputFrame = Math.min(final, this.frame - 1);
  }

  private reportChecksums(nowMs: number): void {
    // A rollback in this call re-saves frames whose checksums the caller computes only after we return:
    // those frames must wait for the next call, or the checksum of their mispredicted simulation would
    // be promoted as final (a false desync).
    let limit = this.finalInputFrame;
    for (const f of this.pendingChecksumSaves) limit = Math.min(limit, f - 2);
    const fresh = this.detector.finalize(limit);
    if (fresh.length === 0) return;
    for (const e of this.endpoints) for (const f of fresh) this.compare(e, f.frame);
    const entries = this.detector.recent(CHECKSUMS_PER_REPORT).map((f) => ({ frame: f.frame, checksum: f.checksum }));
    this.broadcast({ kind: 'checksum-report', entries }, nowMs);
  }

  private compare(e: PeerEndpoint, frame: Frame): void {
    const fin = this.detector.finalAt(frame);
    const remote = e.remoteChecksums.get(frame);
    if (fin === undefined || remote === undefined) return;
    e.remoteChecksums.delete(frame);
    if (remote === fin.checksum) return;
    this.events.push({ kind: 'desync', report: { frame, localChecksum: fin.checksum, remoteChecksum: remote, peer: e.peer } });
    if (this.opts.forensics !== undefined) e.send({ kind: 'state-request', frame }, this.nowMs);
  }

  // ---- sending -----------------------------------------------------------------------------

  private status(): PlayerStatus[] {
    return this.queues.map((q) => ({ disconnected: q.isDisconnected, lastFrame: q.lastReceivedFrame }));
  }

  private sendInputs(nowMs: number): void {
    const q = this.queues[this.localPlayer] as InputQueue;
    const last = q.lastReceivedFrame;
    const status = this.status();
    for (const e of this.endpoints) {
      if (e.state === 'disconnected') continue;
      const start = Math.max(e.remoteAck + 1, last - LIMITS.maxInputsPerMessage + 1, 0);
      const end = Math.min(last, start + LIMITS.maxInputsPerMessage - 1);
      const inputs: number[] = [];
      for (let f = start; f <= end; f++) inputs.push(q.confirmedInput(f) ?? 0);
      const msg: InputMessage = {
        kind: 'input',
        player: this.localPlayer,
        startFrame: start,
        inputs,
        ackFrame: (this.queues[e.player] as InputQueue).lastReceivedFrame,
        senderFrame: this.frame,
        senderTimeMs: Math.floor(nowMs) >>> 0,
        status,
      };
      e.send(msg, nowMs);
    }
  }

  private sendPeriodic(nowMs: number, quality: boolean): void {
    for (const e of this.endpoints) {
      if (e.state === 'disconnected') continue;
      const probeEvery = e.clock.samples < FAST_SYNC_SAMPLES ? FAST_SYNC_PROBE_MS : SYNC_PROBE_MS;
      if (nowMs - e.lastProbeMs >= probeEvery) {
        e.lastProbeMs = nowMs;
        e.sendSyncRequest(nowMs);
      }
      if (quality) {
        const adv = Math.max(-127, Math.min(127, Math.round(this.localAdvantage(e, nowMs))));
        e.send({ kind: 'quality-report', frameAdvantage: adv, senderFrame: this.frame }, nowMs);
      }
      if (nowMs - e.lastSentMs >= KEEP_ALIVE_MS) e.send({ kind: 'keep-alive' }, nowMs);
    }
    if (quality && this.detector.lastFinal > 0) {
      const entries = this.detector.recent(CHECKSUMS_PER_REPORT).map((f) => ({ frame: f.frame, checksum: f.checksum }));
      if (this.frame % (QUALITY_EVERY_FRAMES * 5) === 0) this.broadcast({ kind: 'checksum-report', entries }, nowMs);
    }
  }

  private broadcast(message: Message, nowMs: number): void {
    for (const e of this.endpoints) if (e.state !== 'disconnected') e.send(message, nowMs);
  }

  // ---- time sync ---------------------------------------------------------------------------

  private localAdvantage(e: PeerEndpoint, nowMs: number): number {
    if (e.remoteFrame === NULL_FRAME) return 0;
    return this.frame - estimateRemoteFrame(e.remoteFrame, e.remoteFrameAtMs, nowMs, e.clock.rttMs, this.tickMs);
  }

  private updateTimeSync(nowMs: number): void {
    let ahead = -Infinity;
    for (const e of this.endpoints) {
      if (e.state !== 'running' || e.remoteFrame === NULL_FRAME) continue;
      e.timeSync.record(this.localAdvantage(e, nowMs), e.remoteAdvantage);
      ahead = Math.max(ahead, e.timeSync.framesAhead);
    }
    this.framesAheadNow = ahead === -Infinity ? 0 : ahead;
    this.factor = tickRateFactor(this.framesAheadNow);
  }
}

function checkRange(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in ${lo}..${hi}`);
  return v;
}

/** Drops map entries for frames below `frame` (bounded memory); keys are visited in insertion order. */
function pruneOld(map: Map<Frame, number>, frame: Frame): void {
  for (const k of [...map.keys()]) if (k < frame) map.delete(k);
}
