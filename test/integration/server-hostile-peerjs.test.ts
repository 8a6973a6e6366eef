// Hostile clients on the PeerJS socket of a real signaling server on 127.0.0.1: objects where strings
// are expected (this killed the process from a timer of the `peer` package), deep nesting, huge
// frames, EXPIRE forged by a client, messages queued for a peer that never connects, a PeerJS
// reader that stops reading, floods, and the per-address cap on PeerJS upgrades. After each: the
// server is up and another lobby works. Every loop is bounded in count and time.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import type { SignalingServerOptions } from '../../signaling/config.ts';
import { createLobby, expectHealthy, joinLobby, raw, until } from './server-hostile-helpers.ts';
import type { Raw } from './server-hostile-helpers.ts';

interface PeerClient {
  readonly ws: WebSocket;
  readonly messages: Record<string, unknown>[];
  readonly closed: Promise<number>;
  send(message: unknown): void;
}

let server: SignalingServer | null = null;
const opened: (Raw | PeerClient)[] = [];
async function start(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  server = await startSignalingServer({ port: 0, ...options });
  return server;
}
afterEach(async () => {
  for (const x of opened.splice(0)) x.ws.terminate();
  await server?.close();
  server = null;
});

/** Opens a PeerJS socket for a member's credentials; resolves with the HTTP status on refusal. */
async function peerSocket(s: SignalingServer, credentials: { id: string; token: string }, options: ClientOptions = {}): Promise<PeerClient | { status: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/peerjs/peerjs?key=peerjs&id=${credentials.id}&token=${credentials.token}`, options);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve) => {
    ws.on('open', () => {
      const client = { ws, messages, closed, send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)) };
      opened.push(client);
      resolve(client);
    });
    ws.on('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); ws.terminate(); });
  });
}

async function open(s: SignalingServer, credentials: { id: string; token: string }): Promise<PeerClient> {
  const client = await peerSocket(s, credentials);
  if (!('ws' in client)) throw new Error(`PeerJS socket refused: ${client.status}`);
  await until(() => client.messages.some((m) => m['type'] === 'OPEN'), 'OPEN');
  return client;
}

/** Two members of one lobby, each with PeerJS credentials. */
async function pair(s: SignalingServer) {
  const a = await createLobby(s.wsUrl, 'Alice');
  const b = await joinLobby(s.wsUrl, a.joined.code, 'Bob');
  opened.push(a.r, b.r);
  const peerA = a.joined.peer;
  const peerB = b.joined.peer;
  if (peerA === null || peerB === null) throw new Error('no PeerJS credentials');
  return { a, b, peerA, peerB };
}

const offer = (dst: string, sdp = 'v=0') => ({ type: 'OFFER', dst, payload: { sdp: { type: 'offer', sdp }, type: 'data', connectionId: 'dc_1' } });

describe('hostile PeerJS clients', () => {
  it('refuses objects where strings are expected before the peer package sees them (4002), and survives its timers', async () => {
    const s = await start();
    const { peerA, peerB } = await pair(s);
    const b = await open(s, peerB);
    const bad = [
      { type: 'OFFER', dst: { toString: 1 }, payload: {} }, // the original crash: `${dst}` in a prune timer
      { type: { toString: 1 }, dst: peerB.id },
      { type: 'CANDIDATE', dst: peerB.id, payload: { candidate: { candidate: { toString: 1 } } } },
      { type: 'OFFER', dst: [peerB.id], payload: {} },
      { type: 'OFFER', dst: peerB.id, payload: { sdp: { type: 'offer', sdp: { valueOf: 1 } } } },
      { type: 'EXPIRE', dst: peerB.id }, // the server's own message type
      { type: 'OFFER', dst: peerB.id, payload: [] },
    ];
    for (const message of bad) {
      const a = await open(s, peerA);
      a.send(message);
      expect(await a.closed, JSON.stringify(message)).toBe(4002);
    }
    expect(s.stats().peerBadMessages).toBe(bad.length);
    expect(b.messages.filter((m) => m['type'] !== 'OPEN')).toEqual([]);
    // The `peer` package expires queued messages 5 s after queueing (checked every second): a bad
    // `dst` queued there used to throw from that timer and take the process down.
    await new Promise((resolve) => setTimeout(resolve, 6500));
    await expectHealthy(s);
  }, 20_000);

  it('closes a socket sending deeply nested, oversize or binary frames (4002 / 1009)', async () => {
    const s = await start();
    const { peerA, peerB } = await pair(s);
    await open(s, peerB);
    const cases: [string | Buffer, number][] = [
      [`{"type":"OFFER","dst":"${peerB.id}","payload":{"metadata":${'['.repeat(7000)}${']'.repeat(7000)}}}`, 4002],
      [JSON.stringify(offer(peerB.id, 'x'.repeat(20_000))), 1009],
      ['x'.repeat(100_000), 1009],
      [Buffer.from([1, 2, 3]), 4002],
      ['{not json', 4002],
    ];
    for (const [frame, code] of cases) {
      const a = await open(s, peerA);
      a.ws.send(frame);
      expect(await a.closed).toBe(code);
    }
    await expectHealthy(s);
  });

  it('relays honest messages with the server-set src, and never across lobbies', async () => {
    const s = await start();
    const { peerA, peerB } = await pair(s);
    const other = await pair(s);
    const [a, b, c] = [await open(s, peerA), await open(s, peerB), await open(s, other.peerA)];
    a.send({ ...offer(peerB.id), src: other.peerA.id }); // a forged src is replaced
    await until(() => b.messages.length === 2, 'relayed OFFER');
    expect(b.messages[1]).toMatchObject({ type: 'OFFER', src: peerA.id, dst: peerB.id, payload: { sdp: { type: 'offer', sdp: 'v=0' } } });
    a.send(offer(other.peerA.id)); // another lobby: dropped, counted
    a.send(offer(peerA.id)); // itself: dropped
    a.send({ type: 'HEARTBEAT' });
    await until(() => s.stats().peerDropped === 2, 'dropped relays');
    expect(c.messages.length).toBe(1);
    await expectHealthy(s);
  });

  it('gives watchers PeerJS ids: a watcher reaches a player, never another watcher; its id is revoked when it leaves', async () => {
    const s = await start();
    const { a, peerA } = await pair(s);
    const watch = async (name: string) => {
      const r = await raw(s.wsUrl);
      opened.push(r);
      r.send({ kind: 'join', code: a.joined.code, name, watch: true });
      const joined = await r.take('joined');
      if (joined.peer === null) throw new Error('no PeerJS credentials for a watcher');
      return { r, peer: joined.peer };
    };
    const w1 = await watch('W1');
    const w2 = await watch('W2');
    const [pa, p1, p2] = [await open(s, peerA), await open(s, w1.peer), await open(s, w2.peer)];
    p1.send(offer(peerA.id));
    await until(() => pa.messages.some((m) => m['type'] === 'OFFER' && m['src'] === w1.peer.id), 'watcher to player');
    p1.send(offer(w2.peer.id)); // watcher to watcher: dropped, counted
    await until(() => s.stats().peerDropped === 1, 'dropped watcher relay');
    expect(p2.messages.filter((m) => m['type'] === 'OFFER')).toEqual([]);
    w1.r.send({ kind: 'leave' });
    expect(await p1.closed).toBe(1000);
    await expectHealthy(s);
  });

  it('bounds the messages queued for a member that never connects its PeerJS socket', async () => {
    const s = await start({ messagesPerSecond: 10_000, messageBurst: 10_000, peerQueueMessages: 32, peerQueueBytes: 64 * 1024 });
    const { peerA, peerB } = await pair(s);
    const a = await open(s, peerA);
    const sdp = 'v=0 '.repeat(250); // ~1 KB each
    for (let i = 0; i < 500; i++) a.send(offer(peerB.id, `${sdp}${i}`));
    a.send({ type: 'HEARTBEAT' });
    await until(() => s.stats().peerDropped === 500 - 32, 'queue bound', 5000);
    const b = await open(s, peerB); // the peer package flushes its queue to B now
    await until(() => b.messages.length >= 33, 'queued OFFERs delivered');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(b.messages.filter((m) => m['type'] === 'OFFER')).toHaveLength(32);
    await expectHealthy(s);
  });

  it('bounds the queue in bytes too', async () => {
    const s = await start({ messagesPerSecond: 10_000, messageBurst: 10_000, peerQueueMessages: 1000, peerQueueBytes: 32 * 1024 });
    const { peerA, peerB } = await pair(s);
    const a = await open(s, peerA);
    const message = offer(peerB.id, 'x'.repeat(8000));
    const fit = Math.floor((32 * 1024) / Buffer.byteLength(JSON.stringify(message))); // same keys re-encoded: same size
    expect(fit).toBe(4);
    for (let i = 0; i < 40; i++) a.send(message);
    a.send({ type: 'HEARTBEAT' });
    await until(() => s.stats().peerDropped === 40 - fit, 'byte bound', 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.stats().peerDropped).toBe(40 - fit);
    await expectHealthy(s);
  });

  it('a member cannot get a PeerJS reader closed: relays past the watermark are dropped and counted, it stays connected', async () => {
    const s = await start({ messagesPerSecond: 100_000, messageBurst: 100_000, maxBufferedBytes: 256 * 1024, relayBurstBytes: 1024 * 1024 * 1024 });
    const { a: lobbyA, peerA, peerB } = await pair(s);
    const c = await joinLobby(s.wsUrl, lobbyA.joined.code, 'Carol');
    opened.push(c.r);
    const peerC = c.joined.peer;
    if (peerC === null) throw new Error('no PeerJS credentials');
    const a = await open(s, peerA);
    const b = await open(s, peerB);
    const carol = await open(s, peerC);
    const tcp = (b.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const frame = JSON.stringify(offer(peerB.id, 'x'.repeat(15_000)));
    let sent = 0;
    for (; sent < 3000 && s.stats().peerDropped < 50; sent++) {
      a.ws.send(frame);
      if (sent % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => s.stats().peerDropped >= 50, 'relays dropped at the watermark', 10_000);
    expect(s.stats().peerClosedSlowReaders).toBe(0);
    tcp.resume();
    carol.send(offer(peerB.id, 'from carol'));
    await until(() => b.messages.some((m) => m['src'] === peerC.id), 'Carol reaches B after it reads again', 10_000);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.messages.filter((m) => m['src'] === peerA.id).length).toBe(sent - s.stats().peerDropped);
    expect(s.stats().peerClosedSlowReaders).toBe(0);
    await expectHealthy(s);
  }, 30_000);

  it('bounds the relay bytes one PeerJS peer pushes at another (counted in bytes), dropped and counted', async () => {
    const s = await start({ relayBytesPerSecond: 1024, relayBurstBytes: 64 * 1024 });
    const { peerA, peerB } = await pair(s);
    const a = await open(s, peerA);
    const b = await open(s, peerB);
    const message = offer(peerB.id, '\u20ac'.repeat(4000)); // 12,000 bytes of UTF-8 in 4,000 UTF-16 units
    const fit = Math.floor((64 * 1024) / Buffer.byteLength(JSON.stringify(message)));
    expect(fit).toBe(5);
    for (let i = 0; i < 20; i++) a.send(message);
    await until(() => s.stats().peerDropped === 20 - fit, 'relay budget', 5000);
    await until(() => b.messages.filter((m) => m['type'] === 'OFFER').length === fit, 'relayed OFFERs');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(b.messages.filter((m) => m['type'] === 'OFFER')).toHaveLength(fit);
    expect(s.stats().peerDropped).toBe(20 - fit);
    await expectHealthy(s);
  });

  it('closes a flooding PeerJS socket (4008)', async () => {
    const s = await start({ messagesPerSecond: 10, messageBurst: 20 });
    const { peerA } = await pair(s);
    const a = await open(s, peerA);
    for (let i = 0; i < 40; i++) a.send({ type: 'HEARTBEAT' });
    expect(await a.closed).toBe(4008);
    await expectHealthy(s);
  });

  it('counts PeerJS sockets against the per-address cap (HTTP 429 past it)', async () => {
    const s = await start({ maxConnectionsPerAddress: 3 });
    const { peerA, peerB } = await pair(s); // 2 lobby sockets
    await open(s, peerA); // the 3rd connection of 127.0.0.1
    expect(await peerSocket(s, peerB)).toEqual({ status: 429 });
    expect(s.stats().refusedPerAddress).toBe(1);
    await expectHealthy(s);
  });

  it('a member away keeps its PeerJS id: refused while away, given back (same id and token) on resume', async () => {
    const s = await start();
    const { a, b, peerB } = await pair(s);
    await open(s, peerB);
    b.r.ws.terminate(); // the page's network dies: no goodbye, the seat is held
    await a.r.take('member-left');
    expect(await peerSocket(s, peerB)).toEqual({ status: 403 }); // revoked while away: nobody can use it
    const back = await raw(s.wsUrl);
    opened.push(back);
    back.send({ kind: 'join', code: a.joined.code, name: 'Bob', rejoin: b.joined.rejoinToken });
    const joined = await back.take('joined');
    expect(joined.memberId).toBe(b.joined.memberId);
    expect(joined.peer).toEqual(peerB);
    expect((await a.r.take('member-joined')).member.peerId).toBe(peerB.id);
    await open(s, peerB); // the page's Peer registers again under its id
  });
});
