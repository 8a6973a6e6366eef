/**
 * PeerJS server (`peer` package) mounted under `/peerjs` on the signaling HTTP server.
 *
 * Only ids this server issued in `joined` may connect: the upgrade to `/peerjs/peerjs` is refused
 * (403) unless `id` belongs to a current lobby member and `token` is that member's secret token, so
 * nobody can squat an id, and a PeerJS socket is "joined" from its first byte. Every frame passes
 * `PeerGate` (peerjs-gate.ts) before the `peer` package sees it: schema, size and depth checks,
 * relays only between members of one lobby, bounded queues for peers not yet connected, bounded
 * outgoing buffers. A member's PeerJS socket is closed when it leaves its lobby.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer } from 'ws';
import type { ServerOptions, WebSocket } from 'ws';
import { CloseCode, PEERJS_KEY, PEERJS_PATH } from '../src/lobby/protocol.ts';
import type { SignalingLogger } from './config.ts';
import type { Membership } from './lobbies.ts';
import { PeerGate, PeerSocket } from './peerjs-gate.ts';
import type { PeerGateDeps } from './peerjs-gate.ts';

/** Path of the PeerJS WebSocket (the client appends `/peerjs` to its `path` option). */
export const PEERJS_SOCKET_PATH = `${PEERJS_PATH}/peerjs`;

/** How long the `peer` package keeps messages for a peer that has not connected (its `expire_timeout`). */
const QUEUE_EXPIRY_MS = 5_000;

/** What the mount needs from the server. */
export interface PeerMountDeps extends Omit<PeerGateDeps, 'queueExpiryMs'> {
  readonly maxPayload: number;
  /** ws's `closeTimeout` (see `SignalingServerOptions.closeTimeoutMs`). */
  readonly closeTimeoutMs: number;
  readonly maxConnections: number;
  readonly allowedOrigins: readonly string[];
  readonly logger: SignalingLogger;
  /** The current member holding a PeerJS id. */
  readonly lookup: (peerId: string) => Membership | undefined;
  /** Called for each accepted PeerJS socket (heartbeat). */
  readonly onSocket: (ws: PeerSocket) => void;
  /** With Redis: frames from other instances that arrived before this id connected. */
  readonly takeQueued?: (peerId: string) => readonly string[];
}

/** The mounted PeerJS server. */
export interface PeerMount {
  /** HTTP requests under `/peerjs` (the `peer` package's REST routes). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Upgrades to `/peerjs/peerjs`: checks id and token, then hands over to the `peer` package;
   * `address` is the client address already counted against its per-address cap.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): boolean;
  /** Open PeerJS sockets. */
  readonly clients: ReadonlySet<WebSocket>;
  /** Closes the socket of a revoked id (its member left the lobby). */
  revoke(peerId: string): void;
  /** Closes every PeerJS socket with `code`. */
  close(code: number, reason: string): void;
  /** A frame for local id `dst` from another instance; false when `dst` is not connected here. */
  deliverRemote(dst: string, frame: string): boolean;
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

function onPeerClose(this: WebSocket): void {
  if (this instanceof PeerSocket) this.gate?.release(this);
}

/** Creates the PeerJS mount; `server` is only used by the `peer` package as a sanity check. */
export function mountPeerServer(server: Server, deps: PeerMountDeps): PeerMount {
  let wss = null as WebSocketServer | null; // set by the `peer` package on mount, below
  const gate = new PeerGate({ ...deps, queueExpiryMs: QUEUE_EXPIRY_MS });
  const peerApp = ExpressPeerServer(server, {
    path: '/',
    key: PEERJS_KEY,
    alive_timeout: 60_000,
    expire_timeout: QUEUE_EXPIRY_MS,
    concurrent_limit: deps.maxConnections,
    allow_discovery: false,
    // We route upgrades ourselves (after the id check), so the ws server must not listen on `server`.
    createWebSocketServer: () => {
      const wsOptions: ServerOptions<typeof PeerSocket> & { readonly closeTimeout: number } = {
        noServer: true, maxPayload: deps.maxPayload, WebSocket: PeerSocket, closeTimeout: deps.closeTimeoutMs,
      };
      wss = new WebSocketServer<typeof PeerSocket>(wsOptions);
      return wss;
    },
    corsOptions: { origin: deps.allowedOrigins.length === 0 ? true : [...deps.allowedOrigins] },
  });
  peerApp.disable('x-powered-by');
  // Without a listener, the `peer` package's error events would throw.
  peerApp.on('error', (error) => deps.logger({ event: 'peerjs-error', message: String(error) }));
  peerApp.on('connection', (client) => {
    if (deps.lookup(client.getId()) === undefined) client.getSocket()?.close(CloseCode.normal, 'unknown id');
  });
  const parent = express();
  parent.disable('x-powered-by');
  parent.use(PEERJS_PATH, peerApp); // emits 'mount': the `peer` package creates its ws server now
  const socketServer: WebSocketServer | null = wss;
  if (socketServer === null) throw new Error('peer package did not create its WebSocket server on mount');

  // Built outside `handleUpgrade` so that the socket's listeners do not keep the request alive.
  const accept = (ws: WebSocket, req: IncomingMessage): void => {
    if (!(ws instanceof PeerSocket)) throw new Error('PeerJS socket of the wrong class');
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
    const address = (req as IncomingMessage & { peerAddress?: string }).peerAddress ?? '';
    gate.admit(ws, id, address);
    ws.on('close', onPeerClose);
    deps.onSocket(ws);
    socketServer.emit('connection', ws, req);
    // After the package's OPEN: what members on other instances sent before this id connected.
    for (const frame of deps.takeQueued?.(id) ?? []) if (ws.readyState === ws.OPEN) ws.send(frame);
  };

  return {
    handleRequest: (req, res) => parent(req, res),
    handleUpgrade: (req, socket, head, address) => {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const id = params.get('id') ?? '';
      const membership = deps.lookup(id);
      // A member on another instance has no token here (''): its PeerJS socket belongs on its own instance.
      if (params.get('key') !== PEERJS_KEY || membership === undefined || membership.member.peerToken === '' || !sameSecret(params.get('token') ?? '', membership.member.peerToken)) {
        deps.logger({ event: 'peerjs-refused', reason: 'unknown id or token' });
        rejectUpgrade(socket, 403, 'Forbidden');
        return false;
      }
      (req as IncomingMessage & { peerAddress?: string }).peerAddress = address;
      socketServer.handleUpgrade(req, socket, head, accept);
      return true;
    },
    clients: socketServer.clients,
    revoke: (peerId) => {
      gate.forget(peerId);
      gate.sockets.get(peerId)?.close(CloseCode.normal, 'left the lobby');
    },
    close: (code, reason) => {
      for (const ws of socketServer.clients) ws.close(code, reason);
    },
    deliverRemote: (dst, frame) => gate.deliverRemote(dst, frame),
  };
}
