/**
 * What a player reads about the standing of a match, from the game state alone (so the arena banner,
 * the end screen, the HUD, practice and the replay viewer always agree): "Alice wins!", "Alice wins —
 * the others left", "Bob (left)", "Match point: Alice", "Sudden death", "Waiting for Bob to return… 42 s".
 * Pure functions, no DOM (unit-tested in Node).
 */
import { forfeitFramesLeft, isAbsent, matchPointPlayers, presentPlayers, wonByForfeit, type GameState } from '../game/index.ts';

/** Frames per second of the simulation (for the countdown's seconds). */
const FPS = 60;

/** A full-arena message: the same shape as the renderer's `OverlayScreen`. */
export interface Outcome {
  readonly title: string;
  readonly subtitle: string;
}

/** The rules as the rules screen (the landing page's "Rules") states them; docs/architecture.md says the same. */
export const RULES_TEXT: readonly string[] = [
  'Each player defends one side; sides without a player are walls.',
  'The ball wears the colour of its owner: the player who served it or last hit it.',
  'When the ball leaves through your side, its owner scores one point. A ball you hit yourself, or whose owner left, scores nobody.',
  'First to the target score wins. "Match point" shows who is one point from winning.',
  'A player who leaves is out: no paddle, their side becomes a wall, their score stays. They count again if they come back.',
  'Alone in the match, you wait 60 s for someone to return, then you win.',
];

/** A player's display name ("Player N" when unknown). */
export function nameOf(names: readonly string[] | undefined, p: number): string {
  const n = names?.[p];
  return n === undefined || n === '' ? `Player ${p + 1}` : n;
}

/** A player's name as shown beside its score: "Bob (left)" once it left the match. */
export function labelOf(state: GameState, names: readonly string[] | undefined, p: number): string {
  return isAbsent(state, p) ? `${nameOf(names, p)} (left)` : nameOf(names, p);
}

/** "A", "A and B", "A, B and C". */
function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** The scores line under a result: "Ann 3 · Ben (left) 5". */
export function scoresLine(state: GameState, names: readonly string[] | undefined): string {
  return state.scores.map((s, p) => `${labelOf(state, names, p)} ${s}`).join(' · ');
}

/** The end-of-match banner, or undefined while the match goes on. */
export function outcomeOf(state: GameState, names: readonly string[] | undefined): Outcome | undefined {
  if (state.winner < 0) return undefined;
  const winner = nameOf(names, state.winner);
  return { title: wonByForfeit(state) ? `${winner} wins — the others left` : `${winner} wins!`, subtitle: scoresLine(state, names) };
}

/**
 * The line shown over the arena about the match's standing, or undefined when there is nothing to say:
 * the forfeit countdown while one player is alone ("Waiting for Bob to return… 42 s"), "Sudden death"
 * when every present player is one point from winning, else "Match point: Alice" (rules 2 only).
 */
export function standingOf(state: GameState, names: readonly string[] | undefined): string | undefined {
  if (state.config.rules < 2 || state.winner >= 0) return undefined;
  const left = forfeitFramesLeft(state);
  if (left !== undefined) {
    const gone: string[] = [];
    for (let p = 0; p < state.config.players; p++) if (isAbsent(state, p)) gone.push(nameOf(names, p));
    return `Waiting for ${joinNames(gone)} to return… ${Math.ceil(left / FPS)} s`;
  }
  const atPoint = matchPointPlayers(state);
  if (atPoint.length === 0) return undefined;
  const present = presentPlayers(state);
  if (present.length >= 2 && atPoint.length === present.length) return 'Sudden death: the next point wins';
  return `Match point: ${joinNames(atPoint.map((p) => nameOf(names, p)))}`;
}
