// `GET /metrics` of a real signaling server on 127.0.0.1 (Prometheus text format, parsed here), after
// real traffic from raw `ws` clients: connections, lobbies, messages in and out by kind, rejections by
// reason (hostile frames included), TURN credentials issued (and their form in `joined`), Redis status,
// the optional bearer token; hostile requests to /metrics itself.
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer, type SignalingServer } from '../../signaling/index.ts';
import type { SignalingServerOptions } from '../../signaling/config.ts';
import { outKind } from '../../signaling/metrics.ts';
import { encodeMessage } from '../../src/lobby/protocol-schema.ts';
import type { ServerMessage } from '../../src/lobby/protocol.ts';

/** One sample line of the text format: `name{a="x",b="y"} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text exposition format (comments skipped; label values unescaped). */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1] ?? '', type[2] ?? '');
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, '$1');
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value ?? Number.NaN;
}

async function scrape(server: SignalingServer, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text()).samples;
}

/** A raw lobby socket that records every message it receives. */
interface Raw {
  readonly ws: WebSocket;
  readonly got: ServerMessage[];
  next(kind: ServerMessage['kind']): Promise<ServerMessage>;
}

async function raw(server: SignalingServer): Promise<Raw> {
  const ws = new WebSocket(server.wsUrl);
  const got: ServerMessage[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (data) => {
    got.push(JSON.parse(String(data)) as ServerMessage);
    wake?.();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const taken = new Set<number>();
  const next = async (kind: ServerMessage['kind']): Promise<ServerMessage> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      const i = got.findIndex((m, j) => !taken.has(j) && m.kind === kind);
      if (i >= 0) {
        taken.add(i);
        return got[i] as ServerMessage;
      }
      if (Date.now() > deadline) throw new Error(`no ${kind}; got ${got.map((m) => m.kind).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  };
  return { ws, got, next };
}

const servers: SignalingServer[] = [];
const sockets: WebSocket[] = [];
async function server(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const s = await startSignalingServer(options);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
});

describe('/metrics', () => {
  it('hostile requests: other methods get 405, a wrong or missing token 401, and the server stays up', async () => {
    const s = await server({ metricsToken: 'metrics-token-0123456789abcdef' });
    expect((await fetch(`${s.url}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789abcdeX' } })).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789abcdef-and-more' } })).status).toBe(401);
    expect((await fetch(`${s.url}/metrics?x=${'%'.repeat(3000)}`)).status).toBe(401);
    const ok = await scrape(s, { authorization: 'Bearer metrics-token-0123456789abcdef' });
    expect(value(ok, 'rollback_pong_lobbies')).toBe(0);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('counts connections, lobbies, messages by kind, rejections by reason and TURN credentials after real traffic', async () => {
    const s = await server({ turn: { secret: 'metrics-test-secret-0123456789', urls: ['turn:127.0.0.1:3478'], ttlS: 900 }, redisStatus: () => 'down' });
    const base = await scrape(s);
    expect(value(base, 'rollback_pong_connections', { transport: 'lobby' })).toBe(0);
    expect(value(base, 'rollback_pong_turn_credentials_issued_total')).toBe(0);
    expect(value(base, 'rollback_pong_messages_in_total', { kind: 'create' })).toBe(0);
    expect(value(base, 'rollback_pong_redis_enabled')).toBe(1);
    expect(value(base, 'rollback_pong_redis_up')).toBe(0);

    const a = await raw(s);
    const b = await raw(s);
    sockets.push(a.ws, b.ws);
    const t0 = Math.floor(Date.now() / 1000);
    a.ws.send(encodeMessage({ kind: 'create', name: 'Alice' }));
    const joinedA = await a.next('joined');
    if (joinedA.kind !== 'joined') throw new Error('joined');
    b.ws.send(encodeMessage({ kind: 'join', code: joinedA.code, name: 'Bob' }));
    const joinedB = await b.next('joined');
    if (joinedB.kind !== 'joined') throw new Error('joined');
    // Each member's own credential: "<expiry>:<member id>", expiry = admit time + TURN_TTL_S.
    for (const j of [joinedA, joinedB]) {
      const turn = j.iceServers[j.iceServers.length - 1];
      expect(turn?.urls).toBe('turn:127.0.0.1:3478');
      const [expiry, id] = (turn?.username ?? '').split(':');
      expect(id).toBe(j.memberId);
      expect(Number(expiry) - t0).toBeGreaterThanOrEqual(900);
      expect(Number(expiry) - t0).toBeLessThanOrEqual(902);
      expect(turn?.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    }
    a.ws.send(encodeMessage({ kind: 'signal', to: joinedB.memberId, data: { type: 'offer', sdp: 'v=0' } }));
    a.ws.send(encodeMessage({ kind: 'signal', to: joinedB.memberId, data: { type: 'candidate', candidate: {} } }));
    b.ws.send(encodeMessage({ kind: 'chat', text: 'hi' }));
    a.ws.send(encodeMessage({ kind: 'ping', nonce: 1 }));
    // Hostile frames: malformed JSON, an unknown kind, binary, oversize, a signal to nobody.
    a.ws.send('{not json');
    a.ws.send(JSON.stringify({ kind: 'explode' }));
    a.ws.send(Buffer.from([1, 2, 3]));
    a.ws.send('x'.repeat(20 * 1024));
    a.ws.send(encodeMessage({ kind: 'signal', to: 'nobody00', data: {} }));
    b.ws.send(encodeMessage({ kind: 'start-notice' })); // not the host
    a.ws.send(encodeMessage({ kind: 'ping', nonce: 2 }));
    await b.next('signal');
    await b.next('signal');
    await a.next('chat');
    await a.next('pong');
    await a.next('pong');

    const m = await scrape(s);
    const inKind = (kind: string): number => value(m, 'rollback_pong_messages_in_total', { kind });
    const outKindValue = (kind: string): number => value(m, 'rollback_pong_messages_out_total', { kind });
    const rejected = (reason: string): number => value(m, 'rollback_pong_messages_rejected_total', { reason });
    expect(value(m, 'rollback_pong_connections', { transport: 'lobby' })).toBe(2);
    expect(value(m, 'rollback_pong_lobbies')).toBe(1);
    expect([inKind('create'), inKind('join'), inKind('signal'), inKind('chat'), inKind('ping'), inKind('start-notice'), inKind('report')]).toEqual([1, 1, 3, 1, 2, 1, 0]);
    expect(inKind('unparsed')).toBe(4);
    expect(outKindValue('joined')).toBe(2);
    expect(outKindValue('member-joined')).toBe(1);
    expect(outKindValue('signal')).toBe(2);
    expect(outKindValue('chat')).toBe(2); // echo to the sender + relay
    expect(outKindValue('pong')).toBe(2);
    expect(outKindValue('error')).toBe(6);
    expect(outKindValue('other')).toBe(0);
    expect([rejected('bad-message'), rejected('too-large'), rejected('not-member'), rejected('not-host'), rejected('rate-limited')]).toEqual([3, 1, 1, 1, 0]);
    expect(value(m, 'rollback_pong_turn_credentials_issued_total')).toBe(2);
    expect(s.stats().turnCredentialsIssued).toBe(2);

    // A flood past the rate limit: every dropped frame counted, one error for the run.
    for (let i = 0; i < 150; i++) a.ws.send(encodeMessage({ kind: 'ping', nonce: 100 + i }));
    await a.next('error');
    await new Promise((r) => setTimeout(r, 100));
    const flood = await scrape(s);
    const dropped = value(flood, 'rollback_pong_messages_rejected_total', { reason: 'rate-limited' });
    expect(dropped).toBeGreaterThan(0);
    expect(value(flood, 'rollback_pong_messages_in_total', { kind: 'ping' }) - 2 + dropped).toBe(150);
    a.ws.close();
    b.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape(s);
    expect(value(after, 'rollback_pong_connections', { transport: 'lobby' })).toBe(0);
  });

  it('reports the Redis status it is given, off by default', async () => {
    const off = await scrape(await server());
    expect([value(off, 'rollback_pong_redis_enabled'), value(off, 'rollback_pong_redis_up')]).toEqual([0, 0]);
    let status: 'up' | 'down' = 'up';
    const s = await server({ redisStatus: () => status });
    expect(value(await scrape(s), 'rollback_pong_redis_up')).toBe(1);
    status = 'down';
    expect(value(await scrape(s), 'rollback_pong_redis_up')).toBe(0);
  });

  it('every server message kind is recognised from its encoded text (kind is written first)', () => {
    const samples: ServerMessage[] = [
      { kind: 'member-joined', member: { id: 'a', name: 'A', ready: false, peerId: '' } },
      { kind: 'member-left', memberId: 'a', reason: 'left' },
      { kind: 'member-updated', member: { id: 'a', name: 'A', ready: true, peerId: '' } },
      { kind: 'host-changed', hostId: 'a' },
      { kind: 'signal', from: 'a', data: { kind: 'joined' } },
      { kind: 'chat', from: 'a', text: '{"kind":"pong"' },
      { kind: 'error', code: 'bad-message', message: 'x' },
      { kind: 'lobby-started' },
      { kind: 'lobby-reopened' },
      { kind: 'pong', nonce: 1 },
      { kind: 'record', from: 'a', data: 'AA' },
    ];
    for (const message of samples) expect(outKind(encodeMessage(message))).toBe(message.kind);
    expect(outKind('{"kind":"joined","memberId":"x"}')).toBe('joined');
    expect(outKind('garbage')).toBe('other');
  });
});
