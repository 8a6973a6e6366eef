import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialState, InputBits, makeConfig, step, type GameState } from '../../../src/game/index.ts';
import { CorrectionSmoother, inferredInputs, oldTimeline, positionsOf, smoothingFromSearch, type Positions } from '../../../src/ui/render/smoother.ts';

const at = (ballX: number, ballY: number, paddles: number[]): Positions => ({ ballX, ballY, paddles });
const sim = at(500, 500, [500, 500, 500]);
const offsetOf = (s: CorrectionSmoother, base: Positions = sim): number[] => {
  const d = s.apply(base);
  return [d.ballX - base.ballX, d.ballY - base.ballY, ...d.paddles.map((v, p) => v - (base.paddles[p] ?? 0))];
};

describe('CorrectionSmoother', () => {
  it('starts a correction at the full jump: the first drawn frame is where the old timeline had the object', () => {
    const s = new CorrectionSmoother();
    s.correct(at(520, 490, [500, 530, 500]), sim);
    expect(offsetOf(s)).toEqual([20, -10, 0, 30, 0]);
    expect(s.blended).toBe(2); // the ball and one paddle
  });

  it('decays every offset to exactly zero, monotonically and without crossing zero (any jumps, any frame times)', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -140, max: 140, noNaN: true }), { minLength: 5, maxLength: 5 }),
      fc.array(fc.double({ min: 1, max: 50, noNaN: true }), { minLength: 1, maxLength: 200 }),
      (jump, frames) => {
        const s = new CorrectionSmoother({ snapDistance: 1000 });
        const [bx = 0, by = 0, p0 = 0, p1 = 0, p2 = 0] = jump;
        s.correct(at(500 + bx, 500 + by, [500 + p0, 500 + p1, 500 + p2]), sim);
        let prev = offsetOf(s);
        for (const dt of frames) {
          s.decay(dt);
          const now = offsetOf(s);
          for (let i = 0; i < now.length; i++) {
            const a = now[i] ?? 0;
            const b = prev[i] ?? 0;
            expect(Math.abs(a)).toBeLessThanOrEqual(Math.abs(b) + 1e-9);
            expect(a === 0 || Math.sign(a) === Math.sign(b)).toBe(true);
          }
          prev = now;
        }
        s.decay(10_000);
        expect(offsetOf(s).every((v) => v === 0)).toBe(true);
        expect(s.active).toBe(false);
      },
    ));
  });

  it('removes 95 % of a correction within 150 ms (default tau), at most 28 % of it per 60 Hz frame', () => {
    const s = new CorrectionSmoother();
    s.correct(at(540, 500, [500, 500, 500]), sim);
    s.decay(1000 / 60);
    expect(offsetOf(s)[0]).toBeGreaterThan(40 * 0.71);
    for (let t = 1; t < 9; t++) s.decay(1000 / 60);
    expect(Math.abs(offsetOf(s)[0] ?? 0)).toBeLessThan(40 * 0.06);
    expect(Math.abs(offsetOf(s)[0] ?? 0)).toBeGreaterThan(0);
  });

  it('snaps a teleport (goal or serve on one timeline only) instead of gliding across the arena', () => {
    const s = new CorrectionSmoother({ snapDistance: 150 });
    s.correct(at(30, 480, [500, 500, 500]), sim); // the old timeline had the ball at a goal line
    expect(offsetOf(s)).toEqual([0, 0, 0, 0, 0]);
    expect(s.snaps).toBe(1);
    // An accumulated offset that reaches the cap snaps too.
    s.correct(at(600, 500, [500, 500, 500]), sim);
    expect(offsetOf(s)[0]).toBe(100);
    s.correct(at(560, 500, [500, 500, 500]), sim);
    expect(offsetOf(s)[0]).toBe(0);
    expect(s.snaps).toBe(2);
  });

  it('never offsets the local paddle', () => {
    const s = new CorrectionSmoother();
    s.correct(at(500, 500, [540, 460, 500]), sim, 0);
    expect(offsetOf(s)).toEqual([0, 0, 0, -40, 0]);
  });

  it('is the identity when off, and turning it off drops live offsets', () => {
    const off = new CorrectionSmoother({ enabled: false });
    off.correct(at(540, 510, [520, 500, 480]), sim);
    expect(off.apply(sim)).toBe(sim);
    const on = new CorrectionSmoother();
    on.correct(at(540, 510, [520, 500, 480]), sim);
    expect(on.active).toBe(true);
    on.enabled = false;
    expect(on.apply(sim)).toBe(sim);
    on.enabled = true;
    expect(on.apply(sim)).toBe(sim);
  });

  it('rejects nonsense settings', () => {
    expect(() => new CorrectionSmoother({ tauMs: 0 })).toThrow(RangeError);
    expect(() => new CorrectionSmoother({ snapDistance: -1 })).toThrow(RangeError);
  });
});

describe('old timeline', () => {
  const run = (s: GameState, frames: number, inputs: readonly number[]): GameState => {
    for (let i = 0; i < frames; i++) s = step(s, inputs);
    return s;
  };

  it('reads each player\'s last input off the paddles and carries it on, as a repeat-last prediction does', () => {
    const s0 = run(initialState(makeConfig({ players: 3, seed: 4 })), 90, [0, 0, 0]);
    const held = [InputBits.positive, InputBits.negative, 0];
    const s1 = step(s0, held);
    expect(inferredInputs(s0, s1)).toEqual(held);
    // Without a misprediction the old timeline IS the new one: no correction.
    expect(oldTimeline(s0, s1, 5)).toEqual(run(s1, 5, held));
    expect(positionsOf(oldTimeline(s0, s1, 0))).toEqual(positionsOf(s1));
  });

  it('shows a remote input that arrived late as a jump of the remote paddle only', () => {
    const s0 = run(initialState(makeConfig({ players: 2, seed: 4 })), 100, [0, 0]);
    const s1 = step(s0, [0, 0]);
    const predicted = oldTimeline(s0, s1, 3); // remote predicted still
    const actual = run(s1, 3, [0, InputBits.positive]); // it had pressed "down"
    const smoother = new CorrectionSmoother();
    smoother.correct(positionsOf(predicted), positionsOf(actual), 0);
    const d = smoother.apply(positionsOf(actual));
    expect(d.paddles[1]).toBeCloseTo(positionsOf(predicted).paddles[1] ?? 0, 9);
    expect((positionsOf(actual).paddles[1] ?? 0) - (d.paddles[1] ?? 0)).toBeCloseTo(3 * 12, 9);
    expect(d.ballX).toBe(positionsOf(actual).ballX);
  });
});

describe('?smooth=', () => {
  it('is on by default and off for 0/off/false/no', () => {
    expect(smoothingFromSearch('')).toBe(true);
    expect(smoothingFromSearch('?lag=50&smooth=1')).toBe(true);
    for (const v of ['0', 'off', 'false', 'NO']) expect(smoothingFromSearch(`?smooth=${v}`)).toBe(false);
  });
});
