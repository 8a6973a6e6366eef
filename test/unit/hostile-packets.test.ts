/**
 * One hostile peer sends well-formed packets (built with the codec, from its real peer id) that break
 * the session's rules: an ack beyond what we sent, frames absurdly far ahead, gossip that "you are gone"
 * or "player X is gone", a goodbye for someone else, changed inputs, checksums of untracked frames, an
 * unsolicited state reply. The victims never throw, never stop, drop nobody honest, count each packet
 * by reason and stay in sync.
 */
import { describe, expect, it } from 'vitest';
import { checksum } from '../../src/game/index.ts';
import { decodePacket, encodePacket, LIMITS, type InputMessage, type Message, type PeerSocket, type PlayerStatus } from '../../src/netcode/index.ts';
import { eventsOf, makeRig, runFrame, TICK_MS, type RigPeer } from '../support/netcode.ts';

const at = (tick: number): number => tick * TICK_MS;
const input = (p: number, t: number): number => (t * 3 + p) % 5;

function lockstep(order: readonly RigPeer[], from: number, to: number): void {
  for (let t = from; t < to; t++) for (const p of order) runFrame(p, input(p.player, t), at(t));
}

function rig(players: number) {
  const { peers, sockets } = makeRig(players, { forensics: { encode: () => new Uint8Array(1), decode: () => undefined, diff: () => [] } });
  const raw = (p: RigPeer): PeerSocket => {
    const s = sockets.get(p.id);
    if (s === undefined) throw new Error('no socket');
    return s;
  };
  return { peers: peers as [RigPeer, RigPeer, ...RigPeer[]], raw };
}

const status = (players: number, f: (p: number) => PlayerStatus = () => ({ disconnected: false, lastFrame: 0 })): PlayerStatus[] =>
  Array.from({ length: players }, (_, p) => f(p));

function hostileInput(player: number, players: number, over: Partial<InputMessage>): Message {
  return { kind: 'input', player, startFrame: 0, inputs: [], ackFrame: -1, senderFrame: 0, senderTimeMs: 0, status: status(players), ...over };
}

function expectInSync(peers: readonly RigPeer[], tick: number): void {
  for (const p of [...peers, ...peers]) p.sim.execute(p.session.advanceFrame(at(tick), false));
  const sums = new Set(peers.map((p) => checksum(p.sim.state)));
  expect(sums.size).toBe(1);
  for (const p of peers) expect(p.session.currentFrame).toBe(tick);
}

