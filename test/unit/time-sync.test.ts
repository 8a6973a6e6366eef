import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TIME_SYNC_WINDOW, TimeSync, estimateRemoteFrame, tickRateFactor } from '../../src/netcode/time-sync.ts';

describe('TimeSync', () => {
  it('is 0 before any record', () => {
    expect(new TimeSync().framesAhead).toBe(0);
    expect(new TimeSync().window).toBe(TIME_SYNC_WINDOW);
  });

  it('averages (local - remote) / 2 over the records', () => {
    const t = new TimeSync(4);
    t.record(4, -4);
    expect(t.framesAhead).toBe(4);
    t.record(2, 0);
    expect(t.framesAhead).toBe(2.5); // (4 + 1) / 2
    t.record(-3, 3);
    expect(t.framesAhead).toBeCloseTo(2 / 3, 12); // (4 + 1 - 3) / 3
  });

  it('cancels an estimation error both peers make the same way', () => {
    // Both peers overestimate the other's frame by 1: we think we are 2 ahead, they think they are 0 ahead.
    const t = new TimeSync(8);
    for (let i = 0; i < 8; i++) t.record(2, 0);
    expect(t.framesAhead).toBe(1);
  });

  it('keeps only the last `window` records', () => {
    const t = new TimeSync(4);
    for (let i = 0; i < 4; i++) t.record(10, -10);
    expect(t.framesAhead).toBe(10);
    for (let i = 0; i < 4; i++) t.record(-2, 2);
    expect(t.framesAhead).toBe(-2);
  });
});

describe('tickRateFactor', () => {
  it('does nothing when in sync (dead zone of half a frame) or behind', () => {
    expect(tickRateFactor(0)).toBe(1);
    expect(tickRateFactor(0.5)).toBe(1);
    expect(tickRateFactor(-3)).toBe(1);
    expect(tickRateFactor(-100)).toBe(1);
  });

  it('slows an ahead peer by 2 % per frame beyond the dead zone', () => {
    expect(tickRateFactor(1)).toBeCloseTo(0.99, 12);
    expect(tickRateFactor(2)).toBeCloseTo(0.97, 12);
    expect(tickRateFactor(3)).toBeCloseTo(0.95, 12);
  });

  it('never slows by more than 6 %', () => {
    expect(tickRateFactor(3.5)).toBeCloseTo(0.94, 12);
    expect(tickRateFactor(10)).toBeCloseTo(0.94, 12);
    expect(tickRateFactor(1e9)).toBeCloseTo(0.94, 12);
  });

  it('is monotone and within [0.94, 1]', () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), (a, d) => {
        const f = tickRateFactor(a);
        expect(f).toBeGreaterThanOrEqual(0.94 - 1e-12);
        expect(f).toBeLessThanOrEqual(1);
        expect(tickRateFactor(a + d)).toBeLessThanOrEqual(f);
      }),
    );
  });
});

describe('estimateRemoteFrame', () => {
  it('adds the time since the report plus half the RTT, in frames', () => {
    const tick = 1000 / 60;
    expect(estimateRemoteFrame(100, 5000, 5000, 0, tick)).toBe(100);
    expect(estimateRemoteFrame(100, 5000, 5100, 0, tick)).toBeCloseTo(106, 9);
    expect(estimateRemoteFrame(100, 5000, 5100, 100, tick)).toBeCloseTo(109, 9); // + 50 ms one way
  });
});
