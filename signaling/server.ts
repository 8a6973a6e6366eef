/**
 * The signaling server: one `node:http` server carrying the lobby WebSocket (`/ws`), the PeerJS
 * server (`/peerjs`), `GET /healthz`, `GET /metrics` (Prometheus text format) and the built client (static files with SPA fallback).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerOptions, WebSocket } from 'ws';
import { CloseCode, ErrorCode, SIGNALING_PATH } from '../src/lobby/protocol.ts';
import { AddressBook } from './address-limits.ts';
import { resolveOptions } from './config.ts';
import type { ResolvedOptions, SignalingServerOptions } from './config.ts';
import { attachConnection, sendError, SignalingSocket } from './connection.ts';
import type { ConnectionContext, ConnectionCounters } from './connection.ts';
import { RedisLobbies } from './cluster/redis-lobbies.ts';
import type { RedisCounters, RedisStatus } from './cluster/redis-lobbies.ts';
import { LobbyRegistry } from './lobbies.ts';
import { createServerMetrics, createTrafficCounters } from './metrics.ts';
import type { LobbyService, RegistryDeps } from './lobbies.ts';
import type { PeerGateCounters } from './peerjs-gate.ts';
import { mountPeerServer, PEERJS_SOCKET_PATH, rejectUpgrade } from './peerjs.ts';
import type { PeerMount } from './peerjs.ts';
import { createStaticHandler } from './static-files.ts';
import type { ReplayApi } from './replays/api.ts';
import { iceServersProvider } from './turn.ts';

/** Figures for monitoring and tests. */
export interface SignalingStats {
  readonly lobbies: number;
  /** Open lobby WebSockets. */
  readonly connections: number;
  /** Open PeerJS WebSockets. */
  readonly peerConnections: number;
  readonly uptimeS: number;
  readonly messagesIn: number;
  readonly signalsRelayed: number;
  readonly errorsSent: number;
  /** Connections closed for flooding. */
  readonly closedForAbuse: number;
  /** Connections dropped for missing a heartbeat. */
  readonly deadDropped: number;
  /** Lobby sockets closed as slow readers (4009), for holding no lobby in time (4010). */
  readonly closedSlowReaders: number;
  readonly closedJoinTimeout: number;
  /** Connections refused by the per-address caps (lobby: 4029; PeerJS: HTTP 429; raw TCP: destroyed). */
  readonly refusedPerAddress: number;
  readonly recordsRelayed: number;
  readonly recordsDropped: number;
  /** Relays (signal, chat, record) dropped: the target's buffer past the watermark, or the sender's budget spent. */
  readonly relaysDropped: number;
  /** Memberships resumed with a rejoin token; rejoins refused (`bad-rejoin`). */
  readonly rejoins: number;
  readonly rejoinsRefused: number;
  /** Watchers' messages refused as player-only (`watcher-not-allowed`). */
  readonly watcherRefusals: number;
  /** Time-limited TURN credentials handed out (one per admitted member, with `turn` set). */
  readonly turnCredentialsIssued: number;
  /** PeerJS gate: refused frames, dropped relays, slow readers, floods. */
  readonly peerBadMessages: number;
  readonly peerDropped: number;
  readonly peerClosedSlowReaders: number;
  readonly peerClosedForAbuse: number;
  /** Addresses holding a TCP socket, a connection or a lobby. */
  readonly addresses: number;
  /** Redis (`redisUrl`): 'off' without it. Its counters stay 0 without it. */
  readonly redis: 'off' | RedisStatus;
  readonly redisBadMessages: number;
  readonly redisRelaysOut: number;
  readonly redisRelaysIn: number;
  readonly redisRelaysDropped: number;
  readonly redisErrors: number;
  readonly redisReaped: number;
}

/** A running signaling server. */
export interface SignalingServer {
  readonly httpServer: Server;
  /** `http://host:port` (the static client and `/healthz`). */
  readonly url: string;
  /** `ws://host:port/ws`, the lobby WebSocket. */
  readonly wsUrl: string;
  readonly port: number;
  /** Graceful shutdown: closes every socket with 1001, stops the HTTP server. Idempotent. */
  close(): Promise<void>;
  stats(): SignalingStats;
}

