/**
 * Online e2e helpers: the flows of online-flow.ts plus assertions comparing peers at a settled
 * confirmed frame.
 */
import { expect } from 'vitest';
import type { SettleResult } from '../../../src/ui/test-hook.ts';
import { frameOf, settleAll, type Player } from './online-flow.ts';

export * from './online-flow.ts';

/**
 * Settles every page at a frame a little ahead of the furthest one and asserts they agree on the
 * confirmed checksum and scores there (and that each page's live state matches its confirmed track).
 */
export async function expectSettledInSync(players: readonly Player[], aheadFrames = 30): Promise<SettleResult> {
  const frames = await Promise.all(players.map((p) => frameOf(p.page)));
  const target = Math.max(...frames) + aheadFrames;
  const results = await settleAll(players, target);
  const first = results[0];
  if (first === undefined) throw new Error('no players');
  for (const r of results) {
    expect(r.frame).toBe(target);
    expect(r.checksum).toBe(first.checksum);
    expect(r.scores).toEqual(first.scores);
    if (r.liveChecksum !== '') expect(r.liveChecksum).toBe(r.checksum);
  }
  const desyncs = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.desyncs ?? -1)));
  expect(desyncs).toEqual(players.map(() => 0));
  return first;
}
