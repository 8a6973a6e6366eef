/**
 * A closing WebSocket's streams, spared the `end()` calls that only build an error.
 *
 * On a close handshake ws ends the TCP socket and its frame receiver again after both finished (on
 * the socket's `'end'`, then on its `'close'`: three calls a connection). Node answers each such call
 * by building an `ERR_STREAM_ALREADY_FINISHED` error, with a stack trace of unlimited depth, that
 * nobody receives (ws passes no callback): about 4 µs each, ~4.5 % of the signaling server's CPU per
 * pairing (docs/performance.md, "Seventh look"). Such a call does nothing else, so it is skipped;
 * any other goes through to the stream's own `end`.
 */
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';

/** ws's own fields for the streams that its close path ends again (ws 8). */
interface WsInternals {
  readonly _receiver?: Writable;
  readonly _socket?: Writable;
}

function endUnlessFinished(this: Writable, ...args: unknown[]): Writable {
  if (args.length === 0 && this.writableEnded && (this.writableFinished || this.destroyed)) return this;
  return Reflect.apply((Object.getPrototypeOf(this) as Writable).end, this, args) as Writable;
}

/**
 * Gives `ws`'s TCP socket and receiver `endUnlessFinished` (idempotent). For a socket that is
 * closing: the field it adds would cost every open socket memory.
 */
export function spareRepeatedEnds(ws: WebSocket): void {
  const { _receiver: receiver, _socket: socket } = ws as unknown as WsInternals;
  if (receiver !== undefined && receiver.end !== endUnlessFinished) receiver.end = endUnlessFinished;
  if (socket !== undefined && socket.end !== endUnlessFinished) socket.end = endUnlessFinished;
}