function ignoreError(): void {}

/** How long a refused WebSocket may take to finish its close handshake before it is cut. */
const REFUSED_GRACE_MS = 1_000;

function terminate(ws: WebSocket): void {
  ws.terminate();
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The connection counters without the per-kind traffic tables (those go to `/metrics`). */
function plainCounters(counters: ConnectionCounters): Omit<ConnectionCounters, 'traffic'> {
  const { traffic, ...plain } = counters;
  void traffic;
  return plain;
}

/** Starts a signaling server and resolves once it listens. */
export async function startSignalingServer(options: SignalingServerOptions & { readonly replays?: ReplayApi } = {}): Promise<SignalingServer> {
  const opts: ResolvedOptions = resolveOptions(options);
  const startedMs = Date.now();
  const counters: ConnectionCounters = {
    messagesIn: 0, signalsRelayed: 0, errorsSent: 0, closedForAbuse: 0, closedSlowReaders: 0, closedJoinTimeout: 0,
    refusedPerAddress: 0, recordsRelayed: 0, recordsDropped: 0, relaysDropped: 0, rejoins: 0, rejoinsRefused: 0, watcherRefusals: 0, traffic: createTrafficCounters(),
  };
  const peerCounters: PeerGateCounters = { peerBadMessages: 0, peerDropped: 0, peerClosedSlowReaders: 0, peerClosedForAbuse: 0 };
  let deadDropped = 0;
  let turnCredentialsIssued = 0;
  let peer: PeerMount | null = null;
  const addresses = new AddressBook(opts);
  const registryDeps: RegistryDeps = {
    emptyLobbyTtlMs: opts.emptyLobbyTtlMs,
    maxLobbies: opts.maxLobbies,
    iceServers: opts.iceServers,
    iceServersFor: iceServersProvider(opts.iceServers, opts.turn, Date.now, () => {
      turnCredentialsIssued += 1;
    }),
    peerjs: opts.peerjs,
    logger: opts.logger,
    onMemberRemoved: (member) => peer?.revoke(member.peerId),
    reserveLobby: (owner) => addresses.reserveLobby(owner, Date.now()),
    releaseLobby: (owner) => addresses.releaseLobby(owner),
  };
  // With Redis, lobbies are shared with every instance on it; without, they live in this process.
  const cluster = opts.redisUrl === null ? null : new RedisLobbies({
    ...registryDeps, redisUrl: opts.redisUrl, maxMessageBytes: opts.maxMessageBytes, maxBufferedBytes: opts.maxBufferedBytes,
    relayBatches: opts.redisRelayBatches,
  });
  const registry: LobbyService = cluster ?? new LobbyRegistry(registryDeps);
  const noRedis: RedisCounters = { redisBadMessages: 0, redisRelaysOut: 0, redisRelaysIn: 0, redisRelaysDropped: 0, redisErrors: 0, redisReaped: 0 };
  const redisStatus = (): 'off' | RedisStatus => cluster?.redisStatus ?? 'off';
  // ws closes a socket sending a frame above maxPayload (1009); smaller oversize ones get `too-large`.
  const maxPayload = opts.maxMessageBytes * 4;
  // Our own client set: ws's tracking adds a closure (and its context) to every socket.
  const clients = new Set<WebSocket>();
  // autoPong off: ws's own answering costs a closure per socket; `SignalingSocket` answers pings itself.
  // `closeTimeout` (ws ≥ 8.19; not in @types/ws 8.18): a client that never answers our close frame is cut then.
  const wsOptions: ServerOptions<typeof SignalingSocket> & { readonly closeTimeout: number } = {
    noServer: true, maxPayload, clientTracking: false, autoPong: false, WebSocket: SignalingSocket, closeTimeout: opts.closeTimeoutMs,
  };
  const wss = new WebSocketServer<typeof SignalingSocket>(wsOptions);
  const serveStatic = opts.staticDir === null ? null : createStaticHandler(opts.staticDir);
  const connectionCount = (): number => clients.size + (peer?.clients.size ?? 0);
  const stats = (): SignalingStats => ({
    lobbies: registry.size,
    connections: clients.size,
    peerConnections: peer?.clients.size ?? 0,
    uptimeS: Math.floor((Date.now() - startedMs) / 1000),
    ...plainCounters(counters),
    ...peerCounters,
    deadDropped,
    turnCredentialsIssued,
    addresses: addresses.size,
    redis: redisStatus(),
    ...(cluster?.counters ?? noRedis),
  });
  const metrics = createServerMetrics({
    traffic: counters.traffic,
    lobbies: () => registry.size,
    connections: () => ({ lobby: clients.size, peerjs: peer?.clients.size ?? 0 }),
    closed: () => ({
      'rate-limited': counters.closedForAbuse, 'slow-reader': counters.closedSlowReaders, 'join-timeout': counters.closedJoinTimeout,
      'no-heartbeat': deadDropped, 'too-many-connections': counters.refusedPerAddress,
      'peerjs-slow-reader': peerCounters.peerClosedSlowReaders, 'peerjs-rate-limited': peerCounters.peerClosedForAbuse,
    }),
    peerRejected: () => ({ 'peerjs-bad-message': peerCounters.peerBadMessages, 'peerjs-dropped': peerCounters.peerDropped }),
    turnCredentialsIssued: () => turnCredentialsIssued,
    // With REDIS_URL, the cluster's own link state; otherwise what the caller says (default 'off').
    redisStatus: cluster ? redisStatus : opts.redisStatus,
  }, opts.metricsToken);

  // The replay API keys uploads (rate limit, uploader identity) on the same client address as every per-address limit.
  const replayClient = (req: IncomingMessage): string => addresses.clientAddress(req);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname === '/healthz') {
      const s = stats();
      // Redis down: 503 and ok false (a load balancer sends new players elsewhere); 'off' without Redis.
      const healthy = s.redis !== 'down';
      const body = JSON.stringify({ ok: healthy, lobbies: s.lobbies, connections: s.connections + s.peerConnections, uptimeS: s.uptimeS, redis: s.redis });
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
    } else if (pathname === '/metrics') {
      metrics.handle(req, res);
    } else if (peer !== null && (pathname === '/peerjs' || pathname.startsWith('/peerjs/'))) {
      peer.handleRequest(req, res);
    } else if (options.replays?.handle(req, res, pathname, replayClient) === true) {
      // `/api/replays*`: answered by the replay API (signaling/replays/api.ts).
    } else if (serveStatic !== null) {
      serveStatic(req, res, pathname).catch((error: unknown) => {
        opts.logger({ event: 'static-error', message: String(error) });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  };
  // Refused WebSockets: closed at once, and cut if their close handshake has not ended within the
  // grace (a client that never answers the close frame would otherwise hold it for ws's 30 s).
  const refused = new Set<WebSocket>();
  const onRefusedClose = function (this: WebSocket): void {
    refused.delete(this);
  };
  const refuse = (ws: WebSocket, code: number, reason: string): void => {
    refused.add(ws);
    ws.on('close', onRefusedClose);
    ws.close(code, reason);
    setTimeout(terminate, REFUSED_GRACE_MS, ws).unref();
  };

  // Every TCP socket counts against its address from the moment it connects, before any byte is
  // read (`maxSocketsPerAddress`): one address cannot hold file descriptors by the thousand.
  // A signaling socket takes this over when it opens (`SignalingSocket.attach`): a second 'close'
  // listener on the TCP socket would cost a listener array per connection.
  const onTcpClose = function (this: Socket): void {
    addresses.closeSocket(this.remoteAddress);
  };
  const onTcpConnection = (socket: Socket): void => {
    if (!addresses.openSocket(socket.remoteAddress)) {
      counters.refusedPerAddress += 1;
      socket.destroy();
      return;
    }
    socket.on('close', onTcpClose);
  };

  // An HTTP request (an upgrade included) must arrive whole within the join timeout: a socket that
  // opens TCP and never sends its upgrade holds nothing for long (checked every second).
  const httpServer = createServer({
    headersTimeout: opts.joinTimeoutMs,
    requestTimeout: opts.joinTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, opts.joinTimeoutMs),
  }, onRequest);
  httpServer.on('connection', onTcpConnection);

  // Heartbeat: a socket still awaiting the pong of the previous ping is dead. PeerJS sockets are
  // tracked here; signaling sockets check their own byte count (`SignalingSocket.heartbeat`).
  const awaitingPong = new WeakSet<WebSocket>();
  // One shared listener (`this` is the socket): no per-connection closure.
  const onPong = function (this: WebSocket): void {
    awaitingPong.delete(this);
  };
  const track = (ws: WebSocket): void => {
    ws.on('pong', onPong);
  };
  if (opts.peerjs) {
    peer = mountPeerServer(httpServer, {
      maxPayload,
      closeTimeoutMs: opts.closeTimeoutMs,
      maxConnections: opts.maxConnections,
      allowedOrigins: opts.allowedOrigins,
      logger: opts.logger,
      maxMessageBytes: opts.maxMessageBytes,
      maxBufferedBytes: opts.maxBufferedBytes,
      messagesPerSecond: opts.messagesPerSecond,
      messageBurst: opts.messageBurst,
      relayBytesPerSecond: opts.relayBytesPerSecond,
      relayBurstBytes: opts.relayBurstBytes,
      peerQueueMessages: opts.peerQueueMessages,
      peerQueueBytes: opts.peerQueueBytes,
      nowMs: Date.now,
      counters: peerCounters,
      lookup: (peerId) => registry.lookupPeer(peerId),
      ...(cluster === null ? {} : {
        forward: (to, src, message) => cluster.forwardPeer(to, src, message),
        takeQueued: (peerId) => cluster.takePeerQueue(peerId),
      }),
      onSocket: (ws) => {
        track(ws);
        // Checked below the cap just before the upgrade; counted now that it is open.
        if (!addresses.openConnection(ws.address)) {
          counters.refusedPerAddress += 1;
          refuse(ws, CloseCode.tooManyConnections, ErrorCode.tooManyConnections);
          return;
        }
        ws.on('close', () => addresses.closeConnection(ws.address));
      },
    });
  }

  if (cluster !== null && peer !== null) {
    const mount = peer;
    cluster.setPeerSink((dst, frame) => mount.deliverRemote(dst, frame));
  }

  const originAllowed = (req: IncomingMessage): boolean =>
    opts.allowedOrigins.length === 0 || opts.allowedOrigins.includes(req.headers.origin ?? '');

  // Long-lived listeners are created outside the 'upgrade' handler's scope: a closure made there
  // would keep the whole request (headers and all) alive for the life of the connection.
  // Connection times count from the server's start: small integers, which V8 keeps in the objects'
  // fields, where epoch milliseconds need a 16-byte number box per field per socket and relay budget.
  const connectionClock = (): number => Date.now() - startedMs;
  const connectionContext: ConnectionContext = { options: opts, registry, counters, nowMs: connectionClock, clients, addresses, onTcpClose };
  const acceptSignaling = (ws: SignalingSocket, req: IncomingMessage): void => {
    const address = addresses.clientAddress(req);
    // Refusals after the upgrade, so that a browser can read the reason. A refused socket is not in
    // `clients` and counts against nothing: it only waits (at most REFUSED_GRACE_MS) for its close.
    const refusal = !originAllowed(req)
      ? ({ code: ErrorCode.originDenied, close: CloseCode.originDenied } as const)
      : connectionCount() >= opts.maxConnections
        ? ({ code: ErrorCode.serverFull, close: CloseCode.serverFull } as const)
        : !addresses.openConnection(address)
          ? ({ code: ErrorCode.tooManyConnections, close: CloseCode.tooManyConnections } as const)
          : null;
    if (refusal !== null) {
      if (refusal.code === ErrorCode.tooManyConnections) counters.refusedPerAddress += 1;
      ws.on('error', ignoreError);
      sendError(ws, counters, refusal);
      refuse(ws, refusal.close, refusal.code);
      return;
    }
    clients.add(ws);
    attachConnection(ws, req.socket, connectionContext, address);
  };

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === SIGNALING_PATH) {
      // ws installs its own error handler (destroy) for the handshake and the connection.
      wss.handleUpgrade(req, socket, head, acceptSignaling);
      return;
    }
    socket.on('error', destroyOnError);
    if (peer !== null && pathname === PEERJS_SOCKET_PATH) {
      if (!originAllowed(req)) return rejectUpgrade(socket, 403, 'Forbidden');
      if (connectionCount() >= opts.maxConnections) return rejectUpgrade(socket, 503, 'Service Unavailable');
      const address = addresses.clientAddress(req);
      if (addresses.held(address).connections >= opts.maxConnectionsPerAddress) {
        counters.refusedPerAddress += 1;
        return rejectUpgrade(socket, 429, 'Too Many Requests');
      }
      peer.handleUpgrade(req, socket, head, address);
    } else {
      rejectUpgrade(socket, 404, 'Not Found');
    }
  });

  await cluster?.ready(2_000);
  await new Promise<void>((resolvePromise, reject) => {
    httpServer.once('error', (error) => {
      wss.close();
      registry.close();
      reject(error);
    });
    httpServer.listen(opts.port, opts.host, () => {
      httpServer.removeAllListeners('error');
      resolvePromise();
    });
  });

  const heartbeat = setInterval(() => {
    for (const sockets of [clients, peer?.clients ?? new Set<WebSocket>()]) {
      for (const ws of sockets) {
        if (ws instanceof SignalingSocket ? !ws.heartbeat() : awaitingPong.has(ws)) {
          deadDropped += 1;
          ws.terminate();
          continue;
        }
        if (!(ws instanceof SignalingSocket)) awaitingPong.add(ws);
        try {
          ws.ping();
        } catch {
          ws.terminate();
        }
      }
    }
  }, opts.heartbeatMs);

  // Lobby sockets holding no lobby past their deadline are closed (4010); refilled buckets are forgotten.
  const sweep = setInterval(() => {
    const now = connectionClock();
    for (const ws of clients) {
      if (ws instanceof SignalingSocket && !ws.expireIfIdle(now)) ws.forgetRefilled(now);
    }
  }, Math.max(50, Math.min(1_000, opts.joinTimeoutMs / 4)));

  httpServer.on('error', (error) => opts.logger({ event: 'http-error', message: error.message }));
  const port = (httpServer.address() as AddressInfo).port;
  const base = `${hostForUrl(opts.host)}:${port}`;
  opts.logger({ event: 'server-listening', url: `http://${base}` });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(heartbeat);
      clearInterval(sweep);
      const stopped = new Promise<void>((done) => httpServer.close(() => done()));
      for (const ws of clients) ws.close(CloseCode.goingAway, 'server shutting down');
      peer?.close(CloseCode.goingAway, 'server shutting down');
      httpServer.closeIdleConnections();
      const settled = (): boolean => connectionCount() === 0;
      const deadline = Date.now() + opts.shutdownGraceMs;
      while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const ws of clients) ws.terminate();
      for (const ws of peer?.clients ?? []) ws.terminate();
      for (const ws of refused) ws.terminate();
      httpServer.closeAllConnections();
      registry.close();
      wss.close();
      await stopped;
      opts.logger({ event: 'server-closed' });
    })();
    return closing;
  };

  return { httpServer, url: `http://${base}`, wsUrl: `ws://${base}${SIGNALING_PATH}`, port, close, stats };
}

/** Alias of `startSignalingServer`. */
export const createSignalingServer = startSignalingServer;
