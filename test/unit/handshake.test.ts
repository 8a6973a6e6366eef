// ReadyHandshake over the in-memory bus (manual clock, per-peer clock offsets, per-link latency):
// the happy path for 2 and 4 peers, clock sync, the start instant, the lead time, retransmission.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../src/netcode/socket.ts';
import { HandshakeBus } from '../support/handshake-bus.ts';

/** Every peer committed. */
const allCommitted = (bus: HandshakeBus) => (): boolean => [...bus.peers.values()].every((p) => p.hs.phase === 'committed');

/** The global-time spread of the peers' planned start instants. */
function startSpread(bus: HandshakeBus): number {
  const starts = [...bus.peers.keys()].map((id) => bus.startInstant(id));
  if (starts.some((s) => s === undefined)) throw new Error('not every peer committed');
  const xs = starts as number[];
  return Math.max(...xs) - Math.min(...xs);
}

describe('ReadyHandshake: happy path', () => {
  it('2 peers with clocks 5000.25 ms apart sync, commit, and start at the same instant', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b'], offsets: { h: 1000, b: -4000.25 }, latency: () => 10 });
    bus.setReady('h');
    bus.setReady('b');
    expect(bus.runUntil(allCommitted(bus), 3000)).toBe(true);

    const [synced] = bus.eventsOf('b', 'clock-synced');
    expect(synced).toBeDefined();
    expect(bus.peer('b').hs.syncSamples).toBeGreaterThanOrEqual(5);
    expect(synced?.offsetMs).toBeCloseTo(5000.25, 6); // host clock minus b's clock
    expect(synced?.rttMs).toBeCloseTo(20, 6);
    expect(bus.eventsOf('h', 'clock-synced')).toEqual([]); // the host is the reference clock

    const [hc] = bus.eventsOf('h', 'committed');
    const [bc] = bus.eventsOf('b', 'committed');
    expect(bus.eventsOf('h', 'committed')).toHaveLength(1);
    expect(bus.eventsOf('b', 'committed')).toHaveLength(1);
    expect(bc?.start.sessionId).toBe(hc?.start.sessionId);
    expect(bc?.start.seed).toBe(hc?.start.seed);
    expect(bc?.start.order).toEqual(['h', 'b']);
    expect([hc?.start.localPlayer, bc?.start.localPlayer]).toEqual([0, 1]);
    expect(bc?.start.startAtHostMs).toBe(hc?.start.startAtHostMs);
    expect(bc?.start.clockOffsetMs).toBeCloseTo(5000.25, 6);
    expect(startSpread(bus)).toBeLessThanOrEqual(1);
    // Both knew before the start.
    for (const id of ['h', 'b']) expect(bus.timeOf(id, 'committed')).toBeLessThan(bus.startInstant(id) as number);
    // The host saw b's vote.
    expect(bus.eventsOf('h', 'ready-changed')).toEqual([{ kind: 'ready-changed', peer: 'b', ready: true }]);
  });

  it('4 peers with different clocks and links: one START each, a start instant shared within 1 ms, lead >= 3 x slowest RTT', () => {
    const oneWay: Record<PeerId, number> = { h: 0, b: 5, c: 15, d: 40 };
    const bus = new HandshakeBus({
      ids: ['h', 'b', 'c', 'd'],
      offsets: { h: 0, b: 123_456.5, c: -98_765.125, d: 0.75 },
      latency: (from, to) => (oneWay[from] ?? 0) + (oneWay[to] ?? 0),
    });
    // Non-hosts press Ready before their clock sync finished; the host last.
    for (const id of ['b', 'c', 'd']) bus.setReady(id);
    bus.run(100);
    expect(bus.peer('h').hs.phase).toBe('voting');
    bus.setReady('h');
    expect(bus.runUntil(allCommitted(bus), 3000)).toBe(true);

    for (const id of ['b', 'c', 'd']) {
      expect(bus.peer(id).hs.syncSamples).toBeGreaterThanOrEqual(5);
      const [synced] = bus.eventsOf(id, 'clock-synced');
      expect(synced?.offsetMs).toBeCloseTo(-bus.peer(id).offsetMs, 6);
      expect(synced?.rttMs).toBeCloseTo(2 * (oneWay[id] ?? 0), 6);
    }
    const infos = ['h', 'b', 'c', 'd'].map((id) => bus.peer(id).hs.startInfo);
    expect(new Set(infos.map((s) => s?.sessionId)).size).toBe(1);
    expect(infos.map((s) => s?.localPlayer)).toEqual([0, 1, 2, 3]);
    expect(startSpread(bus)).toBeLessThanOrEqual(1);

    // One START per non-host (nothing was lost), and its lead covers the minimum plus 3 x the slowest RTT (d: 80 ms).
    const starts = bus.sentOf('hs-start');
    expect(starts.map((s) => s.to).sort()).toEqual(['b', 'c', 'd']);
    const first = starts[0];
    if (first === undefined) throw new Error('no START');
    const lead = first.message.startAt - (first.at + bus.peer('h').offsetMs);
    expect(lead).toBeGreaterThanOrEqual(300 + 3 * 80);
    expect(lead).toBeLessThan(300 + 3 * 80 + 50); // and not much more
  });

  it('a countdown lengthens the lead; syncRounds sets the number of clock samples', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b', 'c'], extra: { countdownMs: 3000, syncRounds: 9 } });
    for (const id of ['h', 'b', 'c']) bus.setReady(id);
    expect(bus.runUntil(allCommitted(bus), 3000)).toBe(true);
    for (const id of ['b', 'c']) expect(bus.peer(id).hs.syncSamples).toBeGreaterThanOrEqual(9);
    const first = bus.sentOf('hs-start')[0];
    expect((first?.message.startAt ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3000 + 300 + 3 * 20);
    expect(startSpread(bus)).toBeLessThanOrEqual(1);
  });

  it('property: any 2..4 clock offsets and symmetric link latencies give one start instant within 1 ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 4, maxLength: 4 }),
        (n, offsets, oneWay) => {
          const ids = ['p0', 'p1', 'p2', 'p3'].slice(0, n);
          const bus = new HandshakeBus({
            ids,
            offsets: Object.fromEntries(ids.map((id, i) => [id, offsets[i] ?? 0])),
            latency: (from, to) => 1 + (oneWay[ids.indexOf(from)] ?? 0) + (oneWay[ids.indexOf(to)] ?? 0),
          });
          for (const id of ids) bus.setReady(id);
          return bus.runUntil(allCommitted(bus), 3000) && startSpread(bus) <= 1;
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('ReadyHandshake: lost messages are retransmitted', () => {
  it.each([
    { lost: 1, countdownMs: 0 },
    { lost: 3, countdownMs: 1000 },
  ])('the first $lost START message(s) to c lost: retransmitted, and the round still commits', ({ lost, countdownMs }) => {
    const bus = new HandshakeBus({ ids: ['h', 'b', 'c'], extra: { countdownMs } });
    let dropped = 0;
    bus.drop = (s) => s.message.t === 'hs-start' && s.to === 'c' && dropped++ < lost;
    for (const id of ['h', 'b', 'c']) bus.setReady(id);
    expect(bus.runUntil(allCommitted(bus), 5000)).toBe(true);
    const toC = bus.sentOf('hs-start').filter((s) => s.to === 'c');
    expect(toC).toHaveLength(lost + 1);
    // Retransmissions are the same START, every 200 ms.
    expect(new Set(toC.map((s) => JSON.stringify(s.message))).size).toBe(1);
    toC.slice(1).forEach((s, i) => expect(s.at - (toC[i]?.at ?? 0)).toBe(200));
    expect(bus.sentOf('hs-start').filter((s) => s.to === 'b')).toHaveLength(1); // b acked at once
    expect(startSpread(bus)).toBeLessThanOrEqual(1);
  });

  it('a lost acknowledgement: the host resends START, the committed peer acknowledges again', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b'] });
    let dropped = 0;
    bus.drop = (s) => s.message.t === 'hs-ack' && dropped++ < 1;
    bus.setReady('h');
    bus.setReady('b');
    expect(bus.runUntil(allCommitted(bus), 3000)).toBe(true);
    expect(bus.sentOf('hs-start')).toHaveLength(2);
    expect(bus.sentOf('hs-ack')).toHaveLength(2);
    expect(bus.eventsOf('b', 'committed')).toHaveLength(1); // the repeat START does not commit twice
    expect(startSpread(bus)).toBeLessThanOrEqual(1);
  });
});
