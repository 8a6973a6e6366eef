// Lobbies across signaling instances on one real redis-server (started by this file): two and three
// servers in this process share lobbies; create on A, join through B and C; chat, signals, ready,
// start, reopen, leave and host handover cross; codes stay unique; garbage on an instance's stream is
// dropped and counted; restarting Redis: /healthz says so, and new lobbies and relays work again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import { startRedis } from '../support/redis.ts';
import type { RedisServer } from '../support/redis.ts';
import { createLobby, get, joinLobby, raw, until } from './server-hostile-helpers.ts';
import type { Raw } from './server-hostile-helpers.ts';

let redis: RedisServer;
const servers: SignalingServer[] = [];
const sockets: Raw[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const r of sockets.splice(0)) r.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Polls an async condition every 20 ms, at most 5 s. */
async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function instance(options: { redisRelayBatches?: boolean } = {}): Promise<SignalingServer> {
  const server = await startSignalingServer({ redisUrl: redis.url, emptyLobbyTtlMs: 500, ...options });
  servers.push(server);
  return server;
}

const track = <T extends { r: Raw }>(x: T): T => {
  sockets.push(x.r);
  return x;
};

/** Ann creates a lobby on `on`, Bob joins it through `via`; resolves once Ann has heard Bob join. */
async function crossPair(on: SignalingServer, via: SignalingServer) {
  const host = track(await createLobby(on.wsUrl, 'Ann'));
  const bob = track(await joinLobby(via.wsUrl, host.joined.code, 'Bob'));
  await host.r.take('member-joined');
  return { host, bob };
}

/** While Redis is down: `/healthz` answers 503 with `redis: "down"`, and a create is refused with `server-full`. */
async function expectRedisDown(server: SignalingServer): Promise<void> {
  const health = await get(server, '/healthz');
  expect(health.status).toBe(503);
  expect(JSON.parse(health.body)).toMatchObject({ ok: false, redis: 'down' });
  const refused = track({ r: await raw(server.wsUrl) });
  refused.r.send({ kind: 'create', name: 'Zed' });
  expect((await refused.r.take('error')).code).toBe('server-full');
}

