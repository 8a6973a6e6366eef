// A hostile member as the Room sees it (control channel over an in-memory pair, a fake lobby server):
// a round counter near 2^32, in-game chat with control characters, bidi overrides and floods, forged
// pongs, a control-message flood, and Not ready during the countdown.
import { describe, expect, it } from 'vitest';
import { ControlChannel, hashSetup, type ControlMessage } from '../../src/lobby/control.ts';
import { CONTROL_RATES, MAX_ROUND_AHEAD, roundsAhead } from '../../src/lobby/control-guard.ts';
import { DEFAULT_SETTINGS } from '../../src/lobby/protocol.ts';
import { PROTOCOL_VERSION } from '../../src/netcode/protocol.ts';
import { Room, type MeshLink, type RoomEvent } from '../../src/lobby/room.ts';
import type { PeerSocket } from '../../src/netcode/socket.ts';
import { createLoopbackMesh, createLoopbackPair } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';


/**
 * Bob (m2) in a lobby whose host Ann (m1) — and, with `withCat`, a third member Cat (m3) — are the
 * test: `host` / `cat` are their ends of Bob's reliable channel.
 */
async function bobWithHostileHost(countdownMs = 0, withCat = false): Promise<{ room: Room; host: ControlChannel; cat: ControlChannel; raw: PeerSocket; clock: { now: number }; events: RoomEvent[] }> {
  const { client, emit } = fakeSignaling();
  const ids = withCat ? ['m2', 'm1', 'm3'] : ['m2', 'm1'];
  const reliable = createLoopbackMesh(ids);
  const [bobU] = createLoopbackPair('m2', 'm1');
  const bob = reliable.get('m2') as PeerSocket;
  const ann = reliable.get('m1') as PeerSocket;
  const others = ids.slice(1);
  const linkEvents: ReturnType<MeshLink['drainEvents']> = others.map((peer) => ({ kind: 'open', peer }));
  const link: MeshLink = { localId: 'm2', unreliable: bobU, reliable: bob, connectedPeers: () => others, drainEvents: () => linkEvents.splice(0), close: () => undefined, connect: () => undefined, disconnect: () => undefined };
  const clock = { now: 1000 };
  const entering = Room.join({ signaling: client, createLink: async () => link, now: () => clock.now, random: () => 7, countdownMs }, 'c'.repeat(22), 'Bob');
  emit({
    kind: 'joined', memberId: 'm2', code: 'c'.repeat(22), linkPath: '/lobby/' + 'c'.repeat(22), hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
    members: [
      { id: 'm1', name: 'Ann', ready: false, peerId: '' },
      { id: 'm2', name: 'Bob', ready: false, peerId: '' },
      ...(withCat ? [{ id: 'm3', name: 'Cat', ready: false, peerId: '' }] : []),
    ],
  });
  const r = await entering;
  if (!r.ok) throw new Error(r.error);
  const events: RoomEvent[] = [];
  const room = r.room;
  const tick = room.update.bind(room);
  room.update = (now: number) => {
    tick(now);
    events.push(...room.drainEvents());
  };
  room.update(clock.now);
  return { room, host: new ControlChannel(ann), cat: new ControlChannel(reliable.get('m3') ?? ann), raw: ann, clock, events };
}

