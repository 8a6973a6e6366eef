// A watcher's room against hostile peers (loopback channels, fake lobby server, manual clock): which
// match it follows is never one peer's word when others can be heard; strangers, other watchers and
// non-players are ignored and counted; a departed feeder is dropped from the failover order.
import { describe, expect, it } from 'vitest';
import { ControlChannel, type ControlMessage } from '../../src/lobby/control.ts';
import { DEFAULT_SETTINGS } from '../../src/lobby/protocol.ts';
import { Room, type MeshLink } from '../../src/lobby/room.ts';
import { AGREE_WINDOW_MS, WatchRoom, type WatchRoomEvent } from '../../src/lobby/watch-room.ts';
import { feederOrder } from '../../src/lobby/watching.ts';
import type { PeerSocket } from '../../src/netcode/socket.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';

const CODE = 'c'.repeat(22);
const setup = { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };
const word = (sessionId: number, order: string[] = ['m1', 'm2']): ControlMessage => ({ t: 'sp-match', round: 1, seed: 9, sessionId, order, setup: { ...setup, players: order.length } });

/** Watcher w1 of a lobby with players m1, m2 and another watcher w2; their ends of w1's reliable channel. */
async function watcher() {
  const { client, emit, sent } = fakeSignaling();
  const reliable = createLoopbackMesh(['w1', 'm1', 'm2', 'w2', 'x9']);
  const unreliable = createLoopbackMesh(['w1', 'm1', 'm2']);
  const events: { kind: 'open'; peer: string }[] = [{ kind: 'open', peer: 'm1' }, { kind: 'open', peer: 'm2' }];
  const connected: string[] = [];
  const link: MeshLink = {
    localId: 'w1', unreliable: unreliable.get('w1') as PeerSocket, reliable: reliable.get('w1') as PeerSocket,
    connectedPeers: () => ['m1', 'm2'], drainEvents: () => events.splice(0), close: () => undefined,
    connect: (m) => void connected.push(m.id), disconnect: () => undefined,
  };
  const clock = { now: 1000 };
  const entering = WatchRoom.watch({ signaling: client, createLink: async () => link, now: () => clock.now, random: () => 7 }, CODE, 'Wat');
  emit({
    kind: 'joined', memberId: 'w1', code: CODE, linkPath: '/lobby/' + CODE, hostId: 'm1', settings: DEFAULT_SETTINGS, started: true, iceServers: [], peer: null,
    members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }],
    role: 'watcher', watchers: [{ id: 'w2', name: 'Other', peerId: '' }, { id: 'w1', name: 'Wat', peerId: '' }],
  });
  const r = await entering;
  if (!r.ok) throw new Error(r.error);
  const room = r.room;
  const seen: WatchRoomEvent[] = [];
  const tick = (dt = 1): void => {
    clock.now += dt;
    room.update(clock.now);
    seen.push(...room.drainEvents());
  };
  const from = (id: string) => new ControlChannel(reliable.get(id) as PeerSocket);
  return { room, emit, sent, tick, seen, from, connected };
}

