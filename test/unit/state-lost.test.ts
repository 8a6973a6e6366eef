/**
 * A correction older than every saved state cannot be rolled back: the session says `state-lost`
 * (which player, which frame, why), never a `desync` with made-up 0/0 checksums. Both causes are
 * provoked on real sessions over a loopback mesh: a notarised record correcting an old frame, and a
 * departure agreed at a frame older than the ring of saved states. Controls: the same corrections
 * inside the ring are rolled back, with no `state-lost`.
 */
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/netcode/index.ts';
import { noticeForEvent } from '../../src/ui/notices.ts';
import { eventsOf, makeRig, runFrame, TICK_MS, type RigPeer } from '../support/netcode.ts';

function pair(): [RigPeer, RigPeer] {
  const { peers } = makeRig(2, { notary: true });
  return peers as [RigPeer, RigPeer];
}

/** Both peers play frames `from .. to - 1`, b holding `bInput`; records are relayed while `relay` says so. */
function play(a: RigPeer, b: RigPeer, from: number, to: number, bInput: number, relay: (t: number) => boolean): void {
  for (let t = from; t < to; t++) {
    runFrame(a, 0, t * TICK_MS);
    runFrame(b, bInput, t * TICK_MS);
    const fromA = a.session.takeRecords();
    const fromB = b.session.takeRecords();
    if (!relay(t)) continue;
    for (const r of fromA) b.session.receiveRecord(0, r);
    for (const r of fromB) a.session.receiveRecord(1, r);
  }
}

describe('state lost (a correction older than the saved states)', () => {
  it('a notarised record correcting frame 0 after 200 frames: state-lost (record) for that player and frame, no desync', () => {
    const [a, b] = pair();
    play(a, b, 0, 200, 0, () => false);
    // b's record of frames 0..29 claims other inputs than the ones it sent directly: long out of the ring.
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 1, startFrame: 0, inputs: Array.from({ length: 30 }, () => 3) }));
    play(a, b, 200, 320, 0, () => false);
    expect(eventsOf(a.events, 'state-lost')).toEqual([{ kind: 'state-lost', peer: b.id, player: 1, frame: 0, reason: 'record' }]);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
    expect(eventsOf(a.events, 'cheating').map((e) => e.reason).sort()).toEqual(['contradicts-record', 'unrecoverable']);
    expect(noticeForEvent(eventsOf(a.events, 'state-lost')[0]!, () => 'Bob')).toBe("Bob's input was corrected too late to replay here: your game is out of sync");
  });

  it('the same kind of correction inside the ring is rolled back: no state-lost, no desync', () => {
    const [a, b] = pair();
    play(a, b, 0, 200, 0, (t) => t < 150); // b's records stop reaching a after frame ~150
    const before = a.session.stats(200 * TICK_MS).rollbacks;
    // A record of b's frames since its coverage here, claiming another input for the newest frame a
    // has simulated (well inside the ring of saved states).
    const covered = a.session.recordCoverage(1);
    const last = a.session.currentFrame - 1;
    expect(last - covered).toBeGreaterThan(30);
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 1, startFrame: covered + 1, inputs: Array.from({ length: last - covered }, (_, i) => (covered + 1 + i === last ? 3 : 0)) }));
    play(a, b, 200, 210, 0, () => false);
    expect(a.session.stats(210 * TICK_MS).rollbacks).toBeGreaterThan(before);
    expect(eventsOf(a.events, 'cheating').map((e) => e.reason)).toEqual(['contradicts-record']);
    expect(eventsOf(a.events, 'state-lost')).toEqual([]);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
  });

  it('a departure agreed at a frame older than the ring (records relayed late): state-lost (departure), no desync', () => {
    const [a, b] = pair();
    // b holds a key down all match; its records reach a up to frame ~100 only, then stop.
    play(a, b, 0, 300, 1, (t) => t < 100);
    const coverage = a.session.recordCoverage(1);
    expect(coverage).toBeLessThan(a.session.currentFrame - 150);
    // The lobby server says b left: with the notary up its input ends after its last notarised frame,
    // 150+ frames ago (older than any saved state), which a simulated with b's key down.
    a.session.peerLeft(b.id, 'left');
    play(a, b, 300, 340, 1, () => false);
    expect(eventsOf(a.events, 'state-lost')).toEqual([{ kind: 'state-lost', peer: b.id, player: 1, frame: coverage + 1, reason: 'departure' }]);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
    expect(eventsOf(a.events, 'disconnected').map((e) => e.frame)).toEqual([coverage + 1]);
    expect(noticeForEvent(eventsOf(a.events, 'state-lost')[0]!, () => 'Bob')).toBe("Bob's departure was agreed too late to replay here: your game is out of sync");
  });

  it('the same departure with the records up to date is rolled back: no state-lost, no desync', () => {
    const [a, b] = pair();
    // Its records stop 20 frames before the departure: a rolls back some 20-50 frames, inside the ring.
    play(a, b, 0, 300, 1, (t) => t < 280);
    const coverage = a.session.recordCoverage(1);
    expect(coverage).toBeGreaterThan(a.session.currentFrame - 60);
    expect(coverage).toBeLessThan(a.session.currentFrame - 20);
    a.session.peerLeft(b.id, 'left');
    const before = a.session.stats(300 * TICK_MS).rollbacks;
    play(a, b, 300, 340, 1, () => false);
    expect(a.session.stats(340 * TICK_MS).rollbacks).toBeGreaterThan(before);
    expect(eventsOf(a.events, 'disconnected').map((e) => e.frame)).toEqual([coverage + 1]);
    expect(eventsOf(a.events, 'state-lost')).toEqual([]);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
  });
});
