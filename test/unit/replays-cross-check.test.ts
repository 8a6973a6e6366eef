/**
 * The cross-check of several uploads of one match (signaling/replays/cross-check.ts), against a simple
 * reference: two uploads disagree at the first frame, among the frames both recorded, whose checksums
 * differ; confirmations count distinct uploaders that agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossCheck, firstDisagreement } from '../../signaling/replays/cross-check.ts';
import type { ReplayRecord } from '../../signaling/replays/store.ts';

const rec = (id: string, uploader: string, checkpoints: [number, string][]): ReplayRecord => ({
  id, uploader, checkpoints, createdMs: 0, contentHash: id, matchKey: 'm', frames: checkpoints.at(-1)?.[0] ?? 0, players: 2,
  finalChecksum: checkpoints.at(-1)?.[1] ?? '', scores: [0, 0], winner: -1, names: [], lobby: '',
});

/** Checkpoints: increasing frames, checksums from a tiny alphabet so that collisions and differences both happen. */
const points = fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }).chain((frames) =>
  fc.tuple(...[...frames].sort((a, b) => a - b).map((f) => fc.tuple(fc.constant(f), fc.constantFrom('00000000', '00000001')))));

describe('replay cross-check', () => {
  it('finds the first shared frame whose checksums differ (reference: scan every frame)', () => {
    fc.assert(fc.property(points, points, (a, b) => {
      const ra = rec('a', 'u1', a as [number, string][]);
      const rb = rec('b', 'u2', b as [number, string][]);
      let expected: number | undefined;
      for (let f = 1; f <= 40 && expected === undefined; f++) {
        const x = a.find(([g]) => g === f);
        const y = b.find(([g]) => g === f);
        if (x !== undefined && y !== undefined && x[1] !== y[1]) expected = f;
      }
      expect(firstDisagreement(ra, rb)).toBe(expected);
      expect(firstDisagreement(rb, ra)).toBe(expected);
    }));
  });

  it('counts distinct agreeing uploaders and flags any disagreeing upload', () => {
    const good: [number, string][] = [[60, 'aaaaaaaa'], [120, 'bbbbbbbb']];
    const self = rec('s', 'u1', good);
    expect(crossCheck(self, [self])).toEqual({ status: 'single', confirmedBy: 1, conflicts: [] });
    // The same uploader twice is one player; a longer recording of the same match agrees.
    const again = rec('s2', 'u1', good);
    const longer = rec('o', 'u2', [...good, [180, 'cccccccc']]);
    expect(crossCheck(self, [self, again, longer])).toEqual({ status: 'confirmed', confirmedBy: 2, conflicts: [] });
    const forged = rec('f', 'u3', [[60, 'aaaaaaaa'], [120, 'dddddddd']]);
    expect(crossCheck(self, [self, longer, forged])).toEqual({ status: 'flagged', confirmedBy: 2, conflicts: ['f'], conflictFrame: 120 });
  });
});