describe('a watcher against hostile peers', () => {
  it('asked for watch in its join, links to players only, and follows the match once both players agree', async () => {
    const { room, sent, tick, seen, from, connected } = await watcher();
    expect(sent[0]).toMatchObject({ kind: 'join', code: CODE, watch: true });
    expect(connected).toEqual(['m1', 'm2']);
    tick();
    from('m1').send('w1', word(5));
    tick();
    expect(room.match).toBeUndefined(); // m2's link is open: its word is awaited
    from('m2').send('w1', word(5));
    tick();
    expect(room.match?.start.sessionId).toBe(5);
    expect(seen.filter((e) => e.kind === 'watching-started')).toHaveLength(1);
  });

  it('refuses the match when the players disagree, and counts it', async () => {
    const { room, tick, seen, from } = await watcher();
    tick();
    from('m1').send('w1', word(5));
    from('m2').send('w1', word(6));
    tick();
    expect(room.match).toBeUndefined();
    expect(room.stats().disagreed).toBe(1);
    expect(seen.some((e) => e.kind === 'watching-refused')).toBe(true);
  });

  it("takes a lone player's word only after the window, when the other stayed silent", async () => {
    const { room, tick, from } = await watcher();
    tick();
    from('m1').send('w1', word(5));
    tick();
    tick(AGREE_WINDOW_MS - 10);
    expect(room.match).toBeUndefined();
    tick(20);
    expect(room.match?.start.sessionId).toBe(5);
  });

  it('ignores words from another watcher, a stranger, and a member who is not a player of the match it names', async () => {
    const { room, tick, from } = await watcher();
    tick();
    from('w2').send('w1', word(7));
    from('x9').send('w1', word(7));
    from('m1').send('w1', word(7, ['m2', 'x9'])); // m1 vouches for a match it does not play in
    from('m2').send('w1', word(7, ['m2', 'm2'])); // a player twice
    from('m1').send('w1', { t: 'ping', nonce: 1, t0: 0 });
    tick(AGREE_WINDOW_MS + 1);
    tick();
    expect(room.match).toBeUndefined();
    expect(room.stats()).toMatchObject({ strangers: 2, ignored: 1 });
  });

  it('a flood of words from one player costs a bounded budget and never replaces the followed match', async () => {
    const { room, tick, from } = await watcher();
    tick();
    from('m1').send('w1', word(5));
    from('m2').send('w1', word(5));
    tick();
    const followed = room.match;
    for (let i = 0; i < 500; i++) from('m1').send('w1', word(5));
    tick();
    expect(room.match).toBe(followed);
    expect(room.stats().ignored).toBeGreaterThan(0); // past the per-peer control budget
  });

  it('drops a departed player from the failover order; watching ends when every player left', async () => {
    const { room, emit, tick, seen, from } = await watcher();
    tick();
    from('m1').send('w1', word(5));
    from('m2').send('w1', word(5));
    tick();
    emit({ kind: 'member-left', memberId: 'm1', reason: 'left' });
    expect(room.match?.feeder).toBe('m2');
    emit({ kind: 'member-left', memberId: 'm2', reason: 'disconnected' });
    expect(seen.length).toBeGreaterThan(0);
    tick();
    expect(seen.some((e) => e.kind === 'watching-ended')).toBe(true);
  });

  it('a refused take-seat (lobby-full) watches again with fresh links; nothing was left half-open', async () => {
    const { room, emit, sent } = await watcher();
    const taking = room.takeSeat();
    expect(sent.at(-1)).toEqual({ kind: 'take-seat' });
    emit({ kind: 'error', code: 'lobby-full', message: 'the lobby is full' });
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent.slice(-2)).toEqual([{ kind: 'leave' }, { kind: 'join', code: CODE, name: 'Wat', watch: true }]);
    emit({
      kind: 'joined', memberId: 'w3', code: CODE, linkPath: '/lobby/' + CODE, hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
      members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }], role: 'watcher',
    });
    const r = await taking;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('lobby-full');
    expect(r.watching?.localId).toBe('w3');
    room.update(5000); // the old room is closed: it does nothing any more
    expect(room.drainEvents()).toEqual([]);
  });

  it("a take-seat is not refused by a signal's not-member error (its ICE candidate to a player who just left): the seat is taken", async () => {
    const { room, emit, sent, seen, tick } = await watcher();
    emit({ kind: 'error', code: 'not-member', message: 'the target is not another member of your lobby' });
    tick();
    expect(seen.filter((e) => e.kind === 'server-error')).toEqual([]); // nothing for the page to show either
    const taking = room.takeSeat();
    expect(sent.at(-1)).toEqual({ kind: 'take-seat' });
    emit({ kind: 'error', code: 'not-member', message: 'the target is not another member of your lobby' }); // crossed the take-seat
    emit({ kind: 'error', code: 'rate-limited', message: 'too many messages; slow down' }); // a relay dropped, not the request
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent.at(-1)).toEqual({ kind: 'take-seat' }); // still waiting: no leave, no watch again
    emit({
      kind: 'joined', memberId: 'm3', code: CODE, linkPath: '/lobby/' + CODE, hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
      members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm3', name: 'Wat', ready: false, peerId: '' }], role: 'member',
    });
    const r = await taking;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.room.localId).toBe('m3');
    expect(sent.some((m) => m.kind === 'leave')).toBe(false);
  });

  it('feederOrder spreads watchers over the players and keeps slot order after the rotation', () => {
    const order = ['a', 'b', 'c'];
    const firsts = new Set(Array.from({ length: 30 }, (_, i) => feederOrder(order, () => true, `w${i}`)[0]));
    expect(firsts.size).toBe(3);
    const rotated = feederOrder(order, (id) => id !== 'b', 'w1');
    expect(rotated.length).toBe(2);
    expect(new Set(rotated)).toEqual(new Set(['a', 'c']));
    expect(feederOrder(order, () => false, 'w1')).toEqual([]);
  });
});

