/**
 * Replays generated for browser tests: computer players (the practice bot) with seeded noise, so the
 * matches have rallies, hits and points, and are identical on every run.
 */
import { buildReplay, initialState, makeConfig, step, type Replay } from '../../../src/game/index.ts';
import { botInput } from '../../../src/ui/bot.ts';

/** Options of `makeTestReplay`. */
export interface TestReplayOptions {
  readonly players: number;
  readonly frames: number;
  readonly seed: number;
  readonly names?: readonly string[];
  /** Default 99 (nobody wins in a short test match). */
  readonly pointsToWin?: number;
}

/** A replay of `frames` frames of bots playing, with 1 input in 8 replaced by seeded noise. */
export function makeTestReplay(options: TestReplayOptions): Replay {
  const config = makeConfig({ players: options.players, seed: options.seed, pointsToWin: options.pointsToWin ?? 99 });
  let state = initialState(config);
  let rng = options.seed >>> 0 || 1;
  const aim: number[] = [];
  const inputs: number[][] = [];
  for (let f = 0; f < options.frames; f++) {
    const row: number[] = [];
    for (let p = 0; p < options.players; p++) {
      rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
      row.push((rng >>> 28) === 0 ? (rng >>> 24) & 3 : botInput(state, p, aim));
    }
    inputs.push(row);
    state = step(state, row);
  }
  return buildReplay(config, inputs, options.names === undefined ? {} : { names: options.names });
}