const vote = (round: number, players = 2): ControlMessage => ({ t: 'hs-ready', round, ready: true, protocolVersion: PROTOCOL_VERSION, gameVersion: 1, configHash: hashSetup({ players, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }), setup: { players, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, rttMs: 0 });

describe('hostile round counters', () => {
  it('roundsAhead compares modulo 2^32', () => {
    expect(roundsAhead(1, 2)).toBe(1);
    expect(roundsAhead(0xffff_ffff, 0)).toBe(1);
    expect(roundsAhead(5, 4)).toBe(0xffff_ffff);
    expect(roundsAhead(1, 0xffff_fff0)).toBeGreaterThan(MAX_ROUND_AHEAD);
  });

  it("a member's round, near 2^32 or a few ahead, never moves the room: only the host's messages do (review finding 3)", async () => {
    const { room, host, cat, clock } = await bobWithHostileHost(0, true);
    expect(room.handshake?.phase).toBe('syncing');
    for (const round of [0xffff_ffff, 0xffff_fffe, 2 ** 31, 1 + MAX_ROUND_AHEAD + 1, 1 + MAX_ROUND_AHEAD, 3]) cat.send('m2', vote(round));
    room.update(++clock.now);
    room.update(++clock.now);
    expect(room.currentRound).toBe(1);
    expect(room.controlStats().otherRounds).toBe(6);
    host.send('m2', vote(1 + MAX_ROUND_AHEAD)); // the host a few rounds ahead: we catch up
    room.update(++clock.now);
    room.update(++clock.now);
    expect(room.currentRound).toBe(1 + MAX_ROUND_AHEAD);
    expect(room.handshake).toBeDefined(); // and run that round
  });

  it("a member sending next-round messages every second cannot restart our round forever: our own timeout still fires", async () => {
    const { room, cat, clock, events } = await bobWithHostileHost(0, true);
    room.setReady(true); // the host never answers Bob's clock probes
    for (let s = 0; s < 30; s++) {
      cat.send('m2', { t: 'hs-ack', round: room.currentRound + 1, sessionId: 1 });
      for (let i = 0; i < 10; i++) room.update((clock.now += 100));
    }
    const aborts = events.filter((e) => e.kind === 'handshake-aborted');
    expect(aborts.length).toBeGreaterThanOrEqual(1);
    expect(aborts[0]).toMatchObject({ code: 'host-timeout' });
    expect(room.currentRound).toBe(1 + aborts.length); // only our own aborts moved the round
  });

  it("a member's vote for the next round that arrives before we get there is held, and counted once we are there", async () => {
    const { room, host, cat, clock, events } = await bobWithHostileHost(0, true);
    cat.send('m2', vote(2, 3)); // Cat already aborted round 1 and readied again; its abort to us is slower
    room.update(++clock.now);
    expect(room.currentRound).toBe(1);
    host.send('m2', { t: 'hs-abort', round: 1, code: 'unready', about: ['m1'] });
    for (let i = 0; i < 3; i++) room.update(++clock.now);
    expect(room.currentRound).toBe(2);
    expect(room.handshake?.readyOf('m3')).toBe(true);
    expect(events.filter((e) => e.kind === 'handshake-aborted')).toHaveLength(1);
  });

  it('round numbers wrap at 2^32 without overflow: after 0xffffffff comes 0', async () => {
    const { room, host, clock } = await bobWithHostileHost();
    host.send('m2', vote(0xffff_ffff)); // 2 rounds *behind* ours in serial arithmetic: a host straggling, ignored
    room.update(++clock.now);
    expect(room.currentRound).toBe(1);
    for (const round of [2 ** 31, 0xffff_ffff]) {
      host.send('m2', vote(round)); // far away: the host's round wins
      room.update(++clock.now);
      expect(room.currentRound).toBe(round);
    }
    host.send('m2', vote(0));
    room.update(++clock.now);
    expect(room.currentRound).toBe(0);
    expect(roundsAhead(0xffff_ffff, 0)).toBe(1);
  });
});

/**
 * Bob presses Ready; the host answers his clock probes as an honest host would, votes and sends START
 * for frame 0 `leadMs` ahead: Bob holds a committed match (the host's queue drained).
 */
function committedBy(t: Awaited<ReturnType<typeof bobWithHostileHost>>, leadMs: number): void {
  t.room.setReady(true);
  for (let i = 0; i < 200 && t.room.handshake?.phase === 'syncing'; i++) {
    t.clock.now += 10;
    for (const { message } of t.host.receiveAll()) if (message.t === 'hs-sync-req') t.host.send('m2', { t: 'hs-sync-rep', round: message.round, nonce: message.nonce, t0: message.t0, t1: t.clock.now, t2: t.clock.now });
    t.room.update(t.clock.now);
  }
  t.host.send('m2', vote(1));
  t.host.send('m2', { t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['m1', 'm2'], startAt: t.clock.now + leadMs, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } });
  t.room.update(++t.clock.now);
  expect(t.room.match).toBeDefined();
  t.host.receiveAll();
}

