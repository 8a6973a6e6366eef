import { describe, expect, it } from 'vitest';
import { DesyncDetector } from '../../src/netcode/desync-detector.ts';

describe('DesyncDetector', () => {
  it('tracks every interval-th frame after frame 0', () => {
    const d = new DesyncDetector<string>(60);
    expect([0, 1, 59, 60, 61, 120, 180].filter((f) => d.tracks(f))).toEqual([60, 120, 180]);
  });

  it('rejects an interval that is not a positive integer', () => {
    expect(() => new DesyncDetector(0)).toThrow(RangeError);
    expect(() => new DesyncDetector(-60)).toThrow(RangeError);
    expect(() => new DesyncDetector(1.5)).toThrow(RangeError);
  });

  it('finalizes a tracked frame only once the inputs before it are final', () => {
    const d = new DesyncDetector<string>(10);
    d.saved(10, 111, 's10');
    expect(d.finalize(8)).toEqual([]);
    expect(d.lastFinal).toBe(0);
    expect(d.finalize(9)).toEqual([{ frame: 10, checksum: 111, state: 's10' }]);
    expect(d.lastFinal).toBe(10);
    expect(d.finalize(9)).toEqual([]); // reported once
  });

  it('keeps the latest simulation of a frame until it is final, then ignores re-saves', () => {
    const d = new DesyncDetector<string>(10);
    d.saved(10, 1, 'predicted');
    d.saved(10, 2, 'after rollback');
    expect(d.finalize(9)).toEqual([{ frame: 10, checksum: 2, state: 'after rollback' }]);
    d.saved(10, 3, 'late');
    expect(d.finalAt(10)?.checksum).toBe(2);
  });

  it('finalizes in frame order and stops at the first frame not simulated yet', () => {
    const d = new DesyncDetector<string>(10);
    d.saved(10, 1, 'a');
    d.saved(20, 2, 'b');
    d.saved(40, 4, 'd');
    expect(d.finalize(100).map((f) => f.frame)).toEqual([10, 20]);
    d.saved(30, 3, 'c');
    expect(d.finalize(100).map((f) => f.frame)).toEqual([30, 40]);
    expect(d.finalize(100)).toEqual([]);
  });

  it('remembers the last 8 final checksums; recent(n) gives the newest n in frame order', () => {
    const d = new DesyncDetector<number>(5);
    for (let f = 5; f <= 60; f += 5) d.saved(f, f * 2, f);
    expect(d.finalize(59)).toHaveLength(12);
    expect(d.recent(3).map((f) => f.frame)).toEqual([50, 55, 60]);
    expect(d.recent(100).map((f) => f.frame)).toEqual([25, 30, 35, 40, 45, 50, 55, 60]);
    expect(d.finalAt(20)).toBeUndefined();
    expect(d.finalAt(25)).toEqual({ frame: 25, checksum: 50, state: 25 });
    expect(d.finalAt(26)).toBeUndefined();
  });
});
