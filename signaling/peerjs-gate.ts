/**
 * The gate in front of the `peer` package: every frame a PeerJS socket receives is checked here
 * BEFORE the package's own 'message' listener sees it, and what passes is re-encoded from the
 * validated value (so the package never reads a field we did not check).
 *
 * A frame is forwarded only if it is text, within the size and depth bounds, matches
 * `PeerMessageSchema` (objects where strings belong are refused here: inside the package they threw
 * later, from a timer, and killed the process), and is addressed to a member of the sender's lobby.
 * A malformed frame is counted and its socket closed (4002). A relay to a peer that has not connected
 * yet is queued by the package: the gate bounds that queue per destination (messages and bytes) and
 * drops the excess, counted. Frames from members on other instances (Redis) for such a peer wait in
 * the cluster's queue (redis-peerjs.ts) under the same bounds, counted here too. One sender's relays
 * toward one destination have a byte budget (token bucket), and a relay to a destination with more
 * than half of `maxBufferedBytes` waiting is dropped (counted): a member cannot get another closed as
 * a slow reader. Only a destination whose buffer is past the whole bound (the package's own messages)
 * is closed (4009).
 */
import * as v from 'valibot';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { CloseCode, ErrorCode, LOBBY_LIMITS } from '../src/lobby/protocol.ts';
import { NotArraySchema, parseBoundedJson } from '../src/lobby/protocol-schema.ts';
import type { Membership } from './lobbies.ts';
import { bucketFull, createBucket, takeToken } from './rate-limit.ts';
import type { TokenBucket } from './rate-limit.ts';
import { spareRepeatedEnds } from './closing-streams.ts';

const text = (maxChars: number) => v.pipe(v.string(), v.maxLength(maxChars));
const PeerIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxIdChars), v.regex(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/));
const opt = <S extends v.GenericSchema>(schema: S) => v.exactOptional(schema);

/** The payload of a PeerJS relay: known fields typed, others (e.g. `metadata`) kept as bounded JSON. */
const PeerPayloadSchema = v.pipe(NotArraySchema, v.looseObject({
  type: opt(text(16)),
  connectionId: opt(text(64)),
  label: opt(text(256)),
  serialization: opt(text(32)),
  reliable: opt(v.boolean()),
  browser: opt(text(64)),
  sdp: opt(v.object({ type: v.picklist(['offer', 'answer', 'pranswer', 'rollback']), sdp: text(LOBBY_LIMITS.maxMessageBytes) })),
  candidate: opt(v.object({
    candidate: text(2048),
    sdpMid: opt(v.nullable(text(64))),
    sdpMLineIndex: opt(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024)))),
    usernameFragment: opt(v.nullable(text(256))),
  })),
}));

