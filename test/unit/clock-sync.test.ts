import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClockSync, clockSample } from '../../src/netcode/clock-sync.ts';

/**
 * The four NTP timestamps of one probe, for a peer whose clock reads `offset` ms more than ours:
 * sent at local `t0`, `out` ms on the way there, `hold` ms in the peer, `back` ms on the way back.
 */
function probe(t0: number, offset: number, out: number, hold: number, back: number): [number, number, number, number] {
  const t1 = t0 + out + offset; // peer clock
  const t2 = t1 + hold; // peer clock
  const t3 = t0 + out + hold + back; // local clock
  return [t0, t1, t2, t3];
}

describe('clockSample', () => {
  it('gives the exact RTT and offset with symmetric delays', () => {
    expect(clockSample(...probe(1000, 250, 20, 3, 20))).toEqual({ rttMs: 40, offsetMs: 250 });
    expect(clockSample(...probe(1000, -4000, 35, 0, 35))).toEqual({ rttMs: 70, offsetMs: -4000 });
  });

  it('with asymmetric delays, is off by exactly half the asymmetry (and the RTT stays exact)', () => {
    expect(clockSample(...probe(1000, 37, 10, 5, 30))).toEqual({ rttMs: 40, offsetMs: 27 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5000 }),
        (t0, offset, out, hold, back) => {
          const s = clockSample(...probe(t0, offset, out, hold, back));
          expect(s.rttMs).toBe(out + back);
          expect(s.offsetMs).toBe(offset + (out - back) / 2);
        },
      ),
    );
  });

  it('never reports a negative RTT (clock steps, bad replies)', () => {
    expect(clockSample(0, 10, 50, 20).rttMs).toBe(0);
  });
});

describe('ClockSync', () => {
  it('is empty before any sample', () => {
    const c = new ClockSync();
    expect(c.samples).toBe(0);
    expect(c.rttMs).toBe(0);
    expect(c.jitterMs).toBe(0);
    expect(c.offsetMs).toBe(0);
  });

  it('takes the offset of the lowest-RTT sample in the window', () => {
    const c = new ClockSync(4);
    c.add(clockSample(...probe(0, 100, 80, 0, 10))); // queued on the way out: offset 135
    c.add(clockSample(...probe(100, 100, 10, 0, 10))); // clean: offset 100
    c.add(clockSample(...probe(200, 100, 10, 0, 60))); // queued on the way back: offset 75
    expect(c.offsetMs).toBe(100);
    expect(c.samples).toBe(3);
  });

  it('forgets samples that slid out of the window', () => {
    const c = new ClockSync(3);
    c.add({ rttMs: 10, offsetMs: 1 });
    c.add({ rttMs: 50, offsetMs: 2 });
    c.add({ rttMs: 40, offsetMs: 3 });
    expect(c.offsetMs).toBe(1);
    c.add({ rttMs: 60, offsetMs: 4 });
    expect(c.offsetMs).toBe(3);
    expect(c.samples).toBe(4);
  });

  it('smooths RTT and its deviation like TCP (RFC 6298)', () => {
    const c = new ClockSync();
    c.add({ rttMs: 100, offsetMs: 0 });
    expect(c.rttMs).toBe(100);
    expect(c.jitterMs).toBe(50);
    c.add({ rttMs: 60, offsetMs: 0 });
    expect(c.rttMs).toBeCloseTo(95, 12); // 7/8 * 100 + 1/8 * 60
    expect(c.jitterMs).toBeCloseTo(47.5, 12); // 3/4 * 50 + 1/4 * |100 - 60|
    for (let i = 0; i < 200; i++) c.add({ rttMs: 60, offsetMs: 0 });
    expect(c.rttMs).toBeCloseTo(60, 6);
    expect(c.jitterMs).toBeCloseTo(0, 6);
  });

  it('reports a jitter close to the mean deviation of an alternating RTT', () => {
    const c = new ClockSync();
    for (let i = 0; i < 400; i++) c.add({ rttMs: i % 2 === 0 ? 40 : 60, offsetMs: 0 });
    expect(c.rttMs).toBeGreaterThan(48);
    expect(c.rttMs).toBeLessThan(52);
    expect(c.jitterMs).toBeGreaterThan(8);
    expect(c.jitterMs).toBeLessThan(12);
  });
});
