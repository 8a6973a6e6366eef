import { describe, expect, it } from 'vitest';
import { CONFIG_RANGES, makeConfig, type MatchConfig } from '../../src/game/config.ts';
import { fx } from '../../src/game/fixed.ts';
import { nextRng, rngBelow, seedRng } from '../../src/game/rng.ts';
import { BALL_RADIUS, initialState, InputBits, SERVE_DELAY_FRAMES, type GameState } from '../../src/game/state.ts';
import { step } from '../../src/game/step.ts';

const FRAMES = 50_000;
/** Longest match before the test moves on to a fresh random config. */
const MATCH_FRAMES = 4_000;
const R = fx(BALL_RADIUS);

/** A seeded stream of small random integers (the game's own xorshift32, so runs are repeatable). */
class Draws {
  private state: number;
  constructor(seed: number) {
    this.state = seedRng(seed);
  }
  /** Uniform integer in lo..hi (hi - lo < 2^16). */
  int(lo: number, hi: number): number {
    this.state = nextRng(this.state);
    return lo + rngBelow(this.state, hi - lo + 1);
  }
}

/** A random legal config: every field anywhere in its range, so extremes (tiny arena, fast ball) get hit. */
function randomConfig(d: Draws, players: number): MatchConfig {
  const arenaSize = d.int(CONFIG_RANGES.arenaSize[0], CONFIG_RANGES.arenaSize[1]);
  return makeConfig({
    players,
    arenaSize,
    pointsToWin: d.int(1, 30),
    ballSpeed: d.int(CONFIG_RANGES.ballSpeed[0], CONFIG_RANGES.ballSpeed[1]),
    paddleLength: d.int(CONFIG_RANGES.paddleLength[0], Math.min(CONFIG_RANGES.paddleLength[1], arenaSize >> 1)),
    paddleSpeed: d.int(CONFIG_RANGES.paddleSpeed[0], CONFIG_RANGES.paddleSpeed[1]),
    seed: d.int(0, 0xffff) * 0x1_0000 + d.int(0, 0xffff),
  });
}

/**
 * Per player: hold a random input for 1..30 frames, or track the ball for a while. `pro` players always
 * track, which gives the long rallies that reach the speed cap.
 */
class Players {
  private readonly held: number[];
  private readonly left: number[];
  constructor(private readonly d: Draws, players: number, private readonly pro: boolean) {
    this.held = new Array<number>(players).fill(0);
    this.left = new Array<number>(players).fill(0);
  }
  inputs(s: GameState): number[] {
    return s.paddles.map((pos, p) => {
      if ((this.left[p] ?? 0) <= 0) {
        this.held[p] = this.pro ? 4 : this.d.int(0, 4); // 4 = track the ball
        this.left[p] = this.d.int(1, this.held[p] === 4 ? 120 : 30);
      }
      this.left[p] = (this.left[p] ?? 1) - 1;
      const h = this.held[p] ?? 0;
      if (h < 4) return h;
      const gap = (p < 2 ? s.ball.y : s.ball.x) - pos;
      return gap > fx(4) ? InputBits.positive : gap < -fx(4) ? InputBits.negative : 0;
    });
  }
}

/** Side-local depths (distance of the ball centre from each side's edge, inward) of a position. */
function depths(config: MatchConfig, x: number, y: number): number[] {
  const a = fx(config.arenaSize);
  return [x, a - x, y, a - y];
}