describe('hostile packets', () => {
  it('an input acknowledging frames we never sent is dropped and counted; the victim keeps advancing', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 20);
    const m: Message = hostileInput(1, 2, { ackFrame: LIMITS.maxFrame, startFrame: 10, senderFrame: 20 });
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: m }));
    expect(() => lockstep([a, b], 20, 120)).not.toThrow();
    expect(a.session.stats(at(120)).peers[0]?.rejected?.['ack-ahead']).toBe(1);
    expectInSync([a, b], 120);
  });

  it('inputs and sender frames far ahead of ours are dropped (frame-ahead)', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 20);
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: hostileInput(1, 2, { startFrame: 5000, inputs: [7, 7, 7], senderFrame: 5000 }) }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'quality-report', frameAdvantage: -127, senderFrame: LIMITS.maxFrame } }));
    lockstep([a, b], 20, 100);
    expect(a.session.stats(at(100)).rejected?.['frame-ahead']).toBe(2);
    expectInSync([a, b], 100);
  });

  it('"you are gone" gossip does not stop the victim', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 20);
    const gone = status(2, (p) => ({ disconnected: p === 0, lastFrame: p === 0 ? 5 : 19 }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: hostileInput(1, 2, { startFrame: 22, ackFrame: 5, senderFrame: 20, status: gone }) }));
    lockstep([a, b], 20, 100);
    expect(a.session.currentFrame).toBe(100);
    expect(eventsOf(a.events, 'local-disconnected')).toEqual([]);
    expectInSync([a, b], 100);
  });

  it('"player 2 is gone" gossip and a goodbye sent on its behalf eject nobody in a 3-player match', () => {
    const { peers, raw } = rig(3);
    const [a, b, c] = peers as [RigPeer, RigPeer, RigPeer];
    lockstep([a, b, c], 0, 30);
    const gone = status(3, (p) => ({ disconnected: p === 2, lastFrame: p === 2 ? 25 : 28 }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: hostileInput(1, 3, { startFrame: 40, ackFrame: 28, senderFrame: 30, status: gone }) }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'disconnect-notice', player: 2, frame: 25 } }));
    lockstep([a, b, c], 30, 150);
    for (const p of [a, b, c]) expect(eventsOf(p.events, 'disconnected')).toEqual([]);
    expect(a.session.stats(at(150)).peers.find((s) => s.player === 2)?.state).toBe('running');
    expect(a.session.stats(at(150)).rejected?.['wrong-player']).toBe(1);
    expect(a.session.confirmedFrame).toBeGreaterThan(140);
    expectInSync([a, b, c], 150);
  });

  it('a confirmed input re-sent with another value is dropped (input-changed); the first value stays', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 20);
    const held = a.session.confirmedInputs(10)?.[1] ?? -1;
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: hostileInput(1, 2, { startFrame: 10, inputs: [(held + 1) % 256], ackFrame: 19, senderFrame: 20, status: status(2, () => ({ disconnected: false, lastFrame: 19 })) }) }));
    lockstep([a, b], 20, 60);
    expect(a.session.confirmedInputs(10)?.[1]).toBe(held);
    expect(a.session.stats(at(60)).rejected?.['input-changed']).toBe(1);
    expectInSync([a, b], 60);
  });

  it('checksums of untracked or far frames, and a state reply nobody asked for, are dropped without an event', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 130);
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'checksum-report', entries: [{ frame: 61, checksum: 1 }] } }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'checksum-report', entries: [{ frame: 60 * 10_000, checksum: 1 }] } }));
    raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'state-reply', frame: 60, state: new Uint8Array(3) } }));
    lockstep([a, b], 130, 200);
    const r = a.session.stats(at(200)).rejected;
    expect(r?.['checksum-frame']).toBe(2);
    expect(r?.unsolicited).toBe(1);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
    expect(eventsOf(a.events, 'desync-diff')).toEqual([]);
    expectInSync([a, b], 200);
  });

  it('a peer that keeps the link alive but never sends a valid input cannot stall us forever: it is dropped as silent', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    lockstep([a, b], 0, 20);
    // b's session stops; only its hostile stand-in talks: keep-alives and inputs with a far-beyond ack.
    let t = 20;
    for (; t < 20 + 8 * 60 && eventsOf(a.events, 'disconnected').length === 0; t++) {
      raw(b).send(a.id, encodePacket({ sessionId: 42, message: { kind: 'keep-alive' } }));
      raw(b).send(a.id, encodePacket({ sessionId: 42, message: hostileInput(1, 2, { startFrame: 20, inputs: [1], ackFrame: LIMITS.maxFrame, senderFrame: t }) }));
      runFrame(a, 0, at(t));
    }
    expect(eventsOf(a.events, 'disconnected').map((e) => e.player)).toEqual([1]);
    expect(t - 20).toBeLessThan(6.5 * 60); // dropped after about disconnectAfterMs (5 s) of stall
    const frame = a.session.currentFrame;
    lockstep([a], t, t + 60);
    expect(a.session.currentFrame).toBe(frame + 60);
  });

  it('forged clock-probe replies (absurd timestamps) are ignored: the RTT stays finite and sane', () => {
    const { peers, raw } = rig(2);
    const [a, b] = peers;
    // b answers a's probes itself (it sees their nonces) with timestamps decades away.
    const inner = raw(b);
    for (let t = 0; t < 120; t++) {
      runFrame(a, 0, at(t));
      for (const d of b.socket.receiveAll()) {
        const m = decodePacket(d.bytes);
        if (m.ok && m.packet.message.kind === 'sync-request') {
          inner.send(a.id, encodePacket({ sessionId: 42, message: { kind: 'sync-reply', nonce: m.packet.message.nonce, t0: m.packet.message.t0, t1: 1e300, t2: -1e300 } }));
        }
      }
      runFrame(b, 0, at(t));
    }
    const ping = a.session.stats(at(120)).peers[0]?.pingMs ?? NaN;
    expect(Number.isFinite(ping)).toBe(true);
    expect(ping).toBeLessThan(1000);
    expect(Number.isFinite(a.session.tickRateFactor)).toBe(true);
  });
});
