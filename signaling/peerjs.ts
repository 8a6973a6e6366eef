/**
 * PeerJS server (`peer` package) mounted under `/peerjs` on the signaling HTTP server.
 *
 * Only ids this server issued in `joined` may connect: the upgrade to `/peerjs/peerjs` is refused
 * (403) unless `id` belongs to a current lobby member and `token` is that member's secret token, so
 * nobody can squat an id. Relayed messages (OFFER/ANSWER/CANDIDATE...) are only delivered between
 * members of one lobby, and a member's PeerJS socket is closed when it leaves its lobby.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CloseCode, PEERJS_KEY, PEERJS_PATH } from '../src/lobby/protocol.ts';
import type { SignalingLogger } from './config.ts';
import type { Membership } from './lobbies.ts';

/** Path of the PeerJS WebSocket (the client appends `/peerjs` to its `path` option). */
export const PEERJS_SOCKET_PATH = `${PEERJS_PATH}/peerjs`;

/** What the mount needs from the server. */
export interface PeerMountDeps {
  readonly maxPayload: number;
  readonly maxConnections: number;
  readonly allowedOrigins: readonly string[];
  readonly logger: SignalingLogger;
  /** The current member holding a PeerJS id. */
  readonly lookup: (peerId: string) => Membership | undefined;
  /** Called for each accepted PeerJS socket (heartbeat, rate limit). */
  readonly onSocket: (ws: WebSocket) => void;
}

/** The mounted PeerJS server. */
export interface PeerMount {
  /** HTTP requests under `/peerjs` (the `peer` package's REST routes). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Upgrades to `/peerjs/peerjs`: checks id and token, then hands over to the `peer` package. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open PeerJS sockets. */
  readonly clients: ReadonlySet<WebSocket>;
  /** Closes the socket of a revoked id (its member left the lobby). */
  revoke(peerId: string): void;
  /** Closes every PeerJS socket with `code`. */
  close(code: number, reason: string): void;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Answers an upgrade with a plain HTTP status and drops the socket. */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

/** Keeps `sockets` mapping each id to its one open socket (a reconnect replaces the old one). */
function watchSocket(sockets: Map<string, WebSocket>, id: string, ws: WebSocket): void {
  sockets.get(id)?.terminate();
  sockets.set(id, ws);
  ws.on('close', () => {
    if (sockets.get(id) === ws) sockets.delete(id);
  });
}

/** Creates the PeerJS mount; `server` is only used by the `peer` package as a sanity check. */
export function mountPeerServer(server: Server, deps: PeerMountDeps): PeerMount {
  let wss = null as WebSocketServer | null; // set by the `peer` package on mount, below
  const sockets = new Map<string, WebSocket>();
  const peerApp = ExpressPeerServer(server, {
    path: '/',
    key: PEERJS_KEY,
    alive_timeout: 60_000,
    concurrent_limit: deps.maxConnections,
    allow_discovery: false,
    // We route upgrades ourselves (after the id check), so the ws server must not listen on `server`.
    createWebSocketServer: () => {
      wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayload });
      return wss;
    },
    corsOptions: { origin: deps.allowedOrigins.length === 0 ? true : [...deps.allowedOrigins] },
  });
  peerApp.disable('x-powered-by');
  // Without a listener, the `peer` package's error events (bad JSON from a client) would throw.
  peerApp.on('error', (error) => deps.logger({ event: 'peerjs-error', message: String(error) }));
  peerApp.on('connection', (client) => {
    if (deps.lookup(client.getId()) === undefined) client.getSocket()?.close(CloseCode.normal, 'unknown id');
  });
  peerApp.on('message', (client, message) => {
    if (typeof message.dst !== 'string' || message.dst === '') return;
    const from = deps.lookup(client.getId());
    const to = deps.lookup(message.dst);
    if (from === undefined || to === undefined || from.lobby !== to.lobby) {
      // The `peer` package relays this same object right after emitting it: blanking `dst` drops it.
      (message as { dst: string }).dst = '';
    }
  });
  const parent = express();
  parent.disable('x-powered-by');
  parent.use(PEERJS_PATH, peerApp); // emits 'mount': the `peer` package creates its ws server now
  const socketServer: WebSocketServer | null = wss;
  if (socketServer === null) throw new Error('peer package did not create its WebSocket server on mount');

  // Built outside `handleUpgrade` so that the socket's listeners do not keep the request alive.
  const accept = (ws: WebSocket, req: IncomingMessage): void => {
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
    watchSocket(sockets, id, ws);
    deps.onSocket(ws);
    socketServer.emit('connection', ws, req);
  };

  return {
    handleRequest: (req, res) => parent(req, res),
    handleUpgrade: (req, socket, head) => {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const id = params.get('id') ?? '';
      const membership = deps.lookup(id);
      if (params.get('key') !== PEERJS_KEY || membership === undefined || !sameSecret(params.get('token') ?? '', membership.member.peerToken)) {
        deps.logger({ event: 'peerjs-refused', reason: 'unknown id or token' });
        return rejectUpgrade(socket, 403, 'Forbidden');
      }
      socketServer.handleUpgrade(req, socket, head, accept);
    },
    clients: socketServer.clients,
    revoke: (peerId) => sockets.get(peerId)?.close(CloseCode.normal, 'left the lobby'),
    close: (code, reason) => {
      for (const ws of socketServer.clients) ws.close(code, reason);
    },
  };
}
