/**
 * Rules 2 (`MatchConfig.rules`): departures through the `InputBits.absent` input bit, one point per
 * rally to the ball's owner, first to `pointsToWin`, the forfeit countdown. Hand-built situations first,
 * then fast-check properties of whole matches against a small reference model of the scoring rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum } from '../../src/game/checksum.ts';
import { makeConfig, type MatchConfig } from '../../src/game/config.ts';
import { fx } from '../../src/game/fixed.ts';
import { forfeitFramesLeft, isAbsent, matchPointPlayers, presentPlayers, wonByForfeit } from '../../src/game/rules.ts';
import { BALL_RADIUS, initialState, InputBits, SERVE_DELAY_FRAMES, type Ball, type GameState } from '../../src/game/state.ts';
import { step } from '../../src/game/step.ts';
import { TrackerBot } from '../../src/sim/bot.ts';

const A = InputBits.absent;
const R = fx(BALL_RADIUS);

function inPlay(config: MatchConfig, ball: Partial<Ball>, extra: Partial<GameState> = {}): GameState {
  const s = initialState(config);
  return { ...s, serveTimer: 0, ball: { ...s.ball, ...ball }, ...extra };
}

function run(s: GameState, frames: number, inputs: (s: GameState) => readonly number[]): GameState {
  for (let f = 0; f < frames; f++) s = step(s, inputs(s));
  return s;
}

/** The side the ball leaves through in `prev -> next` (its centre moved one radius beyond the edge), or -1. */
function exitSide(prev: GameState): number {
  const a = fx(prev.config.arenaSize);
  const x = (prev.ball.x + prev.ball.vx) | 0;
  const y = (prev.ball.y + prev.ball.vy) | 0;
  const depths = [x, a - x, y, a - y];
  return depths.findIndex((d) => d + R < 0);
}

describe('rules 2: the serve', () => {
  it('2 players: the serve is owned by the player not served at', () => {
    for (let seed = 0; seed < 40; seed++) {
      const s = run(initialState(makeConfig({ players: 2, seed })), SERVE_DELAY_FRAMES, () => []);
      expect(s.serveTimer).toBe(0);
      const target = s.ball.vx < 0 ? 0 : 1;
      expect(s.lastHitter, `seed ${seed}`).toBe(1 - target);
    }
  });

  it('4 players, one absent: every serve goes toward a present player and is owned by another present one', () => {
    const owners = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const s = run(initialState(makeConfig({ players: 4, seed })), SERVE_DELAY_FRAMES, () => [0, A, 0, 0]);
      const target = Math.abs(s.ball.vx) > Math.abs(s.ball.vy) ? (s.ball.vx < 0 ? 0 : 1) : s.ball.vy < 0 ? 2 : 3;
      expect(target, `seed ${seed}`).not.toBe(1);
      expect(s.lastHitter).not.toBe(1);
      expect(s.lastHitter).not.toBe(target);
      expect(s.lastHitter).toBeGreaterThanOrEqual(0);
      owners.add(s.lastHitter);
    }
    expect([...owners].sort()).toEqual([0, 2, 3]);
  });
});

