/** The browser side of the replay API: series score and the cross-check wording. */
import { describe, expect, it } from 'vitest';
import { crossCheckText, seriesScore, type SharedReplay } from '../../../src/ui/replays-api.ts';

const match = (winner: number, over: Partial<SharedReplay> = {}): SharedReplay => ({
  id: 'AAAAAAAAAAAAAAAA', url: '/replay/AAAAAAAAAAAAAAAA', verified: true, frames: 600, finalChecksum: '00000000',
  players: 2, names: ['Ann', 'Bo'], scores: [0, 0], winner, ...over,
});

describe('replays API client helpers', () => {
  it('scores a series: wins per name, unfinished matches count for nobody', () => {
    expect(seriesScore([match(0), match(1), match(0), match(-1)])).toEqual([{ name: 'Ann', wins: 2 }, { name: 'Bo', wins: 1 }]);
    expect(seriesScore([match(2, { players: 3, names: ['Ann', 'Bo'] })])).toEqual([{ name: 'Ann', wins: 0 }, { name: 'Bo', wins: 0 }, { name: 'Player 3', wins: 1 }]);
    expect(seriesScore([])).toEqual([]);
  });

  it('says who confirmed a match, or that it is flagged', () => {
    expect(crossCheckText(match(0))).toBe('verified by the server');
    expect(crossCheckText(match(0, { crossCheck: { status: 'confirmed', confirmedBy: 2, conflicts: [] } }))).toBe('verified, confirmed by 2 players');
    expect(crossCheckText(match(0, { crossCheck: { status: 'flagged', confirmedBy: 1, conflicts: ['x'], conflictFrame: 120 } }))).toContain('flagged: 1 other upload of this match differs from frame 120');
  });
});
