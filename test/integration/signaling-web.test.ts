// The signaling server's HTTP side on 127.0.0.1: static files of the built client (content types,
// SPA fallback for /lobby/<code>, no path traversal) and the PeerJS mount (only issued ids with
// their secret token connect; relays stay inside a lobby; leaving revokes the id).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer } from '../../signaling/server.ts';
import { serveStatic } from '../e2e/support/static-server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import { parseServerMessage } from '../../src/lobby/protocol-schema.ts';
import type { ServerMessage } from '../../src/lobby/protocol.ts';

/** GET/HEAD with the path sent verbatim (no client-side `..` normalization). */
function get(server: SignalingServer, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; type: string; cache: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', cache: res.headers['cache-control'] ?? '', body,
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('signaling server: static files', () => {
  let server: SignalingServer;
  let base: string;
  const code = 'AbCdEfGhIjKlMnOpQrStUv';
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'pong-static-'));
    const dist = join(base, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>Rollback Pong</title>');
    await writeFile(join(dist, 'assets', 'main-abc123.js'), 'console.log("pong")');
    await writeFile(join(dist, 'assets', 'style.css'), 'body{}');
    await writeFile(join(base, 'secret.txt'), 'TOP SECRET');
    // A sibling whose name starts with the root's: a prefix check without the separator would let it through.
    await mkdir(join(base, 'dist-private'));
    await writeFile(join(base, 'dist-private', 'secret.txt'), 'TOP SECRET');
    server = await startSignalingServer({ port: 0, staticDir: dist, peerjs: false });
  });
  afterAll(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  it('serves files with their content types and cache policy', async () => {
    const index = await get(server, '/');
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache' });
    expect(index.body).toContain('Rollback Pong');
    const js = await get(server, '/assets/main-abc123.js');
    expect(js).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log("pong")' });
    expect(js.cache).toContain('immutable');
    expect((await get(server, '/assets/style.css')).type).toBe('text/css; charset=utf-8');
    const head = await get(server, '/assets/style.css', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect((await get(server, '/', 'POST')).status).toBe(405);
  });

  it('falls back to index.html for lobby links, and 404s missing files with an extension', async () => {
    const link = await get(server, `/lobby/${code}`);
    expect(link.status).toBe(200);
    expect(link.body).toContain('Rollback Pong');
    expect((await get(server, `/lobby/${code}?x=1`)).status).toBe(200);
    expect((await get(server, '/assets/missing.js')).status).toBe(404);
  });

  it('serves a file added after start, and the new contents of a rewritten one (a rebuild needs no restart)', async () => {
    expect((await get(server, '/assets/later-1.js')).status).toBe(404);
    await writeFile(join(base, 'dist', 'assets', 'later-1.js'), 'later');
    expect(await get(server, '/assets/later-1.js')).toMatchObject({ status: 200, body: 'later' });
    await writeFile(join(base, 'dist', 'index.html'), '<!doctype html><title>Rollback Pong, rebuilt with a longer title</title>');
    expect((await get(server, '/lobby/x')).body).toBe('<!doctype html><title>Rollback Pong, rebuilt with a longer title</title>');
    await writeFile(join(base, 'dist', 'index.html'), '<!doctype html><title>Rollback Pong</title>');
  });

  it('answers a byte range, a repeated request by its ETag, and sends the whole file for a malformed range', async () => {
    expect(await get(server, '/assets/main-abc123.js', 'GET', { range: 'bytes=0-6' })).toMatchObject({ status: 206, body: 'console' });
    for (const range of ['bytes=9-3', 'bytes=abc', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', `bytes=${'9'.repeat(40)}-`]) {
      expect(await get(server, '/assets/main-abc123.js', 'GET', { range }), range).toMatchObject({ status: 200, body: 'console.log("pong")' });
    }
    const etag = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: server.port, path: '/assets/style.css' }, (res) => {
        res.resume();
        resolve(String(res.headers.etag ?? ''));
      }).on('error', reject).end();
    });
    expect(etag).not.toBe('');
    expect((await get(server, '/assets/style.css', 'GET', { 'if-none-match': etag })).status).toBe(304);
    // The server still answers after all of these.
    expect((await get(server, '/')).status).toBe(200);
  });

  it("the e2e tests' static server serves the same way (one handler)", async () => {
    const web = await serveStatic(join(base, 'dist'));
    try {
      const port = Number(new URL(web.url).port);
      const at = (path: string) => get({ port } as SignalingServer, path);
      expect(await at(`/lobby/${code}?x=1`)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache' });
      expect((await at('/assets/main-abc123.js')).cache).toContain('immutable');
      expect((await at('/assets/missing.js')).status).toBe(404);
      expect((await at('/%2e%2e/secret.txt')).body).not.toContain('TOP SECRET');
    } finally {
      await web.close();
    }
  });

  it('never serves a file outside the static root, however the path is encoded', async () => {
    const attempts = [
      '/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%00/../secret.txt', '/%E0%A4%A', `/${'..%2f'.repeat(12)}etc/passwd`,
      '/../dist-private/secret.txt', '/%2e%2e/dist-private/secret.txt', '/assets/../../dist-private/secret.txt',
    ];
    for (const path of attempts) {
      const res = await get(server, path);
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toContain('TOP SECRET');
    }
  });
});