/** Sends `frames` in one TCP write, so that the server reads them in one go (one tick). */
function sendInOneWrite(r: Raw, frames: readonly string[]): void {
  const tcp = (r.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  tcp.cork();
  for (const frame of frames) r.send(frame);
  tcp.uncork();
}

describe('lobbies across instances on Redis', () => {
  it('a lobby created on A is joined through B and C; chat, signals, ready, start and reopen cross', async () => {
    const [a, b, c] = [await instance(), await instance(), await instance()];
    expect(JSON.parse((await get(a, '/healthz')).body)).toMatchObject({ ok: true, redis: 'up' });
    const host = track(await createLobby(a.wsUrl, 'Ann'));
    const bob = track(await joinLobby(b.wsUrl, host.joined.code, 'Bob'));
    expect(bob.joined.members.map((m) => m.name)).toEqual(['Ann', 'Bob']);
    expect(bob.joined.hostId).toBe(host.joined.memberId);
    expect((await host.r.take('member-joined')).member.name).toBe('Bob');
    const cid = track(await joinLobby(c.wsUrl, host.joined.code, 'Cid'));
    expect(cid.joined.members.map((m) => m.name)).toEqual(['Ann', 'Bob', 'Cid']);
    expect((await host.r.take('member-joined')).member.name).toBe('Cid');
    expect((await bob.r.take('member-joined')).member.name).toBe('Cid');

    // The same name (folded) is refused across instances: the check runs in Redis.
    const dup = track({ r: await raw(c.wsUrl) });
    dup.r.send({ kind: 'join', code: host.joined.code, name: 'ANN' });
    expect((await dup.r.take('error')).code).toBe('name-taken');

    bob.r.send({ kind: 'chat', text: 'hi from B' });
    expect(await bob.r.take('chat')).toMatchObject({ from: bob.joined.memberId, text: 'hi from B' });
    expect(await host.r.take('chat')).toMatchObject({ from: bob.joined.memberId, text: 'hi from B' });
    expect(await cid.r.take('chat')).toMatchObject({ from: bob.joined.memberId, text: 'hi from B' });

    host.r.send({ kind: 'signal', to: cid.joined.memberId, data: { type: 'offer', sdp: 'x' } });
    expect(await cid.r.take('signal')).toEqual({ kind: 'signal', from: host.joined.memberId, data: { type: 'offer', sdp: 'x' } });
    cid.r.send({ kind: 'record', data: 'AAAA' });
    expect(await bob.r.take('record')).toEqual({ kind: 'record', from: cid.joined.memberId, data: 'AAAA' });

    cid.r.send({ kind: 'set-ready', ready: true });
    for (const r of [host.r, bob.r, cid.r]) expect((await r.take('member-updated')).member).toMatchObject({ name: 'Cid', ready: true });

    bob.r.send({ kind: 'start-notice' });
    expect((await bob.r.take('error')).code).toBe('not-host');
    host.r.send({ kind: 'start-notice' });
    for (const r of [host.r, bob.r, cid.r]) await r.take('lobby-started');
    const late = track({ r: await raw(b.wsUrl) });
    late.r.send({ kind: 'join', code: host.joined.code, name: 'Dee' });
    expect((await late.r.take('error')).code).toBe('in-progress');
    host.r.send({ kind: 'reopen' });
    for (const r of [host.r, bob.r, cid.r]) await r.take('lobby-reopened');
    expect(a.stats().redisBadMessages + b.stats().redisBadMessages + c.stats().redisBadMessages).toBe(0);
    expect(b.stats().redisRelaysIn).toBeGreaterThan(0);
  });

  it('after SCRIPT FLUSH (Redis forgot every script), creates, joins, ready and leaves still work', async () => {
    const [a, b] = [await instance(), await instance()];
    await redis.client.send(['SCRIPT', 'FLUSH']);
    const { host, bob } = await crossPair(a, b);
    expect(bob.joined.members.map((m) => m.name)).toEqual(['Ann', 'Bob']);
    await redis.client.send(['SCRIPT', 'FLUSH']);
    bob.r.send({ kind: 'set-ready', ready: true });
    expect((await host.r.take('member-updated')).member).toMatchObject({ name: 'Bob', ready: true });
    bob.r.send({ kind: 'leave' });
    expect((await host.r.take('member-left')).memberId).toBe(bob.joined.memberId);
    expect(a.stats().redisErrors + b.stats().redisErrors).toBe(0);
  });

  it('the host leaving on A hands the lobby to B; the last member leaving lets it expire for everyone', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(a, b);
    host.r.send({ kind: 'leave' });
    expect(await bob.r.take('member-left')).toMatchObject({ memberId: host.joined.memberId, reason: 'left' });
    expect((await bob.r.take('host-changed')).hostId).toBe(bob.joined.memberId);
    // Still joinable from A, now hosted on B.
    const cid = track(await joinLobby(a.wsUrl, host.joined.code, 'Cid'));
    expect(cid.joined.hostId).toBe(bob.joined.memberId);
    cid.r.ws.close();
    expect((await bob.r.take('member-left')).reason).toBe('disconnected');
    bob.r.send({ kind: 'leave' });
    await untilAsync(async () => (await redis.client.exists(`rp:l:${host.joined.code}`)) === 0, 'lobby expiry');
    const again = track({ r: await raw(a.wsUrl) });
    again.r.send({ kind: 'join', code: host.joined.code, name: 'Eve' });
    expect((await again.r.take('error')).code).toBe('expired-lobby');
    again.r.send({ kind: 'join', code: 'A'.repeat(22), name: 'Eve' });
    expect((await again.r.take('error')).code).toBe('unknown-lobby');
  });

  it('silence reports from members on B and C reach A, which drops its member (4012) once all have reported', async () => {
    const [a, b, c] = [await instance(), await instance(), await instance()];
    const host = track(await createLobby(a.wsUrl, 'Ann'));
    const bob = track(await joinLobby(b.wsUrl, host.joined.code, 'Bob'));
    const cid = track(await joinLobby(c.wsUrl, host.joined.code, 'Cid'));
    await bob.r.take('member-joined');
    bob.r.send({ kind: 'report', member: host.joined.memberId });
    await new Promise((r) => setTimeout(r, 200));
    expect(host.r.ws.readyState).toBe(host.r.ws.OPEN); // one report of two: nothing yet
    cid.r.send({ kind: 'report', member: host.joined.memberId });
    expect((await host.r.closed()).code).toBe(4012);
    expect(await bob.r.take('member-left')).toMatchObject({ memberId: host.joined.memberId, reason: 'disconnected' });
    expect(await cid.r.take('member-left')).toMatchObject({ memberId: host.joined.memberId, reason: 'disconnected' });
  });

  it('relays sent together cross in order, and before a leave sent right after them', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(a, b);
    const to = host.joined.memberId;
    // One WebSocket write: the server reads the frames in one go, so the relays share a tick.
    const frames = [0, 1, 2, 3, 4].map((i) => JSON.stringify({ kind: 'signal', to, data: { candidate: `c${i}` } }));
    frames.push(JSON.stringify({ kind: 'chat', text: 'bye' }), JSON.stringify({ kind: 'leave' }));
    sendInOneWrite(bob.r, frames);
    await host.r.take('member-left');
    const seen = host.r.queue.map((m) => (m.kind === 'signal' ? (m.data as { candidate: string }).candidate : m.kind));
    expect(seen).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'chat']);
    expect(b.stats().redisRelaysOut).toBe(6);
    expect(a.stats().redisRelaysIn).toBe(6);
    expect(a.stats().redisRelaysDropped + b.stats().redisRelaysDropped).toBe(0);
  });

  /** The instance stream holding a relay whose text contains `marker`, and its relay entries' fields. */
  async function relayEntries(marker: string): Promise<{ stream: string; entries: string[][] }> {
    for (const stream of await redis.client.keys('rp:s:*')) {
      const entries = (await redis.client.xrange(stream, '-', '+')).map(([, fields]) => fields).filter((f) => f[0] === 'r');
      if (entries.some((f) => f.some((x) => x.includes(marker)))) return { stream, entries };
    }
    throw new Error(`no stream holds ${marker}`);
  }

  it('relays of one tick share one stream entry to an instance that reads batches, and go one an entry to one that does not (rolling upgrade)', async () => {
    for (const batches of [true, false]) {
      const [a, b] = [await instance({ redisRelayBatches: batches }), await instance()];
      const { host, bob } = await crossPair(a, b);
      const to = host.joined.memberId;
      // A first relay: with it B reads A's presence key, which says how A reads.
      const first = `first-${String(batches)}`;
      bob.r.send({ kind: 'signal', to, data: { candidate: first } });
      await host.r.take('signal');
      const before = (await relayEntries(first)).entries.length;
      const frames = [0, 1, 2, 3, 4].map((i) => JSON.stringify({ kind: 'signal', to, data: { candidate: `c${i}-${String(batches)}` } }));
      sendInOneWrite(bob.r, frames);
      for (let i = 0; i < 5; i++) expect(((await host.r.take('signal')).data as { candidate: string }).candidate).toBe(`c${i}-${String(batches)}`);
      const added = (await relayEntries(first)).entries.slice(before);
      expect(added.map((f) => f.length)).toEqual(batches ? [20] : [4, 4, 4, 4, 4]);
      expect(a.stats().redisBadMessages + b.stats().redisBadMessages).toBe(0);
      for (const r of sockets.splice(0)) r.ws.terminate();
      await Promise.all(servers.splice(0).map((s) => s.close()));
    }
  });

  it('a batched relay entry: each relay is checked on its own, a bad one dropped and counted without its neighbours', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(a, b);
    const code = host.joined.code;
    const marker = 'marker-for-the-stream';
    bob.r.send({ kind: 'chat', text: marker });
    await host.r.take('chat');
    const { stream } = await relayEntries(marker);
    const before = a.stats().redisBadMessages;
    const to = `${code}/${host.joined.memberId}`;
    const chat = (text: string): string => JSON.stringify({ kind: 'chat', from: bob.joined.memberId, text });
    await redis.client.xadd(stream, '*', 'r', to, 'x', chat('one'), 'r', `${code}/nobody`, 'x', chat('lost'), 'q', to, 'x', chat('lost'),
      'r', to, 'x', '{"kind":"chat"', 'r', to, 'x', chat('two'));
    await redis.client.xadd(stream, '*', 'r', to, 'x', chat('lost'), 'r', to);
    expect((await host.r.take('chat')).text).toBe('one');
    expect((await host.r.take('chat')).text).toBe('two');
    await until(() => a.stats().redisBadMessages >= before + 4 || null, 'bad relays counted');
    expect(a.stats().redisBadMessages).toBe(before + 4);
    bob.r.send({ kind: 'chat', text: 'three' });
    expect((await host.r.take('chat')).text).toBe('three');
    expect(host.r.count('chat')).toBe(0);
  });

  it('refuses watching and take-seat with watching-unavailable; the lobby is untouched', async () => {
    const a = await instance();
    const host = track(await createLobby(a.wsUrl, 'Host'));
    const w = track({ r: await raw(a.wsUrl) }).r;
    w.send({ kind: 'join', code: host.joined.code, name: 'Watcher', watch: true });
    expect((await w.take('error')).code).toBe('watching-unavailable');
    w.send({ kind: 'take-seat' });
    expect((await w.take('error')).code).toBe('not-in-lobby');
    host.r.send({ kind: 'take-seat' });
    expect((await host.r.take('error')).code).toBe('watching-unavailable');
    track(await joinLobby(a.wsUrl, host.joined.code, 'Guest'));
    expect((await host.r.take('member-joined')).member.name).toBe('Guest');
  });

  it('lobby codes are reserved across instances with SET NX', async () => {
    const [a, b] = [await instance(), await instance()];
    const codes = new Set<string>();
    for (const s of [a, b, a, b]) codes.add(track(await createLobby(s.wsUrl, 'Ann')).joined.code);
    expect(codes.size).toBe(4);
    for (const code of codes) expect(await redis.client.get(`rp:c:${code}`)).toBe('1');
  });

  it('a create takes no stream entry: its instance admits the creator from the script reply, as Redis holds it', async () => {
    const a = await instance();
    const host = track(await createLobby(a.wsUrl, 'Ann'));
    const { code, memberId } = host.joined;
    expect(host.joined).toMatchObject({ hostId: memberId, started: false, members: [{ id: memberId, name: 'Ann', ready: false }] });
    // No stream (the creator's included) holds an entry about the new lobby.
    const streams = await redis.client.keys('rp:s:*');
    expect(streams.length).toBeGreaterThan(0);
    for (const stream of streams) {
      const entries = await redis.client.xrange(stream, '-', '+');
      expect(entries.filter(([, fields]) => fields.some((f) => f.includes(code)))).toEqual([]);
    }
    const held = await redis.client.hgetall(`rp:l:${code}`);
    expect(JSON.parse(held['meta'] ?? 'null')).toMatchObject({ hostId: memberId, started: false });
    expect(JSON.parse(held[`m:${memberId}`] ?? 'null')).toMatchObject({ id: memberId, name: 'Ann', seq: 0 });
    // The mirror built from the reply works like one built from an event: a join through A is heard.
    const bob = track(await joinLobby(a.wsUrl, code, 'Bob'));
    expect((await host.r.take('member-joined')).member).toMatchObject({ id: bob.joined.memberId, name: 'Bob' });
    expect(bob.joined.members.map((m) => m.id)).toEqual([memberId, bob.joined.memberId]);
  });

  it('garbage on an instance stream is dropped and counted; the instance keeps working', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(a, b);
    const streams = await redis.client.keys('rp:s:*');
    expect(streams.length).toBeGreaterThanOrEqual(2);
    const before = a.stats().redisBadMessages + b.stats().redisBadMessages;
    const code = host.joined.code;
    const garbage: string[][] = [
      ['m', 'not json'], ['m', '[1,2,3]'], ['m', '{"t":"s"}'], ['x', '{"t":"h"}'], ['m', '{"t":"h"}', 'extra', '1'],
      ['m', '{"t":"r","c":"' + code + '","o":"nobody","x":"{}"}'],
      ['m', JSON.stringify({ t: 's', c: code, meta: { hostId: null, started: false, seq: 0, settings: { capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } }, members: [{ id: 'x', name: 'n', key: 'n', ready: 'yes', peerId: '', inst: 'i', seq: 0 }], e: 'joined' })],
      ['r', `${code}/${bob.joined.memberId}`, 'x', JSON.stringify({ kind: 'joined' })],
      ['r', `${code}/${bob.joined.memberId}`, 'x', '{"kind":"chat"'],
      ['r', `${code}/${bob.joined.memberId}/x`, 'x', '{}'], ['r', `${code}`, 'x', '{}'], ['r', 'a/b', 'x', '{}'],
      ['r', `${code}/${bob.joined.memberId}`, 'y', JSON.stringify({ kind: 'chat', from: host.joined.memberId, text: 'x' })],
      // A relay claiming to come from someone outside the lobby, and one for someone not on this instance.
      ['r', `${code}/${bob.joined.memberId}`, 'x', JSON.stringify({ kind: 'chat', from: 'intrud', text: 'x' })],
      ['r', `${code}/nobody`, 'x', JSON.stringify({ kind: 'chat', from: host.joined.memberId, text: 'x' })],
      ['m', JSON.stringify({ t: 's', c: code, meta: { hostId: null, started: false, seq: 0, settings: { capacity: 99 } }, members: [], e: 'joined' })],
      ['m', JSON.stringify({ t: 'j', dst: 'abc', x: '{"type":"OFFER"}' })],
      ['m', JSON.stringify({ t: 'p', c: code, o: bob.joined.memberId, b: bob.joined.memberId })],
      ['m', '['.repeat(100_000)],
    ];
    for (const stream of streams) for (const fields of garbage) await redis.client.xadd(stream, '*', ...fields);
    await until(() => a.stats().redisBadMessages + b.stats().redisBadMessages >= before + 2 * garbage.length || null, 'garbage counted');
    expect(a.stats().redisBadMessages + b.stats().redisBadMessages).toBe(before + 2 * garbage.length);
    expect(bob.r.count('chat')).toBe(0);
    expect(bob.r.count('joined')).toBe(0);
    host.r.send({ kind: 'chat', text: 'still here' });
    expect((await bob.r.take('chat')).text).toBe('still here');
  });

  it('restarting Redis: /healthz says down (503), then instances recover: lobbies, relays and new lobbies work', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(a, b);
    await redis.kill();
    await until(() => a.stats().redis === 'down' || null, 'redis down on A');
    await expectRedisDown(a);
    await redis.start();
    await until(() => (a.stats().redis === 'up' && b.stats().redis === 'up') || null, 'redis up again', 5000);
    expect((await get(b, '/healthz')).status).toBe(200);
    // The restarted Redis lost everything; the instances wrote their members back.
    const members = async (): Promise<string[]> => (await redis.client.hkeys(`rp:l:${host.joined.code}`)).filter((k) => k.startsWith('m:')).sort();
    await untilAsync(async () => (await members()).length === 2, 'lobby restored');
    expect(await members()).toEqual([`m:${host.joined.memberId}`, `m:${bob.joined.memberId}`].sort());
    host.r.send({ kind: 'chat', text: 'after the restart' });
    expect((await bob.r.take('chat')).text).toBe('after the restart');
    bob.r.send({ kind: 'signal', to: host.joined.memberId, data: { n: 1 } });
    expect((await host.r.take('signal')).data).toEqual({ n: 1 });
    const fresh = track(await createLobby(b.wsUrl, 'New'));
    const joiner = track(await joinLobby(a.wsUrl, fresh.joined.code, 'Joe'));
    expect(joiner.joined.members).toHaveLength(2);
    expect([...host.r.queue, ...bob.r.queue].filter((m) => m.kind === 'member-left')).toEqual([]);
  });

  it('an instance started while Redis is down serves /healthz (503, down) and comes up when Redis does', async () => {
    await redis.kill();
    let a: SignalingServer;
    try {
      a = await instance(); // waits at most 2 s for Redis, then starts anyway
      expect(a.stats().redis).toBe('down');
      await expectRedisDown(a);
    } finally {
      await redis.start();
    }
    await until(() => a.stats().redis === 'up' || null, 'redis up', 5000);
    const { host, bob } = await crossPair(a, await instance());
    bob.r.send({ kind: 'chat', text: 'late start' });
    expect((await host.r.take('chat')).text).toBe('late start');
  });
});

