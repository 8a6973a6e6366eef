/**
 * Rejoin in Chromium (issue 11): in a 3-player match, Carol's tab is closed mid-match; Alice and Bob see
 * her leave and play on. Carol opens the lobby link again in the same browser: the page takes her seat
 * back by itself (the rejoin token in localStorage, no form), fetches the running match from the others
 * and plays on in her own slot with her score; every page then agrees on the confirmed checksum.
 */
import { expect, it } from 'vitest';
import { describeE2E, trackPage } from './support/browser.ts';
import { closeAll, expectSettledInSync, frameOf, onlineFixture, scriptBot, startMatch, waitForFrame, type Player } from './support/online.ts';

describeE2E('online match: a closed tab comes back (Chromium)', () => {
  const e2e = onlineFixture();

  it('Carol closes her tab mid-match and reopens the link: back in her slot, score kept, all in sync', { timeout: 120_000 }, async () => {
    const players: Player[] = [];
    try {
      await startMatch(e2e.browser, e2e.server, { count: 3 }, players);
    } finally {
      e2e.players.push(...players);
    }
    const [alice, bob, carol] = players as [Player, Player, Player];
    await Promise.all(players.map((p) => waitForFrame(p.page, 180)));
    const link = carol.page.url();
    const context = carol.page.context();
    const slot = await carol.page.evaluate(() => window.rollbackPong?.online?.localPlayer ?? -1);
    await carol.page.close({ runBeforeUnload: true });
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.noticeLog.some((n) => n.text === 'Carol left the match') === true, undefined, { timeout: 15_000 });
    const scoreBefore = await alice.page.evaluate((p) => window.rollbackPong?.online?.scores[p] ?? -1, slot);
    await waitForFrame(alice.page, (await frameOf(alice.page)) + 60);

    // The same browser opens the link again: no join form, straight back into the match.
    const page = await context.newPage();
    const back: Player = { ...trackPage(page), name: 'Carol' };
    players[2] = back;
    const reopenedAt = Date.now();
    await page.goto(link);
    await page.waitForFunction(() => window.rollbackPong?.online?.view === 'game', undefined, { timeout: 20_000, polling: 50 });
    await scriptBot(page, 3);
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.noticeLog.some((n) => n.text === 'Carol rejoined the match') === true, undefined, { timeout: 15_000 });
    console.log(`[rejoin e2e] link reopened -> back in the match: ${Date.now() - reopenedAt} ms (page load included)`);
    expect(await page.evaluate(() => window.rollbackPong?.online?.localPlayer)).toBe(slot);
    expect(await page.isVisible('[data-testid=join-submit]')).toBe(false);
    await Promise.all(players.map(async (p) => waitForFrame(p.page, (await frameOf(alice.page)) + 60)));

    const settled = await expectSettledInSync(players);
    expect(settled.scores[slot]).toBeGreaterThanOrEqual(scoreBefore);
    for (const p of [alice, bob, back]) expect(p.errors).toEqual([]);
    await closeAll(players);
  });

  it('a background tab frozen for 30 s rejoins by itself when it comes back, in its slot, in sync', { timeout: 150_000 }, async () => {
    const players: Player[] = [];
    try {
      await startMatch(e2e.browser, e2e.server, { count: 3 }, players);
    } finally {
      e2e.players.push(...players);
    }
    const [alice, , carol] = players as [Player, Player, Player];
    await Promise.all(players.map((p) => waitForFrame(p.page, 120)));
    const slot = await carol.page.evaluate(() => window.rollbackPong?.online?.localPlayer ?? -1);
    // What a hidden tab can get: its script stops (here: paused by the debugger) while its sockets live.
    const cdp = await carol.page.context().newCDPSession(carol.page);
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.noticeLog.some((n) => n.text === 'Carol disconnected') === true, undefined, { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 25_000));
    await cdp.send('Debugger.resume');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.noticeLog.some((n) => n.text === 'Carol rejoined the match') === true, undefined, { timeout: 30_000 });
    await carol.page.waitForFunction(() => window.rollbackPong?.online?.view === 'game', undefined, { timeout: 10_000 });
    await scriptBot(carol.page, 3);
    expect(await carol.page.evaluate(() => window.rollbackPong?.online?.localPlayer)).toBe(slot);
    await Promise.all(players.map(async (p) => waitForFrame(p.page, (await frameOf(alice.page)) + 60)));
    await expectSettledInSync(players);
    await closeAll(players);
  });
});
