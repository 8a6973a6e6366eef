// Resuming a lobby membership after a dropped socket, against a real signaling server on 127.0.0.1
// with real `ws` clients (issue #11): the rejoin token of `joined`, away seats, `join` with `rejoin`
// in open, started and reopened lobbies, more than once, 2 and 4 players, full lobbies, takeover of a
// still-listed member (4014), expiry; and hostile tokens: wrong, of another lobby, after a voluntary
// leave, garbage (schema), none of which may crash the server or open a seat.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer, silentLogger } from '../../signaling/index.ts';
import type { SignalingServer } from '../../signaling/index.ts';
import { CloseCode } from '../../src/lobby/protocol.ts';
import { connectClient, createLobby, joinLobby, refusedJoin } from '../support/lobby-clients.ts';
import type { TestClient } from '../support/lobby-clients.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** A well-formed token nobody was given. */
const forged = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

/** Closes `c`'s socket without `leave` (what a crash or a lost network looks like to the server). */
async function drop(c: TestClient): Promise<void> {
  c.client.close(4000, 'gone');
  await c.take('closed');
}

describe('lobby resume: the server side', () => {
  let server: SignalingServer;
  let ws: string;
  beforeAll(async () => {
    server = await startSignalingServer({
      port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null, maxLobbiesPerAddress: 1000, lobbyCreateBurst: 1000,
    });
    ws = server.wsUrl;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('hands every member its own rejoin token; after a drop the token resumes the same id and name (name ignored), more than once', async () => {
    const alice = await createLobby(ws, 'Alice');
    const code = alice.joined.code;
    const bob = await joinLobby(ws, code, 'Bob');
    expect(alice.joined.rejoinToken).toMatch(TOKEN);
    expect(bob.joined.rejoinToken).toMatch(TOKEN);
    expect(bob.joined.rejoinToken).not.toBe(alice.joined.rejoinToken);
    const bobId = bob.joined.memberId;
    const token = bob.joined.rejoinToken ?? '';
    expect((await alice.take('member-joined')).rejoined).toBeUndefined(); // a new member

    let socket = bob;
    const lastPeerId = bob.joined.peer?.id;
    for (let round = 0; round < 3; round++) {
      await drop(socket);
      expect(await alice.take('member-left')).toEqual({ kind: 'member-left', memberId: bobId, reason: 'disconnected' });
      socket = await joinLobby(ws, code, 'Mallory', token);
      expect(socket.joined.memberId).toBe(bobId);
      expect(socket.joined.rejoinToken).toBe(token);
      expect(socket.joined.members.map((m) => [m.id, m.name])).toEqual([[alice.joined.memberId, 'Alice'], [bobId, 'Bob']]);
      expect(socket.joined.hostId).toBe(alice.joined.memberId);
      expect(socket.joined.started).toBe(false);
      // Its own PeerJS id and token back (revoked while away), so its page's Peer can register again.
      const back = await alice.take('member-joined');
      expect(back).toEqual({ kind: 'member-joined', member: { id: bobId, name: 'Bob', ready: false, peerId: socket.joined.peer?.id }, rejoined: true });
      expect(socket.joined.peer?.id).toBe(lastPeerId);
    }
    // The resumed member is a full member: chat reaches the other.
    socket.client.send({ kind: 'chat', text: 'back' });
    expect(await alice.take('chat')).toEqual({ kind: 'chat', from: bobId, text: 'back' });
    alice.client.close();
    socket.client.close();
  });

  it('resumes into a started lobby (no other joins) and into a reopened one; the host drops and comes back as a member', async () => {
    const host = await createLobby(ws, 'Host', { capacity: 3 });
    const code = host.joined.code;
    const p1 = await joinLobby(ws, code, 'One');
    const p2 = await joinLobby(ws, code, 'Two');
    host.client.send({ kind: 'start-notice' });
    for (const c of [host, p1, p2]) await c.take('lobby-started');

    await drop(p2);
    expect(await refusedJoin(ws, code, 'Three')).toBe('in-progress');
    expect(await p1.take('member-joined')).toMatchObject({ member: { id: p2.joined.memberId } }); // its first join
    const p2b = await joinLobby(ws, code, 'Two', p2.joined.rejoinToken);
    expect(p2b.joined).toMatchObject({ memberId: p2.joined.memberId, started: true, hostId: host.joined.memberId });
    expect(await p1.take('member-joined')).toMatchObject({ member: { id: p2.joined.memberId }, rejoined: true });

    // Rematch: the lobby reopens; a drop in the reopened lobby resumes the same way.
    host.client.send({ kind: 'reopen' });
    for (const c of [host, p1, p2b]) await c.take('lobby-reopened');
    await drop(p1);
    const p1b = await joinLobby(ws, code, 'One', p1.joined.rejoinToken);
    expect(p1b.joined).toMatchObject({ memberId: p1.joined.memberId, started: false });

    // The host drops: the role passes on, and the old host resumes as a plain member.
    await drop(host);
    expect((await p2b.take('host-changed')).hostId).toBe(p2b.joined.memberId);
    const hostBack = await joinLobby(ws, code, 'Host', host.joined.rejoinToken);
    expect(hostBack.joined.memberId).toBe(host.joined.memberId);
    expect(hostBack.joined.hostId).toBe(p2b.joined.memberId);
    expect(hostBack.joined.members.map((m) => m.id).sort()).toEqual([host.joined.memberId, p1.joined.memberId, p2.joined.memberId].sort());
    for (const c of [hostBack, p1b, p2b]) c.client.close();
  });

  it('4 players: away seats are held against newcomers (and their names), and each comes back to its own seat', async () => {
    const a = await createLobby(ws, 'Ann', { capacity: 4 });
    const code = a.joined.code;
    const b = await joinLobby(ws, code, 'Ben');
    const c = await joinLobby(ws, code, 'Cid');
    const d = await joinLobby(ws, code, 'Dot');
    await drop(c);
    await drop(d);
    // Full by count: 2 members + 2 away seats. A newcomer cannot take them.
    expect(await refusedJoin(ws, code, 'Eve')).toBe('lobby-full');
    const c2 = await joinLobby(ws, code, 'whatever', c.joined.rejoinToken);
    expect(c2.joined.memberId).toBe(c.joined.memberId);
    expect(await refusedJoin(ws, code, 'Eve')).toBe('lobby-full'); // Dot's seat is still held
    const d2 = await joinLobby(ws, code, 'Dot', d.joined.rejoinToken);
    expect(d2.joined.memberId).toBe(d.joined.memberId);
    expect(d2.joined.members.map((m) => m.name)).toEqual(['Ann', 'Ben', 'Cid', 'Dot']);
    for (const x of [a, b, c2, d2]) x.client.close();

    // In an open lobby with a free seat, a newcomer still cannot take an away member's name.
    const host = await createLobby(ws, 'Host', { capacity: 3 });
    const bob = await joinLobby(ws, host.joined.code, 'Bob');
    await drop(bob);
    expect(await refusedJoin(ws, host.joined.code, 'bob')).toBe('name-taken');
    host.client.close();
  });

  it('lobby full by others: the dropped member of a 2-player lobby is back although a newcomer tried its seat', async () => {
    const a = await createLobby(ws, 'Ann');
    const b = await joinLobby(ws, a.joined.code, 'Ben');
    await drop(b);
    expect(await refusedJoin(ws, a.joined.code, 'Cat')).toBe('lobby-full');
    const b2 = await joinLobby(ws, a.joined.code, 'Ben', b.joined.rejoinToken);
    expect(b2.joined.memberId).toBe(b.joined.memberId);
    expect(await refusedJoin(ws, a.joined.code, 'Cat')).toBe('lobby-full');
    a.client.close();
    b2.client.close();
  });

  it('a token of a member still listed takes over: its old socket is closed 4014, the others see member-left then member-joined (rejoined)', async () => {
    const a = await createLobby(ws, 'Ann');
    const b = await joinLobby(ws, a.joined.code, 'Ben');
    await a.take('member-joined');
    const b2 = await joinLobby(ws, a.joined.code, 'Ben', b.joined.rejoinToken);
    expect(b2.joined.memberId).toBe(b.joined.memberId);
    expect(await b.take('closed')).toMatchObject({ code: CloseCode.replaced, reason: 'replaced' });
    expect(await a.take('member-left')).toEqual({ kind: 'member-left', memberId: b.joined.memberId, reason: 'disconnected' });
    expect(await a.take('member-joined')).toMatchObject({ member: { id: b.joined.memberId }, rejoined: true });
    await a.sync();
    expect(a.pending('member-left')).toBe(0); // the old socket's close did not leave a second time
    expect(a.pending('member-joined')).toBe(0);
    // One token, one socket at a time: replayed again, it moves on again.
    const b3 = await joinLobby(ws, a.joined.code, 'Ben', b.joined.rejoinToken);
    expect(await b2.take('closed')).toMatchObject({ code: CloseCode.replaced });
    expect(b3.joined.members).toHaveLength(2);
    // `replace: false` never takes a live member's seat: bad-rejoin, and the member stays.
    const polite = await connectClient(ws);
    polite.client.send({ kind: 'join', code: a.joined.code, name: 'Ben', rejoin: b.joined.rejoinToken ?? '', replace: false });
    expect((await polite.take('error')).code).toBe('bad-rejoin');
    await b3.sync();
    expect(b3.pending('closed')).toBe(0);
    // ...but an away seat it resumes as any rejoin does.
    b3.client.close();
    await b3.take('closed');
    polite.client.send({ kind: 'join', code: a.joined.code, name: 'Ben', rejoin: b.joined.rejoinToken ?? '', replace: false });
    expect((await polite.take('joined')).memberId).toBe(b.joined.memberId);
    a.client.close();
    polite.client.close();
  });

  it('refuses wrong tokens, tokens of another lobby and tokens after a voluntary leave with bad-rejoin; leave with keepSeat keeps the seat', async () => {
    const a = await createLobby(ws, 'Ann', { capacity: 3 });
    const b = await joinLobby(ws, a.joined.code, 'Ben');
    const other = await createLobby(ws, 'Zed');
    await drop(b);
    expect(await refusedJoin(ws, a.joined.code, 'Ben', forged())).toBe('bad-rejoin');
    expect(await refusedJoin(ws, other.joined.code, 'Ben', b.joined.rejoinToken)).toBe('bad-rejoin'); // not that lobby's
    expect(await refusedJoin(ws, other.joined.code, 'Zed', a.joined.rejoinToken)).toBe('bad-rejoin');
    expect(await refusedJoin(ws, 'x'.repeat(22), 'Ben', b.joined.rejoinToken)).toBe('unknown-lobby');
    // None of that spent the real seat.
    const before = server.stats();
    const b2 = await joinLobby(ws, a.joined.code, 'Ben', b.joined.rejoinToken);
    expect(server.stats().rejoins).toBe(before.rejoins + 1);
    expect(before.rejoinsRefused).toBeGreaterThanOrEqual(3);

    // A voluntary leave gives the seat up: the token is worth nothing, and the seat is free again.
    b2.client.send({ kind: 'leave' });
    expect(await a.take('member-left')).toMatchObject({ reason: 'disconnected' });
    expect(await a.take('member-left')).toMatchObject({ memberId: b.joined.memberId, reason: 'left' });
    b2.client.send({ kind: 'join', code: a.joined.code, name: 'Ben', rejoin: b.joined.rejoinToken ?? '' });
    expect((await b2.take('error')).code).toBe('bad-rejoin');
    // The same socket may still join as a new member (a fresh token).
    b2.client.send({ kind: 'join', code: a.joined.code, name: 'Ben' });
    const fresh = await b2.take('joined');
    expect(fresh.memberId).not.toBe(b.joined.memberId);
    expect(fresh.rejoinToken).not.toBe(b.joined.rejoinToken);

    // `leave` with keepSeat (the page went away): the others see `left` at once, the seat stays.
    b2.client.send({ kind: 'leave', keepSeat: true });
    expect(await a.take('member-left')).toMatchObject({ memberId: fresh.memberId, reason: 'left' });
    b2.client.send({ kind: 'join', code: a.joined.code, name: 'Ben', rejoin: fresh.rejoinToken ?? '' });
    expect((await b2.take('joined')).memberId).toBe(fresh.memberId);
    // Already in the lobby: a second rejoin on the same socket is refused, nothing else changes.
    b2.client.send({ kind: 'join', code: a.joined.code, name: 'Ben', rejoin: fresh.rejoinToken ?? '' });
    expect((await b2.take('error')).code).toBe('already-in-lobby');
    for (const c of [a, b2, other]) c.client.close();
  });

  it('garbage rejoin values are bad-message (schema) and change nothing; the server answers on', async () => {
    const a = await createLobby(ws, 'Ann');
    const code = a.joined.code;
    const raw = new WebSocket(ws);
    await new Promise((resolve, reject) => raw.once('open', resolve).once('error', reject));
    const answers: string[] = [];
    raw.on('message', (data) => answers.push(String(data)));
    const garbage: unknown[] = [
      null, 0, 1e300, true, [], {}, ['x'.repeat(43)], { token: 'x' }, '', 'x'.repeat(42), 'x'.repeat(44), 'x'.repeat(10_000),
      `${'x'.repeat(42)}=`, `${'x'.repeat(42)}+`, `${'x'.repeat(42)}/`, `${'x'.repeat(42)} `, `${'x'.repeat(41)}\u00e9`,
      `${'x'.repeat(42)}\u0000`, '__proto__', 'constructor',
    ];
    for (const rejoin of garbage) raw.send(JSON.stringify({ kind: 'join', code, name: 'Bob', rejoin }));
    raw.send(JSON.stringify({ kind: 'leave', keepSeat: 'yes' }));
    raw.send(JSON.stringify({ kind: 'ping', nonce: 7 }));
    await vi.waitFor(() => expect(answers.length, answers.join('\n')).toBeGreaterThanOrEqual(garbage.length + 2), { timeout: 5000, interval: 10 });
    const kinds = answers.map((t) => JSON.parse(t) as { kind: string; code?: string });
    expect(kinds.slice(0, garbage.length + 1).map((m) => m.code)).toEqual(Array(garbage.length + 1).fill('bad-message'));
    expect(kinds[garbage.length + 1]).toEqual({ kind: 'pong', nonce: 7 });
    raw.close();
    // Ann is alone and nobody was admitted.
    await a.sync();
    expect(a.pending('member-joined')).toBe(0);
    a.client.close();
  });
});

describe('lobby resume: expiry', () => {
  let server: SignalingServer;
  const TTL_MS = 300;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null, emptyLobbyTtlMs: TTL_MS });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an away seat is forgotten after the lobby TTL (the seat opens); an empty lobby expires with its seats', async () => {
    const a = await createLobby(server.wsUrl, 'Ann');
    const code = a.joined.code;
    const b = await joinLobby(server.wsUrl, code, 'Ben');
    await drop(b);
    expect(await refusedJoin(server.wsUrl, code, 'Cat')).toBe('lobby-full');
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    expect(await refusedJoin(server.wsUrl, code, 'Ben', b.joined.rejoinToken)).toBe('bad-rejoin');
    const cat = await joinLobby(server.wsUrl, code, 'Ben'); // its seat and its name are free again
    expect(cat.joined.memberId).not.toBe(b.joined.memberId);

    // Everyone drops: the empty lobby expires after the TTL, away seats and all.
    await drop(a);
    await drop(cat);
    const back = await joinLobby(server.wsUrl, code, 'Ann', a.joined.rejoinToken); // within the TTL: fine
    expect(back.joined.memberId).toBe(a.joined.memberId);
    expect(back.joined.hostId).toBe(a.joined.memberId); // alone in the lobby: host again
    await drop(back);
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    expect(await refusedJoin(server.wsUrl, code, 'Ann', a.joined.rejoinToken)).toBe('expired-lobby');
  });
});
