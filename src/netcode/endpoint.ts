/**
 * Everything a session knows about one remote peer: the link's health (silence timers, RTT, clock
 * offset, loss), what the peer acknowledged and reported, and traffic counters for the stats HUD.
 * It encodes outgoing packets; the session decides what to send.
 */
import { ClockSync, clockSample } from './clock-sync.ts';
import type { InputQueue } from './input-queue.ts';
import { encodePacket } from './codec.ts';
import { emptyRejectCounts, LIMITS, type InputMessage, type Message, type PlayerStatus, type RejectReason, type SyncReply } from './protocol.ts';
import type { PeerId, PeerSocket } from './socket.ts';
import { estimateRemoteFrame, TimeSync } from './time-sync.ts';
import { NULL_FRAME, type Frame, type PeerStats } from './types.ts';

/** Health of the link to a peer. */
export type LinkState = 'running' | 'interrupted' | 'disconnected';

/** A transition of the link state found by `checkTimeouts`. */
export type LinkTransition = 'interrupted' | 'resumed' | 'disconnected' | undefined;

/** Clock probes: fast until a few samples exist, then a few per second. */
const SYNC_PROBE_MS = 250;
const FAST_SYNC_PROBE_MS = 50;
const FAST_SYNC_SAMPLES = 5;
/** Longest silence on our side before a keep-alive. */
const KEEP_ALIVE_MS = 200;
/** Longest believable round trip, ms. */
const MAX_RTT_MS = 10_000;
/** Probes kept to estimate round-trip loss. */
const LOSS_WINDOW = 32;
/** How often rates (kbps, packets/s) are recomputed. */
const RATE_WINDOW_MS = 1000;

