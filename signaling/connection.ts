/**
 * One signaling WebSocket: size and rate checks, validation, and dispatch to the lobby registry.
 *
 * Hostile input never escapes this file as an exception: oversize, too deep, malformed or unknown
 * messages get an `error` reply (its text fixed per code: nothing a client wrote is echoed); a
 * connection that keeps flooding after a `rate-limited` error is closed (4008); traffic relayed from
 * another member is dropped (one `rate-limited` to its sender) when the target has half of
 * `maxBufferedBytes` waiting or the sender's byte budget toward it is spent, so no member can get
 * another closed; a reader that cannot take the server's own messages within `maxBufferedBytes` is
 * closed (4009), not buffered without limit; a socket that has
 * no lobby `joinTimeoutMs` after opening or leaving is closed (4010, by the server's sweep); a fault
 * in a handler closes that connection only (1011).
 *
 * A socket the server has closed is done at once, not when its TCP connection ends: `ws` keeps
 * passing a client's frames on while the socket is CLOSING (a client that never answers the close
 * frame holds it there for ws's 30 s close timeout), so `receive` drops whatever arrives then, and a
 * member closed for a reason that ends its membership (4008, 4009, 4012, 1011) leaves its lobby on
 * the next tick (`closeAndLeave`): the others get its `member-left` now, after its last relayed message.
 */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { CloseCode, ERROR_TEXT, ErrorCode } from '../src/lobby/protocol.ts';
import { encodeMessage, parseClientMessage } from '../src/lobby/protocol-schema.ts';
import type { ClientMessage } from '../src/lobby/protocol.ts';
import type { AddressBook } from './address-limits.ts';
import type { ResolvedOptions } from './config.ts';
import type { LobbyService, MemberSink, Membership, Refusal } from './lobbies.ts';
import { outKind } from './metrics.ts';
import type { TrafficCounters } from './metrics.ts';
import { bucketFull, createBucket, takeToken } from './rate-limit.ts';
import type { TokenBucket } from './rate-limit.ts';
import { assertNever } from '../src/shared/assert-never.ts';
import { addBudget, findBudget, keptBudgets, type RelayBudget } from './relay-budgets.ts';
import { spareRepeatedEnds } from './closing-streams.ts';

/** Counters the server reports in `stats()`. */
export interface ConnectionCounters {
  messagesIn: number;
  signalsRelayed: number;
  errorsSent: number;
  closedForAbuse: number;
  /** Sockets closed because their outgoing buffer passed `maxBufferedBytes` (4009). */
  closedSlowReaders: number;
  /** Sockets closed for holding no lobby past `joinTimeoutMs` (4010). */
  closedJoinTimeout: number;
  /** Connections refused by the per-address cap (4029). */
  refusedPerAddress: number;
  /** `record` messages relayed, and dropped by their rate limit. */
  recordsRelayed: number;
  recordsDropped: number;
  /** Relays to another member dropped (its buffer past the relay watermark, or the pair's byte budget spent). */
  relaysDropped: number;
  /** Watchers' messages refused because only a member may send them (`watcher-not-allowed`). */
  watcherRefusals: number;
  /** `join`s with a rejoin token that resumed a membership, and that got `bad-rejoin`. */
  rejoins: number;
  rejoinsRefused: number;
  /** Messages by kind and rejections by reason, for `/metrics` (one object per server). */
  readonly traffic: TrafficCounters;
}

