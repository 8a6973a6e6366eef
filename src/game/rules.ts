/**
 * Read-only questions about a state's standing under its rule set (see step.ts for the rules): who is
 * present, who is one point from winning, how long a lone player still waits. For the UI and tools;
 * `step` never calls these (its hot path has its own loops).
 */
import type { GameState } from './state.ts';

/** Rules 2: player `p` was absent in the last frame (left the match). Never true under rules 1. */
export function isAbsent(state: GameState, p: number): boolean {
  return ((state.absent >> p) & 1) === 1;
}

/** The players present in the last frame, in player order. */
export function presentPlayers(state: GameState): number[] {
  const out: number[] = [];
  for (let p = 0; p < state.config.players; p++) if (!isAbsent(state, p)) out.push(p);
  return out;
}

/**
 * Rules 2: present players one point from winning while the match goes on (the next point they score
 * wins it). Empty under rules 1 (where a tie at the top plays on, so "match point" would not hold).
 */
export function matchPointPlayers(state: GameState): number[] {
  if (state.config.rules < 2 || state.winner >= 0) return [];
  return presentPlayers(state).filter((p) => (state.scores[p] ?? 0) === state.config.pointsToWin - 1);
}

/** Rules 2: frames left before the one present player wins by forfeit, undefined when no countdown runs. */
export function forfeitFramesLeft(state: GameState): number | undefined {
  if (state.config.rules < 2 || state.winner >= 0 || state.alone === 0) return undefined;
  return state.config.forfeitFrames - state.alone;
}

/** Rules 2: the match was won because everyone else left (the forfeit countdown ran out). */
export function wonByForfeit(state: GameState): boolean {
  return state.config.rules >= 2 && state.winner >= 0 && state.alone >= state.config.forfeitFrames;
}
