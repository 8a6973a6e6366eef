/**
 * State growth: does the cost of a frame and of a rollback grow linearly with the state? The game has
 * one ball, so this section carries N extra balls (1..1000) in a bench-local extended state, stepped by
 * a wrapper around the game step with the same immutability discipline (a new frozen array of new
 * frozen ball records per frame, like `step` builds its new parts), checksummed as a fold over every
 * ball, and saved in / restored from the netcode's own `StateRing` through `Simulation` requests.
 * - `growth_frame_us_nN`: one frame as a session runs it (save with checksum, advance), median of
 *   batches, for N = 1, 10, 100, 1000;
 * - `growth_rollback8_us_nN`: one 8-frame rollback (load from the ring, 8 x (save + advance)), median;
 * - `growth_frame_ns_per_ball` / `growth_rollback8_ns_per_ball`: least-squares slope over the four N;
 * - `growth_frame_r2` / `growth_rollback8_r2`: R^2 of that linear fit (1 = perfectly linear; the
 *   N = 1000 point dominates it, hence also:)
 * - `growth_frame_linearity` / `growth_rollback8_linearity`: the cost per extra ball at N = 1000 over
 *   that at N = 100, each `(cost(N) - cost(1)) / (N - 1)` (1 = the same cost per ball at both sizes;
 *   well above 1 would mean super-linear growth, e.g. copying or GC getting worse with size; N = 10 is
 *   left out because its few balls cost less than the timing noise).
 */
import { freeze } from 'immer';
import { checksum, fx, initialState, InputBits, makeConfig, step, type GameState } from '../src/game/index.ts';
import { Simulation, type GameAdapter, type SessionRequest } from '../src/netcode/index.ts';
import { StateRing } from '../src/netcode/state-ring.ts';
import { quantile } from '../src/shared/quantile.ts';

interface ExtraBall {
  readonly x: number;
  readonly y: number;
  readonly vx: number;
  readonly vy: number;
}

interface Extended {
  readonly game: GameState;
  readonly balls: readonly ExtraBall[];
}

const ARENA = fx(1000);
const SIZES = [1, 10, 100, 1000] as const;
const ROLLBACK = 8;

/** Moves one extra ball, bouncing off the arena's edges (integer math, like the game). */
function moveBall(b: ExtraBall): ExtraBall {
  let { x, y, vx, vy } = b;
  x = (x + vx) | 0;
  y = (y + vy) | 0;
  if (x < 0 || x > ARENA) {
    vx = -vx;
    x = x < 0 ? -x : 2 * ARENA - x;
  }
  if (y < 0 || y > ARENA) {
    vy = -vy;
    y = y < 0 ? -y : 2 * ARENA - y;
  }
  return freeze({ x, y, vx, vy });
}

const adapter: GameAdapter<Extended> = {
  step: (s, inputs) => freeze({ game: step(s.game, inputs), balls: freeze(s.balls.map(moveBall)) }),
  checksum: (s) => {
    let h = checksum(s.game);
    for (const b of s.balls) h = (Math.imul(h ^ b.x, 0x01000193) ^ Math.imul(b.y, 0x85ebca6b) ^ b.vx ^ (b.vy << 1)) >>> 0;
    return h;
  },
};

function extended(n: number): Extended {
  const balls = Array.from({ length: n }, (_, i) => freeze({ x: fx(100 + ((i * 37) % 800)), y: fx(100 + ((i * 91) % 800)), vx: fx(3) + i * 977, vy: -fx(2) - i * 613 }));
  return freeze({ game: initialState(makeConfig({ players: 2, seed: 5, pointsToWin: 99 })), balls: freeze(balls) });
}

/** Median microseconds of `op` over timed batches (after warm-up). */
function medianUs(op: () => void, batch: number, batches: number): number {
  const per: number[] = [];
  for (let b = 0; b < batches + 20; b++) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) op();
    if (b >= 20) per.push(((performance.now() - t) * 1000) / batch);
  }
  return quantile(per, 0.5);
}

function fit(xs: readonly number[], ys: readonly number[]): { slope: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return { slope: sxy / sxx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Frame and rollback cost for N = 1, 10, 100, 1000 extra balls. */
export function benchGrowth(): Record<string, number> {
  const out: Record<string, number> = {};
  const frame: number[] = [];
  const rollback: number[] = [];
  const inputs = [InputBits.positive, InputBits.negative];
  for (const n of SIZES) {
    const ring = new StateRing<Extended>(ROLLBACK + 2);
    const sim = new Simulation(adapter, extended(n));
    let f = 0;
    const one = (): void => {
      const reqs: SessionRequest<Extended>[] = [{ kind: 'save', frame: f, cell: ring.cellFor(f) }, { kind: 'advance', frame: f, inputs }];
      sim.execute(reqs);
      f++;
    };
    for (let i = 0; i < ROLLBACK + 1; i++) one();
    const batch = Math.max(2, Math.round(2000 / n));
    const frameUs = medianUs(one, batch, 150);
    const rollbackUs = medianUs(() => {
      const from = f - ROLLBACK;
      const cell = ring.get(from);
      if (cell?.state === undefined) throw new Error(`growth: frame ${from} not in the ring`);
      const reqs: SessionRequest<Extended>[] = [{ kind: 'load', frame: from, state: cell.state }];
      for (let k = 0; k < ROLLBACK; k++) reqs.push({ kind: 'save', frame: from + k, cell: ring.cellFor(from + k) }, { kind: 'advance', frame: from + k, inputs });
      sim.execute(reqs);
    }, Math.max(1, Math.round(250 / n)), 150);
    frame.push(frameUs);
    rollback.push(rollbackUs);
    out[`growth_frame_us_n${n}`] = round(frameUs);
    out[`growth_rollback8_us_n${n}`] = round(rollbackUs);
  }
  const ff = fit(SIZES, frame);
  const rf = fit(SIZES, rollback);
  out.growth_frame_ns_per_ball = round(ff.slope * 1000);
  out.growth_rollback8_ns_per_ball = round(rf.slope * 1000);
  out.growth_frame_r2 = Math.round(ff.r2 * 10_000) / 10_000;
  out.growth_rollback8_r2 = Math.round(rf.r2 * 10_000) / 10_000;
  out.growth_frame_linearity = round(linearity(frame));
  out.growth_rollback8_linearity = round(linearity(rollback));
  return out;
}

/** Cost per extra ball at N = 1000 over that at N = 100 (costs in SIZES order). */
function linearity(costs: readonly number[]): number {
  const base = costs[0] ?? 0;
  const per = (i: number): number => ((costs[i] ?? 0) - base) / ((SIZES[i] ?? 2) - 1);
  return per(3) / per(2);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchGrowth());