describe('rules 2: points', () => {
  const config = makeConfig({ players: 4 });
  /** The ball about to leave through `side` (left or top), owned by `owner`. */
  const missAt = (side: 0 | 2, extra: Partial<GameState>, inputs: readonly number[] = []): GameState => {
    const ball = side === 0 ? { x: fx(3), y: fx(30), vx: -fx(20), vy: 0 } : { x: fx(30), y: fx(3), vx: 0, vy: -fx(20) };
    return step(inPlay(config, ball, extra), inputs);
  };

  it('the ball\'s owner scores exactly one point', () => {
    expect(missAt(0, { lastHitter: 2, scores: [1, 1, 1, 1] }).scores).toEqual([1, 1, 2, 1]);
  });

  it('an own goal and an ownerless ball score nobody; the ball is served again', () => {
    const own = missAt(2, { lastHitter: 2 });
    expect(own.scores).toEqual([0, 0, 0, 0]);
    expect(own.serveTimer).toBe(SERVE_DELAY_FRAMES);
    expect(own.ball.vx).toBe(0);
    expect(missAt(0, { lastHitter: -1 }).scores).toEqual([0, 0, 0, 0]);
  });

  it('an owner who leaves loses the ball: nobody scores with it', () => {
    const s = missAt(0, { lastHitter: 2 }, [0, 0, A, 0]);
    expect(s.scores).toEqual([0, 0, 0, 0]);
    expect(s.absent).toBe(0b0100);
  });

  it('first to pointsToWin wins at once, and one point per rally means no tie', () => {
    const c = makeConfig({ players: 3, pointsToWin: 3 });
    const s = step(inPlay(c, { x: fx(3), y: fx(30), vx: -fx(20), vy: 0 }, { lastHitter: 1, scores: [2, 2, 2] }), []);
    expect(s.scores).toEqual([2, 3, 2]);
    expect(s.winner).toBe(1);
    expect(matchPointPlayers(inPlay(c, {}, { scores: [2, 1, 2] }))).toEqual([0, 2]);
  });
});

describe('rules 2: a departed player', () => {
  const config = makeConfig({ players: 3 });
  const centre = fx(config.arenaSize) >> 1;

  it('has its paddle re-centred and frozen, and keeps its score', () => {
    let s: GameState = { ...initialState(config), scores: [1, 2, 3], paddles: [centre - fx(100), centre + fx(200), centre] };
    s = step(s, [0, A | InputBits.positive, 0]);
    expect(s.paddles).toEqual([centre - fx(100), centre, centre]);
    s = run(s, 30, () => [InputBits.positive, A | InputBits.negative, 0]);
    expect(s.paddles[1]).toBe(centre);
    expect(s.scores).toEqual([1, 2, 3]);
    expect(isAbsent(s, 1)).toBe(true);
    expect(presentPlayers(s)).toEqual([0, 2]);
    // Back: present again from its next input without the bit, from the centre.
    s = step(s, [0, InputBits.positive, 0]);
    expect(s.absent).toBe(0);
    expect(s.paddles[1]).toBe(centre + fx(config.paddleSpeed));
  });

  it('leaves a wall: the ball bounces off its side instead of scoring', () => {
    const a = fx(config.arenaSize);
    const s = inPlay(config, { x: a - fx(12), y: centre, vx: fx(5), vy: fx(1) }, { lastHitter: 0 });
    const gone = step(s, [0, A, 0]);
    expect(gone.ball.vx).toBe(-fx(5));
    expect(a - gone.ball.x).toBeGreaterThanOrEqual(R);
    expect(gone.scores).toEqual([0, 0, 0]);
    // Present, the same ball would have gone past its (centred) paddle's reach and scored for player 0.
    const present = run(inPlay(config, { x: a - fx(12), y: fx(100), vx: fx(5), vy: 0 }, { lastHitter: 0 }), 10, () => [0, 0, 0]);
    expect(present.scores).toEqual([1, 0, 0]);
  });
});

