/**
 * A cheater publishes a record that contradicts its own earlier one, at a frame that one honest peer's
 * input queue no longer holds and another's still does (the cheater sent one of them its direct
 * inputs, the other none). The conflict is judged against the earlier records, which every member
 * got alike: both honest peers expel it at the same frame and go on with the same inputs. (Judged
 * against each peer's own input queue, one expelled it and the other did not: a split.)
 */
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/netcode/index.ts';
import { eventsOf, makeRig, runFrame, TICK_MS, type RigPeer } from '../support/netcode.ts';

type Queues = { sync: { queue(n: number): { lastReceivedFrame: number; confirmedInput(f: number): number | undefined } } };
const queueOf = (p: RigPeer, player: number) => (p.session as unknown as Queues).sync.queue(player);

describe('conflicting records judged alike', () => {
  it('a forged old record, held in one honest peer\'s input window and not in the other\'s, expels the cheater at both', () => {
    const { peers } = makeRig(3, { notary: true });
    const [a, b, c] = peers as [RigPeer, RigPeer, RigPeer];
    const pump = (): void => {
      for (const from of peers) for (const bytes of from.session.takeRecords()) for (const to of peers) if (to !== from) to.session.receiveRecord(from.player, bytes);
    };
    const input = (p: number, t: number): number => 1 + ((t * 7 + p * 3) % 5);
    // b never hears c directly (c withholds its packets from b): b only has c's notarised records.
    b.socket.hold(c.id);
    let t = 0;
    for (; t < 400; t++) {
      for (const p of peers) runFrame(p, input(p.player, t), t * TICK_MS);
      pump();
    }
    const f = queueOf(a, 2).lastReceivedFrame - 256; // just out of a's input window, still in b's
    expect(f).toBeGreaterThan(queueOf(b, 2).lastReceivedFrame - 256);
    expect(f).toBeLessThanOrEqual(Math.min(a.session.recordCoverage(2), b.session.recordCoverage(2)));
    expect(queueOf(a, 2).confirmedInput(f)).toBeUndefined();
    const genuine = queueOf(b, 2).confirmedInput(f) as number;
    // Through the notary: the same bytes, in the same order, for everyone.
    const forged = encodeRecord({ sessionId: 42, player: 2, startFrame: f, inputs: [(genuine + 1) % 256] });
    a.session.receiveRecord(2, forged);
    b.session.receiveRecord(2, forged);
    for (; t < 600; t++) {
      for (const p of peers) runFrame(p, input(p.player, t), t * TICK_MS);
      pump();
    }
    for (const p of [a, b]) p.sim.execute(p.session.advanceFrame(t * TICK_MS, false));
    const expelled = (p: RigPeer) => eventsOf(p.events, 'disconnected').filter((e) => e.reason === 'expelled');
    expect(expelled(a)).toHaveLength(1);
    expect(expelled(a)).toEqual(expelled(b));
    expect(eventsOf(a.events, 'cheating').map((e) => e.reason)).toContain('conflicting-records');
    // The same final inputs on both sides of the expulsion (the two may run a few frames apart).
    const upTo = Math.min(a.session.currentFrame, b.session.currentFrame) - 20;
    expect(upTo).toBeGreaterThan(400);
    expect(a.session.confirmedInputs(400)).toHaveLength(3);
    for (let frame = 300; frame < upTo; frame++) expect(a.session.confirmedInputs(frame), `frame ${frame}`).toEqual(b.session.confirmedInputs(frame));
  });
});
