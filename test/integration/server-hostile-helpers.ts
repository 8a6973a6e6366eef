// Helpers of the hostile-client suites (server-hostile*.test.ts): raw `ws` clients that can misbehave,
// and the check run after every attack: /healthz answers, and an unrelated lobby (from another
// loopback address) can still be created, joined and chatted in.
import { request } from 'node:http';
import { afterEach, expect, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { parseServerMessage } from '../../src/lobby/protocol-schema.ts';
import type { ServerMessage } from '../../src/lobby/protocol.ts';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import type { SignalingServerOptions } from '../../signaling/config.ts';

/** A raw socket with a queue of parsed server messages and its close event. */
export interface Raw {
  readonly ws: WebSocket;
  readonly queue: ServerMessage[];
  take<K extends ServerMessage['kind']>(kind: K, timeoutMs?: number): Promise<Extract<ServerMessage, { kind: K }>>;
  closed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  count(kind: ServerMessage['kind']): number;
  send(message: unknown): void;
}

/** Polls `get` every 5 ms (`vi.waitFor`) until it returns a value (not null, undefined or false), at most `timeoutMs`. */
export function until<T>(get: () => T | null | undefined | false, what: string, timeoutMs = 3000): Promise<T> {
  return vi.waitFor(() => {
    const value = get();
    if (value === null || value === undefined || value === false) throw new Error(`no ${what} within ${timeoutMs} ms`);
    return value;
  }, { timeout: timeoutMs, interval: 5 });
}

/** Opens a lobby socket; rejects if it closes before opening. */
export async function raw(url: string, options: ClientOptions = {}): Promise<Raw> {
  const ws = new WebSocket(url, options);
  const queue: ServerMessage[] = [];
  let close: { code: number; reason: string } | null = null;
  ws.on('message', (data) => {
    const parsed = parseServerMessage(String(data));
    if (parsed.ok) queue.push(parsed.value);
  });
  ws.on('close', (code, reason) => { close = { code, reason: reason.toString() }; });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    queue,
    take: (kind, timeoutMs = 3000) => until(() => {
      const i = queue.findIndex((m) => m.kind === kind);
      return i < 0 ? null : (queue.splice(i, 1)[0] as Extract<ServerMessage, { kind: typeof kind }>);
    }, `${kind} (queued: ${queue.map((m) => m.kind).join(',')})`, timeoutMs),
    closed: (timeoutMs = 3000) => until(() => close, 'close', timeoutMs),
    count: (kind) => queue.filter((m) => m.kind === kind).length,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

/** Opens a socket from another loopback address (Linux routes all of 127/8 to lo). */
export const from = (localAddress: string): ClientOptions => ({ localAddress });

/** Creates a lobby; returns the socket and its `joined`. */
export async function createLobby(url: string, name: string, options: ClientOptions = {}) {
  const r = await raw(url, options);
  r.send({ kind: 'create', name, settings: { capacity: 4 } });
  return { r, joined: await r.take('joined') };
}

/** Joins a lobby by code. */
export async function joinLobby(url: string, code: string, name: string, options: ClientOptions = {}) {
  const r = await raw(url, options);
  r.send({ kind: 'join', code, name });
  return { r, joined: await r.take('joined') };
}

/** GET on the server; resolves with the status and body. */
export function get(server: SignalingServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The server is up and another lobby is unaffected: /healthz answers, and two clients from a fresh
 * loopback address (a new one per call: per-address limits never touch it) create and join a lobby and exchange a chat line.
 */
let nextHonest = 10;
export async function expectHealthy(server: SignalingServer, address = `127.0.1.${nextHonest++}`): Promise<void> {
  const health = await get(server, '/healthz');
  expect(health.status).toBe(200);
  expect(JSON.parse(health.body)).toMatchObject({ ok: true });
  const a = await createLobby(server.wsUrl, 'Honest', from(address));
  const b = await joinLobby(server.wsUrl, a.joined.code, 'Friend', from(address));
  b.r.send({ kind: 'chat', text: 'still here?' });
  expect(await a.r.take('chat')).toMatchObject({ from: b.joined.memberId, text: 'still here?' });
  a.r.ws.close();
  b.r.ws.close();
}

/**
 * The per-file fixture of the hostile suites (call at the top level of a test file): `start` runs a
 * server on a free port (PeerJS off), `track` registers a socket; after each test the tracked sockets
 * are terminated and the server closed.
 */
export function hostileServer(): { start(options?: SignalingServerOptions): Promise<SignalingServer>; track<T extends { r: Raw } | Raw>(x: T): T } {
  let server: SignalingServer | null = null;
  const opened: Raw[] = [];
  afterEach(async () => {
    for (const r of opened.splice(0)) r.ws.terminate();
    await server?.close();
    server = null;
  });
  return {
    start: async (options = {}) => (server = await startSignalingServer({ port: 0, peerjs: false, ...options })),
    track: (x) => {
      opened.push('r' in x ? x.r : x);
      return x;
    },
  };
}
