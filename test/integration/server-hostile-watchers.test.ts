// Watchers (spectators) against a real signaling server on 127.0.0.1, raw `ws` clients: a watcher
// sending player-only messages, flooding, signaling another watcher, a 17th watcher, take-seat when
// full or started, names across members and watchers, and a watcher leaving. After each: the players'
// lobby is untouched and the server is healthy (`expectHealthy`). Every loop is bounded.
import { describe, expect, it } from 'vitest';
import type { SignalingServer } from '../../signaling/server.ts';
import { LOBBY_LIMITS } from '../../src/lobby/protocol.ts';
import { createLobby, expectHealthy, from, hostileServer, joinLobby, raw } from './server-hostile-helpers.ts';

const { start, track } = hostileServer();

async function watchLobby(url: string, code: string, name: string, options = {}) {
  const r = track(await raw(url, options));
  r.send({ kind: 'join', code, name, watch: true });
  return { r, joined: await r.take('joined') };
}

/** A 2-seat lobby with both seats taken (Alice hosts, Bob joined). */
async function fullLobby(s: SignalingServer) {
  const a = track(await raw(s.wsUrl));
  a.send({ kind: 'create', name: 'Alice', settings: { capacity: 2 } });
  const aj = await a.take('joined');
  const b = track(await joinLobby(s.wsUrl, aj.code, 'Bob'));
  await a.take('member-joined');
  return { a: { r: a, joined: aj }, b };
}

describe('watchers: admission', () => {
  it('admits a watcher to a full and to a started lobby only when the join says watch; players hear of it', async () => {
    const s = await start();
    const { a, b } = await fullLobby(s);
    const plain = track(await raw(s.wsUrl));
    plain.send({ kind: 'join', code: a.joined.code, name: 'Carol' });
    expect((await plain.take('error')).code).toBe('lobby-full');
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    expect(w.joined).toMatchObject({ role: 'watcher', hostId: a.joined.memberId, started: false });
    expect(w.joined.members.map((m) => m.name)).toEqual(['Alice', 'Bob']);
    expect(w.joined.rejoinToken).toBeUndefined();
    expect((await a.r.take('watcher-joined')).watcher).toMatchObject({ id: w.joined.memberId, name: 'Carol' });
    expect((await b.r.take('watcher-joined')).watcher.name).toBe('Carol');
    a.r.send({ kind: 'start-notice' });
    await w.r.take('lobby-started');
    const late = await watchLobby(s.wsUrl, a.joined.code, 'Dave');
    expect(late.joined.started).toBe(true);
    expect(late.joined.watchers?.map((x) => x.name)).toEqual(['Carol', 'Dave']);
    expect((await w.r.take('watcher-joined')).watcher.name).toBe('Dave');
    await expectHealthy(s);
  });

  it('keeps names unique across members and watchers, both ways', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const dup = track(await raw(s.wsUrl));
    dup.send({ kind: 'join', code: a.joined.code, name: 'ALICE', watch: true });
    expect((await dup.take('error')).code).toBe('name-taken');
    await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    const seat = track(await raw(s.wsUrl));
    seat.send({ kind: 'join', code: a.joined.code, name: 'carol' });
    expect((await seat.take('error')).code).toBe('name-taken');
    await expectHealthy(s);
  });

  it(`refuses watcher ${LOBBY_LIMITS.maxWatchers + 1} with too-many-watchers; a free place admits again`, async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const watchers = [];
    for (let i = 0; i < LOBBY_LIMITS.maxWatchers; i++) watchers.push(await watchLobby(s.wsUrl, a.joined.code, `W${i}`, from('127.0.2.1')));
    const extra = track(await raw(s.wsUrl));
    extra.send({ kind: 'join', code: a.joined.code, name: 'Extra', watch: true });
    expect((await extra.take('error')).code).toBe('too-many-watchers');
    watchers[0]?.r.send({ kind: 'leave' });
    expect((await a.r.take('watcher-left')).watcherId).toBe(watchers[0]?.joined.memberId);
    extra.send({ kind: 'join', code: a.joined.code, name: 'Extra', watch: true });
    expect((await extra.take('joined')).role).toBe('watcher');
    await expectHealthy(s);
  });

  it('counts watchers against the per-address connection limit like members', async () => {
    const s = await start({ maxConnectionsPerAddress: 3 });
    const a = track(await createLobby(s.wsUrl, 'Alice', from('127.0.3.1')));
    await watchLobby(s.wsUrl, a.joined.code, 'W1', from('127.0.3.1'));
    await watchLobby(s.wsUrl, a.joined.code, 'W2', from('127.0.3.1'));
    await expect(raw(s.wsUrl, from('127.0.3.1')).then(async (r) => { track(r); return (await r.closed()).code; })).resolves.toBe(4029);
    await expectHealthy(s);
  });
});

