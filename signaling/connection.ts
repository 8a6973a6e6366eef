/**
 * One signaling WebSocket: size and rate checks, validation, and dispatch to the lobby registry.
 *
 * Hostile input never escapes this file as an exception: oversize, malformed or unknown messages get
 * an `error` reply; a connection that keeps flooding after a `rate-limited` error is closed (4008);
 * a fault in a handler closes that connection only (1011).
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, encodeMessage, ErrorCode, parseClientMessage } from '../src/lobby/protocol.ts';
import type { ClientMessage } from '../src/lobby/protocol.ts';
import type { ResolvedOptions } from './config.ts';
import type { LobbyRegistry, Membership, Refusal } from './lobbies.ts';
import { createBucket, takeToken } from './rate-limit.ts';
import type { TokenBucket } from './rate-limit.ts';

/** Counters the server reports in `stats()`. */
export interface ConnectionCounters {
  messagesIn: number;
  signalsRelayed: number;
  errorsSent: number;
  closedForAbuse: number;
}

/** What a connection needs from the server. */
export interface ConnectionContext {
  readonly options: ResolvedOptions;
  readonly registry: LobbyRegistry;
  readonly counters: ConnectionCounters;
  readonly nowMs: () => number;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}

/** Sends a protocol error on `ws` (dropped if the socket is no longer open). */
export function sendError(ws: WebSocket, counters: ConnectionCounters, refusal: Refusal): void {
  counters.errorsSent += 1;
  ws.send(encodeMessage({ kind: 'error', code: refusal.code, message: refusal.message }));
}

/** Module-level so that `process.nextTick` needs no per-connection closure. */
function uncork(connection: SignalingConnection): void {
  connection.corked = false;
  connection.socket.uncork();
}

/**
 * One signaling connection; it is also its member's `MemberSink`. A class rather than closures:
 * under tsx (`keepNames`) every named per-connection closure costs ~250 bytes of heap.
 */
class SignalingConnection {
  corked = false;
  private dropped = 0;
  private membership: Membership | null = null;
  private readonly bucket: TokenBucket;

  constructor(readonly ws: WebSocket, readonly socket: Duplex, private readonly ctx: ConnectionContext) {
    this.bucket = createBucket(ctx.options.messagesPerSecond, ctx.options.messageBurst, ctx.nowMs());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    // Protocol errors (bad frames, invalid UTF-8, frames above maxPayload): ws closes the socket itself.
    ws.on('error', (error) => ctx.options.logger({ event: 'socket-error', message: error.message }));
    ws.on('close', () => this.onClose());
  }

  /**
   * Sends within one tick are corked into one write (a relayed offer and its candidates arrive
   * together and leave together), which saves a syscall per message.
   */
  send(text: string): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(text);
  }

  private reply(refusal: Refusal): void {
    this.ctx.counters.errorsSent += 1;
    this.send(encodeMessage({ kind: 'error', code: refusal.code, message: refusal.message }));
  }

  private done(result: { ok: true } | { ok: false; error: Refusal }): void {
    if (!result.ok) this.reply(result.error);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const { options, counters } = this.ctx;
    counters.messagesIn += 1;
    if (!takeToken(this.bucket, this.ctx.nowMs())) {
      this.dropped += 1;
      if (this.dropped === 1) this.reply({ code: ErrorCode.rateLimited, message: 'too many messages; slow down' });
      if (this.dropped >= options.messageBurst) {
        counters.closedForAbuse += 1;
        options.logger({ event: 'connection-closed', reason: ErrorCode.rateLimited });
        this.ws.close(CloseCode.rateLimited, ErrorCode.rateLimited);
      }
      return;
    }
    this.dropped = 0;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (bytes > options.maxMessageBytes) {
      return this.reply({ code: ErrorCode.tooLarge, message: `messages are limited to ${options.maxMessageBytes} bytes` });
    }
    if (isBinary) return this.reply({ code: ErrorCode.badMessage, message: 'text frames only' });
    const parsed = parseClientMessage(rawText(data));
    if (!parsed.ok) return this.reply({ code: ErrorCode.badMessage, message: parsed.error });
    try {
      this.handle(parsed.value);
    } catch (error) {
      // A bug, not client input: log it and drop this connection only.
      options.logger({ event: 'handler-fault', message: String(error) });
      this.ws.close(CloseCode.internalError, 'internal error');
    }
  }

  private handle(message: ClientMessage): void {
    const { registry, counters } = this.ctx;
    switch (message.kind) {
      case 'create':
      case 'join': {
        if (this.membership !== null) return this.reply({ code: ErrorCode.alreadyInLobby, message: 'leave your lobby first' });
        const result = message.kind === 'create'
          ? registry.create(this, message.name, message.settings ?? {})
          : registry.join(this, message.code, message.name);
        if (result.ok) this.membership = result.value;
        else this.reply(result.error);
        return;
      }
      case 'ping':
        return this.send(encodeMessage({ kind: 'pong', nonce: message.nonce }));
      case 'leave':
      case 'signal':
      case 'chat':
      case 'set-ready':
      case 'start-notice':
      case 'reopen':
        break;
      default:
        assertNever(message);
    }
    const membership = this.membership;
    if (membership === null) return this.reply({ code: ErrorCode.notInLobby, message: `${message.kind}: join a lobby first` });
    switch (message.kind) {
      case 'leave':
        this.membership = null;
        return registry.leave(membership, 'left');
      case 'signal': {
        const result = registry.signal(membership, message.to, message.data);
        if (result.ok) counters.signalsRelayed += 1;
        return this.done(result);
      }
      case 'chat':
        return this.done(registry.chat(membership, message.text));
      case 'set-ready':
        return registry.setReady(membership, message.ready);
      case 'start-notice':
        return this.done(registry.start(membership));
      case 'reopen':
        return this.done(registry.reopen(membership));
      default:
        assertNever(message);
    }
  }

  private onClose(): void {
    if (this.membership !== null) this.ctx.registry.leave(this.membership, 'disconnected');
    this.membership = null;
  }
}

/**
 * Wires a freshly upgraded signaling socket to the registry. `socket` is the TCP socket under `ws`
 * (used to cork writes).
 */
export function attachConnection(ws: WebSocket, socket: Duplex, ctx: ConnectionContext): void {
  new SignalingConnection(ws, socket, ctx); // kept alive by its socket listeners
}