/** What a connection needs from the server. */
export interface ConnectionContext {
  readonly options: ResolvedOptions;
  readonly registry: LobbyService;
  readonly counters: ConnectionCounters;
  readonly nowMs: () => number;
  /** Open signaling sockets (ws's own client tracking is off: it costs a closure per socket). */
  readonly clients: Set<WebSocket>;
  readonly addresses: AddressBook;
  /** The server's 'close' listener on every TCP socket (releases its `openSocket` count). */
  readonly onTcpClose: (this: Socket) => void;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The `error` message of a code, with its fixed text. */
export function errorMessage(code: ErrorCode): string {
  return encodeMessage({ kind: 'error', code, message: ERROR_TEXT[code] });
}

/** Sends a protocol error on `ws` (dropped if the socket is no longer open). */
export function sendError(ws: WebSocket, counters: ConnectionCounters, refusal: Refusal): void {
  counters.errorsSent += 1;
  counters.traffic.messagesOut.error += 1;
  ws.send(errorMessage(refusal.code));
}

const EMPTY_PAYLOAD = Buffer.alloc(0);
/** What a watcher may send once in its lobby (anything else: `watcher-not-allowed`). */
const WATCHER_MAY: ReadonlySet<ClientMessage['kind']> = new Set(['leave', 'signal', 'chat', 'take-seat']);

/** `SignalingSocket.bits`: writes corked until the next tick; in a run of dropped records; of dropped relays. */
const CORKED = 1;
const RECORDS_DROPPING = 2;
const RELAYS_DROPPING = 4;

/** Module-level so that `process.nextTick` needs no per-connection closure. */
function uncork(connection: SignalingSocket): void {
  connection.bits &= ~CORKED;
  connection.socket?.uncork();
}

// Shared listeners (`this` is the socket, always a `SignalingSocket`): a connection allocates no closures.
function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  if (this instanceof SignalingSocket) this.receive(data, isBinary);
}
// Protocol errors (bad frames, invalid UTF-8, frames above maxPayload): ws closes the socket itself.
function onSocketError(this: WebSocket, error: Error): void {
  if (this instanceof SignalingSocket) this.ctx?.options.logger({ event: 'socket-error', message: error.message });
}
function onSocketClose(this: WebSocket): void {
  if (this instanceof SignalingSocket) this.closed();
}
/** Module-level so that `process.nextTick` needs no per-connection closure (see `closeAndLeave`). */
function leaveClosing(connection: SignalingSocket): void {
  connection.leaveClosing();
}

/** A relay target whose socket is closed: its budget can be forgotten. */
const targetGone = (target: MemberSink): boolean => target instanceof SignalingSocket && target.readyState !== WebSocket.OPEN;

/**
 * The signaling server's WebSocket class (ws option `WebSocket`): one object per connection holds the
 * ws state, the rate limiter's bucket and the lobby membership, and it is its member's `MemberSink`.
 * Every listener is a shared function: per-connection closures, their contexts and a separate state
 * object would cost hundreds of bytes per idle socket (under tsx's `keepNames`, ~250 per closure).
 */
export class SignalingSocket extends WebSocket implements MemberSink, TokenBucket {
  /** Set by `attach`; null for a socket refused right after its upgrade. */
  ctx: ConnectionContext | null = null;
  /** The TCP socket under ws (used to cork writes and to see whether anything arrived). */
  socket: Socket | null = null;
  /** `CORKED`, `RECORDS_DROPPING`, `RELAYS_DROPPING`: one field for three flags (16 bytes less per socket). */
  bits = 0;
  tokens = 0;
  lastMs = 0;
  /** `socket.bytesRead` when the heartbeat last pinged; -1 before the first ping. */
  private pingedAtBytes = -1;
  private dropped = 0;
  private membership: Membership | null = null;
  /** Client address (counted in `ctx.addresses` while open). */
  address = '';
  /** When the socket is closed for holding no lobby; 0 while it is a member, -1 while its join is pending. */
  joinDeadlineMs = 0;
  /** Created on the first `record`: only members that record pay for it. */
  private records: TokenBucket | null = null;
  /**
   * Byte budgets of this member's relays, one per target, as a list (created on the first relay): a
   * `Map` would cost about 230 bytes more per socket that has ever chatted, an array of
   * `[target, bucket, …]` about 50.
   */
  private relayBudgets: RelayBudget | null = null;

  /** Token bucket refill rate (shared option, not stored per socket). */
  get ratePerMs(): number {
    return (this.ctx?.options.messagesPerSecond ?? 0) / 1000;
  }

  /** Token bucket size (shared option). */
  get burst(): number {
    return this.ctx?.options.messageBurst ?? 0;
  }