describe('resuming a membership across instances', () => {
  it('a member dropped on A resumes its seat through B with its rejoin token, even in a started lobby', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(b, a);
    host.r.send({ kind: 'start-notice' });
    await bob.r.take('lobby-started');
    const token = bob.joined.rejoinToken ?? '';
    expect(token).toHaveLength(43);
    bob.r.ws.terminate();
    expect(await host.r.take('member-left')).toMatchObject({ memberId: bob.joined.memberId, reason: 'disconnected' });
    // The away seat counts: nobody else gets it, and nobody takes the name.
    const back = track({ r: await raw(b.wsUrl) });
    back.r.send({ kind: 'join', code: host.joined.code, name: 'ignored', rejoin: 'x'.repeat(43) });
    expect((await back.r.take('error')).code).toBe('bad-rejoin');
    back.r.send({ kind: 'join', code: host.joined.code, name: 'ignored', rejoin: token });
    const joined = await back.r.take('joined');
    expect(joined).toMatchObject({ memberId: bob.joined.memberId, started: true, rejoinToken: token });
    expect(joined.members.map((m) => m.name)).toEqual(['Ann', 'Bob']);
    expect(await host.r.take('member-joined')).toMatchObject({ member: { id: bob.joined.memberId, name: 'Bob' }, rejoined: true });
    host.r.send({ kind: 'signal', to: bob.joined.memberId, data: { again: true } });
    expect((await back.r.take('signal')).data).toEqual({ again: true });
  });

  it('a rejoin through B while the old socket on A is still open replaces it (4014), unless replace is false', async () => {
    const [a, b] = [await instance(), await instance()];
    const { host, bob } = await crossPair(b, a);
    const token = bob.joined.rejoinToken ?? '';
    const tab = track({ r: await raw(b.wsUrl) });
    tab.r.send({ kind: 'join', code: host.joined.code, name: 'Bob', rejoin: token, replace: false });
    expect((await tab.r.take('error')).code).toBe('bad-rejoin');
    tab.r.send({ kind: 'join', code: host.joined.code, name: 'Bob', rejoin: token });
    expect((await tab.r.take('joined')).memberId).toBe(bob.joined.memberId);
    expect((await bob.r.closed()).code).toBe(4014);
    expect(await host.r.take('member-left')).toMatchObject({ memberId: bob.joined.memberId, reason: 'disconnected' });
    expect((await host.r.take('member-joined')).rejoined).toBe(true);
    tab.r.send({ kind: 'chat', text: 'moved' });
    expect((await host.r.take('chat')).text).toBe('moved');
  });
});

