/**
 * Lobby seats that survive the page (issue #11, lobby side) in Chromium, on the real signaling server:
 * a player whose tab went away (pagehide: `leave` with `keepSeat`) opens the lobby link again in the
 * same browser (same storage) and is back as the same member with its own name at once (the token
 * from `localStorage`); after the Leave button the seat is given up and the next join is new; a second
 * tab of that browser joins as a new member instead of taking the first tab's seat.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeE2E } from './support/browser.ts';
import { createLobbyViaUi, ONLINE_VIEWPORT, onlineFixture } from './support/online.ts';
import type { Player } from './support/online.ts';

/**
 * Opens `link` in a new tab of `like`'s browser context (same storage). A held seat is taken back at
 * once (no form); otherwise, or when that fails (the form shows again), types `name` and joins.
 */
async function joinInSameBrowser(like: Page, link: string, name: string): Promise<{ page: Page; typed: boolean }> {
  const page = await like.context().newPage();
  await page.setViewportSize(ONLINE_VIEWPORT);
  await page.goto(link);
  const settled = () => {
    const view = window.rollbackPong?.online?.view;
    return view === 'lobby' || (view === 'join' && document.querySelector('[data-testid=join-name]') !== null);
  };
  await page.waitForFunction(settled, undefined, { timeout: 10_000 });
  if (await page.evaluate(() => window.rollbackPong?.online?.view) === 'lobby') return { page, typed: false };
  await page.fill('[data-testid=join-name]', name);
  await page.click('[data-testid=join-submit]');
  await page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
  return { page, typed: true };
}

const memberId = (page: Page): Promise<string> => page.evaluate(() => window.rollbackPong?.online?.memberId ?? '');
const names = (page: Page): Promise<string[]> => page.evaluate(() => (window.rollbackPong?.online?.members ?? []).map((m) => m.name));

describeE2E('lobby seats that survive the page (Chromium)', () => {
  const e2e = onlineFixture();
  const players: Player[] = e2e.players;

  it('tab gone and link reopened: same member and name; a second tab is a new member; Leave gives the seat up', { timeout: 90_000 }, async () => {
    const { player: alice, link } = await createLobbyViaUi(e2e.browser, e2e.server, { name: 'Alice', players: 3 });
    players.push(alice);
    // Bob's browser: one context, its tabs share localStorage.
    const context = await e2e.browser.newContext();
    const first = await context.newPage();
    await first.setViewportSize(ONLINE_VIEWPORT);
    await first.goto(link);
    await first.waitForSelector('[data-testid=join-name]');
    await first.fill('[data-testid=join-name]', 'Bob');
    await first.click('[data-testid=join-submit]');
    await first.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
    const bobId = await memberId(first);
    expect(bobId).not.toBe('');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 2);

    // The tab goes away: the others see Bob leave at once.
    await first.goto('about:blank');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 1);

    // The link reopened in the same browser: back as Bob at once, no form.
    const again = await joinInSameBrowser(first, link, 'Robert');
    expect(again.typed).toBe(false);
    expect(await memberId(again.page)).toBe(bobId);
    expect((await names(again.page)).sort()).toEqual(['Alice', 'Bob']);
    await alice.page.waitForFunction((id) => window.rollbackPong?.online?.members.some((m) => m.id === id && m.name === 'Bob') === true, bobId);

    // Leave gives the seat up: the next visit shows the form and joins as a new member.
    await again.page.click('[data-testid=leave]');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 1);
    const fresh = await joinInSameBrowser(first, link, 'Bob');
    expect(fresh.typed).toBe(true);
    const freshId = await memberId(fresh.page);
    expect(freshId).not.toBe(bobId);

    // A second tab of the same browser while the first is connected: the stored token does not take
    // the first tab's seat (and its saved name is taken): the form, then a new member; the first stays.
    const second = await joinInSameBrowser(first, link, 'Bobby');
    expect(second.typed).toBe(true);
    expect(await memberId(second.page)).not.toBe(freshId);
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 3);
    expect(await memberId(fresh.page)).toBe(freshId);
    // The first tab's member list refreshes on its own clock: wait for it rather than race it.
    await fresh.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 3, undefined, { timeout: 5000 });
    expect((await names(fresh.page)).sort()).toEqual(['Alice', 'Bob', 'Bobby']);
    expect(alice.errors).toEqual([]);
    await context.close();
  });
});