/** What a PeerJS client may send: a heartbeat, or a relay to another peer. EXPIRE is the server's own. */
export const PeerMessageSchema = v.variant('type', [
  v.object({ type: v.literal('HEARTBEAT') }),
  v.object({ type: v.picklist(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']), dst: PeerIdSchema, payload: opt(PeerPayloadSchema) }),
]);
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;

/** Gate counters (server stats). */
export interface PeerGateCounters {
  /** Frames refused by size, depth or schema (their socket was closed, 4002/1009). */
  peerBadMessages: number;
  /**
   * Relays dropped: addressed outside the sender's lobby, past the sender's byte budget toward that
   * peer, past the destination's relay watermark, or past the queue bound of a peer not yet connected.
   */
  peerDropped: number;
  /** PeerJS sockets closed as slow readers (4009: the package's own messages found no room) or for flooding (4008). */
  peerClosedSlowReaders: number;
  peerClosedForAbuse: number;
}

/** What the gate needs. */
export interface PeerGateDeps {
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Byte budget of one sender's relays toward one destination (token bucket). */
  readonly relayBytesPerSecond: number;
  readonly relayBurstBytes: number;
  readonly peerQueueMessages: number;
  readonly peerQueueBytes: number;
  /** How long the `peer` package keeps a queue before it expires it (its `expire_timeout`). */
  readonly queueExpiryMs: number;
  readonly nowMs: () => number;
  readonly lookup: (peerId: string) => Membership | undefined;
  readonly counters: PeerGateCounters;
  /**
   * With Redis: hands a checked relay for a member on another instance to Redis (true), or leaves it
   * to the local `peer` package (false).
   */
  readonly forward?: (to: Membership, src: string, message: PeerMessage) => boolean;
}

/** What is counted as held for one destination: the local queue's start, or a remote one's last frame. */
interface Pending {
  messages: number;
  bytes: number;
  sinceMs: number;
}

/** One PeerJS connection (ws option `WebSocket` of the PeerJS socket server). */
export class PeerSocket extends WebSocket {
  gate: PeerGate | null = null;
  /** The PeerJS id this socket was accepted for, and the client address counted for it. */
  peerId = '';
  address = '';
  bucket: TokenBucket | null = null;
  /** Relay byte budgets toward each destination id (created on the first relay). */
  budgets: Map<string, TokenBucket> | null = null;

  /** Frames pass the gate before any 'message' listener (the `peer` package's) runs. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'message' || this.gate === null) return super.emit(event, ...args);
    const forwarded = this.gate.inbound(this, args[0] as RawData, args[1] === true);
    return forwarded === null ? false : super.emit('message', forwarded, false);
  }

  /** ws calls this on a close frame from the client too (closing-streams.ts). */
  override close(code?: number, data?: string | Buffer): void {
    spareRepeatedEnds(this);
    super.close(code, data);
  }
}

function rawBytes(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** The checks of every PeerJS frame, and the bounded queues of peers that have not connected yet. */
export class PeerGate {
  /** Open socket per PeerJS id (a reconnect replaces the old one). */
  readonly sockets = new Map<string, PeerSocket>();
  /** What the `peer` package holds for ids not connected yet. */
  private readonly pending = new Map<string, Pending>();
  /** What the cluster holds (redis-peerjs.ts) for ids not connected yet, from members on other instances. */
  private readonly remote = new Map<string, Pending>();

  constructor(private readonly deps: PeerGateDeps) {}

  /** Registers an accepted socket for `peerId`. */
  admit(ws: PeerSocket, peerId: string, address: string): void {
    ws.gate = this;
    ws.peerId = peerId;
    ws.address = address;
    ws.bucket = createBucket(this.deps.messagesPerSecond, this.deps.messageBurst, this.deps.nowMs());
    this.sockets.get(peerId)?.terminate();
    this.sockets.set(peerId, ws);
    // The package flushes its queue for this id now, the cluster its own: our counts of them start again.
    this.pending.delete(peerId);
    this.remote.delete(peerId);
  }

  /** The socket closed. */
  release(ws: PeerSocket): void {
    if (this.sockets.get(ws.peerId) === ws) this.sockets.delete(ws.peerId);
  }

  /** A member left: nothing more is queued for it. */
  forget(peerId: string): void {
    this.pending.delete(peerId);
    this.remote.delete(peerId);
  }

  /** Checks one frame from `ws`; the bytes to hand to the `peer` package, or null (dropped). */
  inbound(ws: PeerSocket, data: RawData, isBinary: boolean): Buffer | null {
    const { counters } = this.deps;
    if (ws.readyState !== WebSocket.OPEN) return null;
    if (ws.bucket !== null && !takeToken(ws.bucket, this.deps.nowMs())) {
      counters.peerClosedForAbuse += 1;
      ws.close(CloseCode.rateLimited, ErrorCode.rateLimited);
      return null;
    }
    const bytes = rawBytes(data);
    if (bytes.length > this.deps.maxMessageBytes) return this.refuse(ws, CloseCode.messageTooBig, ErrorCode.tooLarge);
    if (isBinary) return this.refuse(ws, CloseCode.badMessage, ErrorCode.badMessage);
    const json = parseBoundedJson(bytes.toString('utf8'), this.deps.maxMessageBytes);
    if (!json.ok) return this.refuse(ws, CloseCode.badMessage, json.error === 'too-deep' ? ErrorCode.tooDeep : ErrorCode.badMessage);
    const parsed = v.safeParse(PeerMessageSchema, json.value);
    if (!parsed.success) return this.refuse(ws, CloseCode.badMessage, ErrorCode.badMessage);
    const message = parsed.output;
    const encoded = Buffer.from(JSON.stringify(message));
    if (message.type === 'HEARTBEAT') return encoded;
    const from = this.deps.lookup(ws.peerId);
    const to = this.deps.lookup(message.dst);
    // Watchers reach players only (as on the lobby socket's `signal`), never another watcher.
    if (from === undefined || to === undefined || from.lobby !== to.lobby || to === from || (from.member.watcher === true && to.member.watcher === true)) {
      counters.peerDropped += 1;
      return null;
    }
    if (!takeToken(this.budget(ws, message.dst), this.deps.nowMs(), encoded.length)) {
      counters.peerDropped += 1;
      return null;
    }
    // A member on another instance: its instance bounds what it holds for it (`deliverRemote`).
    if (this.deps.forward?.(to, ws.peerId, message) === true) return null;
    const target = this.sockets.get(message.dst);
    if (target !== undefined && target.readyState === WebSocket.OPEN) {
      // Past the whole bound, what fills the target's buffer is the `peer` package's own messages:
      // it cannot take those, it is a slow reader. Past half, relays wait no more: another member's
      // traffic is dropped, so that no member can get another closed.
      if (target.bufferedAmount > this.deps.maxBufferedBytes) {
        counters.peerClosedSlowReaders += 1;
        target.close(CloseCode.slowReader, ErrorCode.slowReader);
        return null;
      }
      if (target.bufferedAmount + encoded.length > this.deps.maxBufferedBytes / 2) {
        counters.peerDropped += 1;
        return null;
      }
      return encoded;
    }
    return this.queue(message.dst, encoded);
  }

  /**
   * A frame from a member on another instance (Redis) for local id `dst`: sent when its socket is open
   * here (dropped, counted, past the relay watermark). When it has not connected here: false (the
   * caller keeps the frame, counted against the same per-destination bounds as the local queue), or
   * true past those bounds (dropped, counted).
   */
  deliverRemote(dst: string, frame: string): boolean {
    const target = this.sockets.get(dst);
    if (target === undefined || target.readyState !== WebSocket.OPEN) {
      // The cluster drops its queue 5 s after it started (redis-peerjs.ts): this count, renewed by each
      // frame kept, lives longer, so it never restarts under frames still held.
      return !this.fits(this.remote, dst, Buffer.byteLength(frame), true);
    }
    if (target.bufferedAmount + frame.length > this.deps.maxBufferedBytes / 2) this.deps.counters.peerDropped += 1;
    else target.send(frame);
    return true;
  }

  /** The relay byte budget of `ws` toward `dst`; forgets refilled buckets (same as new) and gone peers. */
  private budget(ws: PeerSocket, dst: string): TokenBucket {
    const now = this.deps.nowMs();
    ws.budgets ??= new Map();
    let budget = ws.budgets.get(dst);
    if (budget === undefined) {
      if (ws.budgets.size >= 4) {
        for (const [id, b] of ws.budgets) if (this.deps.lookup(id) === undefined || bucketFull(b, now)) ws.budgets.delete(id);
      }
      budget = createBucket(this.deps.relayBytesPerSecond, this.deps.relayBurstBytes, now);
      ws.budgets.set(dst, budget);
    }
    return budget;
  }

  /** The `peer` package will queue this relay for a peer not connected yet: bounded here. */
  private queue(dst: string, encoded: Buffer): Buffer | null {
    return this.fits(this.pending, dst, encoded.length, false) ? encoded : null;
  }

  /**
   * Counts one more frame of `bytes` held for `dst` (in `held`, the package's queues or the cluster's):
   * false past `peerQueueMessages` or `peerQueueBytes` (dropped, counted). A count expires
   * `queueExpiryMs` + 1 s after `sinceMs`: the package expires a queue `queueExpiryMs` after it was
   * last read (checked every second), here its start; with `renew`, `sinceMs` is the last frame kept.
   */
  private fits(held: Map<string, Pending>, dst: string, bytes: number, renew: boolean): boolean {
    const now = this.deps.nowMs();
    let pending = held.get(dst);
    if (pending !== undefined && now - pending.sinceMs > this.deps.queueExpiryMs + 1000) pending = undefined;
    if (pending === undefined) {
      pending = { messages: 0, bytes: 0, sinceMs: now };
      held.set(dst, pending);
    }
    if (pending.messages + 1 > this.deps.peerQueueMessages || pending.bytes + bytes > this.deps.peerQueueBytes) {
      this.deps.counters.peerDropped += 1;
      return false;
    }
    pending.messages += 1;
    pending.bytes += bytes;
    if (renew) pending.sinceMs = now;
    return true;
  }

  private refuse(ws: PeerSocket, code: number, reason: ErrorCode): null {
    this.deps.counters.peerBadMessages += 1;
    ws.close(code, reason);
    return null;
  }
}
