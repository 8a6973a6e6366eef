/**
 * The rules of 2-4 player Pong, as one pure function `step(state, inputs) -> state`.
 *
 * The arena is a square; player i defends side i (0 left, 1 right, 2 top, 3 bottom) and sides without a
 * player are walls. Each side is handled in side-local coordinates: `depth` is the ball centre's
 * distance from the side's edge into the arena, `along` its position along the side, and the inward
 * velocity is negative while the ball approaches the side. This keeps one collision routine for all four
 * sides instead of four mirrored copies.
 *
 * Scoring depends on the config's rule set (`MatchConfig.rules`, see config.ts):
 * - Rules 1 (old replays, kept bit-exact): when the ball leaves through a player's side, the last other
 *   player who hit it scores a point; if nobody else touched it since the serve, every other player
 *   scores. A player who reaches `pointsToWin` alone wins (a tie at the top plays on).
 * - Rules 2: a player whose input has `InputBits.absent` is not in the match that frame: its paddle is
 *   gone (re-centred, so a returning player starts in the middle), its side is a wall, it scores nothing.
 *   Every serve goes toward a present player and is *owned* by another present player (the ball's
 *   owner is `lastHitter`; a hit makes the hitter the owner). When the ball leaves through a present
 *   player's side, its owner scores one point, unless the owner is that player (an own goal: nobody
 *   scores) or has left (nobody). First to `pointsToWin` wins: one point per rally, so no ties. With one
 *   player present (or none) the serve is held at the centre; after `forfeitFrames` such frames in a
 *   row the one present player wins; a returning player cancels the countdown.
 * Integer math only (Q16.16, see fixed.ts); the serve direction comes from the seeded generator in the
 * state.
 */
import { freeze } from 'immer';
import { direction } from './angles.ts';
import { clamp, floorDivExact, fmul, fx } from './fixed.ts';
import { nextRng, rngBelow } from './rng.ts';
import { BALL_RADIUS, InputBits, PADDLE_INSET, SERVE_DELAY_FRAMES, type Ball, type GameState } from './state.ts';

/** 1.05 in Q16.16: the ball speeds up by 5 % on every paddle hit. */
const SPEEDUP = 68_813;
/** The ball never gets faster than this multiple of the serve speed. */
const MAX_SPEED_FACTOR = 3;
/** Largest deflection off a paddle, in direction steps (10 x 5.625 deg = 56.25 deg from the normal). */
const BOUNCE_STEPS = 10;
/** Largest serve angle off the straight line, in direction steps. */
const SERVE_SPREAD = 5;
/** Direction (see angles.ts) in which the ball leaves each side's paddle. */
const NORMAL_DIR = [0, 32, 16, 48] as const;
/** How a hit below/right of the paddle centre turns the direction, per side. */
const DEFLECT_SIGN = [1, -1, -1, 1] as const;
/** Direction of a serve toward each side. */
const SERVE_DIR = [32, 0, 48, 16] as const;

const RADIUS = fx(BALL_RADIUS);
const FACE = fx(PADDLE_INSET);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The frame being computed: a shallow working copy of the state (a dozen scalars and a ball), mutated in
 * place by the rules below. `paddles` and `scores` are copied on first write only.
 */
type Work = Mutable<Omit<GameState, 'ball' | 'paddles' | 'scores'>> & { ball: Mutable<Ball>; paddles: readonly number[]; scores: readonly number[] };

/**
 * Advances a state by one frame with one input bitfield per player (missing inputs count as 0).
 *
 * The rules run on a plain working copy (no proxies on the hot path), which then *is* the next state:
 * every unchanged part (config, ball, paddles, scores) is shared with the previous state, and exactly the
 * new objects are frozen with immer's `freeze` — the same result `produce` gives (structural sharing,
 * frozen output) without its draft proxy and finalize pass, which cost ~2 us of a ~2.8 us step and made
 * an 8-frame rollback slower than the 16 us target (docs/performance.md). States stay immer data:
 * code off the hot path (tests, tools) edits them with `produce`.
 */
export function step(state: GameState, inputs: readonly number[]): GameState {
  const w: Work = { ...state, ball: { ...state.ball } };
  run(w, inputs);
  const b = state.ball;
  const nb = w.ball;
  if (nb.x === b.x && nb.y === b.y && nb.vx === b.vx && nb.vy === b.vy && nb.speed === b.speed) w.ball = b as Mutable<Ball>; // unchanged: share it (no longer mutated)
  else freeze(nb);
  if (w.paddles !== state.paddles) freeze(w.paddles);
  if (w.scores !== state.scores) freeze(w.scores);
  // A hand-built (unfrozen) state shares unfrozen parts: freeze deeply once, as `produce` would; states
  // stepped from a frozen state only need their new objects frozen.
  return freeze(w as GameState, !Object.isFrozen(state));
}