  /** Starts serving lobby messages on this socket, tracked in `ctx.clients` until it closes. */
  attach(socket: Socket, ctx: ConnectionContext, address: string): void {
    this.ctx = ctx;
    this.socket = socket;
    this.address = address;
    this.tokens = ctx.options.messageBurst;
    this.lastMs = ctx.nowMs();
    this.joinDeadlineMs = this.lastMs + ctx.options.joinTimeoutMs;
    // The TCP socket's count is released by `closed` (ws's 'close' follows the TCP socket's).
    socket.removeListener('close', ctx.onTcpClose);
    this.on('message', onSocketMessage);
    this.on('error', onSocketError);
    this.on('close', onSocketClose);
  }

  /**
   * Heartbeat sweep, before each ping: false when nothing (no pong, no message) arrived since the
   * previous ping. Counting bytes instead of listening for 'pong' keeps a fourth event type off the
   * socket's listener table (a null-prototype dictionary: 96 more bytes per idle socket).
   */
  heartbeat(): boolean {
    const read = this.socket?.bytesRead ?? 0;
    if (read === this.pingedAtBytes) return false;
    this.pingedAtBytes = read;
    return true;
  }

  /**
   * A message of the server's own. Sends within one tick are corked into one write (a relayed offer
   * and its candidates arrive together and leave together), which saves a syscall per message.
   */
  deliver(text: string, bytes = Buffer.byteLength(text)): void {
    if (this.readyState !== WebSocket.OPEN) return;
    const ctx = this.ctx;
    if (ctx !== null && this.closedAsSlowReader(ctx, bytes)) return;
    if ((this.bits & CORKED) === 0 && this.socket !== null) {
      this.bits |= CORKED;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    if (ctx !== null) ctx.counters.traffic.messagesOut[outKind(text)] += 1;
    this.send(text);
  }

  /**
   * A reader that cannot take even the server's own messages (or pongs) must not make the server hold
   * them without limit (relayed traffic stops at the watermark, half of this: see `relayTo`): true,
   * and the socket closed (4009), when `bytes` more would pass `maxBufferedBytes`.
   */
  private closedAsSlowReader(ctx: ConnectionContext, bytes: number): boolean {
    if (this.bufferedAmount + bytes <= ctx.options.maxBufferedBytes) return false;
    ctx.counters.closedSlowReaders += 1;
    ctx.options.logger({ event: 'connection-closed', reason: ErrorCode.slowReader });
    this.closeAndLeave(CloseCode.slowReader, ErrorCode.slowReader);
    return true;
  }

  /**
   * ws's `autoPong` is off (it costs a closure and three fields per socket): a ping from the client
   * is answered here, as RFC 6455 asks, unless the pong would pass `maxBufferedBytes` (a client that
   * pings without reading is closed, 4009, where ws would close it after 60 unread pongs).
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'ping' && this.readyState === WebSocket.OPEN) {
      const data = args[0];
      const ctx = this.ctx;
      const payload = Buffer.isBuffer(data) ? data : EMPTY_PAYLOAD;
      if (ctx === null || !this.closedAsSlowReader(ctx, payload.length + 2)) this.pong(payload, false);
    }
    return super.emit(event, ...args);
  }

  /** ws calls this on a close frame from the client too: from here on, the socket is closing. */
  override close(code?: number, data?: string | Buffer): void {
    spareRepeatedEnds(this);
    super.close(code, data);
  }

  /** Every other member of the lobby reported us silent: close, and leave the lobby now. */
  dropByPeers(): void {
    this.ctx?.options.logger({ event: 'connection-closed', reason: ErrorCode.droppedByPeers });
    this.closeAndLeave(CloseCode.droppedByPeers, ErrorCode.droppedByPeers);
  }

  /**
   * Closes for a reason that ends the membership (4008, 4009, 4012, 1011) and leaves the lobby on the
   * next tick instead of on the TCP close, which a client that never answers the close frame puts off
   * for ws's 30 s: until then it would stay listed, and everyone's `member-left` of it would come that
   * late. The next tick, not now: the close may come from inside the registry (a `report`, a broadcast
   * that met a slow reader), which must not be re-entered. Nothing it sends meanwhile is acted on
   * (`receive`), nothing is delivered to it (`deliver`, `relayTo`), and `closed` finds no membership
   * left. `replaced` and `lobbyExpired` close without this: their membership is already gone.
   */
  private closeAndLeave(code: number, reason: string): void {
    this.close(code, reason);
    if (this.membership !== null) process.nextTick(leaveClosing, this);
  }

  /** The tick after `closeAndLeave`: leaves as `closed` would (unless `closed` or `replaced` came first). */
  leaveClosing(): void {
    const ctx = this.ctx;
    const membership = this.membership;
    if (ctx === null || membership === null) return;
    this.membership = null;
    ctx.registry.leave(membership, 'disconnected', ctx.nowMs());
  }

  /** Our membership was resumed on another socket: close without leaving (the registry moved it). */
  replaced(): void {
    this.membership = null;
    this.ctx?.options.logger({ event: 'connection-closed', reason: ErrorCode.replaced });
    this.close(CloseCode.replaced, ErrorCode.replaced);
  }

  /** Our (watched) lobby expired: close without leaving it (the registry has dropped it). */
  lobbyExpired(): void {
    this.membership = null;
    this.ctx?.options.logger({ event: 'connection-closed', reason: ErrorCode.expiredLobby });
    this.close(CloseCode.lobbyExpired, ErrorCode.expiredLobby);
  }

  /**
   * Relays this member's traffic to `target`, unless the target has more than half of
   * `maxBufferedBytes` waiting (it reads slowly: another member must not get it closed as a slow
   * reader) or this member spent its byte budget toward it (so that one member cannot crowd out the
   * others' relays). A drop is counted, and the first of a run gets one `rate-limited` error.
   */
  relayTo(target: MemberSink, text: string): boolean {
    const ctx = this.ctx;
    // A target that is closing is no fault of the sender: nothing to deliver, nothing to report.
    // A member on another instance (Redis) has its buffer checked there, on arrival.
    const local = target instanceof SignalingSocket;
    if (ctx === null || (local && target.readyState !== WebSocket.OPEN)) return false;
    const { options, counters } = ctx;
    const bytes = Buffer.byteLength(text);
    const now = ctx.nowMs();
    if ((!local || target.bufferedAmount + bytes <= options.maxBufferedBytes / 2) && takeToken(this.budgetFor(target, options, now), now, bytes)) {
      this.bits &= ~RELAYS_DROPPING;
      target.deliver(text, bytes);
      return true;
    }
    counters.relaysDropped += 1;
    counters.traffic.rejected['relay-dropped'] += 1;
    if ((this.bits & RELAYS_DROPPING) === 0) this.reply(ctx, { code: ErrorCode.rateLimited });
    this.bits |= RELAYS_DROPPING;
    return false;
  }

  /** The relay budget toward `target` (relay-budgets.ts). */
  private budgetFor(target: MemberSink, options: ResolvedOptions, nowMs: number): TokenBucket {
    const found = findBudget(this.relayBudgets, target);
    if (found !== null) return found;
    this.relayBudgets = addBudget(this.relayBudgets, target, options, nowMs, targetGone);
    return this.relayBudgets;
  }

  /**
   * Sweep (about every second): forgets the relay budgets and the record bucket that refilled (a
   * fresh one is the same), so that a member that has gone quiet holds none of them.
   */
  forgetRefilled(nowMs: number): void {
    const options = this.ctx?.options;
    if (options === undefined) return;
    if (this.records !== null && bucketFull(this.records, nowMs)) this.records = null;
    if (this.relayBudgets !== null) this.relayBudgets = keptBudgets(this.relayBudgets, options, nowMs, targetGone);
  }

  private reply(ctx: ConnectionContext, refusal: Refusal): void {
    ctx.counters.errorsSent += 1;
    // Rate-limited drops are counted one by one where they happen (one error covers a run of them).
    if (refusal.code !== ErrorCode.rateLimited && refusal.code !== ErrorCode.joinTimeout) ctx.counters.traffic.rejected[refusal.code] += 1;
    this.deliver(errorMessage(refusal.code));
  }

  /** Join-timeout sweep: true (and the socket closed with 4010) when it held no lobby in time. */
  expireIfIdle(nowMs: number): boolean {
    const ctx = this.ctx;
    if (ctx === null || this.membership !== null || this.joinDeadlineMs <= 0 || nowMs < this.joinDeadlineMs) return false;
    this.joinDeadlineMs = 0;
    ctx.counters.closedJoinTimeout += 1;
    this.reply(ctx, { code: ErrorCode.joinTimeout });
    this.close(CloseCode.joinTimeout, ErrorCode.joinTimeout);
    return true;
  }

  /** Handles one incoming frame: rate limit, size and type checks, validation, dispatch. */
  receive(data: RawData, isBinary: boolean): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    const { options, counters } = ctx;
    counters.messagesIn += 1;
    // Closing (by us, or the client's close frame): ws still passes frames on until the TCP
    // connection ends, up to its 30 s close timeout; the socket is done, so they are dropped unread
    // (a member closed 4012 must not go on recording, a socket closed 4010 must not create a lobby).
    if (this.readyState !== WebSocket.OPEN) {
      counters.traffic.messagesIn.unparsed += 1;
      return;
    }
    if (!takeToken(this, ctx.nowMs())) {
      counters.traffic.messagesIn.unparsed += 1;
      counters.traffic.rejected['rate-limited'] += 1;
      this.dropped += 1;
      if (this.dropped === 1) this.reply(ctx, { code: ErrorCode.rateLimited });
      if (this.dropped >= options.messageBurst) {
        counters.closedForAbuse += 1;
        options.logger({ event: 'connection-closed', reason: ErrorCode.rateLimited });
        this.closeAndLeave(CloseCode.rateLimited, ErrorCode.rateLimited);
      }
      return;
    }
    this.dropped = 0;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    const parsed = bytes > options.maxMessageBytes || isBinary
      ? null
      // The byte bound above also bounds the text; the depth is bounded inside, before JSON.parse.
      : parseClientMessage(rawText(data), Number.MAX_SAFE_INTEGER);
    if (parsed === null || !parsed.ok) {
      counters.traffic.messagesIn.unparsed += 1;
      if (bytes > options.maxMessageBytes) return this.reply(ctx, { code: ErrorCode.tooLarge });
      if (parsed === null) return this.reply(ctx, { code: ErrorCode.badMessage });
      return this.reply(ctx, { code: parsed.error === 'too-deep' ? ErrorCode.tooDeep : ErrorCode.badMessage });
    }
    counters.traffic.messagesIn[parsed.value.kind] += 1;
    try {
      this.handle(ctx, parsed.value);
    } catch (error) {
      // A bug, not client input: log it and drop this connection only.
      options.logger({ event: 'handler-fault', message: String(error) });
      this.closeAndLeave(CloseCode.internalError, 'internal error');
    }
  }

