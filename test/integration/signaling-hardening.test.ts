// Hostile and operational paths against a real signaling server on 127.0.0.1: malformed, unknown and
// oversize messages, floods (other lobbies keep working), heartbeat drops, origin and connection
// limits, /healthz, graceful close(). Raw `ws` sockets where the typed client cannot misbehave enough.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import { parseServerMessage } from '../../src/lobby/protocol-schema.ts';
import type { ServerMessage } from '../../src/lobby/protocol.ts';

/** A raw socket with a queue of parsed server messages and its close event. */
interface Raw {
  readonly ws: WebSocket;
  take<K extends ServerMessage['kind']>(kind: K, timeoutMs?: number): Promise<Extract<ServerMessage, { kind: K }>>;
  closed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  count(kind: ServerMessage['kind']): number;
}

async function raw(url: string, options: ClientOptions = {}): Promise<Raw> {
  const ws = new WebSocket(url, options);
  const queue: ServerMessage[] = [];
  let close: { code: number; reason: string } | null = null;
  let wake: (() => void) | null = null;
  ws.on('message', (data) => {
    const parsed = parseServerMessage(String(data));
    if (!parsed.ok) throw new Error(`server sent an invalid message: ${parsed.error}`);
    queue.push(parsed.value);
    wake?.();
  });
  ws.on('close', (code, reason) => { close = { code, reason: reason.toString() }; wake?.(); });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('close', () => reject(new Error('closed before open'))); });
  const until = async <T>(get: () => T | null, what: string, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = get();
      if (value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms (queued: ${queue.map((m) => m.kind).join(',')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  };
  return {
    ws,
    take: (kind, timeoutMs = 3000) => until(() => {
      const i = queue.findIndex((m) => m.kind === kind);
      return i < 0 ? null : (queue.splice(i, 1)[0] as Extract<ServerMessage, { kind: typeof kind }>);
    }, kind, timeoutMs),
    closed: (timeoutMs = 3000) => until(() => close, 'close', timeoutMs),
    count: (kind) => queue.filter((m) => m.kind === kind).length,
  };
}

const send = (r: Raw, message: unknown): void => r.ws.send(JSON.stringify(message));

async function lobbyOf(url: string, name: string) {
  const r = await raw(url);
  send(r, { kind: 'create', name });
  return { r, joined: await r.take('joined') };
}

describe('signaling server: hostile input', () => {
  let server: SignalingServer;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, peerjs: false });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers malformed JSON, non-objects, missing or unknown kinds and binary frames with bad-message', async () => {
    const r = await raw(server.wsUrl);
    for (const text of ['{not json', '[]', '"hello"', '42', 'null', '{}', '{"kind":7}', '{"kind":"explode"}', '{"kind":"join","code":5,"name":"x"}']) {
      r.ws.send(text);
      const error = await r.take('error');
      expect(error.code, text).toBe('bad-message');
    }
    r.ws.send(Buffer.from('{"kind":"ping","nonce":1}'), { binary: true });
    expect((await r.take('error')).code).toBe('bad-message');
    send(r, { kind: 'ping', nonce: 7 });
    expect((await r.take('pong')).nonce).toBe(7); // still connected and served
    r.ws.close();
  });

  it('refuses a message over 16 KiB with too-large and closes a frame over 64 KiB with 1009; others unaffected', async () => {
    const { r: a, joined } = await lobbyOf(server.wsUrl, 'Alice');
    const b = await raw(server.wsUrl);
    send(b, { kind: 'join', code: joined.code, name: 'Bob' });
    const bJoined = await b.take('joined');
    send(a, { kind: 'signal', to: bJoined.memberId, data: { sdp: 'x'.repeat(17 * 1024) } });
    expect((await a.take('error')).code).toBe('too-large');
    send(a, { kind: 'signal', to: bJoined.memberId, data: { sdp: 'x'.repeat(15 * 1024) } });
    expect((await b.take('signal')).from).toBe(joined.memberId);
    a.ws.send('x'.repeat(65 * 1024 + 1));
    expect((await a.closed()).code).toBe(1009);
    expect((await b.take('member-left')).reason).toBe('disconnected');
    send(b, { kind: 'ping', nonce: 3 });
    expect((await b.take('pong')).nonce).toBe(3);
    b.ws.close();
  });

  it('survives invalid UTF-8 and protocol garbage on one socket', async () => {
    const r = await raw(server.wsUrl);
    r.ws.send(Buffer.from([0xc3, 0x28, 0xff]), { binary: false }); // invalid UTF-8 in a text frame
    expect((await r.closed()).code).toBe(1007);
    const s = await raw(server.wsUrl);
    send(s, { kind: 'ping', nonce: 9 });
    expect((await s.take('pong')).nonce).toBe(9);
    s.ws.close();
  });

  it('rate-limits a flood, then closes that connection (4008) while another lobby keeps working', async () => {
    const { r: flooder } = await lobbyOf(server.wsUrl, 'Flood');
    const { r: a, joined } = await lobbyOf(server.wsUrl, 'Alice');
    const b = await raw(server.wsUrl);
    send(b, { kind: 'join', code: joined.code, name: 'Bob' });
    await b.take('joined');
    const flood = JSON.stringify({ kind: 'chat', text: 'spam' });
    const started = performance.now();
    for (let i = 0; i < 1000 && flooder.ws.readyState === WebSocket.OPEN; i++) flooder.ws.send(flood);
    expect((await flooder.take('error')).code).toBe('rate-limited');
    expect(await flooder.closed()).toEqual({ code: 4008, reason: 'rate-limited' });
    const floodSeconds = (performance.now() - started) / 1000;
    // One rate-limited error per run of drops, not one per dropped message: a further error only after
    // a message got through again (a token refilled mid-flood on a slow machine starts a new run).
    expect(flooder.count('error')).toBeLessThanOrEqual(Math.max(0, flooder.count('chat') - 99));
    // The burst (100, one spent on create) plus what refilled at 50/s while the flood lasted (measured, so
    // a slow, loaded machine does not make the bound flaky), then nothing: far fewer than the 1000 sent.
    expect(flooder.count('chat')).toBeGreaterThanOrEqual(99);
    expect(flooder.count('chat')).toBeLessThanOrEqual(99 + Math.ceil(50 * floodSeconds) + 1);
    expect(flooder.count('chat')).toBeLessThan(500);
    send(a, { kind: 'chat', text: 'still here' });
    expect((await b.take('chat')).text).toBe('still here');
    expect(server.stats().closedForAbuse).toBeGreaterThanOrEqual(1);
    a.ws.close();
    b.ws.close();
  });
});