describe('watchers: what they may not do', () => {
  it('refuses set-ready, start-notice, reopen, record and report from a watcher, counted; the players see nothing', async () => {
    const s = await start();
    const { a, b } = await fullLobby(s);
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    await a.r.take('watcher-joined');
    const refused = [
      { kind: 'set-ready', ready: true }, { kind: 'start-notice' }, { kind: 'reopen' },
      { kind: 'record', data: 'AAAA' }, { kind: 'report', member: b.joined.memberId },
    ];
    for (const m of refused) {
      w.r.send(m);
      expect((await w.r.take('error')).code).toBe('watcher-not-allowed');
    }
    expect(s.stats().watcherRefusals).toBe(refused.length);
    // A ping is answered in order after them: everything the watcher sent has been handled.
    a.r.send({ kind: 'ping', nonce: 7 });
    await a.r.take('pong');
    for (const kind of ['member-updated', 'lobby-started', 'lobby-reopened', 'record', 'host-changed'] as const) expect(a.r.count(kind)).toBe(0);
    expect(b.r.ws.readyState).toBe(b.r.ws.OPEN);
    // The host still starts the match: the watcher's start-notice did not.
    a.r.send({ kind: 'start-notice' });
    await w.r.take('lobby-started');
    await expectHealthy(s);
  });

  it('relays signals between a watcher and a player, never between two watchers', async () => {
    const s = await start();
    const { a } = await fullLobby(s);
    const w1 = await watchLobby(s.wsUrl, a.joined.code, 'W1');
    const w2 = await watchLobby(s.wsUrl, a.joined.code, 'W2');
    w1.r.send({ kind: 'signal', to: w2.joined.memberId, data: { sdp: 'x' } });
    expect((await w1.r.take('error')).code).toBe('not-member');
    w1.r.send({ kind: 'signal', to: a.joined.memberId, data: { sdp: 'offer' } });
    expect(await a.r.take('signal')).toMatchObject({ from: w1.joined.memberId, data: { sdp: 'offer' } });
    a.r.send({ kind: 'signal', to: w1.joined.memberId, data: { sdp: 'answer' } });
    expect(await w1.r.take('signal')).toMatchObject({ from: a.joined.memberId, data: { sdp: 'answer' } });
    expect(w2.r.count('signal')).toBe(0);
    await expectHealthy(s);
  });

  it('a flooding watcher is closed (4008) and nobody else is: its chat is validated and relayed like a member\'s', async () => {
    const s = await start({ messagesPerSecond: 20, messageBurst: 20 });
    const { a, b } = await fullLobby(s);
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    w.r.send({ kind: 'chat', text: '  hello players  ' });
    expect(await a.r.take('chat')).toMatchObject({ from: w.joined.memberId, text: 'hello players' });
    expect((await b.r.take('chat')).text).toBe('hello players');
    expect((await w.r.take('chat')).text).toBe('hello players');
    w.r.send({ kind: 'chat', text: '\u202e' });
    expect((await w.r.take('error')).code).toBe('bad-message');
    for (let i = 0; i < 200; i++) w.r.send({ kind: 'chat', text: `spam ${i}` });
    expect((await w.r.closed()).code).toBe(4008);
    expect((await a.r.take('watcher-left')).watcherId).toBe(w.joined.memberId);
    expect(a.r.count('member-left') + b.r.count('member-left')).toBe(0);
    b.r.send({ kind: 'chat', text: 'still playing' });
    expect((await a.r.take('chat', 3000)).from).toBeDefined();
    await expectHealthy(s);
  });

  it("a player's watchersOnly line reaches the watchers only, with no echo", async () => {
    const s = await start();
    const { a, b } = await fullLobby(s);
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    a.r.send({ kind: 'chat', text: 'gg', watchersOnly: true });
    expect(await w.r.take('chat')).toMatchObject({ from: a.joined.memberId, text: 'gg' });
    a.r.send({ kind: 'ping', nonce: 1 });
    await a.r.take('pong');
    b.r.send({ kind: 'ping', nonce: 1 });
    await b.r.take('pong');
    expect(a.r.count('chat') + b.r.count('chat')).toBe(0);
    // A watcher's own watchersOnly flag is ignored: its line goes to everyone.
    w.r.send({ kind: 'chat', text: 'hi all', watchersOnly: true });
    expect((await a.r.take('chat')).text).toBe('hi all');
  });
});