  private done(ctx: ConnectionContext, result: { ok: true } | { ok: false; error: Refusal }): void {
    if (!result.ok) this.reply(ctx, result.error);
  }

  private handle(ctx: ConnectionContext, message: ClientMessage): void {
    const { registry, counters } = ctx;
    switch (message.kind) {
      case 'create':
      case 'join': {
        if (this.membership !== null || this.joinDeadlineMs === -1) return this.reply(ctx, { code: ErrorCode.alreadyInLobby });
        const result = message.kind === 'create'
          ? registry.create(this, message.name, message.settings ?? {}, this.address)
          : message.watch === true
            // The join must say `watch` itself: a refused `lobby-full` never turns into watching.
            ? registry.watch(this, message.code, message.name, ctx.nowMs())
            : registry.join(this, message.code, message.name, ctx.nowMs(), message.rejoin, message.replace !== false);
        if (message.kind === 'join' && message.rejoin !== undefined && result !== null) {
          if (result.ok) counters.rejoins += 1;
          else if (result.error.code === ErrorCode.badRejoin) counters.rejoinsRefused += 1;
        }
        if (result === null) this.joinDeadlineMs = -1; // answered later: `admitted` or `refused`
        else if (result.ok) {
          this.membership = result.value;
          this.joinDeadlineMs = 0;
        } else this.reply(ctx, result.error);
        return;
      }
      case 'ping':
        return this.deliver(encodeMessage({ kind: 'pong', nonce: message.nonce }));
      case 'leave':
      case 'signal':
      case 'chat':
      case 'set-ready':
      case 'start-notice':
      case 'reopen':
      case 'record':
      case 'report':
      case 'take-seat':
        break;
      default:
        assertNever(message, 'message');
    }
    const membership = this.membership;
    if (membership === null) return this.reply(ctx, { code: ErrorCode.notInLobby });
    if (membership.member.watcher === true && !WATCHER_MAY.has(message.kind)) {
      counters.watcherRefusals += 1;
      return this.reply(ctx, { code: ErrorCode.watcherNotAllowed });
    }
    switch (message.kind) {
      case 'leave':
        this.membership = null;
        this.joinDeadlineMs = ctx.nowMs() + ctx.options.joinTimeoutMs;
        return registry.leave(membership, 'left', ctx.nowMs(), message.keepSeat === true);
      case 'signal': {
        const result = registry.signal(membership, message.to, message.data);
        if (result.ok && result.value) counters.signalsRelayed += 1;
        return this.done(ctx, result);
      }
      case 'chat':
        // A watcher's line goes to everyone; `watchersOnly` is a player's in-game line (peer to peer to the players).
        return this.done(ctx, registry.chat(membership, message.text, message.watchersOnly === true && membership.member.watcher !== true));
      case 'set-ready':
        return registry.setReady(membership, message.ready);
      case 'start-notice':
        return this.done(ctx, registry.start(membership));
      case 'reopen':
        return this.done(ctx, registry.reopen(membership));
      case 'record':
        return this.record(ctx, membership, message.data);
      case 'report':
        return this.done(ctx, registry.report(membership, message.member, ctx.nowMs()));
      case 'take-seat': {
        const result = registry.takeSeat(membership, ctx.nowMs());
        if (result === null || !result.ok) return this.done(ctx, result ?? { ok: false, error: { code: ErrorCode.watchingUnavailable } });
        this.membership = result.value;
        return;
      }
      default:
        assertNever(message, 'message');
    }
  }

