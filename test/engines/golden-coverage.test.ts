/**
 * The golden replays exercise every rule of `step`: re-simulated here, the state changes between frames
 * are classified (rule-coverage.ts) and counted, and the counts must reach the minimums the goldens were
 * recorded for. The ball-tracking goldens carry the collision code; the random ones barely touch it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fx, initialState, makeConfig, parseReplay, step, type GameState, type Replay } from '../../src/game/index.ts';
import { parseAway, trackerInputs } from '../../scripts/replay.ts';
import { addCoverage, countTransition, emptyCoverage, replayCoverage, type RuleCoverage } from './rule-coverage.ts';

const FIXTURES = 'test/fixtures/replays';
const TRACKER = ['pong-2p-tracker.json', 'pong-3p-tracker.json', 'pong-4p-tracker.json'];
/**
 * Rules-2 goldens with departures, and the `--away` each was recorded with
 * (`npm run replay -- record --bot tracker --players P --seed S --points K --frames 60000 --away ...`).
 */
const DEPARTURES: readonly (readonly [string, string])[] = [
  ['pong-2p-away.json', '1:2000-2600'], // player 1 away 10 s and back: the serve held, the countdown cancelled
  ['pong-4p-away.json', '3:1500,2:3000-4500'], // player 3 leaves for good, player 2 leaves and returns (and wins)
  ['pong-3p-forfeit.json', '1:3000,2:4800'], // two leave: player 0 wins by forfeit 3600 frames later
];