describe('REDIS_URL', () => {
  it('is read from the environment (redis://, rediss:// or a socket path); anything else stops the start', async () => {
    const { optionsFromEnv } = await import('../../signaling/config.ts');
    expect(optionsFromEnv({ REDIS_URL: 'redis://10.0.0.5:6379/2' })).toMatchObject({ ok: true, value: { redisUrl: 'redis://10.0.0.5:6379/2' } });
    expect(optionsFromEnv({ REDIS_URL: 'rediss://u:p@redis.example:6380' })).toMatchObject({ ok: true, value: { redisUrl: 'rediss://u:p@redis.example:6380' } });
    expect(optionsFromEnv({ REDIS_URL: '/run/redis/redis.sock' })).toMatchObject({ ok: true, value: { redisUrl: '/run/redis/redis.sock' } });
    const none = optionsFromEnv({ REDIS_URL: '' });
    expect(none.ok && !('redisUrl' in none.value)).toBe(true);
    for (const bad of ['http://redis', 'redis.example:6379', 'x'.repeat(3000)]) {
      const result = optionsFromEnv({ REDIS_URL: bad });
      expect(result.ok, bad.slice(0, 20)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^REDIS_URL/);
    }
  });

  it('without it, /healthz says redis "off" and the lobbies stay in the process', async () => {
    const server = await startSignalingServer({});
    servers.push(server);
    const health = await get(server, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, redis: 'off' });
    const host = track(await createLobby(server.wsUrl, 'Ann'));
    expect(await redis.client.exists(`rp:l:${host.joined.code}`)).toBe(0);
    expect(server.stats()).toMatchObject({ redis: 'off', redisRelaysOut: 0 });
  });
});
