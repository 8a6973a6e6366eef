/**
 * Rejoin in Chromium (issue 11): in a 3-player match, Carol's tab is closed mid-match; Alice and Bob see
 * her leave and play on. Carol opens the lobby link again in the same browser: the page takes her seat
 * back by itself (the rejoin token in localStorage, no form), fetches the running match from the others
 * and plays on in her own slot with her score; every page then agrees on the confirmed checksum.
 * A tab whose script is stopped for 30 s rejoins by itself; a tab merely hidden for 30 s stays in.
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

  it('a tab hidden for 30 s (visibility hidden, no animation frames) stays in the match, never fast-forwarded', { timeout: 120_000 }, async () => {
    const players: Player[] = [];
    try {
      await startMatch(e2e.browser, e2e.server, { count: 2 }, players);
    } finally {
      e2e.players.push(...players);
    }
    const [alice, bob] = players as [Player, Player];
    await Promise.all(players.map((p) => waitForFrame(p.page, 120)));
    // What a background tab gets: `document.hidden`, a `visibilitychange`, and no animation frames
    // (parked until it is visible again). Headless Chromium keeps every tab visible, so the page is told.
    const hide = (hidden: boolean): Promise<void> => bob.page.evaluate((h) => {
      const w = window as unknown as { __parked?: FrameRequestCallback[]; __raf?: typeof requestAnimationFrame };
      w.__raf ??= window.requestAnimationFrame.bind(window);
      w.__parked ??= [];
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
      const raf = w.__raf;
      const parked = w.__parked;
      window.requestAnimationFrame = h ? (cb) => (parked.push(cb), 0) : raf;
      if (!h) for (const cb of parked.splice(0)) raf(cb);
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
    await hide(true);
    const hiddenAt = await frameOf(alice.page);
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    // Hidden, it kept playing (its driver's worker beat): as far along as Alice, nobody saw it drop.
    const [a, b] = [await frameOf(alice.page), await frameOf(bob.page)];
    expect(a - hiddenAt).toBeGreaterThan(30 * 60 * 0.8);
    expect(Math.abs(a - b)).toBeLessThan(30);
    await hide(false);
    await waitForFrame(bob.page, b + 60);
    const log = await alice.page.evaluate(() => window.rollbackPong?.online?.noticeLog.map((n) => n.text) ?? []);
    expect(log.filter((t) => t.startsWith('Bob'))).toEqual([]); // no "interrupted", no "disconnected"
    expect(await bob.page.evaluate(() => window.rollbackPong?.online?.view)).toBe('game');
    await Promise.all(players.map(async (p) => waitForFrame(p.page, (await frameOf(alice.page)) + 60)));
    await expectSettledInSync(players);
    await closeAll(players);
  });
});
