import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/checksum.ts';
import { makeConfig, type MatchConfig } from '../../src/game/config.ts';
import { direction } from '../../src/game/angles.ts';
import { fmul, fx } from '../../src/game/fixed.ts';
import { BALL_RADIUS, initialState, InputBits, PADDLE_INSET, SERVE_DELAY_FRAMES, type Ball, type GameState } from '../../src/game/state.ts';
import { step } from '../../src/game/step.ts';

const R = fx(BALL_RADIUS);
const REACH = fx(PADDLE_INSET + BALL_RADIUS);
/** 1.05 in Q16.16, the documented per-hit speed-up. */
const SPEEDUP = 68_813;
/** Direction index of a serve toward each side (0 left = -x, 1 right = +x, 2 top = -y, 3 bottom = +y). */
const TOWARD_SIDE = [32, 0, 48, 16] as const;

/** Simple tracking players with periodic lapses: hits, misses, speed-ups and points in a few thousand frames. */
function scripted(s: GameState): number[] {
  return s.paddles.map((pos, p) => {
    if (((s.frame >> 7) + p) % 3 === 0) return ((s.frame >> 4) + p) % 4;
    const along = p < 2 ? s.ball.y : s.ball.x;
    const d = along - pos;
    return d > fx(8) ? InputBits.positive : d < -fx(8) ? InputBits.negative : 0;
  });
}

/** Ball position for a side-local `depth` (from the side's edge, inward) and `along` (along the side). */
function at(config: MatchConfig, side: number, depth: number, along: number): { x: number; y: number } {
  const a = fx(config.arenaSize);
  switch (side) {
    case 0: return { x: depth, y: along };
    case 1: return { x: a - depth, y: along };
    case 2: return { x: along, y: depth };
    default: return { x: along, y: a - depth };
  }
}

/** Velocity whose inward component seen from `side` is `inward` (negative = approaching the side). */
function moving(side: number, inward: number, alongV = 0): { vx: number; vy: number } {
  switch (side) {
    case 0: return { vx: inward, vy: alongV };
    case 1: return { vx: -inward, vy: alongV };
    case 2: return { vx: alongV, vy: inward };
    default: return { vx: alongV, vy: -inward };
  }
}

const depthOf = (s: GameState, side: number): number => {
  const a = fx(s.config.arenaSize);
  return [s.ball.x, a - s.ball.x, s.ball.y, a - s.ball.y][side] ?? Number.NaN;
};
const inwardOf = (s: GameState, side: number): number => [s.ball.vx, -s.ball.vx, s.ball.vy, -s.ball.vy][side] ?? Number.NaN;
const alongVOf = (s: GameState, side: number): number => (side < 2 ? s.ball.vy : s.ball.vx);

/** A state with the ball in play at the given place and velocity. */
function inPlay(config: MatchConfig, ball: Partial<Ball>, extra: Partial<GameState> = {}): GameState {
  const s = initialState(config);
  return { ...s, serveTimer: 0, ball: { ...s.ball, ...ball }, ...extra };
}

function run(s: GameState, frames: number, inputs: (s: GameState) => readonly number[]): GameState {
  for (let f = 0; f < frames; f++) s = step(s, inputs(s));
  return s;
}

describe('golden checksums (scripted matches)', () => {
  // Pins the rules: any change to step's results changes these and must bump GAME_VERSION. Rules 1:
  // the values pinned before rule sets existed.
  it.each([
    [2, '2b65bd8a', [1, 3]],
    [3, '0b3dc213', [2, 5, 2]],
    [4, 'f416bbe4', [3, 3, 2, 3]],
  ] as const)('%i players, 3000 frames', (players, expected, scores) => {
    let s = initialState(makeConfig({ players, seed: 1000 + players, pointsToWin: 99, rules: 1 }));
    let hits = 0;
    for (let f = 0; f < 3000; f++) {
      const before = s.rally;
      s = step(s, scripted(s));
      if (s.rally > before) hits++;
    }
    expect(s.frame).toBe(3000);
    expect(formatChecksum(checksum(s))).toBe(expected);
    expect(s.scores).toEqual(scores);
    expect(hits).toBeGreaterThan(10); // the script really exercises paddle hits, not just misses
  });
});

