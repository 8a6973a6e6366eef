/**
 * The game state: plain immutable data in immer's sense (frozen, structurally shared between frames), so
 * a snapshot for rollback is just a stored reference. `step` builds each next state from a working copy
 * and freezes its new parts with immer's `freeze` (the hot path, see step.ts); other code edits states
 * with `produce`. Positions and speeds are Q16.16 fixed point.
 */
import type { MatchConfig } from './config.ts';
import { fx } from './fixed.ts';
import { seedRng } from './rng.ts';

/** The ball: centre position, velocity per frame, and speed (the velocity's length), all Q16.16. */
export interface Ball {
  readonly x: number;
  readonly y: number;
  readonly vx: number;
  readonly vy: number;
  readonly speed: number;
}

/** Everything that changes during a match (plus the config header). */
export interface GameState {
  readonly config: MatchConfig;
  /** Frames simulated so far: the state after `frame` calls to `step`. */
  readonly frame: number;
  /** xorshift32 generator state (see rng.ts). */
  readonly rng: number;
  readonly ball: Ball;
  /** Per player: the paddle centre along its side, Q16.16 arena units. */
  readonly paddles: readonly number[];
  readonly scores: readonly number[];
  /** Player who last hit the ball in this rally, -1 when none. */
  readonly lastHitter: number;
  /** Frames until the next serve; 0 while the ball is in play. */
  readonly serveTimer: number;
  /** Paddle hits in the current rally. */
  readonly rally: number;
  /** Winning player, -1 while the match goes on. */
  readonly winner: number;
  /**
   * Rules 2: bit p set when player p's input for the last frame carried `InputBits.absent` (the player
   * is not in the match: no paddle, its side a wall). Always 0 under rules 1.
   */
  readonly absent: number;
  /**
   * Rules 2: consecutive frames so far in which exactly one player was present (the forfeit countdown;
   * that player wins when it reaches `config.forfeitFrames`), 0 otherwise. Always 0 under rules 1.
   */
  readonly alone: number;
}

/** Ball radius in arena units. */
export const BALL_RADIUS = 10;
/** Distance from a side's edge to its paddle's face, in arena units. */
export const PADDLE_INSET = 24;
/** Paddle thickness in arena units (for drawing; collisions use the face). */
export const PADDLE_THICKNESS = 12;
/** Frames the ball rests at the centre before each serve. */
export const SERVE_DELAY_FRAMES = 60;

/** Input bits of one player for one frame. Other bits are ignored (reserved). */
export const InputBits = {
  /** Move toward smaller coordinates (up on the side walls, left on top/bottom). */
  negative: 1,
  /** Move toward larger coordinates. */
  positive: 2,
  /**
   * Rules 2: the player is not in the match this frame (it left: the netcode gives a departed player
   * this input; a player may also send it itself). Ignored under rules 1.
   */
  absent: 0x80,
} as const;

/** The state at frame 0 of a match. */
export function initialState(config: MatchConfig): GameState {
  const centre = fx(config.arenaSize) >> 1;
  return {
    config,
    frame: 0,
    rng: seedRng(config.seed),
    ball: { x: centre, y: centre, vx: 0, vy: 0, speed: fx(config.ballSpeed) },
    paddles: Array.from({ length: config.players }, () => centre),
    scores: Array.from({ length: config.players }, () => 0),
    lastHitter: -1,
    serveTimer: SERVE_DELAY_FRAMES,
    rally: 0,
    winner: -1,
    absent: 0,
    alone: 0,
  };
}