describe('in-game chat', () => {
  /** Bob in a running match (the host's START accepted), so chat goes over the control channel. */
  async function inMatch() {
    const t = await bobWithHostileHost();
    committedBy(t, 500);
    return t;
  }

  it('sending obeys the lobby rules: control characters, bidi overrides and over-long lines are refused, and nothing is sent', async () => {
    const { room, host } = await inMatch();
    for (const bad of ['a\u0007b', 'abc\u202egpj.exe', 'x'.repeat(281), '   ']) expect(room.chat(bad).ok, JSON.stringify(bad)).toBe(false);
    expect(host.receiveAll()).toEqual([]);
    expect(room.chat('  gg  ')).toEqual({ ok: true, value: undefined });
    expect(host.receiveAll().map((m) => m.message)).toEqual([{ t: 'chat', text: 'gg' }]);
  });

  it('receiving: a line with control characters or a bidi override is dropped and counted, never shown', async () => {
    const { room, raw, clock, events } = await inMatch();
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    raw.send('m2', enc({ t: 'chat', text: 'hi\u0000there' }));
    raw.send('m2', enc({ t: 'chat', text: '\u202eevil' }));
    raw.send('m2', enc({ t: 'chat', text: 'fine' }));
    room.update(++clock.now);
    expect(events.filter((e) => e.kind === 'chat').map((e) => (e as { text: string }).text)).toEqual(['fine']);
    expect(room.controlStats().malformed).toBe(2);
  });

  it("a peer's chat flood is dropped past the lobby server's budget and counted; our own flood is refused", async () => {
    const { room, host, clock, events } = await inMatch();
    for (let i = 0; i < 1000; i++) host.send('m2', { t: 'chat', text: `spam ${i}` });
    room.update(++clock.now);
    const shown = events.filter((e) => e.kind === 'chat').length;
    expect(shown).toBeGreaterThanOrEqual(CONTROL_RATES.chat.burst);
    expect(shown).toBeLessThanOrEqual(CONTROL_RATES.chat.burst + 1);
    expect(room.controlStats().chatRateLimited + room.controlStats().rateLimited).toBe(1000 - shown);
    clock.now += 1000; // a second later the budget refilled: honest lines are shown again
    host.send('m2', { t: 'chat', text: 'still here' });
    room.update(clock.now);
    expect(events.at(-1)).toMatchObject({ kind: 'chat', text: 'still here' });
    let refused = 0;
    for (let i = 0; i < 300; i++) if (!room.chat(`mine ${i}`).ok) refused++;
    expect(refused).toBeGreaterThanOrEqual(300 - CONTROL_RATES.chat.burst - 1);
  });
});

describe('control flood and forged pongs', () => {
  it('a ping flood gets at most the control budget of pongs back', async () => {
    const { room, host, clock } = await bobWithHostileHost();
    host.receiveAll();
    for (let i = 0; i < 5000; i++) host.send('m2', { t: 'ping', nonce: i, t0: 0 });
    room.update(++clock.now);
    const pongs = host.receiveAll().filter((m) => m.message.t === 'pong').length;
    expect(pongs).toBeLessThanOrEqual(CONTROL_RATES.control.burst + 1);
    expect(room.controlStats().rateLimited).toBeGreaterThanOrEqual(5000 - CONTROL_RATES.control.burst - 1);
  });

  it('a pong with a forged time does not set the RTT shown', async () => {
    const { room, host, clock } = await bobWithHostileHost();
    host.send('m2', { t: 'pong', nonce: 1, t0: -1e12 });
    room.update(++clock.now);
    expect(room.rtt.get('m1')).toBeUndefined();
  });
});

describe('Not ready during the countdown', () => {
  it('endMatch before frame 0 aborts the round and tells the host (unready), instead of going silent', async () => {
    const t = await bobWithHostileHost(3000);
    committedBy(t, 2000);
    t.room.endMatch();
    expect(t.room.match).toBeUndefined();
    expect(t.room.ready).toBe(false);
    expect(t.host.receiveAll().map((m) => m.message)).toContainEqual({ t: 'hs-abort', round: 1, code: 'unready', about: ['m2'] });
    t.room.update(++t.clock.now);
    expect(t.events.filter((e) => e.kind === 'handshake-aborted')).toMatchObject([{ code: 'unready', reason: 'Bob is no longer ready' }]);
  });
});
