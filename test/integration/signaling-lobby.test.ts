// Lobby flows against a real signaling server on 127.0.0.1 with real `ws` clients: create/join by
// code, member list, chat, signal relay with a server-set `from`, capacity, unknown and expired
// codes, host handover, names, ready flags, start/reopen.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import type { LobbySettings } from '../../src/lobby/protocol.ts';
import { connectClient } from '../support/lobby-clients.ts';

/** A client plus a queue of everything it received, consumed in order by kind (test/support/lobby-clients.ts). */
const connect = (server: SignalingServer) => connectClient(server.wsUrl);

async function create(server: SignalingServer, name: string, settings?: Partial<LobbySettings>) {
  const c = await connect(server);
  c.client.send(settings === undefined ? { kind: 'create', name } : { kind: 'create', name, settings });
  return { ...c, joined: await c.take('joined') };
}

async function join(server: SignalingServer, code: string, name: string) {
  const c = await connect(server);
  c.client.send({ kind: 'join', code, name });
  return { ...c, joined: await c.take('joined') };
}

async function refusedJoin(server: SignalingServer, code: string, name: string): Promise<string> {
  const c = await connect(server);
  c.client.send({ kind: 'join', code, name });
  const error = await c.take('error');
  c.client.close();
  return error.code;
}