describe("a player's room with watchers", () => {
  it('a watcher joining never aborts a round nor counts in meshReady; its handshake messages are ignored', async () => {
    const { client, emit, sent } = fakeSignaling();
    const reliable = createLoopbackMesh(['m2', 'm1', 'w1']);
    const unreliable = createLoopbackMesh(['m2', 'm1', 'w1']);
    const linkEvents: { kind: 'open'; peer: string }[] = [{ kind: 'open', peer: 'm1' }];
    const connected: string[] = [];
    const link: MeshLink = {
      localId: 'm2', unreliable: unreliable.get('m2') as PeerSocket, reliable: reliable.get('m2') as PeerSocket,
      connectedPeers: () => ['m1'], drainEvents: () => linkEvents.splice(0), close: () => undefined,
      connect: (m) => void connected.push(m.id), disconnect: () => undefined,
    };
    const clock = { now: 1000 };
    const entering = Room.join({ signaling: client, createLink: async () => link, now: () => clock.now, random: () => 7, countdownMs: 0 }, CODE, 'Bob');
    emit({
      kind: 'joined', memberId: 'm2', code: CODE, linkPath: '/lobby/' + CODE, hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
      members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }],
    });
    const r = await entering;
    if (!r.ok) throw new Error(r.error);
    const room = r.room;
    room.update(++clock.now);
    expect(room.meshReady).toBe(true);
    const round = room.handshake;
    expect(round).toBeDefined();
    emit({ kind: 'watcher-joined', watcher: { id: 'w1', name: 'Wat', peerId: '' } });
    linkEvents.push({ kind: 'open', peer: 'w1' });
    const w1 = new ControlChannel(reliable.get('w1') as PeerSocket);
    w1.send('m2', { t: 'hs-abort', round: 1, code: 'left', about: ['m1'] });
    room.update(++clock.now);
    expect(connected).toEqual(['m1', 'w1']);
    expect(room.handshake).toBe(round);
    expect(room.drainEvents().filter((e) => e.kind === 'handshake-aborted')).toEqual([]);
    expect(room.meshReady).toBe(true);
    expect(room.nameOf('w1')).toBe('Wat');
    // No match yet: the watcher gets no sp-match.
    expect(new ControlChannel(reliable.get('w1') as PeerSocket).receiveAll()).toEqual([]);
    // An in-game line would go to the watchers through the server; a lobby line is the server's anyway.
    room.chat('hello');
    expect(sent.filter((m) => m.kind === 'chat')).toEqual([{ kind: 'chat', text: 'hello' }]);
    emit({ kind: 'watcher-left', watcherId: 'w1' });
    expect(room.watchers.list).toEqual([]);
    expect(room.nameOf('w1')).toBe('Wat');
  });
});