describe('watchers: leaving and taking a seat', () => {
  it('a watcher leaving or dropping never touches the members, the host or their reports', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const b = track(await joinLobby(s.wsUrl, a.joined.code, 'Bob'));
    track(await joinLobby(s.wsUrl, a.joined.code, 'Eve'));
    a.r.send({ kind: 'start-notice' });
    await b.r.take('lobby-started');
    const w1 = await watchLobby(s.wsUrl, a.joined.code, 'W1');
    const w2 = await watchLobby(s.wsUrl, a.joined.code, 'W2');
    w1.r.send({ kind: 'leave' });
    w2.r.ws.terminate();
    expect((await b.r.take('watcher-left')).watcherId).toBe(w1.joined.memberId);
    expect((await b.r.take('watcher-left')).watcherId).toBe(w2.joined.memberId);
    expect(a.r.count('member-left') + a.r.count('host-changed') + b.r.count('member-left')).toBe(0);
    // Reports still need every other *member* (Eve too): Alice's word alone still drops nobody.
    a.r.send({ kind: 'report', member: b.joined.memberId });
    a.r.send({ kind: 'ping', nonce: 2 });
    await a.r.take('pong');
    expect(b.r.ws.readyState).toBe(b.r.ws.OPEN);
    await expectHealthy(s);
  });

  it('take-seat: refused while full or started and for a member; in an open lobby with a free seat, the watcher becomes a member', async () => {
    const s = await start();
    const { a, b } = await fullLobby(s);
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    await b.r.take('watcher-joined');
    w.r.send({ kind: 'take-seat' });
    expect((await w.r.take('error')).code).toBe('lobby-full');
    a.r.send({ kind: 'take-seat' });
    expect((await a.r.take('error')).code).toBe('not-watching');
    a.r.send({ kind: 'start-notice' });
    await w.r.take('lobby-started');
    b.r.send({ kind: 'leave' });
    await w.r.take('member-left');
    w.r.send({ kind: 'take-seat' });
    expect((await w.r.take('error')).code).toBe('in-progress');
    a.r.send({ kind: 'reopen' });
    await w.r.take('lobby-reopened');
    w.r.send({ kind: 'take-seat' });
    const seated = await w.r.take('joined');
    expect(seated).toMatchObject({ role: 'member', hostId: a.joined.memberId });
    expect(seated.rejoinToken).toHaveLength(LOBBY_LIMITS.rejoinTokenChars);
    expect(seated.members.map((m) => m.name)).toEqual(['Alice', 'Carol']);
    expect(await a.r.take('watcher-left')).toMatchObject({ watcherId: w.joined.memberId, seated: true });
    expect((await a.r.take('member-joined')).member).toMatchObject({ id: seated.memberId, name: 'Carol' });
    // Now a member: it may set ready, and it is no longer a watcher.
    w.r.send({ kind: 'set-ready', ready: true });
    expect((await a.r.take('member-updated')).member).toMatchObject({ id: seated.memberId, ready: true });
    w.r.send({ kind: 'take-seat' });
    expect((await w.r.take('error')).code).toBe('not-watching');
    await expectHealthy(s);
  });

  it('an away seat counts as taken: a watcher cannot take the seat of a player who dropped', async () => {
    const s = await start();
    const { a, b } = await fullLobby(s);
    const w = await watchLobby(s.wsUrl, a.joined.code, 'Carol');
    b.r.ws.terminate();
    await w.r.take('member-left');
    w.r.send({ kind: 'take-seat' });
    expect((await w.r.take('error')).code).toBe('lobby-full');
  });

  it('refuses watching a lobby nobody is connected to (expired-lobby) and an unknown code', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    a.r.send({ kind: 'leave' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const w = track(await raw(s.wsUrl));
    w.send({ kind: 'join', code: a.joined.code, name: 'Carol', watch: true });
    expect((await w.take('error')).code).toBe('expired-lobby');
    w.send({ kind: 'join', code: 'A'.repeat(22), name: 'Carol', watch: true });
    expect((await w.take('error')).code).toBe('unknown-lobby');
  });
});