describe('signaling server: lobbies', () => {
  let server: SignalingServer;
  const iceServers = [{ urls: 'stun:127.0.0.1:3478' }];
  beforeAll(async () => {
    // Every test client comes from 127.0.0.1: lift the per-address lobby limits (tested in server-hostile).
    server = await startSignalingServer({ port: 0, iceServers, maxLobbiesPerAddress: 1000, lobbyCreateBurst: 1000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates a lobby with an unguessable URL-safe code, link path, defaults and credentials', async () => {
    const a = await create(server, '  Alice ');
    const j = a.joined;
    expect(j.code).toMatch(/^[A-Za-z0-9_-]{22}$/); // base64url of 16 random bytes = 128 bits
    expect(j.linkPath).toBe(`/lobby/${j.code}`);
    expect(j.members).toEqual([{ id: j.memberId, name: 'Alice', ready: false, peerId: j.peer?.id }]);
    expect(j.hostId).toBe(j.memberId);
    expect(j.settings).toEqual({ capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 });
    expect(j.iceServers).toEqual(iceServers);
    expect(j.started).toBe(false);
    expect(j.peer?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(j.peer?.token).toMatch(/^[0-9a-f]{32}$/);
    expect(j.peer?.path).toBe('/peerjs');
    const b = await create(server, 'Alice');
    expect(b.joined.code).not.toBe(j.code);
    a.client.close();
    b.client.close();
  });

  it('applies valid settings and refuses out-of-range ones with bad-settings', async () => {
    const a = await create(server, 'Host', { capacity: 4, pointsToWin: 99, inputDelay: 0, maxPrediction: 16 });
    expect(a.joined.settings).toEqual({ capacity: 4, pointsToWin: 99, inputDelay: 0, maxPrediction: 16 });
    for (const settings of [{ capacity: 5 }, { capacity: 1 }, { pointsToWin: 0 }, { inputDelay: 1.5 }, { maxPrediction: 17 }]) {
      const c = await connect(server);
      c.client.send({ kind: 'create', name: 'X', settings });
      expect((await c.take('error')).code).toBe('bad-settings');
      c.client.close();
    }
    a.client.close();
  });

  it('joins by code, sends the member list to the joiner and member-joined to the others', async () => {
    const a = await create(server, 'Alice', { capacity: 3 });
    const b = await join(server, a.joined.code, 'Bob');
    expect(b.joined.members.map((m) => m.name)).toEqual(['Alice', 'Bob']);
    expect(b.joined.hostId).toBe(a.joined.memberId);
    expect(b.joined.peer?.id).not.toBe(a.joined.peer?.id);
    const seen = await a.take('member-joined');
    expect(seen.member).toEqual({ id: b.joined.memberId, name: 'Bob', ready: false, peerId: b.joined.peer?.id });
    const c = await join(server, a.joined.code, 'Carol');
    expect(c.joined.members.map((m) => m.id)).toEqual([a.joined.memberId, b.joined.memberId, c.joined.memberId]);
    expect((await a.take('member-joined')).member.name).toBe('Carol');
    expect((await b.take('member-joined')).member.name).toBe('Carol');
    for (const x of [a, b, c]) x.client.close();
  });

  it('relays chat to every member with the sender id; refuses chat outside a lobby or too long', async () => {
    const a = await create(server, 'Alice');
    const b = await join(server, a.joined.code, 'Bob');
    b.client.send({ kind: 'chat', text: '  hello there  ' });
    for (const x of [a, b]) expect(await x.take('chat')).toEqual({ kind: 'chat', from: b.joined.memberId, text: 'hello there' });
    b.client.send({ kind: 'chat', text: 'x'.repeat(281) });
    expect((await b.take('error')).code).toBe('bad-message');
    const outsider = await connect(server);
    outsider.client.send({ kind: 'chat', text: 'hi' });
    expect((await outsider.take('error')).code).toBe('not-in-lobby');
    await a.sync();
    expect(a.pending('chat')).toBe(0);
    for (const x of [a, b, outsider]) x.client.close();
  });

  it('relays signals with `from` set by the server, only between members of one lobby', async () => {
    const a = await create(server, 'Alice');
    const b = await join(server, a.joined.code, 'Bob');
    const other = await create(server, 'Eve');
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    // A forged `from` field is ignored: the server takes the sender from the connection.
    const forged = { kind: 'signal', to: b.joined.memberId, from: other.joined.memberId, data: offer } as const;
    a.client.send(forged);
    expect(await b.take('signal')).toEqual({ kind: 'signal', from: a.joined.memberId, data: offer });
    b.client.send({ kind: 'signal', to: a.joined.memberId, data: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
    expect((await a.take('signal')).from).toBe(b.joined.memberId);
    // To a member of another lobby, to oneself, to nobody: not-member, and nothing is delivered.
    for (const to of [other.joined.memberId, a.joined.memberId, 'nobody']) {
      a.client.send({ kind: 'signal', to, data: offer });
      expect((await a.take('error')).code).toBe('not-member');
    }
    await other.sync();
    await b.sync();
    expect(other.pending('signal') + b.pending('signal')).toBe(0);
    for (const x of [a, b, other]) x.client.close();
  });

  it('refuses a join to a full lobby, an unknown code and a started lobby', async () => {
    const a = await create(server, 'Alice');
    const b = await join(server, a.joined.code, 'Bob');
    expect(await refusedJoin(server, a.joined.code, 'Carol')).toBe('lobby-full');
    expect(await refusedJoin(server, 'AAAAAAAAAAAAAAAAAAAAAA', 'Carol')).toBe('unknown-lobby');
    b.client.send({ kind: 'leave' });
    expect((await a.take('member-left')).reason).toBe('left');
    a.client.send({ kind: 'start-notice' });
    await a.take('lobby-started');
    expect(await refusedJoin(server, a.joined.code, 'Carol')).toBe('in-progress');
    for (const x of [a, b]) x.client.close();
  });

  it('keeps an empty lobby for its TTL (the next joiner is host), then answers expired-lobby', async () => {
    const short = await startSignalingServer({ port: 0, emptyLobbyTtlMs: 150, peerjs: false });
    const a = await create(short, 'Alice');
    const code = a.joined.code;
    a.client.send({ kind: 'leave' });
    await a.sync();
    const b = await join(short, code, 'Bob'); // within the 150 ms TTL
    expect(b.joined.hostId).toBe(b.joined.memberId);
    expect(b.joined.members.map((m) => m.name)).toEqual(['Bob']);
    expect(b.joined.peer).toBeNull();
    b.client.close();
    await vi.waitFor(() => expect(short.stats().lobbies).toBe(0), { timeout: 3000, interval: 20 });
    expect(await refusedJoin(short, code, 'Carol')).toBe('expired-lobby');
    a.client.close();
    await short.close();
  });

  it('a lobby that expires with watchers in it closes their sockets (4015 expired-lobby) and holds nothing of them', async () => {
    const short = await startSignalingServer({ port: 0, emptyLobbyTtlMs: 150, peerjs: false });
    const a = await create(short, 'Alice');
    const w = await connect(short);
    w.client.send({ kind: 'join', code: a.joined.code, name: 'Wat', watch: true });
    expect((await w.take('joined')).role).toBe('watcher');
    a.client.send({ kind: 'leave' });
    expect((await w.take('member-left')).memberId).toBe(a.joined.memberId);
    const closed = await w.take('closed'); // once the empty lobby's TTL has passed
    expect([closed.code, closed.reason]).toEqual([4015, 'expired-lobby']);
    await vi.waitFor(() => expect(short.stats()).toMatchObject({ lobbies: 0, connections: 1 }), { timeout: 3000, interval: 20 }); // Alice's socket only
    a.client.close();
    await short.close();
  });

  it('hands the host role to the next member in join order when the host leaves or drops', async () => {
    const a = await create(server, 'Alice', { capacity: 4 });
    const b = await join(server, a.joined.code, 'Bob');
    const c = await join(server, a.joined.code, 'Carol');
    await a.take('member-joined');
    a.client.send({ kind: 'leave' });
    for (const x of [b, c]) {
      expect(await x.take('member-left')).toEqual({ kind: 'member-left', memberId: a.joined.memberId, reason: 'left' });
      expect((await x.take('host-changed')).hostId).toBe(b.joined.memberId);
    }
    b.client.close(); // a dropped connection counts as leaving
    expect(await c.take('member-left')).toEqual({ kind: 'member-left', memberId: b.joined.memberId, reason: 'disconnected' });
    expect((await c.take('host-changed')).hostId).toBe(c.joined.memberId);
    c.client.send({ kind: 'start-notice' });
    await c.take('lobby-started');
    a.client.close();
    c.client.close();
  });

  it('refuses clashing names (case-insensitive) and bad names', async () => {
    const a = await create(server, 'Alice', { capacity: 4 });
    expect(await refusedJoin(server, a.joined.code, ' aLICE ')).toBe('name-taken');
    for (const name of ['', '   ', 'x'.repeat(21), 'bell\u0007', 'evil\u202eeman', 'tab\tname']) {
      expect(await refusedJoin(server, a.joined.code, name)).toBe('bad-name');
    }
    const c = await connect(server);
    c.client.send({ kind: 'create', name: '\u0000' });
    expect((await c.take('error')).code).toBe('bad-name');
    const ok = await join(server, a.joined.code, 'Zoë 🏓 x'.padEnd(20, '.'));
    expect(ok.joined.members).toHaveLength(2);
    for (const x of [a, c, ok]) x.client.close();
  });

  it('broadcasts ready flags; only the host starts and reopens; reopen resets ready and allows joins', async () => {
    const a = await create(server, 'Alice', { capacity: 3 });
    const b = await join(server, a.joined.code, 'Bob');
    b.client.send({ kind: 'set-ready', ready: true });
    for (const x of [a, b]) expect((await x.take('member-updated')).member).toMatchObject({ id: b.joined.memberId, ready: true });
    b.client.send({ kind: 'start-notice' });
    expect((await b.take('error')).code).toBe('not-host');
    a.client.send({ kind: 'start-notice' });
    for (const x of [a, b]) await x.take('lobby-started');
    a.client.send({ kind: 'start-notice' });
    expect((await a.take('error')).code).toBe('in-progress');
    b.client.send({ kind: 'reopen' });
    expect((await b.take('error')).code).toBe('not-host');
    a.client.send({ kind: 'reopen' });
    for (const x of [a, b]) await x.take('lobby-reopened');
    const c = await join(server, a.joined.code, 'Carol');
    expect(c.joined.members.find((m) => m.id === b.joined.memberId)?.ready).toBe(false);
    for (const x of [a, b, c]) x.client.close();
  });

  it('refuses a second create/join on the same connection, answers ping, allows a new lobby after leave', async () => {
    const a = await create(server, 'Alice');
    a.client.send({ kind: 'create', name: 'Again' });
    expect((await a.take('error')).code).toBe('already-in-lobby');
    a.client.send({ kind: 'ping', nonce: 42 });
    expect(await a.take('pong')).toEqual({ kind: 'pong', nonce: 42 });
    a.client.send({ kind: 'leave' });
    a.client.send({ kind: 'create', name: 'Again' });
    expect((await a.take('joined')).members.map((m) => m.name)).toEqual(['Again']);
    a.client.close();
  });
});
