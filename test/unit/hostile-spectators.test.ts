/**
 * Hostile spectators and hostile feeders (sans-IO, loopback mesh, manual clock).
 *
 * Player side: requests from a peer not admitted, floods, other sessions, lying `next`, oversize and
 * garbage, a spectator sending inputs — all dropped and counted, the budget holds, and the players'
 * match is the same as without them. Spectator side: feeds with a wrong checksum, another session, gaps,
 * other player counts, changed inputs, random bytes — all dropped and counted, never thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, decodeState, encodeState, InputBits, type GameState } from '../../src/game/index.ts';
import { decodePacket, decodeTransfer, encodePacket, encodeTransfer, LIMITS, SPECTATOR_LIMITS, SpectatorSession, type Message, type PeerSocket } from '../../src/netcode/index.ts';
import { PROTOCOL_VERSION } from '../../src/netcode/protocol.ts';
import { FAILOVER_MS } from '../../src/netcode/sessions/spectator-session.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';
import { makeRig, runFrame, TICK_MS, type RigPeer } from '../support/netcode.ts';

const at = (tick: number): number => tick * TICK_MS;
const input = (p: number, t: number): number => (t * 7 + p * 3) % 11 === 0 ? 1 : (t >> 4) % 3;
const SESSION = 42;
const packet = (message: Message, sessionId = SESSION): Uint8Array => encodePacket({ sessionId, message });
const decodeGame = (b: Uint8Array): GameState | undefined => {
  const r = decodeState(b);
  return r.ok ? r.state : undefined;
};

function rig(extra: readonly string[] = ['s0', 's1', 'x']) {
  const { peers, sockets } = makeRig(2, { encodeState, departedInput: InputBits.absent }, undefined, extra);
  const socket = (id: string): PeerSocket => {
    const s = sockets.get(id);
    if (s === undefined) throw new Error(`no socket ${id}`);
    return s;
  };
  return { peers: peers as [RigPeer, RigPeer], socket };
}

function play(peers: readonly RigPeer[], from: number, to: number, each?: (t: number) => void): void {
  for (let t = from; t < to; t++) {
    each?.(t);
    for (const p of peers) runFrame(p, input(p.player, t), at(t));
  }
}

const feedsOf = (s: PeerSocket): Message[] => s.receiveAll().flatMap((d) => {
  const r = decodePacket(d.bytes);
  return r.ok ? [r.packet.message] : [];
});

describe('hostile spectators (the player side)', () => {
  it('a peer not admitted gets nothing; a player asking is rejected; a 17th spectator is not admitted', () => {
    const { peers, socket } = rig();
    const [p0, p1] = peers;
    play(peers, 0, 120);
    socket('x').send('p0', packet({ kind: 'spectate-request', next: 0 }));
    socket('p1').send('p0', packet({ kind: 'spectate-request', next: 0 }));
    play(peers, 120, 122);
    expect(feedsOf(socket('x'))).toEqual([]);
    const s = p0.session.stats(at(122));
    expect(s.spectators?.dropped['not-admitted']).toBe(1);
    expect(s.unknownPeerPackets).toBe(1);
    expect(s.rejected?.['spectate-unexpected']).toBe(1);
    for (let i = 0; i < SPECTATOR_LIMITS.maxFed + 1; i++) p1.session.watch(`w${i}`);
    p1.session.watch('p0'); // a player is never a spectator
    expect(p1.session.stats(at(122)).spectators?.watching).toBe(SPECTATOR_LIMITS.maxFed);
    expect(p1.session.stats(at(122)).spectators?.dropped.capacity).toBe(1);
  });

  it('floods, other sessions, garbage, oversize, lying `next` and inputs from a spectator: dropped and counted; the match is unchanged', () => {
    const honest = rig();
    play(honest.peers, 0, 600);
    const { peers, socket } = rig();
    const [p0] = peers;
    p0.session.watch('s0');
    const s0 = socket('s0');
    play(peers, 0, 600, (t) => {
      if (t < 60) return;
      // A flood: ten requests a frame, asking for a transfer every time (with pauses for the lies below).
      if (t % 10 < 5) for (let i = 0; i < 10; i++) s0.send('p0', packet({ kind: 'spectate-request', next: 0 }));
      if (t % 50 === 9) {
        s0.send('p0', packet({ kind: 'spectate-request', next: 1 }, SESSION + 1));
        s0.send('p0', Uint8Array.from([0xb7, PROTOCOL_VERSION, 13, 0, 0, 0, SESSION, 0xff, 0xff, 0xff, 0xff, 0xff]));
        s0.send('p0', new Uint8Array(LIMITS.maxTransferDatagramBytes + 1).fill(13));
        s0.send('p0', packet({ kind: 'spectate-request', next: LIMITS.maxFrame }));
        s0.send('p0', packet({ kind: 'input', player: 0, startFrame: t, inputs: [255, 255], ackFrame: -1, senderFrame: t, senderTimeMs: 0, status: [{ disconnected: true, lastFrame: 0 }, { disconnected: true, lastFrame: 0 }] }));
        s0.send('p0', packet({ kind: 'disconnect-notice', player: 1, frame: t }));
      }
    });
    const st = p0.session.stats(at(600)).spectators;
    expect(st?.dropped.rate).toBeGreaterThan(1500);
    expect(st?.dropped).toMatchObject({ session: 10, decode: 20, kind: 20 });
    expect(st?.dropped.ahead).toBeGreaterThan(0);
    expect(st?.dropped.budget).toBeGreaterThan(0); // transfers every 50 ms do not fit 2,000 B/s
    // The byte budget holds whatever is asked: burst + rate x time.
    expect(st?.bytesOut).toBeLessThanOrEqual(SPECTATOR_LIMITS.burstBytes + (SPECTATOR_LIMITS.bytesPerSecond * at(600 - 60)) / 1000);
    expect(st?.transfers).toBeGreaterThan(1);
    // Nothing the spectator sent reached the match.
    for (const p of peers) p.sim.execute(p.session.advanceFrame(at(600), false));
    for (const p of honest.peers) p.sim.execute(p.session.advanceFrame(at(600), false));
    expect(peers.map((p) => checksum(p.sim.state))).toEqual(honest.peers.map((p) => checksum(p.sim.state)));
    expect(p0.session.droppedPeers()).toEqual([]);
  });

  it('answers `next` with the final inputs from it, or a transfer when it is 0 or no longer held', () => {
    const { peers, socket } = rig();
    const [p0] = peers;
    p0.session.watch('s0');
    play(peers, 0, 600);
    const s0 = socket('s0');
    const final = p0.session.confirmedFrame;
    const ask = (next: number, ms: number): Message[] => {
      s0.send('p0', packet({ kind: 'spectate-request', next }));
      p0.session.poll(ms);
      return feedsOf(s0);
    };
    const t0 = at(600);
    const [a] = ask(final - 10, t0);
    expect(a?.kind === 'spectate-feed' && a.body.kind === 'inputs' ? a.body : undefined).toEqual({
      kind: 'inputs', startFrame: final - 10, finalFrame: final, inputs: Array.from({ length: 11 }, (_, i) => p0.session.confirmedInputs(final - 10 + i)),
    });
    const [b] = ask(1, t0 + 100); // long gone from the queues
    expect(b?.kind === 'spectate-feed' ? b.body.kind : undefined).toBe('transfer');
    expect(ask(final + 1, t0 + 200)).toEqual([]); // nothing new (a keep-alive comes only every 250 ms)
    const [c] = ask(final + 1, t0 + 400);
    expect(c).toEqual({ kind: 'spectate-feed', body: { kind: 'inputs', startFrame: final + 1, finalFrame: final, inputs: [] } });
    expect(ask(final, t0 + 420)).toEqual([]); // within 50 ms of the last reply
    expect(ask(final + 5, t0 + 700)).toEqual([]); // ahead (a failover from a faster feeder): nothing yet, not a lie
    expect(p0.session.stats(t0).spectators?.dropped).toMatchObject({ ahead: 0, rate: 1 });
  });
});

describe('hostile feeders (the spectator side)', () => {
  /** A spectator of a real 2-player match whose feeders `f0` and `f1` are raw sockets a test drives. */
  function watcher() {
    const { peers, socket } = rig(['s0']);
    const [p0] = peers;
    p0.session.watch('s0');
    play(peers, 0, 300);
    const mesh = createLoopbackMesh(['f0', 'f1', 'spec']);
    const raw = (id: string): PeerSocket => mesh.get(id) as PeerSocket;
    const spec = new SpectatorSession<GameState>({ players: 2, sessionId: SESSION, socket: raw('spec'), feeders: ['f0', 'f1'], decodeState: decodeGame, checksum, departedInput: InputBits.absent });
    // A real transfer, fetched from p0 by a real spectator request.
    const fetchTransfer = (ms: number): Uint8Array => {
      socket('s0').send('p0', packet({ kind: 'spectate-request', next: 0 }));
      p0.session.poll(ms);
      const real = feedsOf(socket('s0'))[0];
      if (real?.kind !== 'spectate-feed' || real.body.kind !== 'transfer') throw new Error('no transfer');
      return real.body.payload;
    };
    return { spec, raw, transfer: fetchTransfer(at(300)), p0, peers, fetchTransfer };
  }
  const feed = (from: PeerSocket, body: Extract<Message, { kind: 'spectate-feed' }>['body'], sessionId = SESSION): void => from.send('spec', packet({ kind: 'spectate-feed', body }, sessionId));

  it('checks every transfer: another session, a wrong checksum, an undecodable state, another player count', () => {
    const { spec, raw, transfer } = watcher();
    const f0 = raw('f0');
    const real = decodeTransfer(transfer);
    if (!real.ok) throw new Error('bad transfer');
    // A decodable state with a checksum that is not its own.
    const t = { sessionId: SESSION, epoch: 0, frame: 100, resumeFrame: 0, checksum: (real.transfer.checksum + 1) >>> 0, state: real.transfer.state, players: [{ departedAfter: -1, coverage: -1, inputs: [] }, { departedAfter: -1, coverage: -1, inputs: [] }] };
    feed(f0, { kind: 'transfer', payload: transfer }, SESSION + 1);
    feed(f0, { kind: 'transfer', payload: encodeTransfer({ ...t, sessionId: 7 }) as Uint8Array });
    feed(f0, { kind: 'transfer', payload: encodeTransfer(t) as Uint8Array });
    feed(f0, { kind: 'transfer', payload: encodeTransfer({ ...t, state: Uint8Array.from([1, 2, 3]) }) as Uint8Array });
    feed(f0, { kind: 'transfer', payload: encodeTransfer({ ...t, players: [...t.players, ...t.players] }) as Uint8Array });
    feed(f0, { kind: 'transfer', payload: Uint8Array.from([0xbb, 1, 2, 3]) });
    feed(f0, { kind: 'inputs', startFrame: 0, finalFrame: 10, inputs: [[1, 1]] });
    raw('f1').send('spec', packet({ kind: 'spectate-feed', body: { kind: 'transfer', payload: transfer } }));
    spec.poll(0);
    expect(spec.start).toBeUndefined();
    expect(spec.stats().dropped).toMatchObject({ session: 2, checksum: 1, state: 1, players: 1, decode: 1, unexpected: 1, 'not-feeder': 1 });
    feed(f0, { kind: 'transfer', payload: transfer });
    spec.poll(10);
    expect(spec.start?.frame).toBeGreaterThan(200);
    expect(spec.drainEvents().filter((e) => e.kind === 'started')).toHaveLength(1);
  });

  it('takes only batches that continue `next`: gaps, changed inputs, other player counts and stale batches are dropped', () => {
    const { spec, raw, transfer, p0 } = watcher();
    const f0 = raw('f0');
    feed(f0, { kind: 'transfer', payload: transfer });
    spec.poll(0);
    const next = spec.currentFrame;
    const rows = (n: number, v = 1): number[][] => Array.from({ length: n }, () => [v, 0]);
    feed(f0, { kind: 'inputs', startFrame: next + 1, finalFrame: next + 4, inputs: rows(4) });
    feed(f0, { kind: 'inputs', startFrame: next, finalFrame: next + 3, inputs: Array.from({ length: 4 }, () => [1, 0, 0]) });
    feed(f0, { kind: 'inputs', startFrame: next, finalFrame: next + 3, inputs: rows(4) });
    feed(f0, { kind: 'inputs', startFrame: next, finalFrame: next + 3, inputs: rows(4, 2) });
    feed(f0, { kind: 'inputs', startFrame: next - 5, finalFrame: next + 3, inputs: rows(5) });
    feed(f0, { kind: 'inputs', startFrame: next + 2, finalFrame: next + 6, inputs: rows(5) });
    spec.poll(10);
    expect(spec.confirmedFrame).toBe(next + 6);
    expect(spec.confirmedInputs(next)).toEqual([1, 0]);
    expect(spec.confirmedInputs(next + 7)).toBeUndefined();
    expect(spec.stats().dropped).toMatchObject({ gap: 1, players: 1, changed: 1, stale: 1 });
    void p0;
  });

  it('a later transfer with a gap restarts the match only once the feeds stopped (not for a late answer)', () => {
    const { spec, raw, transfer, peers, fetchTransfer } = watcher();
    feed(raw('f0'), { kind: 'transfer', payload: transfer });
    spec.poll(0);
    const first = spec.start?.frame ?? -1;
    play(peers, 300, 400);
    const later = fetchTransfer(at(400));
    feed(raw('f0'), { kind: 'transfer', payload: later });
    spec.poll(100);
    expect(spec.start?.frame).toBe(first);
    expect(spec.stats().dropped.stale).toBe(1);
    feed(raw('f0'), { kind: 'transfer', payload: later });
    spec.poll(400); // nothing moved for 400 ms: this feeder no longer holds `next`
    expect(spec.start?.frame).toBeGreaterThan(first + 90);
    expect(spec.stats().restarts).toBe(1);
    expect(spec.drainEvents().map((e) => e.kind)).toEqual(['started', 'restarted']);
  });

  it('random bytes from a feeder never throw and never start a match', () => {
    const { spec, raw } = watcher();
    const f0 = raw('f0');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, header) => {
        f0.send('spec', header ? Uint8Array.from([0xb7, PROTOCOL_VERSION, 14, 0, 0, 0, SESSION, ...bytes]) : bytes);
        spec.poll(0);
        return spec.start === undefined;
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('a feeder that sends nothing valid for a second is replaced by the next; removing it switches at once', () => {
    const { spec, raw, transfer } = watcher();
    const sent = (id: string): number => raw(id).receiveAll().length;
    spec.poll(0);
    expect(spec.feeder).toBe('f0');
    expect(sent('f0')).toBe(1);
    for (let t = 50; t < FAILOVER_MS; t += 50) {
      raw('f0').send('spec', Uint8Array.from([1, 2, 3])); // garbage is no sign of life
      spec.poll(t);
    }
    expect(spec.feeder).toBe('f0');
    spec.poll(FAILOVER_MS);
    expect(spec.feeder).toBe('f1');
    expect(sent('f1')).toBe(1); // asked at once
    expect(spec.stats().failovers).toBe(1);
    feed(raw('f1'), { kind: 'transfer', payload: transfer });
    spec.poll(FAILOVER_MS + 10);
    expect(spec.start).toBeDefined();
    spec.setFeeders(['f0']);
    expect(spec.feeder).toBe('f0');
    expect(spec.drainEvents().map((e) => e.kind)).toEqual(['feeder-changed', 'started', 'feeder-changed']);
  });
});