describe('golden checksums, rules 2 (scripted matches, the last player away for frames 1000-1999)', () => {
  it.each([
    [2, '4b580818', [2, 1]],
    [3, '33b39da8', [3, 0, 1]],
    [4, '58fe599f', [1, 0, 1, 1]],
  ] as const)('%i players, 3000 frames', (players, expected, scores) => {
    let s = initialState(makeConfig({ players, seed: 1000 + players, pointsToWin: 99 }));
    expect(s.config.rules).toBe(2);
    for (let f = 0; f < 3000; f++) s = step(s, scripted(s).map((v, p) => (p === players - 1 && f >= 1000 && f < 2000 ? v | InputBits.absent : v)));
    expect(formatChecksum(checksum(s))).toBe(expected);
    expect(s.scores).toEqual(scores);
  });
});

describe('purity', () => {
  const mid = run(initialState(makeConfig({ players: 4, seed: 9 })), 400, scripted);

  it('does not mutate its input (hand-built, unfrozen state)', () => {
    const s = inPlay(makeConfig({ players: 4 }), { vx: fx(-5), vy: fx(2) });
    const copy = structuredClone(s);
    step(s, [1, 2, 3, 0]);
    expect(s).toEqual(copy);
  });

  it('returns a deeply frozen state and shares the unchanged config', () => {
    const next = step(mid, [2, 1, 0, 3]);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.ball)).toBe(true);
    expect(Object.isFrozen(next.paddles)).toBe(true);
    expect(Object.isFrozen(next.scores)).toBe(true);
    expect(next.config).toBe(mid.config);
    expect(() => {
      (next as { frame: number }).frame = 0;
    }).toThrow(TypeError);
  });

  it('gives equal outputs for equal inputs', () => {
    const a = step(mid, [2, 1, 0, 3]);
    const b = step(structuredClone(mid), [2, 1, 0, 3]);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
    expect(checksum(a)).toBe(checksum(b));
  });

  it('treats missing inputs as 0 and ignores reserved bits (rules 1 also the absent bit)', () => {
    expect(step(mid, [])).toEqual(step(mid, [0, 0, 0, 0]));
    expect(step(mid, [2 | 4 | 64, 1 | 8 | 16 | 32])).toEqual(step(mid, [2, 1, 0, 0]));
    const mid1 = run(initialState(makeConfig({ players: 4, seed: 9, rules: 1 })), 400, scripted);
    expect(step(mid1, [2 | 4 | 128, 1 | 8, 128, 128])).toEqual(step(mid1, [2, 1, 0, 0]));
    expect(step(mid, [2, 1, 128, 0])).not.toEqual(step(mid, [2, 1, 0, 0]));
  });
});

describe('paddles', () => {
  const config = makeConfig({ players: 4 });
  const half = fx(config.paddleLength) >> 1;

  it('move by paddleSpeed per frame and clamp at both ends of their side', () => {
    let s = initialState(config);
    s = step(s, [InputBits.positive, InputBits.negative, 0, InputBits.positive | InputBits.negative]);
    const centre = fx(config.arenaSize) >> 1;
    expect(s.paddles).toEqual([centre + fx(12), centre - fx(12), centre, centre]);
    s = run(s, 200, () => [InputBits.positive, InputBits.negative, InputBits.positive, InputBits.negative]);
    expect(s.paddles).toEqual([fx(config.arenaSize) - half, half, fx(config.arenaSize) - half, half]);
  });
});

