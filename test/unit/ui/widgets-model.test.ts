import { describe, expect, it } from 'vitest';
import type { PeerStats } from '../../../src/netcode/types.ts';
import { RollbackDepthHistory, pathText, peerRow, summaryLine } from '../../../src/ui/hud.ts';
import { NO_LAG, settingFromShown } from '../../../src/ui/lag-panel.ts';
import { RenderTiming } from '../../../src/ui/render/timing.ts';
import { syntheticStats } from '../../../src/ui/widgets-demo.ts';

describe('RenderTiming', () => {
  it('summarises the latest samples with nearest-rank percentiles', () => {
    const t = new RenderTiming(100);
    for (let i = 1; i <= 100; i++) t.record(i);
    expect(t.summary()).toEqual({ count: 100, lastMs: 100, meanMs: 50.5, p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
  });

  it('keeps only `capacity` samples, oldest first, and reports to a listener', () => {
    const t = new RenderTiming(3);
    const heard: number[] = [];
    t.onSample((ms) => heard.push(ms));
    for (const v of [5, 1, 4, 2]) t.record(v);
    expect(t.values()).toEqual([1, 4, 2]);
    expect(t.summary()).toMatchObject({ count: 4, lastMs: 2, maxMs: 4, p50Ms: 2 });
    expect(heard).toEqual([5, 1, 4, 2]);
    t.reset();
    expect(t.summary()).toEqual({ count: 0, lastMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
    expect(() => new RenderTiming(0)).toThrow(RangeError);
  });
});

describe('RollbackDepthHistory', () => {
  it('records the deepest new rollback between two updates, 0 when none', () => {
    const h = new RollbackDepthHistory(4);
    expect(h.push({ rollbackHistogram: [0, 5, 1] })).toBe(0); // first update: no baseline
    expect(h.push({ rollbackHistogram: [0, 6, 1] })).toBe(1);
    expect(h.push({ rollbackHistogram: [0, 7, 1, 0, 0, 0, 0, 1] })).toBe(7);
    expect(h.push({ rollbackHistogram: [0, 7, 1, 0, 0, 0, 0, 1] })).toBe(0);
    expect(h.values()).toEqual([0, 1, 7, 0]);
    expect(h.push({ rollbackHistogram: [0, 1] })).toBe(0); // a new session: counters went down
    expect(h.values()).toEqual([1, 7, 0, 0]);
  });
});

describe('HUD text', () => {
  const peer: PeerStats = {
    peer: 'p', player: 1, pingMs: 41.6, jitterMs: 3.2, loss: 0.0525, clockOffsetMs: 0, kbpsIn: 12.345, kbpsOut: 9,
    packetsPerSecondIn: 60, packetsPerSecondOut: 60, bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, packetsRejected: 0,
    framesAhead: 2, lastReceivedFrame: 10, state: 'interrupted',
  };
  it('formats a peer row', () => {
    expect(peerRow(peer, 'Bob')).toEqual(['Bob', '42', '3', '5.3', '12/9', '+2', 'interrupted']);
    expect(pathText(undefined)).toBe('…');
    expect(pathText({ local: 'relay', remote: 'host', rttMs: 3.6 })).toBe('relay · 4 ms');
    expect(pathText({ local: 'host', remote: 'srflx', rttMs: undefined })).toBe('srflx');
    expect(pathText({ local: 'host', remote: 'prflx', rttMs: 1 })).toBe('srflx · 1 ms');
    expect(pathText({ local: 'host', remote: 'host', rttMs: 0.2 })).toBe('host · 0 ms');
    expect(peerRow({ ...peer, framesAhead: -1 }, 'Bob')[5]).toBe('-1');
  });
  it('formats the summary line', () => {
    const s = syntheticStats(6, NO_LAG);
    expect(summaryLine(s)).toBe(`rollbacks 2 (max ${s.maxRollbackFrames}f) · predicted 24 · resim 8 · stalls 0`);
    expect(s.rollbackHistogram.reduce((a, b) => a + b, 0)).toBe(s.rollbacks);
  });
});

describe('lag panel values', () => {
  it('converts shown values (ms, %) to settings, clamped to the transport limits', () => {
    expect(settingFromShown('latencyMs', 120.4)).toBe(120);
    expect(settingFromShown('latencyMs', 99_999)).toBe(10_000);
    expect(settingFromShown('jitterMs', -5)).toBe(0);
    expect(settingFromShown('loss', 5)).toBe(0.05);
    expect(settingFromShown('reorder', 250)).toBe(1);
    expect(settingFromShown('duplicate', Number.NaN)).toBe(0);
    expect(settingFromShown('loss', 2.55)).toBeCloseTo(0.026, 10);
  });
});
