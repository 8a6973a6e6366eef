/**
 * Netcode benchmarks: input packet size in steady state, session work per frame (game step excluded),
 * and 8-frame rollbacks driven through a real session (inputs arriving 8 frames late).
 * - `netcode_overhead_us_per_frame`: mean session time per advanced frame (2 players, 25 ms one way);
 * - `netcode_overhead_us_p50` and `netcode_overhead_mean_over_p50`: the median frame and how far the
 *   mean sits above it (the tail: GC pauses, preemption, frames with more datagrams);
 * - `netcode_overhead_min3_mean_over_p50`: the same ratio over the per-frame minimum of three identical
 *   runs (same seeds, same traffic): random pauses (GC, the OS) drop out, what stays is the work that
 *   really differs from frame to frame (docs/performance.md).
 */
import { checksum, initialState, InputBits, makeConfig, step, type GameState } from '../src/game/index.ts';
import { P2PSession, Simulation, type GameAdapter, type SessionRequest } from '../src/netcode/index.ts';
import { runSimMatch } from '../src/sim/match-harness.ts';
import { RandomBot } from '../src/sim/bot.ts';
import { makeLinkConditions } from '../src/transport/link-model.ts';
import { SimNetwork } from '../src/transport/sim-network.ts';
import { quantile } from '../src/shared/quantile.ts';

const TICK = 1000 / 60;

const pct = (values: number[], q: number): number => quantile(values, q, 0);

/** Median input datagram size, 2 players, 60 Hz, 50 ms RTT, no loss, after the first 2 s. */
function inputPayload(): number {
  const r = runSimMatch({ players: 2, seed: 11, frames: 1800, link: makeLinkConditions({ latencyMs: 25 }) });
  return pct(r.inputPacketBytes.slice(240), 0.5);
}

/** Two sessions over a simulated link; times session calls and game work separately. */
function sessionLoop(players: number, latencyMs: number, frames: number, inputDelay: number, maxPrediction: number) {
  const net = new SimNetwork({ seed: 5, defaultLink: makeLinkConditions({ latencyMs }) });
  const ids = Array.from({ length: players }, (_, p) => `p${p}`);
  const game: GameAdapter<GameState> = { step, checksum };
  const config = makeConfig({ players, pointsToWin: 99, seed: 9 });
  const peers = ids.map((id, player) => ({
    session: new P2PSession<GameState>({ players, localPlayer: player, remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])), socket: net.createSocket(id), sessionId: 1, startMs: 0, inputDelay, maxPrediction, departedInput: InputBits.absent }),
    sim: new Simulation(game, initialState(config)),
    bot: new RandomBot(player + 100),
  }));
  let sessionNs = 0;
  let advanced = 0;
  const frameUs: number[] = [];
  const rollbackSamples: number[] = [];
  for (let f = 0; f < frames; f++) {
    const now = f * TICK;
    net.advanceTo(now);
    for (const [i, p] of peers.entries()) {
      p.session.addLocalInput(p.bot.next());
      const before = p.session.currentFrame;
      const t0 = process.hrtime.bigint();
      const requests: SessionRequest<GameState>[] = p.session.advanceFrame(now);
      const t1 = process.hrtime.bigint();
      p.sim.execute(requests);
      const t2 = process.hrtime.bigint();
      if (p.session.currentFrame > before) advanced++;
      sessionNs += Number(t1 - t0);
      if (f >= 120) frameUs.push(Number(t1 - t0) / 1000);
      const load = requests.find((r) => r.kind === 'load');
      if (i === 0 && load !== undefined && before - load.frame === 8 && f > 120) rollbackSamples.push(Number(t2 - t0) / 1000);
    }
  }
  return { sessionUsPerFrame: sessionNs / 1000 / Math.max(1, advanced), rollbackSamples, frameUs };
}

/** Runs the netcode benchmarks. */
export function benchNetcode(): Record<string, number> {
  sessionLoop(2, 25, 600, 2, 8); // warm-up
  const overhead = sessionLoop(2, 25, 3600, 2, 8);
  const repeats = [overhead, sessionLoop(2, 25, 3600, 2, 8), sessionLoop(2, 25, 3600, 2, 8)];
  const minPerFrame = overhead.frameUs.map((_, i) => Math.min(...repeats.map((r) => r.frameUs[i] ?? Number.POSITIVE_INFINITY)));
  // Inputs 8 frames late: one-way latency of 8 ticks with no input delay; every changed input rolls back 8.
  sessionLoop(2, 8 * TICK - 1, 1000, 0, 12); // warm-up of the rollback path
  const late = sessionLoop(2, 8 * TICK - 1, 12_000, 0, 12);
  const late4 = sessionLoop(4, 8 * TICK - 1, 6000, 0, 12);
  return {
    input_payload_bytes_p50: inputPayload(),
    netcode_overhead_us_per_frame: round(overhead.sessionUsPerFrame),
    netcode_overhead_us_p50: round(pct(overhead.frameUs, 0.5)),
    netcode_overhead_mean_over_p50: round(mean(overhead.frameUs) / pct(overhead.frameUs, 0.5)),
    netcode_overhead_min3_mean_over_p50: round(mean(minPerFrame) / pct(minPerFrame, 0.5)),
    session_rollback8_samples: late.rollbackSamples.length,
    session_rollback8_us_p50: round(pct(late.rollbackSamples, 0.5)),
    session_rollback8_us_p99: round(pct(late.rollbackSamples, 0.99)),
    session_rollback8_4p_us_p50: round(pct(late4.rollbackSamples, 0.5)),
    session_rollback8_4p_us_p99: round(pct(late4.rollbackSamples, 0.99)),
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchNetcode());