describe('paddle hits', () => {
  const config = makeConfig({ players: 4 });
  const centre = fx(config.arenaSize) >> 1;

  it.each([0, 1, 2, 3])('side %i: a centred hit reverses the ball along the normal and speeds it up by 5 percent', (side) => {
    const speed = fx(7);
    const s = inPlay(config, { ...at(config, side, REACH + fx(2), centre), ...moving(side, -speed), speed });
    const next = step(s, []);
    expect(depthOf(next, side)).toBe(REACH);
    expect(next.ball.speed).toBe(fmul(speed, SPEEDUP));
    expect(next.ball.speed).toBeGreaterThan(speed);
    expect(inwardOf(next, side)).toBe(next.ball.speed); // straight back out along the normal
    expect(alongVOf(next, side)).toBe(0);
    expect(next.lastHitter).toBe(side);
    expect(next.rally).toBe(1);
  });

  it.each([0, 1, 2, 3])('side %i: an off-centre hit deflects toward the hit side, more at the edge', (side) => {
    const speed = fx(7);
    const deflection = (offsetUnits: number): number => {
      const s = inPlay(config, { ...at(config, side, REACH + fx(2), centre + fx(offsetUnits)), ...moving(side, -speed), speed });
      const next = step(s, []);
      expect(next.lastHitter).toBe(side);
      expect(inwardOf(next, side)).toBeGreaterThan(0);
      return alongVOf(next, side);
    };
    expect(deflection(40)).toBeGreaterThan(0);
    // Symmetric about the centre, up to fmul's floor rounding of the negative component.
    expect(Math.abs(deflection(-40) + deflection(40))).toBeLessThanOrEqual(1);
    expect(deflection(90)).toBeGreaterThan(deflection(40));
    // At the very edge (offset = half the paddle + the ball radius) the deflection is the largest:
    // 10 of 64 direction steps off the normal (56.25 degrees).
    expect(deflection(90)).toBe(fmul(fmul(speed, SPEEDUP), direction(10)[1]));
  });

  it('caps the ball speed at 3x the serve speed', () => {
    const max = fx(7 * 3);
    const s = inPlay(config, { ...at(config, 0, REACH + fx(2), centre), ...moving(0, -fx(20)), speed: max - 1 });
    const next = step(s, []);
    expect(next.ball.speed).toBe(max);
    expect(next.ball.vx).toBe(max);
  });
});

describe('walls', () => {
  it.each([
    [2, 2],
    [2, 3],
    [3, 3],
  ])('%i players: side %i is a wall that mirrors the ball', (players, side) => {
    const config = makeConfig({ players });
    const centre = fx(config.arenaSize) >> 1;
    const s = inPlay(config, { ...at(config, side, R + fx(2), centre), ...moving(side, -fx(5), fx(3)) });
    const next = step(s, []);
    expect(depthOf(next, side)).toBe(R + fx(3)); // moved to R - 3, mirrored about R
    expect(inwardOf(next, side)).toBe(fx(5));
    expect(alongVOf(next, side)).toBe(fx(3)); // the other component is untouched
    expect(next.scores).toEqual(s.scores);
    expect(next.lastHitter).toBe(-1);
  });
});

describe('misses and scoring (rules 1)', () => {
  const config = makeConfig({ players: 4, rules: 1 });
  const centre = fx(config.arenaSize) >> 1;
  const missAt = (side: number, extra: Partial<GameState>): GameState =>
    step(inPlay(config, { ...at(config, side, fx(3), fx(30)), ...moving(side, -fx(20)) }, extra), []);

  it('the last other player who hit the ball scores one point', () => {
    const next = missAt(0, { lastHitter: 2, rally: 5, scores: [1, 1, 1, 1] });
    expect(next.scores).toEqual([1, 1, 2, 1]);
  });

  it('if nobody else touched the ball, every other player scores', () => {
    expect(missAt(1, { lastHitter: -1 }).scores).toEqual([1, 0, 1, 1]);
    expect(missAt(3, { lastHitter: 3 }).scores).toEqual([1, 1, 1, 0]); // own hit does not count
  });

  it('resets the ball to the centre at serve speed and restarts the serve countdown', () => {
    const next = missAt(2, { lastHitter: 0, rally: 3 });
    expect(next.ball).toEqual({ x: centre, y: centre, vx: 0, vy: 0, speed: fx(config.ballSpeed) });
    expect(next.serveTimer).toBe(SERVE_DELAY_FRAMES);
    expect(next.rally).toBe(0);
    expect(next.lastHitter).toBe(-1);
    expect(next.winner).toBe(-1);
  });

  it('a ball past the paddle only scores once fully beyond the edge', () => {
    // Depth after the move is -fx(5): the ball's centre is outside, but it still overlaps the arena.
    const s = inPlay(config, { ...at(config, 0, fx(3), fx(30)), ...moving(0, -fx(8)) }, { lastHitter: 1 });
    const next = step(s, []);
    expect(next.scores).toEqual([0, 0, 0, 0]);
    expect(step(next, []).scores).toEqual([0, 1, 0, 0]);
  });
});

