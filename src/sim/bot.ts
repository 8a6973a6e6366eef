/**
 * Scripted input generator for tests, fixtures and the simulator: a player that holds a random
 * direction (none, negative, positive, both) for a random 1..30 frames, from a seeded xorshift32 stream.
 * Deterministic for a seed; never reads `Math.random`.
 */
import { nextRng, rngBelow, seedRng } from '../game/rng.ts';
import { BALL_RADIUS, InputBits, PADDLE_INSET, type GameState } from '../game/state.ts';

/** One scripted player. */
export class RandomBot {
  private rng: number;
  private hold = 0;
  private current = 0;

  constructor(seed: number) {
    this.rng = seedRng(seed);
  }

  /** The input for the next frame. */
  next(): number {
    if (this.hold <= 0) {
      this.rng = nextRng(this.rng);
      this.current = rngBelow(this.rng, 4);
      this.rng = nextRng(this.rng);
      this.hold = 1 + rngBelow(this.rng, 30);
    }
    this.hold--;
    return this.current;
  }
}

/** Tuning of `TrackerBot` (all probabilities in 1/1000). */
export interface TrackerOptions {
  /** Chance per approach of aiming the hit at the paddle's outer edge (steep deflections, corners). */
  readonly edgePerMille?: number;
  /** Chance per approach of misjudging the ball on purpose (aiming past the paddle: a point ends). */
  readonly missPerMille?: number;
  /** Largest reaction delay after the ball turns toward this paddle, in frames. */
  readonly maxReactionFrames?: number;
}

/**
 * A player that tracks the ball, for golden replays that exercise every rule: long rallies up to the
 * speed cap, hits off the paddle's edges, balls into the corners, points and a winner.
 *
 * While the ball approaches its side it predicts where the ball will cross its paddle's face (folding
 * the straight path at the two side walls) and steers the paddle there, plus an aim offset drawn per
 * approach from a seeded xorshift32 stream: usually somewhere on the paddle, sometimes at its very edge,
 * rarely past it (a deliberate miss); it also reacts after a random delay. While the ball goes
 * elsewhere it drifts back toward the middle. A dead band keeps inputs steady (short replay files).
 * Deterministic for a seed and a state sequence; never reads `Math.random`. Outside `src/game`: its
 * arithmetic only has to be repeatable in Node, where replays are recorded, since the inputs are stored.
 */
export class TrackerBot {
  private rng: number;
  private readonly edge: number;
  private readonly miss: number;
  private readonly maxReaction: number;
  /** Aim offset of the current approach, in units along the paddle (+ toward larger coordinates). */
  private aim = 0;
  private delay = 0;
  private approaching = false;
  private moving = 0;

  constructor(seed: number, private readonly player: number, options: TrackerOptions = {}) {
    this.rng = seedRng(seed);
    this.edge = options.edgePerMille ?? 250;
    this.miss = options.missPerMille ?? 25;
    this.maxReaction = options.maxReactionFrames ?? 8;
  }

  private draw(n: number): number {
    this.rng = nextRng(this.rng);
    return rngBelow(this.rng, n);
  }

  /** The input for the frame after `state`. */
  next(state: GameState): number {
    const { arenaSize, paddleLength, paddleSpeed } = state.config;
    const side = this.player;
    const b = state.ball;
    const unit = 0x1_0000;
    const arena = arenaSize * unit;
    const along = side < 2 ? b.y : b.x;
    const vAlong = side < 2 ? b.vy : b.vx;
    const depth = side === 0 ? b.x : side === 1 ? arena - b.x : side === 2 ? b.y : arena - b.y;
    const vIn = side === 0 ? b.vx : side === 1 ? -b.vx : side === 2 ? b.vy : -b.vy;
    const paddle = state.paddles[side] ?? arena / 2;
    const half = (paddleLength * unit) / 2;
    const span = half + BALL_RADIUS * unit;

    const approaching = vIn < 0 && state.serveTimer === 0;
    if (approaching && !this.approaching) this.newApproach(span, half);
    this.approaching = approaching;

    let target = arena / 2;
    if (approaching) {
      if (this.delay > 0) {
        this.delay--;
        return this.steer(paddle, paddle, paddleSpeed * unit);
      }
      const frames = Math.max(0, depth - (PADDLE_INSET + BALL_RADIUS) * unit) / -vIn;
      target = foldIntoArena(along + vAlong * frames, BALL_RADIUS * unit, arena - BALL_RADIUS * unit) - this.aim;
    }
    return this.steer(paddle, target, approaching ? paddleSpeed * unit : 4 * paddleSpeed * unit);
  }

  private newApproach(span: number, half: number): void {
    const roll = this.draw(1000);
    const sign = this.draw(2) === 0 ? -1 : 1;
    if (roll < this.miss) this.aim = sign * (span + BALL_RADIUS * 0x1_0000 + this.draw(40) * 0x1_0000);
    else if (roll < this.miss + this.edge) this.aim = sign * (half + this.draw(Math.max(1, Math.floor((span - half) / 0x1_0000))) * 0x1_0000);
    else this.aim = sign * this.draw(Math.floor(half / 0x1_0000)) * 0x1_0000;
    this.delay = this.draw(this.maxReaction + 1);
  }

  /** Moves toward `target` with hysteresis: start beyond `band`, stop within a paddle step. */
  private steer(paddle: number, target: number, band: number): number {
    const gap = target - paddle;
    const step = band > 0 ? Math.min(band, 12 * 0x1_0000) : 0;
    if (this.moving !== 0 && Math.abs(gap) <= step / 2) this.moving = 0;
    else if (this.moving === 0 && Math.abs(gap) > band) this.moving = gap > 0 ? InputBits.positive : InputBits.negative;
    else if (this.moving !== 0 && (gap > 0) !== (this.moving === InputBits.positive)) this.moving = gap > 0 ? InputBits.positive : InputBits.negative;
    return this.moving;
  }
}

/** Folds a straight-line coordinate into `[lo, hi]` as if it bounced off both ends. */
function foldIntoArena(v: number, lo: number, hi: number): number {
  const width = hi - lo;
  if (width <= 0) return lo;
  let t = (v - lo) % (2 * width);
  if (t < 0) t += 2 * width;
  return lo + (t <= width ? t : 2 * width - t);
}
