/**
 * Seeded matrix cases with spectators: the same matches as the matrix (cases 0-11: RTT up to 250 ms,
 * loss up to 20 %, duplication, reordering, burst loss, asymmetric links, a suspended peer, 2-4 players),
 * with three spectators joining a third into the match. The players' match stays clean, and every
 * spectator ends on the players' final state, matching their confirmed replay at every frame it reached.
 * Reproduce one with `runSimMatch({ ...matrixOptions(matrixCase(index)), spectators: { count: 3, joinAtMs } })`.
 */
import { describe, expect, it } from 'vitest';
import { runSimMatch } from '../../src/sim/match-harness.ts';
import { describeCase, expectCleanMatch, matrixCase, matrixOptions, TICK_MS } from '../support/netcode.ts';

describe('netcode matrix with spectators (cases 0-11)', () => {
  it.each(Array.from({ length: 12 }, (_, i) => [i]))('case %i', (index) => {
    const c = matrixCase(index);
    const joinAtMs = Math.round((c.frames * TICK_MS) / 3);
    const r = runSimMatch({ ...matrixOptions(c), spectators: { count: 3, joinAtMs } });
    const where = `${describeCase(c)} spectators joinAtMs ${joinAtMs}\nfailure: ${r.failure ?? '-'}`;
    expectCleanMatch(r, where);
    expect(r.spectatorsInSync, where).toBe(true);
    for (const s of r.spectators) expect(s.startFrame, where).toBeGreaterThan(0);
  });
});
