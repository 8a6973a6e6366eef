import { describe, expect, it } from 'vitest';
import { FrameClock } from '../../src/netcode/frame-clock.ts';

const TICK = 1000 / 60;

/** Frames due over `durationMs`, calling the clock every `everyMs` (a manual clock). */
function framesOver(clock: FrameClock, durationMs: number, everyMs: number, factor = 1, startMs = 0): number {
  clock.start(startMs);
  let total = 0;
  const calls = Math.round(durationMs / everyMs);
  for (let i = 1; i <= calls; i++) total += clock.due(startMs + i * everyMs, factor);
  return total;
}

describe('FrameClock', () => {
  it('runs 60 frames per second at 60 Hz, whatever the polling rate', () => {
    expect(framesOver(new FrameClock(TICK), 1000, 1)).toBe(60);
    expect(framesOver(new FrameClock(TICK), 1000, 2)).toBe(60);
    expect(framesOver(new FrameClock(TICK), 1000, 16)).toBe(60);
    expect(framesOver(new FrameClock(TICK), 1000, 1000 / 144)).toBe(60);
    expect(framesOver(new FrameClock(TICK), 10_000, 4)).toBe(600);
  });

  it('makes frame k due at the first millisecond poll at or after k * 1000/60 ms', () => {
    const c = new FrameClock(TICK);
    c.start(0);
    const dueAt: number[] = [];
    for (let ms = 1; ms <= 2000; ms++) for (let n = c.due(ms); n > 0; n--) dueAt.push(ms);
    expect(dueAt).toEqual(Array.from({ length: 120 }, (_, k) => Math.ceil(((k + 1) * 1000) / 60 - 1e-9)));
  });

  it('runs 3 % fewer frames with a factor of 0.97', () => {
    expect(framesOver(new FrameClock(TICK), 1000, 1, 0.97)).toBe(58); // 58.2
    expect(framesOver(new FrameClock(TICK), 10_000, 4, 0.97)).toBe(582);
    expect(framesOver(new FrameClock(TICK), 10_000, 4, 0.94)).toBe(564);
  });

  it('caps the frames of one call after a long pause, then continues at the normal rate', () => {
    const c = new FrameClock(TICK);
    c.start(1000);
    expect(c.due(6000)).toBe(8);
    expect(c.due(6000 + TICK)).toBe(1); // the backlog was dropped, not spread over later calls
    const custom = new FrameClock(TICK, 3);
    custom.start(0);
    expect(custom.due(2000)).toBe(3);
  });

  it('starts on its first call when not started, and ignores time going backwards', () => {
    const c = new FrameClock(TICK);
    expect(c.due(500)).toBe(0);
    expect(c.due(500 + 2 * TICK + 1)).toBe(2);
    expect(c.due(100)).toBe(0);
    expect(c.due(100 + TICK + 0.5)).toBe(1);
  });

  it('reports the elapsed fraction of the next frame for interpolation', () => {
    const c = new FrameClock(10);
    c.start(0);
    expect(c.due(25)).toBe(2);
    expect(c.alpha).toBeCloseTo(0.5, 12);
    expect(c.due(29)).toBe(0);
    expect(c.alpha).toBeCloseTo(0.9, 12);
  });
});