function run(d: Work, inputs: readonly number[]): void {
  d.frame += 1;
  if (d.winner >= 0) return;
  const rules2 = d.config.rules >= 2;
  if (rules2) updatePresence(d, inputs);
  movePaddles(d, inputs);
  if (rules2 && holdWhileAlone(d)) return;
  if (d.serveTimer > 0) {
    d.serveTimer -= 1;
    if (d.serveTimer === 0) serve(d);
    return;
  }
  d.ball.x = (d.ball.x + d.ball.vx) | 0;
  d.ball.y = (d.ball.y + d.ball.vy) | 0;
  for (let side = 0; side < 4; side++) {
    if (collide(d, side)) return;
  }
}

function movePaddles(d: Work, inputs: readonly number[]): void {
  const { paddleSpeed, paddleLength, arenaSize, players } = d.config;
  const half = fx(paddleLength) >> 1;
  const speed = fx(paddleSpeed);
  let moved: number[] | undefined;
  for (let p = 0; p < players; p++) {
    if ((d.absent >> p) & 1) continue; // gone (rules 2; always 0 under rules 1)
    const input = inputs[p] ?? 0;
    const dir = (input & InputBits.positive ? 1 : 0) - (input & InputBits.negative ? 1 : 0);
    if (dir === 0) continue;
    const pos = d.paddles[p] ?? 0;
    const next = clamp(pos + dir * speed, half, fx(arenaSize) - half);
    if (next === pos) continue;
    moved ??= [...d.paddles];
    moved[p] = next;
  }
  if (moved !== undefined) d.paddles = moved;
}

/**
 * Rules 2: reads who is present from this frame's inputs. A player who just left has its paddle
 * re-centred and, if it owned the ball, the ball loses its owner (nobody scores with it).
 */
function updatePresence(d: Work, inputs: readonly number[]): void {
  const players = d.config.players;
  let mask = 0;
  for (let p = 0; p < players; p++) if ((inputs[p] ?? 0) & InputBits.absent) mask |= 1 << p;
  const left = mask & ~d.absent;
  d.absent = mask;
  if (left === 0) return;
  const centre = fx(d.config.arenaSize) >> 1;
  let paddles: number[] | undefined;
  for (let p = 0; p < players; p++) {
    if (((left >> p) & 1) === 0) continue;
    if (d.lastHitter === p) d.lastHitter = -1;
    if (d.paddles[p] === centre) continue;
    paddles ??= [...d.paddles];
    paddles[p] = centre;
  }
  if (paddles !== undefined) d.paddles = paddles;
}

/** Present players under rules 2 (absent bits clear), counted. */
function presentCount(d: Work): number {
  let n = 0;
  for (let p = 0; p < d.config.players; p++) if (((d.absent >> p) & 1) === 0) n++;
  return n;
}

/** The `k`-th present player (0-based) other than `except` (-1: none excluded). */
function nthPresent(d: Work, k: number, except: number): number {
  for (let p = 0; p < d.config.players; p++) {
    if ((d.absent >> p) & 1 || p === except) continue;
    if (k-- === 0) return p;
  }
  return -1;
}

/**
 * Rules 2: with fewer than two players present the serve is held (ball at rest in the centre, no
 * owner) and, with exactly one, the forfeit countdown runs; returns true while held.
 */
function holdWhileAlone(d: Work): boolean {
  const present = d.absent === 0 ? d.config.players : presentCount(d);
  if (present >= 2) {
    d.alone = 0;
    return false;
  }
  resetBall(d);
  d.lastHitter = -1;
  d.rally = 0;
  d.serveTimer = SERVE_DELAY_FRAMES;
  d.alone = present === 1 ? d.alone + 1 : 0;
  if (present === 1 && d.alone >= d.config.forfeitFrames) {
    d.winner = nthPresent(d, 0, -1);
    d.serveTimer = 0;
  }
  return true;
}

function serve(d: Work): void {
  const r1 = nextRng(d.rng);
  const r2 = nextRng(r1);
  d.rng = r2;
  const offset = rngBelow(r2, 2 * SERVE_SPREAD + 1) - SERVE_SPREAD;
  if (d.config.rules < 2) {
    const target = rngBelow(r1, d.config.players);
    setVelocity(d, (SERVE_DIR[target] ?? 0) + offset);
    return;
  }
  // Toward a present player, owned by another present one (drawn only when there is a choice).
  const present = d.absent === 0 ? d.config.players : presentCount(d);
  const target = nthPresent(d, rngBelow(r1, present), -1);
  let owner = 0;
  if (present > 2) {
    const r3 = nextRng(r2);
    d.rng = r3;
    owner = rngBelow(r3, present - 1);
  }
  d.lastHitter = nthPresent(d, owner, target);
  setVelocity(d, (SERVE_DIR[target] ?? 0) + offset);
}

function setVelocity(d: Work, dir: number): void {
  const [cx, cy] = direction(dir);
  d.ball.vx = fmul(d.ball.speed, cx);
  d.ball.vy = fmul(d.ball.speed, cy);
}