describe('end of match', () => {
  it('ends at pointsToWin with the right winner, then stays frozen while frames advance', () => {
    const config = makeConfig({ players: 2, pointsToWin: 3 });
    const s = inPlay(config, { ...at(config, 1, fx(3), fx(500)), ...moving(1, -fx(20)) }, { lastHitter: 0, scores: [2, 1] });
    const won = step(s, []);
    expect(won.scores).toEqual([3, 1]);
    expect(won.winner).toBe(0);
    expect(won.serveTimer).toBe(0);
    let later = won;
    for (let f = 0; f < 100; f++) later = step(later, [f % 4, (f >> 2) % 4]);
    expect(later.frame).toBe(won.frame + 100);
    expect({ ...later, frame: won.frame }).toEqual(won);
  });

  it('rules 1: a tie at the top plays on', () => {
    const config = makeConfig({ players: 3, pointsToWin: 1, rules: 1 });
    const s = inPlay(config, { ...at(config, 0, fx(3), fx(30)), ...moving(0, -fx(20)) }, { lastHitter: -1 });
    const next = step(s, []);
    expect(next.scores).toEqual([0, 1, 1]);
    expect(next.winner).toBe(-1);
    expect(next.serveTimer).toBe(SERVE_DELAY_FRAMES);
  });
});

describe('serve', () => {
  /** Which player's side a served velocity points at, or -1 if it matches no serve direction. */
  function servedToward(s: GameState): number {
    for (let p = 0; p < s.config.players; p++) {
      for (let o = -5; o <= 5; o++) {
        const [cx, cy] = direction((TOWARD_SIDE[p] ?? 0) + o);
        if (s.ball.vx === fmul(s.ball.speed, cx) && s.ball.vy === fmul(s.ball.speed, cy)) return p;
      }
    }
    return -1;
  }

  it('waits SERVE_DELAY_FRAMES at the centre, then launches toward a player side', () => {
    const config = makeConfig({ players: 2, seed: 77 });
    const centre = fx(config.arenaSize) >> 1;
    let s = run(initialState(config), SERVE_DELAY_FRAMES - 1, () => [1, 2]);
    expect(s.ball).toEqual({ x: centre, y: centre, vx: 0, vy: 0, speed: fx(7) });
    expect(s.serveTimer).toBe(1);
    s = step(s, []);
    expect(s.serveTimer).toBe(0);
    expect(servedToward(s)).toBeGreaterThanOrEqual(0);
    const moved = step(s, []);
    expect(moved.ball.x).toBe(centre + s.ball.vx);
    expect(moved.ball.y).toBe(centre + s.ball.vy);
  });

  it.each([2, 3, 4])('%i players: every serve targets a player, and over 300 seeds each player is served', (players) => {
    const served = new Array<number>(players).fill(0);
    for (let seed = 0; seed < 300; seed++) {
      const s = run(initialState(makeConfig({ players, seed })), SERVE_DELAY_FRAMES, () => []);
      const p = servedToward(s);
      expect(p, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      served[p] = (served[p] ?? 0) + 1;
    }
    for (const n of served) expect(n).toBeGreaterThan(300 / players / 2);
  });

  it('serves again SERVE_DELAY_FRAMES after a point', () => {
    const config = makeConfig({ players: 2 });
    const s = inPlay(config, { ...at(config, 0, fx(3), fx(30)), ...moving(0, -fx(20)) }, { lastHitter: 1 });
    let after = step(s, []);
    after = run(after, SERVE_DELAY_FRAMES - 1, () => []);
    expect(after.ball.vx).toBe(0);
    after = step(after, []);
    expect(after.serveTimer).toBe(0);
    expect(servedToward(after)).toBeGreaterThanOrEqual(0);
    expect(after.rng).not.toBe(s.rng); // the serve consumed generator output
  });
});