/** One remote peer of a session. */
export class PeerEndpoint {
  readonly clock = new ClockSync();
  readonly timeSync = new TimeSync();
  state: LinkState = 'running';
  /** Any valid packet received yet. */
  synchronized = false;
  lastReceivedMs: number;
  lastSentMs = -Infinity;
  /** When the last clock probe was sent. */
  lastProbeMs = -Infinity;
  /** Last of our inputs the peer acknowledged. */
  remoteAck: Frame = NULL_FRAME;
  /** The peer's frame when it last sent inputs, and when that arrived. */
  remoteFrame: Frame = NULL_FRAME;
  remoteFrameAtMs = 0;
  /** The peer's own view of its advantage over us (from its quality reports). */
  remoteAdvantage = 0;
  /** What the peer last told us about every player's connection. */
  remoteStatus: readonly PlayerStatus[] = [];
  bytesIn = 0;
  bytesOut = 0;
  packetsIn = 0;
  packetsOut = 0;
  /** Packets dropped, per reason. */
  readonly rejected = emptyRejectCounts();
  private rejectedTotal = 0;
  private nextNonce = 1;
  private readonly probes = new Int32Array(LOSS_WINDOW); // nonce of each recent probe, 0 = answered
  /** When each recent probe went out (our own `t0`: a reply's echo of it is the peer's word). */
  private readonly probeSentMs = new Float64Array(LOSS_WINDOW);
  private probesSent = 0;
  // Encoded at once and never kept (sockets keep only the bytes): one packet and one input message per
  // endpoint serve every send, instead of two objects per datagram.
  private readonly inputScratch: number[] = [];
  private readonly outgoing: { sessionId: number; message: Message };
  private readonly inputMessage: { -readonly [K in keyof InputMessage]: InputMessage[K] };
  private rateAt: number;
  private rateBase = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 };
  private rates = { kbpsIn: 0, kbpsOut: 0, ppsIn: 0, ppsOut: 0 };

  constructor(
    readonly peer: PeerId,
    readonly player: number,
    sessionId: number,
    private readonly socket: PeerSocket,
    nowMs: number,
  ) {
    this.lastReceivedMs = nowMs;
    this.rateAt = nowMs;
    this.inputMessage = { kind: 'input', player: 0, startFrame: 0, inputs: this.inputScratch, ackFrame: NULL_FRAME, senderFrame: 0, senderTimeMs: 0, status: [] };
    this.outgoing = { sessionId, message: this.inputMessage };
  }

  /** Encodes and sends one message. */
  send(message: Message, nowMs: number): number {
    this.outgoing.message = message;
    const bytes = encodePacket(this.outgoing);
    this.socket.send(this.peer, bytes);
    this.bytesOut += bytes.length;
    this.packetsOut++;
    this.lastSentMs = nowMs;
    return bytes.length;
  }

  /**
   * Sends every local input the peer has not acknowledged (at most a message's worth, the newest), our
   * ack of its inputs and the gossip. The ack we hold is bounded by what we produced (packet-rules), so
   * the range is always valid.
   */
  sendInputs(local: InputQueue, localPlayer: number, ackFrame: Frame, senderFrame: Frame, status: readonly PlayerStatus[], nowMs: number): void {
    const last = local.lastReceivedFrame;
    const start = Math.max(Math.min(this.remoteAck + 1, last + 1), last - LIMITS.maxInputsPerMessage + 1, 0);
    const end = Math.min(last, start + LIMITS.maxInputsPerMessage - 1);
    const inputs = this.inputScratch;
    inputs.length = 0;
    for (let f = start; f <= end; f++) inputs.push(local.confirmedInput(f) ?? 0);
    const msg = this.inputMessage;
    msg.player = localPlayer;
    msg.startFrame = start;
    msg.ackFrame = ackFrame;
    msg.senderFrame = senderFrame;
    msg.senderTimeMs = Math.floor(nowMs) >>> 0;
    msg.status = status;
    this.send(msg, nowMs);
  }

  /**
   * Counts a valid packet from the peer; `playing` false: the packet does not count as hearing from it
   * (we wait for its inputs and this is not one: see Inbound).
   */
  received(byteLength: number, nowMs: number, playing: boolean): void {
    this.bytesIn += byteLength;
    this.packetsIn++;
    if (playing) this.lastReceivedMs = nowMs;
    this.synchronized = true;
  }

  /** Counts a dropped packet (or record) of this peer. */
  reject(reason: RejectReason): void {
    this.rejected[reason]++;
    this.rejectedTotal++;
  }

  /** Sends a clock probe. */
  sendSyncRequest(nowMs: number): void {
    const nonce = this.nextNonce;
    this.nextNonce = (this.nextNonce % 0x7fff_ffff) + 1;
    this.probes[this.probesSent % LOSS_WINDOW] = nonce;
    this.probeSentMs[this.probesSent % LOSS_WINDOW] = nowMs;
    this.probesSent++;
    this.send({ kind: 'sync-request', nonce, t0: nowMs }, nowMs);
  }

  /**
   * Takes a probe's answer; ignores replies to probes we did not send (or already counted), and samples
   * no honest peer can produce (an RTT beyond `MAX_RTT_MS`, or an echoed `t0` other than the one that
   * probe went out with: the reply's own timestamps are the peer's word, so a liar could otherwise make
   * our RTT to it infinite). The RTT is measured from our own record of the send.
   */
  onSyncReply(reply: SyncReply, nowMs: number): void {
    const i = this.probes.indexOf(reply.nonce);
    if (i < 0 || reply.nonce === 0) return;
    this.probes[i] = 0;
    const sentMs = this.probeSentMs[i] ?? Number.NaN;
    if (reply.t0 !== sentMs) return this.reject('sync-mismatch');
    const sample = clockSample(sentMs, reply.t1, reply.t2, nowMs);
    if (sentMs > nowMs || sample.rttMs > MAX_RTT_MS || !Number.isFinite(sample.offsetMs)) return;
    this.clock.add(sample);
  }

  /**
   * Periodic traffic: clock probes, a quality report when `qualityFrame` (our current frame) is given,
   * and a keep-alive when nothing else went out for a while.
   */
  sendPeriodic(nowMs: number, qualityFrame: Frame | undefined, tickMs: number): void {
    const probeEvery = this.clock.samples < FAST_SYNC_SAMPLES ? FAST_SYNC_PROBE_MS : SYNC_PROBE_MS;
    if (nowMs - this.lastProbeMs >= probeEvery) {
      this.lastProbeMs = nowMs;
      this.sendSyncRequest(nowMs);
    }
    if (qualityFrame !== undefined) {
      const adv = Math.max(-127, Math.min(127, Math.round(this.localAdvantage(qualityFrame, nowMs, tickMs))));
      this.send({ kind: 'quality-report', frameAdvantage: adv, senderFrame: qualityFrame }, nowMs);
    }
    if (nowMs - this.lastSentMs >= KEEP_ALIVE_MS) this.send({ kind: 'keep-alive' }, nowMs);
  }

  /** How many frames `localFrame` is ahead of our estimate of the peer's frame now (0 before any report). */
  localAdvantage(localFrame: Frame, nowMs: number, tickMs: number): number {
    if (this.remoteFrame === NULL_FRAME) return 0;
    return localFrame - estimateRemoteFrame(this.remoteFrame, this.remoteFrameAtMs, nowMs, this.clock.rttMs, tickMs);
  }

  /** Estimated one-way loss from unanswered probes (the two newest probes are not judged yet). */
  get loss(): number {
    const judged = Math.min(this.probesSent, LOSS_WINDOW) - 2;
    if (judged <= 0) return 0;
    let lost = 0;
    for (let k = 2; k < judged + 2; k++) {
      const idx = (this.probesSent - 1 - k) % LOSS_WINDOW;
      if ((this.probes[idx] ?? 0) !== 0) lost++;
    }
    // A probe survives two trips: r = 1 - (1 - p)^2 ~ 2p. First-order estimate of the one-way loss p
    // (within 10 % of itself below 20 % loss), without float math the core avoids.
    return lost / judged / 2;
  }

  /** Link state changes due to silence (or its end). */
  checkTimeouts(nowMs: number, interruptAfterMs: number, disconnectAfterMs: number): LinkTransition {
    if (this.state === 'disconnected') return undefined;
    const silent = nowMs - this.lastReceivedMs;
    if (silent >= disconnectAfterMs) {
      this.state = 'disconnected';
      return 'disconnected';
    }
    if (silent >= interruptAfterMs && this.state === 'running') {
      this.state = 'interrupted';
      return 'interrupted';
    }
    if (silent < interruptAfterMs && this.state === 'interrupted') {
      this.state = 'running';
      return 'resumed';
    }
    return undefined;
  }

  /** Recomputes rates once per window. */
  updateRates(nowMs: number): void {
    const dt = nowMs - this.rateAt;
    if (dt < RATE_WINDOW_MS) return;
    const s = dt / 1000;
    this.rates = {
      kbpsIn: ((this.bytesIn - this.rateBase.bytesIn) * 8) / 1000 / s,
      kbpsOut: ((this.bytesOut - this.rateBase.bytesOut) * 8) / 1000 / s,
      ppsIn: (this.packetsIn - this.rateBase.packetsIn) / s,
      ppsOut: (this.packetsOut - this.rateBase.packetsOut) / s,
    };
    this.rateBase = { bytesIn: this.bytesIn, bytesOut: this.bytesOut, packetsIn: this.packetsIn, packetsOut: this.packetsOut };
    this.rateAt = nowMs;
  }

  /** Figures for the HUD. */
  stats(lastReceivedFrame: Frame): PeerStats {
    return {
      peer: this.peer,
      player: this.player,
      pingMs: this.clock.rttMs,
      jitterMs: this.clock.jitterMs,
      loss: this.loss,
      clockOffsetMs: this.clock.offsetMs,
      kbpsIn: this.rates.kbpsIn,
      kbpsOut: this.rates.kbpsOut,
      packetsPerSecondIn: this.rates.ppsIn,
      packetsPerSecondOut: this.rates.ppsOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      packetsRejected: this.rejectedTotal,
      rejected: { ...this.rejected },
      framesAhead: this.timeSync.framesAhead,
      lastReceivedFrame,
      state: this.state,
    };
  }
}
