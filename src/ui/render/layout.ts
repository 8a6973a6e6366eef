/**
 * Pure geometry of the picture: where the arena, walls, paddles and labels go, in arena units and on
 * screen. No pixi and no DOM here, so the maths is unit-tested in Node and the renderer stays a thin
 * mapping from these numbers to display objects.
 */
import { BALL_RADIUS, PADDLE_INSET, PADDLE_THICKNESS, fxToFloat, type GameState, type MatchConfig } from '../../game/index.ts';

/** An axis-aligned rectangle. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The arena-to-screen mapping: `screen = offset + arena * scale` (CSS pixels). */
export interface Viewport {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
  /** The arena square on screen. */
  readonly arena: Rect;
}

/** Thickness of a wall drawn just outside the arena edge, in arena units (display only). */
export const WALL_THICKNESS = 14;

/** Fits the arena (plus its walls) centred into a `width` x `height` CSS-pixel area with a margin. */
export function fitViewport(config: MatchConfig, width: number, height: number, marginPx = 8): Viewport {
  const size = config.arenaSize;
  const outer = size + 2 * WALL_THICKNESS;
  const avail = Math.max(1, Math.min(width, height) - 2 * marginPx);
  const scale = avail / outer;
  const offsetX = (width - size * scale) / 2;
  const offsetY = (height - size * scale) / 2;
  return { scale, offsetX, offsetY, arena: { x: offsetX, y: offsetY, w: size * scale, h: size * scale } };
}

/** Maps an arena point to screen coordinates. */
export function toScreen(v: Viewport, x: number, y: number): { readonly x: number; readonly y: number } {
  return { x: v.offsetX + x * v.scale, y: v.offsetY + y * v.scale };
}

/** True when side `side` (0 left, 1 right, 2 top, 3 bottom) is a wall in this config. */
export function isWall(config: MatchConfig, side: number): boolean {
  return side >= config.players;
}

/** True for the left/right sides, whose paddles move vertically. */
export function isVerticalSide(side: number): boolean {
  return side < 2;
}

/**
 * A paddle's rectangle in arena units with its centre at 0 along its side (the renderer draws it once
 * and moves it: see `paddleOrigin`). The face toward the arena sits exactly `PADDLE_INSET` from the edge.
 */
export function paddleShape(config: MatchConfig, side: number): Rect {
  const half = config.paddleLength / 2;
  return isVerticalSide(side)
    ? { x: -PADDLE_THICKNESS / 2, y: -half, w: PADDLE_THICKNESS, h: config.paddleLength }
    : { x: -half, y: -PADDLE_THICKNESS / 2, w: config.paddleLength, h: PADDLE_THICKNESS };
}

/** Centre of a paddle in arena units, given its position along the side (arena units). */
export function paddleOrigin(config: MatchConfig, side: number, along: number): { readonly x: number; readonly y: number } {
  const a = config.arenaSize;
  const mid = PADDLE_INSET - PADDLE_THICKNESS / 2;
  switch (side) {
    case 0: return { x: mid, y: along };
    case 1: return { x: a - mid, y: along };
    case 2: return { x: along, y: mid };
    default: return { x: along, y: a - mid };
  }
}

/** A wall's rectangle (just outside the arena edge, corners included) in arena units. */
export function wallRect(config: MatchConfig, side: number): Rect {
  const a = config.arenaSize;
  const t = WALL_THICKNESS;
  switch (side) {
    case 0: return { x: -t, y: -t, w: t, h: a + 2 * t };
    case 1: return { x: a, y: -t, w: t, h: a + 2 * t };
    case 2: return { x: -t, y: -t, w: a + 2 * t, h: t };
    default: return { x: -t, y: a, w: a + 2 * t, h: t };
  }
}

/** A goal line (the edge a player defends) as a thin rectangle inside the arena, in arena units. */
export function goalRect(config: MatchConfig, side: number): Rect {
  const a = config.arenaSize;
  const t = 3;
  switch (side) {
    case 0: return { x: 0, y: 0, w: t, h: a };
    case 1: return { x: a - t, y: 0, w: t, h: a };
    case 2: return { x: 0, y: 0, w: a, h: t };
    default: return { x: 0, y: a - t, w: a, h: t };
  }
}

/** Where a player's score and name label is centred, in arena units (in its own part of the court). */
export function labelAnchor(config: MatchConfig, side: number): { readonly x: number; readonly y: number } {
  const a = config.arenaSize;
  const near = a * 0.17;
  switch (side) {
    case 0: return { x: near, y: a / 2 };
    case 1: return { x: a - near, y: a / 2 };
    case 2: return { x: a / 2, y: near };
    default: return { x: a / 2, y: a - near };
  }
}

/** What moves each frame, as floats in arena units (read from the state; the state is never touched). */
export interface DynamicLayout {
  readonly ballX: number;
  readonly ballY: number;
  readonly ballRadius: number;
  /** Per player: the paddle centre in arena units. */
  readonly paddles: readonly { readonly x: number; readonly y: number }[];
}

/** Positions of the ball and paddles for a state. Allocates; the renderer uses the inline variant. */
export function dynamicLayout(state: GameState): DynamicLayout {
  const c = state.config;
  return {
    ballX: fxToFloat(state.ball.x),
    ballY: fxToFloat(state.ball.y),
    ballRadius: BALL_RADIUS,
    paddles: state.paddles.map((p, side) => paddleOrigin(c, side, fxToFloat(p))),
  };
}

/** A key that changes exactly when the static picture (walls, paddle shapes, label slots) must be rebuilt. */
export function staticKey(config: MatchConfig): string {
  return `${config.players}:${config.arenaSize}:${config.paddleLength}`;
}
