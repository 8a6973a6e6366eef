import { describe, expect, it } from 'vitest';
import { FrameLog, type DrawnFrame } from '../../../src/ui/render/frame-log.ts';

const drawn = (atMs: number): DrawnFrame => ({ atMs, frame: atMs, ballX: 1, ballY: 2, paddles: [3, 4] });

describe('FrameLog', () => {
  it('keeps the latest `capacity` drawn frames, oldest first, and filters by time', () => {
    const log = new FrameLog(4);
    for (let t = 1; t <= 6; t++) log.record(drawn(t * 10));
    expect(log.count).toBe(6);
    expect(log.since().map((f) => f.atMs)).toEqual([30, 40, 50, 60]);
    expect(log.since(45).map((f) => f.atMs)).toEqual([50, 60]);
    expect(log.since(61)).toEqual([]);
  });

  it('is empty before any frame and rejects a bad capacity', () => {
    expect(new FrameLog(3).since()).toEqual([]);
    expect(() => new FrameLog(0)).toThrow(RangeError);
  });
});