/** Checks every invariant of one transition `prev -> next`; returns a description of the first broken one. */
function broken(prev: GameState, next: GameState): string | undefined {
  const c = next.config;
  const players = c.players;
  if (next.frame !== prev.frame + 1) return 'frame did not advance by one';
  if (prev.winner >= 0) {
    if (JSON.stringify({ ...next, frame: prev.frame }) !== JSON.stringify(prev)) return 'state changed after the match ended';
    return undefined;
  }
  if (!Number.isInteger(next.rng) || next.rng <= 0 || next.rng > 0xffff_ffff) return `rng ${next.rng} is not a non-zero uint32`;
  const half = fx(c.paddleLength) >> 1;
  for (let p = 0; p < players; p++) {
    const pos = next.paddles[p] ?? Number.NaN;
    if (pos < half || pos > fx(c.arenaSize) - half) return `paddle ${p} at ${pos} outside its side`;
    if (Math.abs(pos - (prev.paddles[p] ?? 0)) > fx(c.paddleSpeed)) return `paddle ${p} moved faster than paddleSpeed`;
    if ((next.scores[p] ?? 0) < (prev.scores[p] ?? 0)) return `score ${p} decreased`;
  }
  const gained = next.scores.reduce((a, b) => a + b, 0) - prev.scores.reduce((a, b) => a + b, 0);
  if (gained > players - 1) return `${gained} points in one frame`;
  if (gained > 0) {
    // A point needs the ball to have left through a player's side (by more than its radius) this frame.
    const moved = depths(c, prev.ball.x + prev.ball.vx, prev.ball.y + prev.ball.vy);
    if (!moved.some((depth, side) => side < players && depth + R < 0)) return 'a point was scored without the ball leaving through a player side';
  }
  if (next.winner !== -1 && (next.winner < 0 || next.winner >= players)) return `winner ${next.winner} out of range`;
  if (next.lastHitter < -1 || next.lastHitter >= players) return `lastHitter ${next.lastHitter} out of range`;
  const b = next.ball;
  const serveSpeed = fx(c.ballSpeed);
  if (b.speed < serveSpeed || b.speed > fx(c.ballSpeed * 3)) return `ball speed ${b.speed} outside 1x..3x the serve speed`;
  if (Math.abs(b.vx) > b.speed || Math.abs(b.vy) > b.speed) return 'a velocity component exceeds the speed';
  if (next.serveTimer < 0 || next.serveTimer > SERVE_DELAY_FRAMES) return `serveTimer ${next.serveTimer}`;
  const centre = fx(c.arenaSize) >> 1;
  if (next.serveTimer > 0 || next.winner >= 0) {
    if (b.x !== centre || b.y !== centre || b.vx !== 0 || b.vy !== 0) return 'ball not resting at the centre between rallies';
    return undefined;
  }
  const length = Math.hypot(b.vx, b.vy);
  if (Math.abs(length - b.speed) > b.speed / 500 + 2) return `velocity length ${length} differs from speed ${b.speed}`;
  const d = depths(c, b.x, b.y);
  for (let side = 0; side < 4; side++) {
    const depth = d[side] ?? Number.NaN;
    // Walls keep the whole ball inside; a player side may have the ball partly through (it scores next frame).
    if (side >= players ? depth < R : depth < -R) return `ball at depth ${depth} of side ${side} (${side >= players ? 'wall' : 'player'})`;
  }
  return undefined;
}

describe('invariants over long random matches', () => {
  it.each([2, 3, 4])(`%i players, ${FRAMES} frames of random inputs and random configs`, (players) => {
    const d = new Draws(0x5eed + players);
    let s = initialState(randomConfig(d, players));
    let who = new Players(d, players, false);
    let matches = 1;
    let points = 0;
    let hits = 0;
    let sawMaxSpeed = false;
    let frozenFrames = 0;
    for (let f = 0; f < FRAMES; f++) {
      const next = step(s, who.inputs(s));
      const problem = broken(s, next);
      if (problem !== undefined) {
        expect.fail(`frame ${next.frame} of match ${matches} (${JSON.stringify(s.config)}): ${problem}\nprev ${JSON.stringify(s)}\nnext ${JSON.stringify(next)}`);
      }
      if (next.rally > s.rally) hits++;
      points += next.scores.reduce((a, b) => a + b, 0) - s.scores.reduce((a, b) => a + b, 0);
      if (next.ball.speed === fx(next.config.ballSpeed * 3)) sawMaxSpeed = true;
      s = next;
      // Let an ended match sit a little (it must stay frozen), then start a new one; cut long ones short
      // so that many configs get their turn.
      if (s.winner >= 0) frozenFrames++;
      if (frozenFrames === 30 || s.frame === MATCH_FRAMES) {
        frozenFrames = 0;
        matches++;
        s = initialState(randomConfig(d, players));
        who = new Players(d, players, matches % 3 === 0);
      }
    }
    // The run really exercised the rules it claims to check.
    expect(matches).toBeGreaterThan(12);
    expect(points).toBeGreaterThan(100);
    expect(hits).toBeGreaterThan(200);
    expect(sawMaxSpeed).toBe(true);
  });
});

describe('the invariant checker itself', () => {
  // Guards against a vacuous checker: each hand-broken transition must be reported.
  const config = makeConfig({ players: 2 });
  const prev = step(initialState(config), []);
  const inPlay: GameState = { ...prev, serveTimer: 0, ball: { ...prev.ball, vx: fx(7), vy: 0 } };
  const next = step(inPlay, []);

  it('accepts a real transition', () => {
    expect(broken(inPlay, next)).toBeUndefined();
  });

  it.each([
    ['frame', { frame: next.frame + 1 }, /frame/],
    ['wall', { ball: { ...next.ball, y: R - 1 } }, /side 2 \(wall\)/],
    ['speed', { ball: { ...next.ball, speed: fx(22) } }, /speed/],
    ['paddle', { paddles: [0, next.paddles[1] ?? 0] }, /paddle 0/],
    ['score', { scores: [1, 0] }, /without the ball leaving/],
    ['rng', { rng: 0 }, /rng/],
  ] as const)('reports a broken %s', (_name, patch, message) => {
    expect(broken(inPlay, { ...next, ...patch })).toMatch(message);
  });
});
