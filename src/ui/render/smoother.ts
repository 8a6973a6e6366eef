/**
 * Smooth corrections: a render-side offset that hides rollback snaps.
 *
 * When a late remote input arrives, the session rolls back and re-simulates, and the ball or a remote
 * paddle can land somewhere else than where the old (mispredicted) timeline had it. Drawing the new
 * state as is makes the object jump. Instead the renderer draws `simulated + offset`, where the offset
 * starts at `old timeline − new timeline` (the jump, in arena units) and decays exponentially with wall
 * time (time constant `tauMs`), so the object glides onto its corrected path within ~3 tau. Decay
 * first, then add the new jump (`decay` before `correct` each tick): the frame of the correction shows
 * the object exactly where the old timeline had it, and each later frame moves it by at most
 * `1 - exp(-frame/tau)` of the remaining offset. The simulation is untouched: the offset exists only on screen, never in a state or a checksum.
 *
 * A jump longer than `snapDistance` (a goal or a serve on one timeline only: the ball teleports to the
 * centre) is not smoothed: gliding across the arena would show a ball that is nowhere. The local paddle
 * is never corrected (its inputs are known when simulated), so corrections to it are ignored.
 *
 * The old timeline at the new frame is rebuilt with `oldTimeline`: the last state drawn, stepped on
 * with each player's input inferred from its paddle's last move — exactly the "repeat the last input"
 * prediction the session used (GGPO/GGRS), so without a misprediction it equals the new state.
 */
import { fxToFloat, InputBits, step, type GameState } from '../../game/index.ts';

/** What the renderer positions: the ball centre and each paddle's centre along its side (arena units). */
export interface Positions {
  readonly ballX: number;
  readonly ballY: number;
  readonly paddles: readonly number[];
}

/** Settings of a smoother. */
export interface SmootherOptions {
  /** Off: `apply` is the identity and corrections are dropped (testers compare with snapping). */
  readonly enabled?: boolean;
  /**
   * Decay time constant in ms (default 50: at 60 Hz each frame shows at most 28 % of the remaining
   * correction, and 95 % of it is gone after 150 ms).
   */
  readonly tauMs?: number;
  /** A jump at least this long (arena units) snaps (default 150, well past 8 frames of the fastest ball). */
  readonly snapDistance?: number;
  /** Offsets below this (arena units) are dropped (default 0.05). */
  readonly epsilon?: number;
}

/** Defaults of `SmootherOptions`. */
export const SMOOTHER_DEFAULTS = { tauMs: 50, snapDistance: 150, epsilon: 0.05 } as const;

/** `?smooth=0` (or `off`, `false`, `no`) starts a match with smoothing off; absent or anything else: on. */
export function smoothingFromSearch(search: string): boolean {
  const v = new URLSearchParams(search).get('smooth');
  return v === null || !['0', 'off', 'false', 'no'].includes(v.toLowerCase());
}

/** The positions drawn for a state, in arena units. */
export function positionsOf(s: GameState): Positions {
  return { ballX: fxToFloat(s.ball.x), ballY: fxToFloat(s.ball.y), paddles: s.paddles.map(fxToFloat) };
}

/** Each player's input as repeated by a "repeat the last input" prediction, read off the paddles' last move. */
export function inferredInputs(before: GameState, last: GameState): number[] {
  return last.paddles.map((pos, p) => {
    const was = before.paddles[p] ?? pos;
    return pos > was ? InputBits.positive : pos < was ? InputBits.negative : 0;
  });
}

/**
 * The old timeline `frames` frames after `last` (whose predecessor was `before`), with every player's
 * input predicted as their last one. Pure; costs `frames` game steps.
 */
export function oldTimeline(before: GameState, last: GameState, frames: number): GameState {
  const inputs = inferredInputs(before, last);
  let s = last;
  for (let i = 0; i < frames; i++) s = step(s, inputs);
  return s;
}

