/**
 * Visual jump of rollback corrections, with and without render-side smoothing (src/ui/render/smoother.ts),
 * headless: two real sessions over the simulated network at 100 ± 20 ms one way (60 Hz, input delay 2,
 * max prediction 8), players that track the ball on their own (predicted) screen. Every peer "renders"
 * every frame through the same correction path as the game view (old timeline rebuilt by repeat-last
 * prediction, `CorrectionSmoother.decay` then `correct` then `apply`), once with smoothing on and once off.
 *
 * The jump of a drawn frame is the on-screen displacement that the motion of the old timeline does not
 * explain: `(drawn_t - drawn_t-1) - (old_t - sim_t-1)` for the ball (2-D) and each remote paddle, the
 * largest of them, in px at a 600 px arena (0.6 px per arena unit). With snapping it is the full
 * correction; with smoothing it is the share of the offset the frame gives back.
 * - `correction_jump_px_p99_snap` / `_smooth`: p99 over the frames that carried a correction;
 * - `correction_jump_px_max_snap` / `_smooth`: the largest jump of any frame (smoothing spreads a
 *   correction over later frames, so those count too);
 * - `correction_frames`: frames that carried a correction; `correction_snaps`: jumps long enough to snap
 *   (a goal or serve on one timeline only).
 */
import { checksum, fx, initialState, InputBits, makeConfig, step, type GameState } from '../src/game/index.ts';
import { P2PSession, Simulation, type GameAdapter } from '../src/netcode/index.ts';
import { nextRng, rngBelow, seedRng } from '../src/game/rng.ts';
import { makeLinkConditions } from '../src/transport/link-model.ts';
import { SimNetwork } from '../src/transport/sim-network.ts';
import { CorrectionSmoother, oldTimeline, positionsOf, type Positions } from '../src/ui/render/smoother.ts';
import { quantile } from '../src/shared/quantile.ts';

const TICK = 1000 / 60;
const PX_PER_UNIT = 0.6;
const FRAMES = 3600;

/** Tracks the ball on this peer's screen, with a per-player dead zone and now and then a random hold. */
class Tracker {
  private rng: number;
  private hold = 0;
  private held = 0;
  constructor(private readonly player: number, seed: number) {
    this.rng = seedRng(seed);
  }
  next(s: GameState): number {
    this.rng = nextRng(this.rng);
    if (this.hold > 0) {
      this.hold--;
      return this.held;
    }
    if (rngBelow(this.rng, 40) === 0) {
      this.rng = nextRng(this.rng);
      this.held = rngBelow(this.rng, 3);
      this.hold = 5 + rngBelow(this.rng, 20);
      return this.held;
    }
    const pos = s.paddles[this.player] ?? 0;
    const gap = (this.player < 2 ? s.ball.y : s.ball.x) - pos;
    const dead = fx(4 + this.player * 3);
    return gap > dead ? InputBits.positive : gap < -dead ? InputBits.negative : 0;
  }
}

interface View {
  readonly smoother: CorrectionSmoother;
  drawn: Positions | undefined;
  readonly jumps: number[];
  maxJump: number;
}

function jumpOf(drawn: Positions, lastDrawn: Positions, old: Positions, lastSim: Positions, skip: number): number {
  let worst = Math.hypot(drawn.ballX - lastDrawn.ballX - (old.ballX - lastSim.ballX), drawn.ballY - lastDrawn.ballY - (old.ballY - lastSim.ballY));
  for (let p = 0; p < drawn.paddles.length; p++) {
    if (p === skip) continue;
    const d = Math.abs((drawn.paddles[p] ?? 0) - (lastDrawn.paddles[p] ?? 0) - ((old.paddles[p] ?? 0) - (lastSim.paddles[p] ?? 0)));
    worst = Math.max(worst, d);
  }
  return worst * PX_PER_UNIT;
}

/** Runs the match and returns the smoothing figures. */
export function benchSmoothing(): Record<string, number> {
  const players = 2;
  const net = new SimNetwork({ seed: 21, defaultLink: makeLinkConditions({ latencyMs: 100, jitterMs: 20 }) });
  const ids = ['p0', 'p1'];
  const game: GameAdapter<GameState> = { step, checksum };
  const config = makeConfig({ players, pointsToWin: 99, seed: 31 });
  let snaps = 0;
  let correctionFrames = 0;
  const peers = ids.map((id, player) => ({
    player,
    session: new P2PSession<GameState>({ players, localPlayer: player, remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])), socket: net.createSocket(id), sessionId: 1, startMs: 0, inputDelay: 2, maxPrediction: 8, departedInput: InputBits.absent }),
    sim: new Simulation(game, initialState(config)),
    bot: new Tracker(player, 700 + player),
    previous: initialState(config),
    views: [true, false].map((enabled): View => ({ smoother: new CorrectionSmoother({ enabled }), drawn: undefined, jumps: [], maxJump: 0 })),
  }));
  for (let f = 0; f < FRAMES; f++) {
    const now = f * TICK;
    net.advanceTo(now);
    for (const p of peers) {
      const before = p.sim.state;
      const steps = p.sim.steps;
      p.session.addLocalInput(p.bot.next(before));
      p.sim.execute(p.session.advanceFrame(now));
      const after = p.sim.state;
      const advanced = after.frame - before.frame;
      const rolledBack = p.sim.steps - steps - Math.max(0, advanced) > 0 && advanced >= 0;
      const sim = positionsOf(after);
      const old = rolledBack ? positionsOf(oldTimeline(p.previous, before, advanced)) : sim;
      const lastSim = positionsOf(before);
      const corrected = rolledBack && jumpOf(sim, lastSim, old, lastSim, p.player) > 0;
      if (corrected && f > 120) correctionFrames++;
      for (const v of p.views) {
        v.smoother.decay(TICK);
        const snapsBefore = v.smoother.snaps;
        if (rolledBack) v.smoother.correct(old, sim, p.player);
        if (v.smoother.enabled) snaps += v.smoother.snaps - snapsBefore;
        const drawn = v.smoother.apply(sim);
        if (v.drawn !== undefined && f > 120) {
          const j = jumpOf(drawn, v.drawn, old, lastSim, p.player);
          v.maxJump = Math.max(v.maxJump, j);
          if (corrected) v.jumps.push(j);
        }
        v.drawn = drawn;
      }
      if (advanced > 0) p.previous = before;
    }
  }
  const pooled = (i: number): { jumps: number[]; max: number } => ({
    jumps: peers.flatMap((p) => p.views[i]?.jumps ?? []),
    max: Math.max(...peers.map((p) => p.views[i]?.maxJump ?? 0)),
  });
  const smooth = pooled(0);
  const snap = pooled(1);
  return {
    correction_frames: correctionFrames,
    correction_snaps: snaps,
    correction_jump_px_p50_snap: round(pct(snap.jumps, 0.5)),
    correction_jump_px_p99_snap: round(pct(snap.jumps, 0.99)),
    correction_jump_px_max_snap: round(snap.max),
    correction_jump_px_p50_smooth: round(pct(smooth.jumps, 0.5)),
    correction_jump_px_p99_smooth: round(pct(smooth.jumps, 0.99)),
    correction_jump_px_max_smooth: round(smooth.max),
  };
}

const pct = (values: readonly number[], q: number): number => quantile(values, q, 0);

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchSmoothing());