describe('rules 2: alone in the match', () => {
  const config = makeConfig({ players: 2, forfeitFrames: 300 });

  it('holds the serve and wins after exactly forfeitFrames alone', () => {
    let s = run(initialState(config), SERVE_DELAY_FRAMES + 5, () => [0, 0]);
    expect(s.ball.vx).not.toBe(0);
    s = step(s, [0, A]);
    const centre = fx(config.arenaSize) >> 1;
    expect(s.ball).toMatchObject({ x: centre, y: centre, vx: 0, vy: 0 });
    expect(s.lastHitter).toBe(-1);
    expect(forfeitFramesLeft(s)).toBe(299);
    s = run(s, 298, () => [InputBits.positive, A]);
    expect(s.winner).toBe(-1);
    expect(s.ball.vx).toBe(0);
    expect(forfeitFramesLeft(s)).toBe(1);
    s = step(s, [0, A]);
    expect(s.winner).toBe(0);
    expect(wonByForfeit(s)).toBe(true);
    expect(forfeitFramesLeft(s)).toBeUndefined();
  });

  it('a returning player cancels the countdown; the serve follows after the usual delay', () => {
    let s = run(initialState(config), 250, (st) => [0, st.frame < 100 ? 0 : A]);
    expect(s.alone).toBe(150);
    s = step(s, [0, 0]);
    expect(s.alone).toBe(0);
    expect(forfeitFramesLeft(s)).toBeUndefined();
    // The return frame counts as the first of the serve delay.
    s = run(s, SERVE_DELAY_FRAMES - 2, () => [0, 0]);
    expect(s.ball.vx).toBe(0);
    s = step(s, [0, 0]);
    expect(s.ball.vx).not.toBe(0);
    // A later departure starts the count from zero again.
    s = run(s, 300 - 1, () => [A, 0]);
    expect(s.winner).toBe(-1);
    expect(step(s, [A, 0]).winner).toBe(1);
  });

  it('with nobody present, nothing happens and nobody wins', () => {
    const s = run(initialState(config), 2000, () => [A, A]);
    expect(s.winner).toBe(-1);
    expect(s.alone).toBe(0);
    expect(s.scores).toEqual([0, 0]);
  });
});