  /** A notary record: at most `recordsPerSecond` (burst `recordBurst`); excess dropped, one error per run. */
  private record(ctx: ConnectionContext, membership: Membership, data: string): void {
    const { options, counters } = ctx;
    this.records ??= createBucket(options.recordsPerSecond, options.recordBurst, ctx.nowMs());
    if (!takeToken(this.records, ctx.nowMs())) {
      counters.recordsDropped += 1;
      counters.traffic.rejected['record-dropped'] += 1;
      if ((this.bits & RECORDS_DROPPING) === 0) this.reply(ctx, { code: ErrorCode.rateLimited });
      this.bits |= RECORDS_DROPPING;
      return;
    }
    this.bits &= ~RECORDS_DROPPING;
    counters.recordsRelayed += 1;
    ctx.registry.record(membership, data);
  }

  /** A pending join or create succeeded (Redis registry): false when this socket closed (or began to) meanwhile. */
  admitted(membership: Membership): boolean {
    if (this.ctx === null || this.joinDeadlineMs !== -1 || this.readyState !== WebSocket.OPEN) return false;
    this.membership = membership;
    this.joinDeadlineMs = 0;
    return true;
  }

  /** A pending join or create was refused: the join timeout runs again. */
  refused(refusal: Refusal): void {
    const ctx = this.ctx;
    if (ctx === null || this.joinDeadlineMs !== -1) return;
    this.joinDeadlineMs = ctx.nowMs() + ctx.options.joinTimeoutMs;
    this.reply(ctx, refusal);
  }

  /** The socket closed: leave the lobby and stop counting it. */
  closed(): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    this.ctx = null;
    ctx.clients.delete(this);
    ctx.addresses.closeConnection(this.address);
    // The TCP peer's address (cached by node since `openSocket` read it), as `onTcpClose` would.
    ctx.addresses.closeSocket(this.socket?.remoteAddress);
    if (this.membership !== null) ctx.registry.leave(this.membership, 'disconnected', ctx.nowMs());
    this.membership = null;
  }
}

/**
 * Wires a freshly upgraded signaling socket to the registry. `socket` is the TCP socket under `ws`
 * (used to cork writes). The caller has added `ws` to `ctx.clients`; it leaves that set on close.
 */
export function attachConnection(ws: SignalingSocket, socket: Socket, ctx: ConnectionContext, address: string): void {
  ws.attach(socket, ctx, address);
}
