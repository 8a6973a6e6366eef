/**
 * A simple computer opponent for practice: it follows the ball along its side while the ball comes
 * toward it, and drifts back to the centre otherwise. It re-aims only every few frames, and aims off
 * the ball by an offset drawn (deterministically, from the state) for every rally hit, sometimes
 * more than its paddle covers: so it misses now and then and can be beaten. Reads the state only.
 */
import { InputBits, fx, type GameState } from '../game/index.ts';

/** Frames between two re-aims. */
const REACTION_FRAMES = 5;
/** Largest aim error, as a fraction of the paddle length (1.0 reaches past the paddle's end). */
const MAX_ERROR = 0.72;

/** A deterministic hash of the rally so far, in [0, 1). */
function rallyNoise(state: GameState, player: number): number {
  let x = (state.rng ^ Math.imul(state.rally + 1, 0x9e3779b1) ^ Math.imul(player + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 0x1_0000_0000;
}

/** The bot's input for `player` in `state`; `aim` carries its current targets between calls. */
export function botInput(state: GameState, player: number, aim: number[]): number {
  const { arenaSize, paddleSpeed, paddleLength } = state.config;
  const vertical = player < 2;
  const b = state.ball;
  const approaching = player === 0 ? b.vx < 0 : player === 1 ? b.vx > 0 : player === 2 ? b.vy < 0 : b.vy > 0;
  if (state.frame % REACTION_FRAMES === 0 || aim[player] === undefined) {
    const error = Math.round((rallyNoise(state, player) * 2 - 1) * MAX_ERROR * paddleLength);
    aim[player] = approaching ? (vertical ? b.y : b.x) + fx(error) : fx(arenaSize) >> 1;
  }
  const target = aim[player] ?? 0;
  const pos = state.paddles[player] ?? 0;
  const dead = fx(paddleSpeed);
  return target > pos + dead ? InputBits.positive : target < pos - dead ? InputBits.negative : 0;
}