describe('rules 1 ignores the absent bit (old replays stay exact)', () => {
  it('property: any inputs, with or without the bit, give the same states', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.nat(0xffff), fc.array(fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 400 }), (players, seed, rows) => {
        let a = initialState(makeConfig({ players, seed, rules: 1 }));
        let b = a;
        for (const row of rows) {
          a = step(a, row);
          b = step(b, row.map((v) => v & ~A));
        }
        expect(checksum(a)).toBe(checksum(b));
        expect(a.absent).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

/** A departure schedule: player p is absent on frames [from, from + length). */
interface Away {
  readonly player: number;
  readonly from: number;
  readonly length: number;
}

const FRAMES = 2500;
const matchArb = fc.record({
  players: fc.integer({ min: 2, max: 4 }),
  seed: fc.nat(0xffff_ffff),
  pointsToWin: fc.integer({ min: 1, max: 6 }),
  forfeitFrames: fc.integer({ min: 1, max: 400 }),
  away: fc.array(fc.record({ player: fc.nat(3), from: fc.nat(FRAMES), length: fc.integer({ min: 1, max: 1500 }) }), { maxLength: 5 }),
});

/** Plays a match of ball-tracking players with the departure schedule; checks every frame against the reference. */
function checkMatch(m: { players: number; seed: number; pointsToWin: number; forfeitFrames: number; away: readonly Away[] }): { points: number; forfeits: number; holds: number } {
  const config = makeConfig({ players: m.players, seed: m.seed, pointsToWin: m.pointsToWin, forfeitFrames: m.forfeitFrames });
  const bots = Array.from({ length: m.players }, (_, p) => new TrackerBot(m.seed + p, p));
  const away = (p: number, f: number): boolean => m.away.some((a) => a.player === p && f >= a.from && f < a.from + a.length);
  let s = initialState(config);
  let alone = 0;
  let points = 0;
  let forfeits = 0;
  let holds = 0;
  for (let f = 0; f < FRAMES && s.winner < 0; f++) {
    const row = bots.map((b, p) => b.next(s) | (away(p, f) ? A : 0));
    const absent = row.reduce((mask, v, p) => mask | ((v & A) !== 0 ? 1 << p : 0), 0);
    const present = [...row.keys()].filter((p) => ((absent >> p) & 1) === 0);
    const next = step(s, row);
    expect(next.absent).toBe(absent);
    // Reference forfeit count: consecutive frames with exactly one player present.
    alone = present.length === 1 ? alone + 1 : 0;
    if (present.length < 2) {
      holds++;
      expect(next.scores).toEqual(s.scores);
      expect(next.ball.vx === 0 && next.ball.vy === 0).toBe(true);
    }
    // An absent player never scores, keeps its score, and has no paddle to move.
    for (let p = 0; p < m.players; p++) {
      if ((absent >> p) & 1) {
        expect(next.scores[p]).toBe(s.scores[p]);
        expect(next.paddles[p]).toBe(fx(config.arenaSize) >> 1);
      }
    }
    const gained = next.scores.map((v, p) => v - (s.scores[p] ?? 0));
    if (gained.some((g) => g !== 0)) {
      // One point, to the owner of the ball, which left through another present player's side.
      points++;
      const scorer = gained.findIndex((g) => g !== 0);
      expect(gained.filter((g) => g !== 0)).toEqual([1]);
      expect((absent >> scorer) & 1).toBe(0);
      const owner = ((s.absent | absent) >> s.lastHitter) & 1 ? -1 : s.lastHitter;
      expect(scorer).toBe(owner);
      const side = exitSide(s);
      expect(side).toBeGreaterThanOrEqual(0);
      expect(side).toBeLessThan(m.players);
      expect(side).not.toBe(scorer);
      expect((absent >> side) & 1, 'no point through an absent side').toBe(0);
    } else {
      // No point scored although the ball left: it left through an own or ownerless side.
      const side = exitSide(s);
      if (side >= 0 && present.length >= 2 && s.serveTimer === 0) expect(side).toBeLessThan(m.players);
    }
    if (next.winner >= 0) {
      expect((absent >> next.winner) & 1, 'the winner is present').toBe(0);
      const byPoints = (next.scores[next.winner] ?? 0) >= m.pointsToWin && gained[next.winner] === 1;
      const byForfeit = alone === m.forfeitFrames && present.length === 1 && present[0] === next.winner;
      expect(byPoints || byForfeit).toBe(true);
      expect(wonByForfeit(next)).toBe(byForfeit);
      if (byForfeit) forfeits++;
    } else {
      expect(alone).toBeLessThan(m.forfeitFrames);
    }
    if (present.length === 1) expect(forfeitFramesLeft(next)).toBe(m.forfeitFrames - alone || undefined);
    s = next;
  }
  return { points, forfeits, holds };
}

describe('rules 2 properties (whole matches against a reference)', () => {
  it('an absent player never scores, no point goes through an absent side, the winner is present, forfeits come after exactly forfeitFrames', () => {
    let points = 0;
    let forfeits = 0;
    let holds = 0;
    fc.assert(
      fc.property(matchArb, (m) => {
        const r = checkMatch(m);
        points += r.points;
        forfeits += r.forfeits;
        holds += r.holds;
      }),
      { numRuns: 120, seed: 11 },
    );
    // The generated matches really exercise the rules (not a vacuous pass).
    expect(points).toBeGreaterThan(50);
    expect(forfeits).toBeGreaterThan(3);
    expect(holds).toBeGreaterThan(1000);
  });

  it('a lone survivor in a 4-player match wins exactly forfeitFrames after the last one left', () => {
    const r = checkMatch({ players: 4, seed: 3, pointsToWin: 99, forfeitFrames: 120, away: [{ player: 1, from: 200, length: 5000 }, { player: 2, from: 400, length: 5000 }, { player: 3, from: 700, length: 5000 }] });
    expect(r.forfeits).toBe(1);
    let s = initialState(makeConfig({ players: 4, seed: 3, pointsToWin: 99, forfeitFrames: 120 }));
    const bots = Array.from({ length: 4 }, (_, p) => new TrackerBot(3 + p, p));
    let f = 0;
    for (; s.winner < 0 && f < 5000; f++) s = step(s, bots.map((b, p) => b.next(s) | ((p === 1 && f >= 200) || (p === 2 && f >= 400) || (p === 3 && f >= 700) ? A : 0)));
    expect(s.winner).toBe(0);
    expect(s.frame).toBe(700 + 120);
  });
});