/** Render-side correction offsets (see the file header). */
export class CorrectionSmoother {
  private on: boolean;
  readonly tauMs: number;
  readonly snapDistance: number;
  readonly epsilon: number;
  private ballX = 0;
  private ballY = 0;
  private paddles: number[] = [];
  /** Corrections that snapped because they were too long. */
  snaps = 0;
  /** Corrections blended. */
  blended = 0;

  constructor(o: SmootherOptions = {}) {
    this.on = o.enabled ?? true;
    this.tauMs = o.tauMs ?? SMOOTHER_DEFAULTS.tauMs;
    this.snapDistance = o.snapDistance ?? SMOOTHER_DEFAULTS.snapDistance;
    this.epsilon = o.epsilon ?? SMOOTHER_DEFAULTS.epsilon;
    if (!(this.tauMs > 0) || !(this.snapDistance > 0) || !(this.epsilon >= 0)) throw new RangeError('smoother: tauMs and snapDistance must be positive, epsilon non-negative');
  }

  /** Smoothing on (offsets blend) or off (snap: `apply` is the identity); turning it off drops the offsets. */
  get enabled(): boolean {
    return this.on;
  }

  set enabled(on: boolean) {
    this.on = on;
    if (!on) this.reset();
  }

  /**
   * A rollback replaced `before` (old timeline) by `after` (new timeline) at the same frame: adds the
   * jump to the offsets, or snaps an object whose total offset would reach `snapDistance`.
   * `skipPaddle` (the local player) is never offset.
   */
  correct(before: Positions, after: Positions, skipPaddle = -1): void {
    if (!this.enabled) return;
    const bx = this.ballX + before.ballX - after.ballX;
    const by = this.ballY + before.ballY - after.ballY;
    if (bx !== this.ballX || by !== this.ballY) {
      if (Math.hypot(bx, by) >= this.snapDistance) {
        this.snaps++;
        this.ballX = 0;
        this.ballY = 0;
      } else {
        this.blended++;
        this.ballX = bx;
        this.ballY = by;
      }
    }
    for (let p = 0; p < after.paddles.length; p++) {
      if (p === skipPaddle) continue;
      const jump = (before.paddles[p] ?? 0) - (after.paddles[p] ?? 0);
      if (jump === 0) continue;
      const total = (this.paddles[p] ?? 0) + jump;
      if (Math.abs(total) >= this.snapDistance) {
        this.snaps++;
        this.paddles[p] = 0;
      } else {
        this.blended++;
        this.paddles[p] = total;
      }
    }
  }

  /** Lets `dtMs` of wall time pass: every offset shrinks by `exp(-dt/tau)` (never past zero). */
  decay(dtMs: number): void {
    if (!(dtMs > 0)) return;
    const k = Math.exp(-dtMs / this.tauMs);
    this.ballX = this.settle(this.ballX * k);
    this.ballY = this.settle(this.ballY * k);
    for (let p = 0; p < this.paddles.length; p++) this.paddles[p] = this.settle((this.paddles[p] ?? 0) * k);
  }

  /** Forgets every offset (a new match, or smoothing turned off). */
  reset(): void {
    this.ballX = 0;
    this.ballY = 0;
    this.paddles = [];
  }

  /** True while some offset is non-zero. */
  get active(): boolean {
    return this.ballX !== 0 || this.ballY !== 0 || this.paddles.some((o) => o !== 0);
  }

  /** The positions to draw: `sim` plus the offsets (the identity when disabled or settled). */
  apply(sim: Positions): Positions {
    if (!this.enabled || !this.active) return sim;
    return { ballX: sim.ballX + this.ballX, ballY: sim.ballY + this.ballY, paddles: sim.paddles.map((v, p) => v + (this.paddles[p] ?? 0)) };
  }

  private settle(v: number): number {
    return Math.abs(v) < this.epsilon ? 0 : v;
  }
}