function load(file: string): Replay {
  const parsed = parseReplay(readFileSync(join(FIXTURES, file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  return parsed.replay;
}

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
const coverage = new Map<string, RuleCoverage>(files.map((f) => [f, replayCoverage(load(f))]));
const total = [...coverage.values()].reduce(addCoverage, emptyCoverage());

describe('golden replays hit every rule', () => {
  it('ball-tracking goldens exist for 2, 3 and 4 players, each ending with a winner', () => {
    expect(files).toEqual(expect.arrayContaining(TRACKER));
    expect(TRACKER.map((f) => load(f).config.players)).toEqual([2, 3, 4]);
    for (const f of TRACKER) {
      const replay = load(f);
      expect(replay.winner, f).toBeGreaterThanOrEqual(0);
      expect(coverage.get(f)?.winners, f).toBe(1);
    }
  });

  it('across the goldens: >= 300 paddle hits, the speed cap, edge hits, corners, walls, goals', () => {
    expect(total.paddleHits).toBeGreaterThanOrEqual(300);
    expect(total.speedCapReached).toBeGreaterThanOrEqual(5);
    expect(total.framesAtCap).toBeGreaterThanOrEqual(1000);
    expect(total.edgeHits).toBeGreaterThanOrEqual(30);
    expect(total.steepHits).toBeGreaterThanOrEqual(30);
    expect(total.cornerBounces).toBeGreaterThanOrEqual(5);
    expect(total.wallBounces).toBeGreaterThanOrEqual(50);
    expect(total.goals).toBeGreaterThanOrEqual(20);
    expect(total.longestRally).toBeGreaterThanOrEqual(40);
  });

  it.each(TRACKER)('%s alone: long rallies reaching the speed cap, edge hits, goals', (file) => {
    const c = coverage.get(file) ?? emptyCoverage();
    expect(c.paddleHits).toBeGreaterThanOrEqual(100);
    expect(c.speedCapReached).toBeGreaterThanOrEqual(1);
    expect(c.longestRally).toBeGreaterThanOrEqual(23); // 1.05^23 > 3: the cap needs 23 hits in a rally
    expect(c.edgeHits).toBeGreaterThanOrEqual(10);
    expect(c.goals).toBeGreaterThanOrEqual(5);
  });

  it('the counter tells the old random goldens apart: few hits, never the speed cap', () => {
    const random = ['pong-2p.json', 'pong-3p.json', 'pong-4p.json'].map((f) => coverage.get(f) ?? emptyCoverage()).reduce(addCoverage, emptyCoverage());
    expect(random.paddleHits).toBeLessThan(30);
    expect(random.speedCapReached).toBe(0);
    expect(random.goals).toBeGreaterThan(0);
  });

  it.each(TRACKER)('%s is what `npm run replay -- record --bot tracker` records for its seed', (file) => {
    const replay = load(file);
    expect(trackerInputs(replay.config, replay.frames + 1)).toEqual(replay.inputs);
  });

  it.each(DEPARTURES)('%s (rules 2) is what `record --bot tracker --away %s` records for its seed', (file, away) => {
    const replay = load(file);
    expect(replay.config.rules).toBe(2);
    const spans = parseAway(away, replay.config.players);
    if (typeof spans === 'string') throw new Error(spans);
    expect(trackerInputs(replay.config, replay.frames + 1, spans)).toEqual(replay.inputs);
    expect(replay.winner).toBeGreaterThanOrEqual(0);
  });

  it('the rules-2 goldens hit every departure rule: leaving, returning, walls, the held serve, a cancelled countdown, a forfeit, match points', () => {
    const c = DEPARTURES.map(([f]) => coverage.get(f) ?? emptyCoverage()).reduce(addCoverage, emptyCoverage());
    expect(c.departures).toBe(5);
    expect(c.returns).toBe(2);
    expect(c.departedWallBounces).toBeGreaterThanOrEqual(10);
    expect(c.heldFrames).toBe(600 + 3599); // 10 s away in 2p; 3600 frames alone in 3p, the last of which is the win
    expect(c.cancelledCountdowns).toBe(1);
    expect(c.forfeitWins).toBe(1);
    expect(c.matchPoints).toBeGreaterThanOrEqual(2);
    expect(c.winners).toBe(3);
    expect(c.goals).toBeGreaterThanOrEqual(10);
    // The rules-1 goldens have none of it.
    const old = files.filter((f) => !DEPARTURES.some(([d]) => d === f)).map((f) => coverage.get(f) ?? emptyCoverage()).reduce(addCoverage, emptyCoverage());
    expect(old).toMatchObject({ departures: 0, returns: 0, departedWallBounces: 0, heldFrames: 0, cancelledCountdowns: 0, forfeitWins: 0, matchPoints: 0 });
  });
});

describe('rule-coverage counter', () => {
  const start = initialState(makeConfig({ players: 2, seed: 1 }));
  const centre = fx(500);
  /** The ball in play one frame before reaching the left paddle's face, at `offset` from its centre. */
  const approach = (offset: number, vy: number, speed: number): GameState => ({
    ...start,
    serveTimer: 0,
    ball: { x: fx(24 + 10) + fx(4), y: centre + fx(offset), vx: -fx(5), vy, speed },
  });

  it('counts a hit off the paddle edge that reaches the speed cap', () => {
    const before = approach(85, 0, fx(20)); // beyond the 80-unit half paddle, within its 90-unit reach
    const c = emptyCoverage();
    countTransition(before, step(before, [0, 0]), c);
    expect(c).toMatchObject({ paddleHits: 1, edgeHits: 1, steepHits: 1, speedCapReached: 1, framesAtCap: 1, cornerBounces: 0, goals: 0 });
  });

  it('counts a central hit as a plain hit, and a bounce off the top wall as a wall bounce', () => {
    const central = approach(0, 0, fx(7));
    const c = emptyCoverage();
    countTransition(central, step(central, [0, 0]), c);
    expect(c).toMatchObject({ paddleHits: 1, edgeHits: 0, steepHits: 0, speedCapReached: 0, wallBounces: 0 });
    const wall: GameState = { ...start, serveTimer: 0, ball: { x: centre, y: fx(12), vx: fx(3), vy: -fx(5), speed: fx(7) } };
    countTransition(wall, step(wall, [0, 0]), c);
    expect(c).toMatchObject({ paddleHits: 1, wallBounces: 1, cornerBounces: 0 });
  });

  it('counts a paddle hit in the corner, where the top wall reverses the ball in the same frame', () => {
    const paddleTop: GameState = { ...start, paddles: [fx(80), centre] }; // clamped against the top wall
    const before: GameState = { ...paddleTop, serveTimer: 0, ball: { x: fx(24 + 10) + fx(4), y: fx(12), vx: -fx(5), vy: -fx(4), speed: fx(7) } };
    const after = step(before, [0, 0]);
    const c = emptyCoverage();
    countTransition(before, after, c);
    expect(after.rally).toBe(1);
    expect(c).toMatchObject({ paddleHits: 1, cornerBounces: 1 });
  });
});

console.log(`[golden coverage] ${JSON.stringify(total)}`);
