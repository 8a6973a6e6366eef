/**
 * Micro-benchmark of the deterministic game on the hot paths of rollback netcode, 4 players, mid-match
 * with the ball in play:
 * - `step_us`: one `step` (immer `produce` included): 1,000 timed batches of 40 steps (40,000 steps)
 *   after warm-up, reporting the median batch divided by its size, which shrugs off timer overhead
 *   and GC pauses on a shared machine;
 * - `checksum_us`: one `checksum`, measured the same way;
 * - `rollback8_us_p50` / `rollback8_us_p99`: one 8-frame rollback as a session does it (restore a saved
 *   state reference, re-simulate 8 frames, checksum the result), each of 4,000 samples timed alone.
 * Bounded: well under 10 s. Run alone with `npx tsx bench/game.ts`.
 */
import { fileURLToPath } from 'node:url';
import { checksum, fx, initialState, InputBits, makeConfig, step, type GameState } from '../src/game/index.ts';
import { quantileOfSorted as quantile } from '../src/shared/quantile.ts';

const STEP_BATCH = 40;
const STEP_BATCHES = 1_000;
const CHECKSUM_BATCH = 200;
const CHECKSUM_BATCHES = 500;
const WARMUP_BATCHES = 200;
const ROLLBACK_FRAMES = 8;
const ROLLBACK_SAMPLES = 4_000;
const ROLLBACK_WARMUP = 500;

/** Players that track the ball, so rallies last and the ball stays in play. */
function tracking(s: GameState): number[] {
  return s.paddles.map((pos, p) => {
    const gap = (p < 2 ? s.ball.y : s.ball.x) - pos;
    return gap > fx(6) ? InputBits.positive : gap < -fx(6) ? InputBits.negative : 0;
  });
}

/** In-play states of a 4-player match (consecutive frames), plus the inputs that were played. */
function midMatch(): { states: GameState[]; inputs: number[][] } {
  let s = initialState(makeConfig({ players: 4, seed: 2024, pointsToWin: 99 }));
  const states: GameState[] = [];
  const inputs: number[][] = [];
  for (let f = 0; f < 5_000 && states.length < 256; f++) {
    const row = tracking(s);
    if (f >= 300 && s.serveTimer === 0 && s.winner < 0) {
      states.push(s);
      inputs.push(row);
    }
    s = step(s, row);
  }
  if (states.length < 256) throw new Error('bench: the match never reached 256 in-play frames');
  return { states, inputs };
}

/** Median microseconds per call of `op` over timed batches. */
function medianUs(op: (i: number) => number, batch: number, batches: number): number {
  let sink = 0;
  const perCall: number[] = [];
  for (let b = 0; b < WARMUP_BATCHES + batches; b++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) sink += op(b * batch + i);
    const elapsed = performance.now() - start;
    if (b >= WARMUP_BATCHES) perCall.push((elapsed * 1e3) / batch);
  }
  // Keeps the calls observable so the optimizer cannot drop them.
  if (sink === -1) console.log(sink);
  perCall.sort((x, y) => x - y);
  return quantile(perCall, 0.5);
}

/** Step, checksum and 8-frame rollback costs of 4-player Pong, in microseconds. */
export function benchGame(): Record<string, number> {
  const { states, inputs } = midMatch();
  const mid = states[0] as GameState;
  const row = (i: number): number[] => inputs[i % inputs.length] ?? [];

  const stepUs = medianUs((i) => step(mid, row(i)).frame, STEP_BATCH, STEP_BATCHES);
  const checksumUs = medianUs((i) => checksum(states[i % states.length] as GameState), CHECKSUM_BATCH, CHECKSUM_BATCHES);

  let sink = 0;
  const samples: number[] = [];
  const last = states.length - ROLLBACK_FRAMES;
  for (let n = 0; n < ROLLBACK_WARMUP + ROLLBACK_SAMPLES; n++) {
    const at = n % last;
    const start = performance.now();
    let s = states[at] as GameState; // restoring a snapshot is taking its reference
    for (let k = 0; k < ROLLBACK_FRAMES; k++) s = step(s, row(at + k + 1));
    sink += checksum(s);
    const elapsed = performance.now() - start;
    if (n >= ROLLBACK_WARMUP) samples.push(elapsed * 1e3);
  }
  if (sink === -1) console.log(sink);
  samples.sort((x, y) => x - y);

  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    step_us: round(stepUs),
    checksum_us: round(checksumUs),
    rollback8_us_p50: round(quantile(samples, 0.5)),
    rollback8_us_p99: round(quantile(samples, 0.99)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(benchGame());
