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
 * Hostile peers (docs/protocol.md): every message is checked (packet-rules.ts) and dropped, counted by
 * reason, when it breaks a rule; nothing remote throws. A player is dropped only on our own word (its
 * silence, its goodbye, the lobby server's `peerLeft`); gossip only agrees on the frame (departures.ts).
 * With the notary up, the players' notarised input records are authoritative and decide finality
 * (notary.ts); finality that lags beyond a bound is reported (finality-watch.ts).
 */
import { PeerEndpoint } from '../endpoint.ts';
import { emptyRejectCounts, REJECT_REASONS, type Message } from '../protocol.ts';
import type { PeerId } from '../socket.ts';
import { SyncLayer } from '../sync-layer.ts';
import { framesAheadOfPeers, tickRateFactor } from '../time-sync.ts';
import { NULL_FRAME, type Frame, type SessionEvent, type SessionRequest, type SessionStats, type StateLostReason } from '../types.ts';
import { ChecksumExchange } from './checksum-exchange.ts';
import { Departures } from './departures.ts';
import { FinalityWatch, type FinalityBound } from './finality-watch.ts';
import { HOLD_MAGIC, decodeHold } from '../input-record.ts';
import { Notary, RECORD_EVERY_FRAMES } from './notary.ts';
import { Rejoins } from './rejoins.ts';
import { Inbound } from './inbound.ts';
import { MAX_INPUT_DELAY, MAX_PREDICTION, sessionRuleView } from './packet-rules.ts';
import { checkRange, resolveOptions, type P2PSessionOptions } from './session-config.ts';
import { SilenceWatch } from './silence-watch.ts';
import { SpectatorFeed } from './spectator-feed.ts';

export type { StateForensics } from './checksum-exchange.ts';
export { SESSION_DEFAULTS, type P2PSessionOptions, type ResumePoint } from './session-config.ts';

/**
 * Extra saved states beyond the prediction window, so an agreed departure, or a notarised record that
 * corrects what a cheater sent directly (up to a record interval plus the notary's latency late), can
 * still roll back.
 */
const ROLLBACK_MARGIN = MAX_PREDICTION + MAX_INPUT_DELAY + RECORD_EVERY_FRAMES + 32;
const QUALITY_EVERY_FRAMES = 6;
const HISTOGRAM_SIZE = MAX_PREDICTION + ROLLBACK_MARGIN + 1;

/** The rollback session. */
export class P2PSession<S> {
  readonly players: number;
  readonly localPlayer: number;
  readonly maxPrediction: number;
  readonly tickMs: number;
  private readonly sync: SyncLayer<S>;
  private readonly endpoints: PeerEndpoint[];
  private readonly byPeer = new Map<PeerId, PeerEndpoint>();
  private readonly checksums: ChecksumExchange<S>;
  private readonly departures: Departures;
  private readonly silence: SilenceWatch;
  private readonly notary: Notary;
  private readonly finalityWatch: FinalityWatch;
  private readonly rejoins: Rejoins;
  private readonly held = (player: number): Frame | undefined => this.rejoins.finalityCap(player);
  private readonly coverage = (player: number): Frame => this.notary.coverage(player);
  private readonly finalityBounds: { readonly notary: FinalityBound; readonly gossip: FinalityBound };
  private readonly events: SessionEvent[] = [];
  private readonly opts: P2PSessionOptions<S>;
  private readonly pendingChecksumSaves: Frame[] = [];
  /** Players a `state-lost` was raised for (once each: the game has diverged already). */
  private readonly stateLost = new Set<number>();
  private finalInputFrame: Frame = NULL_FRAME;
  private stalled = false;
  private leaving = false;
  private counters = { rollbacks: 0, maxRollback: 0, predicted: 0, stalls: 0, resimulated: 0, unknownPeer: 0 };
  private readonly histogram = new Array<number>(HISTOGRAM_SIZE).fill(0);
  private framesAheadNow = 0;
  private factor = 1;
  private nowMs: number;
  private readonly inbound: Inbound<S>;
  private readonly spectators: SpectatorFeed;

  constructor(options: P2PSessionOptions<S>) {
    const o = resolveOptions(options);
    const { players, localPlayer, remotes } = options;
    this.opts = options;
    this.nowMs = options.startMs;
    this.players = players;
    this.localPlayer = localPlayer;
    this.maxPrediction = o.maxPrediction;
    this.tickMs = o.tickMs;
    const departedInput = options.departedInput ?? 0;
    const sync = new SyncLayer<S>(players, localPlayer, o.inputDelay, this.maxPrediction + 1 + ROLLBACK_MARGIN, (frame) => {
      if (this.checksums.tracks(frame)) this.pendingChecksumSaves.push(frame);
    }, departedInput, options.resume?.frame);
    this.sync = sync;
    const comparable = (e: PeerEndpoint): Frame => (e.state === 'disconnected' ? sync.queue(e.player).lastReceivedFrame + 1 : Number.MAX_SAFE_INTEGER);
    this.checksums = new ChecksumExchange<S>(o.checksumInterval, localPlayer, this.events, options.forensics, comparable);
    this.endpoints = remotes.map((r) => new PeerEndpoint(r.peer, r.player, options.sessionId, options.socket, options.startMs));
    for (const e of this.endpoints) this.byPeer.set(e.peer, e);
    this.departures = new Departures(localPlayer, sync.queues, this.endpoints, this.events, { get up() { return notaryUp(); }, coverage: (p) => this.notary.coverage(p), pendingTo: (p) => this.notary.pendingTo(p) });
    const notaryUp = (): boolean => this.notary.up;
    const view = sessionRuleView(players, localPlayer, o.checksumInterval, o.maxPrediction, sync.queues, () => sync.frame, () => this.finalInputFrame);
    const endpointOf = (player: number): PeerEndpoint | undefined => this.endpoints.find((e) => e.player === player);
    const peerOf = (player: number): PeerId | undefined => endpointOf(player)?.peer;
    this.notary = new Notary(
      {
        players,
        localPlayer,
        sessionId: options.sessionId,
        queues: sync.queues,
        events: this.events,
        peerOf,
        reject: (player, reason) => endpointOf(player)?.reject(reason),
        frame: () => sync.frame,
        finalFrame: () => this.finalInputFrame,
        canRollBackTo: (frame) => sync.saved(frame) !== undefined,
        closed: (player) => this.departures.closed(player),
        ended: (player) => {
          const e = endpointOf(player);
          if (e !== undefined) this.departures.closeStream(e, 'left');
        },
        expel: (player) => {
          const e = endpointOf(player);
          if (e !== undefined) this.departures.closeStream(e, 'expelled');
        },
      },
      options.notary ?? false,
    );
    this.finalityWatch = new FinalityWatch(localPlayer, this.events, peerOf);
    // Honest lag: a record interval, the prediction window, the input delay and two checksum intervals
    // of slack; gossip can also lag for as long as a peer takes to be dropped for silence.
    // Time (finality stuck while behind, e.g. at the end of a match): two checksum intervals, plus a
    // silence long enough to drop a peer (then it no longer holds finality).
    const slack = 2 * o.checksumInterval + this.maxPrediction + MAX_INPUT_DELAY;
    const bound = (frames: number): FinalityBound => ({ frames, ms: 2 * o.checksumInterval * o.tickMs + o.disconnectAfterMs });
    this.finalityBounds = { notary: bound(slack + RECORD_EVERY_FRAMES), gossip: bound(slack + Math.ceil(o.disconnectAfterMs / o.tickMs)) };
    const encodeState = options.encodeState ?? options.forensics?.encode;
    const savedState = (frame: Frame): { bytes: Uint8Array; checksum: number } | undefined => {
      const cell = sync.saved(frame);
      return cell?.state === undefined || encodeState === undefined ? undefined : { bytes: encodeState(cell.state), checksum: cell.checksum };
    };
    this.spectators = new SpectatorFeed({ players, sessionId: options.sessionId, socket: options.socket, queues: sync.queues, finalFrame: () => this.finalInputFrame, savedState });
    this.rejoins = new Rejoins({
      players,
      localPlayer,
      sessionId: options.sessionId,
      queues: sync.queues,
      frame: () => sync.frame,
      finalFrame: () => this.finalInputFrame,
      notaryUp,
      closed: (p) => this.departures.closed(p),
      expelled: (p) => this.departures.wasExpelled(p),
      coverage: (p) => this.notary.coverage(p),
      pendingInput: (p, frame) => this.notary.pendingInput(p, frame),
      publish: (record) => this.notary.publish(record),
      savedState,
      reopen: (p, frame) => this.reopen(p, frame),
    });
    this.inbound = new Inbound<S>(options.sessionId, view, sync.queues, this.checksums, this.departures, this.notary, this.rejoins);
    this.silence = new SilenceWatch(o.interruptAfterMs, o.disconnectAfterMs, this.endpoints, sync.queues, this.departures, this.events);
    if (options.resume !== undefined) this.resumeFrom(options.resume, departedInput);
  }

  /** A returning player's session starts from a transfer (see `ResumePoint`). */
  private resumeFrom(r: NonNullable<P2PSessionOptions<S>['resume']>, departedInput: number): void {
    const sync = this.sync;
    for (let p = 0; p < this.players; p++) {
      const q = sync.queue(p);
      const t = r.players[p];
      if (t === undefined) continue;
      for (let i = 0; i < t.inputs.length; i++) q.addConfirmed(r.frame + i, t.inputs[i] as number);
      // Our own input: the departed one until it counts again (as every remaining peer agreed).
      if (p === this.localPlayer) for (let f = q.lastReceivedFrame + 1; f < r.resumeFrame; f++) q.addConfirmed(f, departedInput);
    }
    this.notary.resume(r.players.map((t) => t.coverage), r.resumeFrame, r.sender);
    for (const e of this.endpoints) {
      // Every peer holds our input up to the frame before it counts again.
      e.remoteAck = r.resumeFrame - 1;
      const t = r.players[e.player];
      if (t === undefined || t.departedAfter === NULL_FRAME) continue;
      this.departures.closeStream(e, 'left');
      sync.queue(e.player).disconnectAfter(t.departedAfter);
    }
    this.checksums.startAt(r.frame);
    this.finalInputFrame = r.frame - 1;
  }

  /** Every remaining peer agreed: `player`'s input counts again from `frame` (rejoins.ts). */
  private reopen(player: number, frame: Frame): void {
    const i = this.endpoints.findIndex((e) => e.player === player);
    const old = this.endpoints[i];
    if (old === undefined) return;
    this.sync.queue(player).reopenAt(frame);
    this.notary.reopen(player, frame - 1);
    this.departures.reopen(player);
    // A fresh endpoint: the returning player's link, clocks and acks start over.
    const fresh = new PeerEndpoint(old.peer, player, this.opts.sessionId, this.opts.socket, this.nowMs);
    this.endpoints[i] = fresh;
    this.byPeer.set(old.peer, fresh);
    this.events.push({ kind: 'rejoined', peer: old.peer, player, frame });
    // Its requests come every few hundred ms: the transfer with the agreed frame goes out at once.
    const payload = this.rejoins.transferFor(player, this.nowMs);
    if (payload !== undefined) fresh.send({ kind: 'rejoin-transfer', payload }, this.nowMs);
  }

  /**
   * `peer`'s player, departed, is back (the lobby server re-admitted it and our link to it is open
   * again): hold it and publish the hold; its input counts again from the frame every remaining peer
   * agrees on (a `rejoined` event). False when it cannot return (not departed for good, expelled) or
   * the notary is down (a return needs it).
   */
  rejoin(peer: PeerId): boolean {
    const e = this.byPeer.get(peer);
    return e !== undefined && this.rejoins.begin(e.player);
  }

  /**
   * Admits `peer` as a spectator (the lobby server said it watches; the caller decides): its
   * `spectate-request`s are answered within the per-spectator budget (spectator-feed.ts). A player of
   * the match, or a 17th spectator, is not admitted.
   */
  watch(peer: PeerId): void {
    if (!this.byPeer.has(peer)) this.spectators.watch(peer, this.nowMs);
  }

  /** Stops feeding `peer` (it left, or took a seat). */
  unwatch(peer: PeerId): void {
    this.spectators.unwatch(peer);
  }

  /** The frame the next `advance` request will simulate (= frame of the caller's current state). */
  get currentFrame(): Frame {
    return this.sync.frame;
  }

  /** Last input frame every peer holds confirmed: states up to this + 1 are final. */
  get confirmedFrame(): Frame {
    return this.finalInputFrame;
  }

  get inputDelay(): number {
    return this.sync.inputDelay;
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
    this.sync.inputDelay = checkRange('inputDelay', frames, 0, MAX_INPUT_DELAY);
  }

  /**
   * The local player's input for the current frame; it is scheduled `inputDelay` frames later.
   * Call once before each `advanceFrame`; a repeated call for the same frame (while stalled) is ignored.
   */
  addLocalInput(input: number): void {
    if (!Number.isInteger(input) || input < 0 || input > 255) throw new RangeError('input must be an integer 0..255');
    this.sync.addLocalInput(input);
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
    this.silence.check(nowMs);
    this.departures.announce();
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
    this.notary.settle(); // record values that our frame has now come near
    this.silence.check(nowMs);
    this.departures.announce();
    const requests: SessionRequest<S>[] = [];
    if (this.leaving) return requests;
    this.rollback(requests);
    this.updateFinality(nowMs);
    this.reportChecksums(nowMs);
    const minConfirmed = this.sync.minRemoteConfirmed();
    if (!advance) {
      // settling: no new frame
    } else if (this.sync.frame - minConfirmed > this.maxPrediction) {
      if (!this.stalled) {
        this.stalled = true;
        this.counters.stalls++;
        this.events.push({ kind: 'stall', frame: this.sync.frame, waitingFor: this.sync.waitingFor(minConfirmed) });
      }
    } else {
      this.stalled = false;
      if (this.sync.advance(requests)) this.counters.predicted++;
      this.updateTimeSync(nowMs);
    }
    // Also while stalled: the others may be waiting for exactly these inputs (from the notary). Alone
    // (every other player dropped, e.g. our links died while the lobby socket lives), our record stream
    // ends: its final record is the word, identical for everyone, that closes our input for the others.
    let alone = true;
    for (const e of this.endpoints) if (e.state !== 'disconnected') alone = false;
    this.notary.produce(alone || !advance || this.stalled, alone, nowMs);
    this.sendInputs(nowMs);
    this.sendPeriodic(nowMs, this.sync.frame % QUALITY_EVERY_FRAMES === 0);
    return requests;
  }

  // ---- the notary (the lobby server relaying input records) ----------------------------------

  /**
   * Input records of the local player to broadcast through the notary, in order (empty while the notary
   * is down or off; records produced meanwhile wait, a few minutes' worth at most). With `nowMs`,
   * paced under the lobby server's record rate (see `RECORD_PACE`).
   */
  takeRecords(nowMs?: number): Uint8Array[] {
    return this.notary.take(nowMs);
  }

  /**
   * A record relayed by the notary; `player` is the sender's player index as the server says. Never
   * throws: an invalid or non-contiguous record is dropped and counted; one that contradicts what the
   * player sent directly replaces it (rollback) and raises `cheating`.
   */
  receiveRecord(player: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array) || bytes[0] !== HOLD_MAGIC) return this.notary.receive(player, bytes);
    const r = decodeHold(bytes);
    const e = this.endpoints.find((x) => x.player === player);
    if (!r.ok || !this.rejoins.onHold(player, r.hold)) e?.reject('rejoin-unexpected');
  }

  /**
   * The notary is up (records are relayed, and required for finality) or down (gossip finality, records
   * wait). Call with false when the lobby connection is lost, true when it is back.
   */
  setNotary(up: boolean): void {
    const back = up && !this.notary.up;
    this.notary.up = up;
    if (back) {
      this.departures.notaryBack();
      this.rejoins.recheck();
    }
  }

  /** Last frame of `player`'s notarised records held here (ours: produced), -1 when none. */
  recordCoverage(player: number): Frame {
    return this.notary.coverage(player);
  }

  /**
   * Our records from `frame` on go out again (a member whose lobby socket was away lost some: it says
   * where its copy ends). Bounded to what the input queue still holds; nothing else changes.
   */
  republishRecords(frame: Frame): void {
    this.notary.rewind(frame);
  }

  /** Whether the notary is up. */
  get notaryUp(): boolean {
    return this.notary.up;
  }

  /** Leaves the match: tells every peer (a few times, the channel is lossy) and stops advancing. */
  leave(nowMs: number): void {
    if (this.leaving) return;
    this.leaving = true;
    this.notary.produce(true, true);
    const last = this.sync.queue(this.localPlayer).lastReceivedFrame;
    for (let i = 0; i < 3; i++) this.broadcast({ kind: 'disconnect-notice', player: this.localPlayer, frame: Math.max(0, last) }, nowMs);
  }

  /**
   * Another channel (the lobby server) says `peer` left (`left`) or lost its lobby socket (`lost`): drop
   * it now rather than wait for its silence to time out. With the notary up, its input ends after its
   * last notarised frame (the server relays its records before this word, in order). Without it, its
   * input ends after the last frame this peer holds and gossip settles the common frame; a lost lobby
   * socket is then no goodbye (the peer-to-peer link may be alive) and silence decides.
   */
  peerLeft(peer: PeerId, reason: 'left' | 'lost' = 'left'): void {
    const e = this.byPeer.get(peer);
    if (e === undefined) return;
    // Gone again before the peers agreed on its return: that return is off (the same word for all).
    this.rejoins.cancel(e.player);
    if (this.notary.up) {
      this.departures.closeStream(e, reason);
      return this.rejoins.recheck();
    }
    if (reason !== 'left') return;
    if (e.state === 'disconnected') this.departures.heardGoodbye(e.player); // dropped already (gossip, silence)
    else this.departures.drop(e, this.sync.queue(e.player).lastReceivedFrame, 'left');
  }

  /** Peers this session has dropped (silence, goodbye or the lobby server's word), in player order. */
  droppedPeers(): PeerId[] {
    const out: PeerId[] = [];
    for (const e of this.endpoints) if (e.state === 'disconnected') out.push(e.peer);
    return out;
  }

  /** Network and rollback figures. */
  stats(nowMs: number): SessionStats {
    const rejected = emptyRejectCounts();
    for (const e of this.endpoints) {
      e.updateRates(nowMs);
      for (const r of REJECT_REASONS) rejected[r] += e.rejected[r];
    }
    return {
      frame: this.sync.frame,
      confirmedFrame: this.finalInputFrame,
      rollbacks: this.counters.rollbacks,
      rollbackHistogram: [...this.histogram],
      maxRollbackFrames: this.counters.maxRollback,
      predictedFrames: this.counters.predicted,
      stalls: this.counters.stalls,
      resimulatedFrames: this.counters.resimulated,
      tickRateFactor: this.factor,
      framesAhead: this.framesAheadNow,
      inputDelay: this.sync.inputDelay,
      rejected,
      unknownPeerPackets: this.counters.unknownPeer,
      peers: this.endpoints.map((e) => e.stats(this.sync.queue(e.player).lastReceivedFrame)),
      spectators: this.spectators.stats(),
    };
  }

  /** Confirmed inputs of `frame` for every player, or undefined if some are not confirmed (replay recording). */
  confirmedInputs(frame: Frame): number[] | undefined {
    return this.sync.confirmedInputs(frame);
  }

  /** Packets dropped because they came from a peer that is not in this session. */
  get unknownPeerPackets(): number {
    return this.counters.unknownPeer;
  }

  // ---- rollback and simulation -------------------------------------------------------------

  private rollback(requests: SessionRequest<S>[]): void {
    const plan = this.sync.planRollback(requests);
    // Too late to correct: this peer has diverged because of that player's late change (no checksums).
    if (plan.kind === 'lost') this.lostState(plan.player, plan.frame, plan.reason);
    if (plan.kind !== 'rollback') return;
    const depth = plan.depth;
    this.counters.rollbacks++;
    this.counters.resimulated += depth;
    this.counters.maxRollback = Math.max(this.counters.maxRollback, depth);
    const bucket = Math.min(depth, HISTOGRAM_SIZE - 1);
    this.histogram[bucket] = (this.histogram[bucket] ?? 0) + 1;
  }

  private lostState(player: number, frame: Frame, reason: StateLostReason): void {
    const peer = this.endpoints.find((e) => e.player === player)?.peer;
    if (peer === undefined || this.stateLost.has(player)) return;
    this.stateLost.add(player);
    this.events.push({ kind: 'state-lost', peer, player, frame, reason });
  }

  /** Copies checksums saved by the caller during the previous call into the desync detector. */
  private harvestSaves(): void {
    for (const f of this.pendingChecksumSaves) {
      const cell = this.sync.saved(f);
      if (cell?.state !== undefined) this.checksums.saved(f, cell.checksum, cell.state);
    }
    this.pendingChecksumSaves.length = 0; // emptied in place: no new array per frame
  }

  // ---- receiving ---------------------------------------------------------------------------

  private receive(nowMs: number): void {
    for (const d of this.opts.socket.receiveAll()) {
      const endpoint = this.byPeer.get(d.from);
      if (endpoint !== undefined) this.inbound.datagram(endpoint, d.bytes, nowMs);
      else if (this.spectators.admitted(d.from)) this.spectators.datagram(d.from, d.bytes, nowMs);
      else {
        this.counters.unknownPeer++;
        this.spectators.stranger(d.bytes);
      }
    }
  }

  // ---- confirmation and desync detection ---------------------------------------------------

  /** Finality never moves back (a frame once final stays final); a lag beyond the bound is reported. */
  private updateFinality(nowMs: number): void {
    const up = this.notary.up;
    const f = this.departures.finality(this.sync.frame, up ? this.coverage : undefined, this.held);
    if (f.frame > this.finalInputFrame) this.finalInputFrame = f.frame;
    this.finalityWatch.check(nowMs, this.sync.frame, this.finalInputFrame, f.holder, up ? this.finalityBounds.notary : this.finalityBounds.gossip);
  }

  private reportChecksums(nowMs: number): void {
    // A rollback in this call re-saves frames whose checksums the caller computes only after we return:
    // those frames must wait for the next call, or the checksum of their mispredicted simulation would
    // be promoted as final (a false desync).
    let limit = this.finalInputFrame;
    for (const f of this.pendingChecksumSaves) limit = Math.min(limit, f - 2);
    this.checksums.promote(limit, this.endpoints, nowMs);
  }

  // ---- sending -----------------------------------------------------------------------------

  private sendInputs(nowMs: number): void {
    const q = this.sync.queue(this.localPlayer);
    const status = this.departures.status();
    for (const e of this.endpoints) if (e.state !== 'disconnected') e.sendInputs(q, this.localPlayer, this.sync.queue(e.player).lastReceivedFrame, this.sync.frame, status, nowMs);
  }

  private sendPeriodic(nowMs: number, quality: boolean): void {
    for (const e of this.endpoints) if (e.state !== 'disconnected') e.sendPeriodic(nowMs, quality ? this.sync.frame : undefined, this.tickMs);
    // Repeat the latest final checksums now and then: reports travel on the lossy channel.
    if (quality && this.sync.frame % (QUALITY_EVERY_FRAMES * 5) === 0) this.checksums.report(this.endpoints, nowMs);
  }

  private broadcast(message: Message, nowMs: number): void {
    for (const e of this.endpoints) if (e.state !== 'disconnected') e.send(message, nowMs);
  }

  // ---- time sync ---------------------------------------------------------------------------

  private updateTimeSync(nowMs: number): void {
    this.framesAheadNow = framesAheadOfPeers(this.endpoints, this.sync.frame, nowMs, this.tickMs);
    this.factor = tickRateFactor(this.framesAheadNow);
  }
}
