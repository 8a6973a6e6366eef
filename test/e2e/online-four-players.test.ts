/**
 * Four browsers in one lobby (real signaling server, simple-peer mesh of six connections): everyone
 * reaches the game, plays scripted inputs, and all four settle on the same confirmed checksum. Layout
 * checks on the way (issue #9): the Ready button in view at 900x640 with four members, the HUD table
 * inside its panel at 900x640 and 1280x800, every page's member list "In match" during the match.
 * `UPDATE_SCREENSHOT=1` also writes the README's docs/screenshot.png (1280x800, HUD and lag panel open).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeE2E, REPO_ROOT } from './support/browser.ts';
import { onlineFixture, expectHudFits, expectReadyInView, expectSettledInSync, startMatch, waitForFrame, type Player } from './support/online.ts';

describeE2E('online match, four players (Chromium, simple-peer)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('four pages reach the game as players 0-3 and stay in sync', { timeout: 85_000 }, async () => {
    // Each join restarted the idle lobby's ready round, but nobody had pressed Ready: nothing was
    // cancelled, and no page may say so (issue #9).
    const noCancel = async (all: readonly Player[]): Promise<void> => {
      const errors = await Promise.all(all.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.error ?? '')));
      expect(errors.filter((e) => /cancelled/i.test(e))).toEqual([]);
      for (const p of all) await expectReadyInView(p.page); // 900x640, four members: no scrolling to Ready
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
    // During the match every page lists every member "In match" (one truth for ready, issue #9 item 6).
    const lists = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.members.map((m) => [m.name, m.ready, m.inMatch]))));
    for (const list of lists) expect(list).toEqual(['Alice', 'Bob', 'Carol', 'Dave'].map((n) => [n, false, true]));
    await carol.screenshot('online-4p-game');
    // The HUD's table (three peers) inside its panel in the side column, at 900x640 and 1280x800.
    await expectHudFits(carol.page, 3);
    await carol.page.setViewportSize({ width: 1280, height: 800 });
    await carol.page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => resolve(true))));
    await expectHudFits(carol.page, 3);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await carol.page.click('[data-testid=lag-details] summary');
      await carol.page.waitForTimeout(600); // a few HUD updates and frames with the panel open
      await carol.page.screenshot({ path: join(REPO_ROOT, 'docs', 'screenshot.png') });
    }
    await carol.screenshot('online-4p-game-1280');
    const settled = await expectSettledInSync(players);
    expect(settled.scores).toHaveLength(4);
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
