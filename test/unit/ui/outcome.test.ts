/**
 * The standing texts (outcome.ts) read from real states stepped by the game: the banner, the end screen
 * and the arena line say the same thing about winners, players who left, match point and the forfeit.
 */
import { describe, expect, it } from 'vitest';
import { initialState, InputBits, makeConfig, step, type GameState } from '../../../src/game/index.ts';
import { endScreenText } from '../../../src/ui/messages.ts';
import { labelOf, outcomeOf, scoresLine, standingOf } from '../../../src/ui/outcome.ts';

const A = InputBits.absent;
const names = ['Ann', 'Bob', 'Cy'];

function run(s: GameState, frames: number, row: readonly number[]): GameState {
  for (let f = 0; f < frames; f++) s = step(s, row);
  return s;
}

describe('standing texts', () => {
  it('a player who left is labelled "(left)" and keeps its score in the scores line', () => {
    const s = step({ ...initialState(makeConfig({ players: 3 })), scores: [1, 2, 0] }, [0, A, 0]);
    expect(labelOf(s, names, 1)).toBe('Bob (left)');
    expect(labelOf(s, names, 0)).toBe('Ann');
    expect(scoresLine(s, names)).toBe('Ann 1 · Bob (left) 2 · Cy 0');
  });

  it('the forfeit countdown names who is awaited, in whole seconds, then the win says why', () => {
    const config = makeConfig({ players: 3, forfeitFrames: 600 });
    let s = run(initialState(config), 1, [0, A, A]);
    expect(standingOf(s, names)).toBe('Waiting for Bob and Cy to return… 10 s');
    s = run(s, 540, [0, A, A]);
    expect(standingOf(s, names)).toBe('Waiting for Bob and Cy to return… 1 s');
    s = run(s, 59, [0, A, A]);
    expect(s.winner).toBe(0);
    expect(standingOf(s, names)).toBeUndefined();
    const end = outcomeOf(s, names);
    expect(end).toEqual({ title: 'Ann wins — the others left', subtitle: 'Ann 0 · Bob (left) 0 · Cy (left) 0' });
    // The end screen and the arena banner are the same words.
    expect(endScreenText(s, names)).toEqual(end);
  });

  it('match point for the players one point from winning; sudden death when every present player is', () => {
    const base = initialState(makeConfig({ players: 3, pointsToWin: 5 }));
    expect(standingOf({ ...base, scores: [4, 2, 1] }, names)).toBe('Match point: Ann');
    expect(standingOf({ ...base, scores: [4, 4, 1] }, names)).toBe('Match point: Ann and Bob');
    expect(standingOf({ ...base, scores: [4, 4, 4] }, names)).toBe('Sudden death: the next point wins');
    // A player who left is not at match point; the two present ones both are: sudden death.
    expect(standingOf(step({ ...base, scores: [4, 4, 1] }, [0, 0, A]), names)).toBe('Sudden death: the next point wins');
    expect(standingOf({ ...base, scores: [3, 2, 1] }, names)).toBeUndefined();
    expect(standingOf({ ...base, scores: [4, 2, 1], config: { ...base.config, rules: 1 } }, names)).toBeUndefined();
  });

  it('a win by points reads "X wins!"', () => {
    expect(outcomeOf({ ...initialState(makeConfig({ players: 2 })), winner: 1, scores: [2, 5] }, ['Ann', 'Bob'])).toEqual({ title: 'Bob wins!', subtitle: 'Ann 2 · Bob 5' });
    expect(outcomeOf(initialState(makeConfig({ players: 2 })), names)).toBeUndefined();
  });
});