/** Side-local depth of the ball centre (distance from the side's edge into the arena). */
function depthOf(d: Work, side: number): number {
  const a = fx(d.config.arenaSize);
  switch (side) {
    case 0: return d.ball.x;
    case 1: return a - d.ball.x;
    case 2: return d.ball.y;
    default: return a - d.ball.y;
  }
}

function setDepth(d: Work, side: number, depth: number): void {
  const a = fx(d.config.arenaSize);
  if (side === 0) d.ball.x = depth;
  else if (side === 1) d.ball.x = a - depth;
  else if (side === 2) d.ball.y = depth;
  else d.ball.y = a - depth;
}

/** Velocity component toward the arena's inside, seen from `side` (negative = approaching the side). */
function inwardVelocity(d: Work, side: number): number {
  return side === 0 ? d.ball.vx : side === 1 ? -d.ball.vx : side === 2 ? d.ball.vy : -d.ball.vy;
}

function reflect(d: Work, side: number): void {
  if (side < 2) d.ball.vx = -d.ball.vx | 0;
  else d.ball.vy = -d.ball.vy | 0;
}

/** Handles the ball against one side; returns true when a point was scored (the rally ended). */
function collide(d: Work, side: number): boolean {
  const vIn = inwardVelocity(d, side);
  if (vIn >= 0) return false;
  const depth = depthOf(d, side);
  if (side >= d.config.players || (d.absent >> side) & 1) {
    // A wall (no player, or rules 2: the player left): mirror the ball about the contact plane.
    if (depth < RADIUS) {
      setDepth(d, side, 2 * RADIUS - depth);
      reflect(d, side);
    }
    return false;
  }
  const reach = FACE + RADIUS;
  const previousDepth = depth - vIn;
  if (depth < reach && previousDepth >= reach) {
    const along = side < 2 ? d.ball.y : d.ball.x;
    const offset = along - (d.paddles[side] ?? 0);
    const span = (fx(d.config.paddleLength) >> 1) + RADIUS;
    if (offset >= -span && offset <= span) {
      hit(d, side, offset, span);
      return false;
    }
  }
  if (depth + RADIUS < 0) {
    concede(d, side);
    return true;
  }
  return false;
}

function hit(d: Work, side: number, offset: number, span: number): void {
  setDepth(d, side, FACE + RADIUS);
  const steps = clamp(truncDiv(offset * BOUNCE_STEPS, span), -BOUNCE_STEPS, BOUNCE_STEPS);
  const maxSpeed = fx(d.config.ballSpeed * MAX_SPEED_FACTOR);
  const faster = fmul(d.ball.speed, SPEEDUP);
  d.ball.speed = faster > maxSpeed ? maxSpeed : faster;
  setVelocity(d, (NORMAL_DIR[side] ?? 0) + (DEFLECT_SIGN[side] ?? 1) * steps);
  d.lastHitter = side;
  d.rally += 1;
}

/** Integer division rounding toward zero (so a deflection is symmetric about the paddle centre). */
function truncDiv(n: number, d: number): number {
  return n >= 0 ? floorDivExact(n, d) : -floorDivExact(-n, d);
}

function concede(d: Work, side: number): void {
  if (d.config.rules >= 2) concedeOnePoint(d, side);
  else concedeRules1(d, side);
  resetBall(d);
  d.lastHitter = -1;
  d.rally = 0;
  d.serveTimer = d.winner >= 0 ? 0 : SERVE_DELAY_FRAMES;
}

/** Rules 2: the ball's owner scores, unless it is the conceding player or gone; first to the target wins. */
function concedeOnePoint(d: Work, side: number): void {
  const owner = d.lastHitter;
  if (owner < 0 || owner === side || (d.absent >> owner) & 1) return;
  const scores = [...d.scores];
  const score = (scores[owner] ?? 0) + 1;
  scores[owner] = score;
  d.scores = scores;
  if (score >= d.config.pointsToWin) d.winner = owner;
}

function concedeRules1(d: Work, side: number): void {
  const players = d.config.players;
  const scores = [...d.scores];
  if (d.lastHitter >= 0 && d.lastHitter !== side) {
    scores[d.lastHitter] = (scores[d.lastHitter] ?? 0) + 1;
  } else {
    for (let p = 0; p < players; p++) if (p !== side) scores[p] = (scores[p] ?? 0) + 1;
  }
  d.scores = scores;
  let best = -1;
  let bestScore = -1;
  let tie = false;
  for (let p = 0; p < players; p++) {
    const s = scores[p] ?? 0;
    if (s > bestScore) {
      best = p;
      bestScore = s;
      tie = false;
    } else if (s === bestScore) tie = true;
  }
  if (bestScore >= d.config.pointsToWin && !tie) d.winner = best;
}

/** The ball at rest in the centre at serve speed. */
function resetBall(d: Work): void {
  const centre = fx(d.config.arenaSize) >> 1;
  d.ball.x = centre;
  d.ball.y = centre;
  d.ball.vx = 0;
  d.ball.vy = 0;
  d.ball.speed = fx(d.config.ballSpeed);
}