/** A raw PeerJS socket (the protocol the `peerjs` client speaks) collecting JSON messages. */
async function peerSocket(server: SignalingServer, id: string, token: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<number> } | { status: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/peerjs/peerjs?key=peerjs&id=${id}&token=${token}`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve) => {
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); ws.terminate(); });
  });
}

/** Joins (or creates, without a code) a lobby over the signaling socket; returns the `joined` message. */
async function member(server: SignalingServer, name: string, code?: string) {
  const ws = new WebSocket(server.wsUrl);
  const inbox: ServerMessage[] = [];
  ws.on('message', (data) => {
    const parsed = parseServerMessage(String(data));
    if (parsed.ok) inbox.push(parsed.value);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify(code === undefined ? { kind: 'create', name } : { kind: 'join', code, name }));
  await vi.waitFor(() => expect(inbox.some((m) => m.kind === 'joined'), 'joined').toBe(true), { timeout: 3000, interval: 5 });
  const joined = inbox.find((m) => m.kind === 'joined');
  if (joined?.kind !== 'joined' || joined.peer === null) throw new Error('no PeerJS credentials');
  return { ws, joined, peer: joined.peer };
}

describe('signaling server: PeerJS mount', () => {
  let server: SignalingServer;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the PeerJS REST root and refuses ids it did not issue, even ones it generated', async () => {
    expect((await get(server, '/peerjs')).body).toContain('PeerJS');
    const generated = (await get(server, '/peerjs/peerjs/id')).body;
    expect(generated.length).toBeGreaterThan(8);
    expect(await peerSocket(server, generated, 'whatever')).toEqual({ status: 403 });
    expect(await peerSocket(server, 'made-up-id', 'token')).toEqual({ status: 403 });
  });

  it('accepts an issued id only with its own secret token', async () => {
    const a = await member(server, 'Alice');
    const b = await member(server, 'Bob', a.joined.code);
    expect(await peerSocket(server, a.peer.id, b.peer.token)).toEqual({ status: 403 }); // a lobby-mate cannot squat
    const ok = await peerSocket(server, a.peer.id, a.peer.token);
    if (!('ws' in ok)) throw new Error(`refused: ${ok.status}`);
    await vi.waitFor(() => expect(ok.messages.length > 0, 'OPEN').toBe(true), { timeout: 3000, interval: 5 });
    expect(ok.messages[0]).toEqual({ type: 'OPEN' });
    ok.ws.close();
    a.ws.close();
    b.ws.close();
  });

  it('relays PeerJS messages only within a lobby, closes a socket sending garbage (4002), and revokes the id on leave', async () => {
    const a = await member(server, 'Alice');
    const b = await member(server, 'Bob', a.joined.code);
    const c = await member(server, 'Carol');
    const d = await member(server, 'Dave', c.joined.code);
    const sockets = await Promise.all([a, b, c, d].map((m) => peerSocket(server, m.peer.id, m.peer.token)));
    const [pa, pb, pc, pd] = sockets.map((s) => {
      if (!('ws' in s)) throw new Error('refused');
      return s;
    });
    if (pa === undefined || pb === undefined || pc === undefined || pd === undefined) throw new Error('missing socket');
    await vi.waitFor(() => expect([pa, pb, pc, pd].every((s) => s.messages.length === 1), 'OPEN on all').toBe(true), { timeout: 3000, interval: 5 });
    const offer = (dst: string) => JSON.stringify({ type: 'OFFER', dst, payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data' } });
    pa.ws.send(offer(c.peer.id)); // another lobby: dropped
    pa.ws.send(offer(b.peer.id)); // same lobby: relayed with the server-set src
    await vi.waitFor(() => expect(pb.messages.length === 2, 'relayed OFFER').toBe(true), { timeout: 3000, interval: 5 });
    expect(pb.messages[1]).toMatchObject({ type: 'OFFER', src: a.peer.id, dst: b.peer.id });
    pd.ws.send(offer(c.peer.id));
    await vi.waitFor(() => expect(pc.messages.length >= 2, 'OFFER from lobby-mate').toBe(true), { timeout: 3000, interval: 5 });
    expect(pc.messages.slice(1).map((m) => m['src'])).toEqual([d.peer.id]);
    pc.ws.send('{ not json'); // refused before the peer package sees it: that socket is closed, 4002
    expect(await pc.closed).toBe(4002);
    b.ws.send(JSON.stringify({ kind: 'leave' }));
    expect(await pb.closed).toBe(1000); // closed by the server: the id is revoked
    expect(await peerSocket(server, b.peer.id, b.peer.token)).toEqual({ status: 403 });
    for (const s of [pa, pc, pd]) s.ws.close();
    for (const m of [a, b, c, d]) m.ws.close();
  });
});
