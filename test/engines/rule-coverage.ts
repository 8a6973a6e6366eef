/**
 * Which rules a replay exercises, derived only from the state changes between consecutive frames (no
 * hooks in `step`): paddle hits, the speed cap, hits off a paddle's edge, corner bounces, wall bounces,
 * goals and the winner; under rules 2 also departures and returns, bounces off a departed player's
 * side, the held serve and forfeit countdown, forfeit wins and match points. The golden-coverage test
 * asserts minimums over the committed goldens.
 */
import { fx, initialState, PADDLE_INSET, BALL_RADIUS, step, wonByForfeit, type GameState, type Replay } from '../../src/game/index.ts';

/** Counts of rule events in one replay (or summed over several). */
export interface RuleCoverage {
  /** Ball struck by a paddle (`rally` grew; two in one frame count twice). */
  paddleHits: number;
  /** Hits whose contact point lay beyond the paddle's end: the ball's rim caught the paddle's edge. */
  edgeHits: number;
  /** Hits with the largest deflections (9 or 10 of 10 direction steps off the normal). */
  steepHits: number;
  /** Times the ball reached the speed cap (3x the serve speed) during a rally. */
  speedCapReached: number;
  /** Frames the ball flew at the speed cap. */
  framesAtCap: number;
  /** Frames in which both velocity components reversed next to two adjacent sides: a corner. */
  cornerBounces: number;
  /** Reflections off a wall (a side without a player). */
  wallBounces: number;
  /** Points scored (frames where the scores changed). */
  goals: number;
  /** Longest rally, in paddle hits. */
  longestRally: number;
  /** Matches that ended with a winner. */
  winners: number;
  /** Rules 2: players who left (their input gained the absent bit). */
  departures: number;
  /** Rules 2: players who came back (the bit cleared). */
  returns: number;
  /** Rules 2: reflections off the side of a player who left (a wall while it is gone). */
  departedWallBounces: number;
  /** Rules 2: frames with the serve held (fewer than two players present). */
  heldFrames: number;
  /** Rules 2: forfeit countdowns cancelled by a returning player. */
  cancelledCountdowns: number;
  /** Rules 2: matches won because everyone else left. */
  forfeitWins: number;
  /** Rules 2: times a present player reached match point (one point from winning). */
  matchPoints: number;
  frames: number;
}

/** An all-zero coverage record. */
export function emptyCoverage(): RuleCoverage {
  return {
    paddleHits: 0, edgeHits: 0, steepHits: 0, speedCapReached: 0, framesAtCap: 0, cornerBounces: 0, wallBounces: 0, goals: 0, longestRally: 0, winners: 0,
    departures: 0, returns: 0, departedWallBounces: 0, heldFrames: 0, cancelledCountdowns: 0, forfeitWins: 0, matchPoints: 0, frames: 0,
  };
}

/** Adds `b` into `a` (the longest rally is the maximum). */
export function addCoverage(a: RuleCoverage, b: RuleCoverage): RuleCoverage {
  const out = emptyCoverage();
  for (const k of Object.keys(out) as (keyof RuleCoverage)[]) out[k] = k === 'longestRally' ? Math.max(a[k], b[k]) : a[k] + b[k];
  return out;
}

const flipped = (before: number, after: number): boolean => before !== 0 && after !== 0 && (before < 0) !== (after < 0);

/** Classifies one frame's transition `prev -> next` into `into`. */
export function countTransition(prev: GameState, next: GameState, into: RuleCoverage): void {
  const c = next.config;
  const cap = fx(c.ballSpeed * 3);
  into.frames++;
  const bits = (m: number): number => (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1);
  into.departures += bits(next.absent & ~prev.absent);
  into.returns += bits(prev.absent & ~next.absent);
  const present = c.players - bits(next.absent);
  if (next.winner < 0 && present < 2) into.heldFrames++;
  if (prev.alone > 0 && next.alone === 0 && next.winner < 0) into.cancelledCountdowns++;
  if (prev.winner < 0 && wonByForfeit(next)) into.forfeitWins++;
  if (c.rules >= 2) {
    for (let p = 0; p < c.players; p++) {
      if ((next.scores[p] ?? 0) === c.pointsToWin - 1 && (prev.scores[p] ?? 0) !== c.pointsToWin - 1) into.matchPoints++;
    }
  }
  if (next.scores.some((s, p) => s !== prev.scores[p])) {
    into.goals++;
    return; // a point resets the ball: no bounce to classify
  }
  if (next.serveTimer > 0 || prev.serveTimer > 0) return; // resting or just served
  const hits = next.rally - prev.rally;
  if (hits > 0) {
    into.paddleHits += hits;
    into.longestRally = Math.max(into.longestRally, next.rally);
    const side = next.lastHitter;
    const along = side < 2 ? next.ball.y : next.ball.x;
    const offset = Math.abs(along - (next.paddles[side] ?? 0));
    const half = fx(c.paddleLength) >> 1;
    const span = half + fx(BALL_RADIUS);
    if (offset > half) into.edgeHits++;
    if (Math.trunc((offset * 10) / span) >= 9) into.steepHits++;
  }
  if (next.ball.speed === cap && prev.ball.speed < cap) into.speedCapReached++;
  if (next.ball.speed === cap) into.framesAtCap++;
  const fx_ = flipped(prev.ball.vx, next.ball.vx);
  const fy = flipped(prev.ball.vy, next.ball.vy);
  // Near a side: within the reach of its wall or paddle face plus one frame of travel. Both components
  // reversed while the ball is near two adjacent sides means it met both in one frame: a corner.
  const arena = fx(c.arenaSize);
  const gone = (side: number): boolean => ((next.absent >> side) & 1) === 1;
  const near = (side: number): boolean => {
    const depth = side === 0 ? next.ball.x : side === 1 ? arena - next.ball.x : side === 2 ? next.ball.y : arena - next.ball.y;
    const reach = fx((side < c.players && !gone(side) ? PADDLE_INSET : 0) + 2 * BALL_RADIUS);
    return depth <= reach + Math.abs(side < 2 ? prev.ball.vx : prev.ball.vy);
  };
  const corner = fx_ && fy && (near(0) || near(1)) && (near(2) || near(3));
  if (corner) into.cornerBounces++;
  // A hit alone may reverse the along component too (deflection): only a corner explains both.
  for (let side = 0; side < 4; side++) {
    if (side < c.players && !gone(side)) continue;
    if ((side < 2 ? fx_ : fy) && near(side) && (hits === 0 || corner)) {
      into.wallBounces++;
      if (side < c.players) into.departedWallBounces++;
    }
  }
}

/** Re-simulates a replay and counts its rule events. */
export function replayCoverage(replay: Replay): RuleCoverage {
  const out = emptyCoverage();
  let state = initialState(replay.config);
  for (let f = 0; f < replay.frames; f++) {
    const next = step(state, replay.inputs[f] ?? []);
    countTransition(state, next, out);
    state = next;
  }
  if (state.winner >= 0) out.winners++;
  return out;
}
