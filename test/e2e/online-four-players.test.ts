/**
 * Four browsers in one lobby (real signaling server, simple-peer mesh of six connections): everyone
 * reaches the game, plays scripted inputs, and all four settle on the same confirmed checksum.
 */
import { expect, it } from 'vitest';
import { describeE2E } from './support/browser.ts';
import { onlineFixture, expectSettledInSync, startMatch, waitForFrame, type Player } from './support/online.ts';

describeE2E('online match, four players (Chromium, simple-peer)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('four pages reach the game as players 0-3 and stay in sync', { timeout: 85_000 }, async () => {
    // Each join restarted the idle lobby's ready round, but nobody had pressed Ready: nothing was
    // cancelled, and no page may say so (issue #9).
    const noCancel = async (all: readonly Player[]): Promise<void> => {
      const errors = await Promise.all(all.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.error ?? '')));
      expect(errors.filter((e) => /cancelled/i.test(e))).toEqual([]);
    };
    await startMatch(e2e.browser, e2e.server, { count: 4, joinQuery: (i) => (i === 3 ? '?lag=40&jitter=10&loss=0.02' : ''), beforeReady: noCancel }, players);
    const seen = await Promise.all(players.map((p) => p.page.evaluate(() => ({ player: window.rollbackPong?.online?.localPlayer, names: window.rollbackPong?.online?.names }))));
    expect(seen.map((s) => s.player)).toEqual([0, 1, 2, 3]);
    for (const s of seen) expect(s.names).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
    const [alice, , carol] = players;
    if (alice === undefined || carol === undefined) throw new Error('four players expected');
    await alice.page.fill('.chat-input', 'gl hf');
    await alice.page.press('.chat-input', 'Enter');
    await carol.page.waitForFunction(() => document.querySelector('[data-testid=chat-list]')?.textContent?.includes('Alice: gl hf') === true);
    await carol.page.keyboard.press('F3');
    await Promise.all(players.map((p) => waitForFrame(p.page, 360, 40_000)));
    await carol.screenshot('online-4p-game');
    const settled = await expectSettledInSync(players);
    expect(settled.scores).toHaveLength(4);
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