describe('signaling server: operations', () => {
  it('drops a connection that stops answering pings, and tells its lobby', async () => {
    const server = await startSignalingServer({ port: 0, heartbeatMs: 50, peerjs: false });
    const { r: alive, joined } = await lobbyOf(server.wsUrl, 'Alive');
    const dead = await raw(server.wsUrl, { autoPong: false });
    send(dead, { kind: 'join', code: joined.code, name: 'Dead' });
    await dead.take('joined');
    const started = Date.now();
    expect((await alive.take('member-left', 2000)).reason).toBe('disconnected');
    expect(Date.now() - started).toBeLessThan(1000); // two heartbeats, with slack for a busy machine
    expect(server.stats().deadDropped).toBe(1);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    await server.close();
  });

  it('answers a client ping frame with its payload; a client that pings without reading is closed (4009), not buffered without bound', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false, maxBufferedBytes: 64 * 1024 });
    const r = await raw(server.wsUrl);
    const echoed = new Promise<Buffer>((resolve) => r.ws.once('pong', resolve));
    r.ws.ping(Buffer.from('probe'));
    expect((await echoed).toString()).toBe('probe');
    const flooder = await raw(server.wsUrl);
    const tcp = (flooder.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause(); // its pongs fill the kernel buffers, then the server's
    const payload = Buffer.alloc(125, 0x61);
    for (let i = 0; i < 200_000 && server.stats().closedSlowReaders === 0; i++) {
      flooder.ws.ping(payload);
      if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(server.stats().closedSlowReaders).toBe(1);
    tcp.resume();
    expect((await flooder.closed(10_000)).code).toBe(4009);
    send(r, { kind: 'ping', nonce: 5 }); // the other socket is served all along
    expect((await r.take('pong')).nonce).toBe(5);
    await server.close();
  }, 30_000);

  it('serves /healthz as JSON', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false });
    const { r } = await lobbyOf(server.wsUrl, 'Alice');
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, lobbies: 1, connections: 1 });
    expect(typeof body['uptimeS']).toBe('number');
    r.ws.close();
    await server.close();
  });

  it('denies origins outside ALLOWED_ORIGINS with origin-denied and 4003', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false, allowedOrigins: ['https://pong.example'] });
    const bad = await raw(server.wsUrl, { origin: 'https://evil.example' });
    expect((await bad.take('error')).code).toBe('origin-denied');
    expect((await bad.closed()).code).toBe(4003);
    const none = await raw(server.wsUrl);
    expect((await none.closed()).code).toBe(4003);
    const good = await raw(server.wsUrl, { origin: 'https://pong.example' });
    send(good, { kind: 'ping', nonce: 1 });
    expect((await good.take('pong')).nonce).toBe(1);
    good.ws.close();
    await server.close();
  });

  it('refuses connections above maxConnections (server-full, 4013) and lobbies above maxLobbies', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false, maxConnections: 2, maxLobbies: 1 });
    const { r: a } = await lobbyOf(server.wsUrl, 'Alice');
    const b = await raw(server.wsUrl);
    send(b, { kind: 'create', name: 'Bob' });
    expect((await b.take('error')).code).toBe('server-full');
    const c = await raw(server.wsUrl);
    expect((await c.take('error')).code).toBe('server-full');
    expect((await c.closed()).code).toBe(4013);
    a.ws.close();
    b.ws.close();
    await server.close();
  });

  it('close() sends 1001 to every socket, stops listening and resolves', async () => {
    const server = await startSignalingServer({ port: 0 });
    const { r: a } = await lobbyOf(server.wsUrl, 'Alice');
    const b = await raw(server.wsUrl);
    await server.close();
    expect((await a.closed()).code).toBe(1001);
    expect((await b.closed()).code).toBe(1001);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await server.close(); // idempotent
  });

  it('rejects upgrades on other paths', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/elsewhere`);
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('error', () => {});
    });
    expect(status).toBe(404);
    await server.close();
  });
});
