/**
 * Lobby seats that survive the page (issue #11, lobby side) in Chromium, on the real signaling server:
 * a player whose tab went away (pagehide: `leave` with `keepSeat`) opens the lobby link again in the
 * same browser (same storage) and is back as the same member with its own name (the token from
 * `localStorage`; the name typed is ignored); a second tab of that browser joins as a new member
 * instead of taking the seat; after the Leave button the seat is given up and the next join is new.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeE2E } from './support/browser.ts';
import { createLobbyViaUi, ONLINE_VIEWPORT, onlineFixture } from './support/online.ts';
import type { Player } from './support/online.ts';

/** Opens `link` in a new tab of `like`'s browser context (same storage), types `name`, joins. */
async function joinInSameBrowser(like: Page, link: string, name: string): Promise<Page> {
  const page = await like.context().newPage();
  await page.setViewportSize(ONLINE_VIEWPORT);
  await page.goto(link);
  await page.waitForSelector('[data-testid=join-name]');
  await page.fill('[data-testid=join-name]', name);
  await page.click('[data-testid=join-submit]');
  await page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
  return page;
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

    // The link reopened in the same browser: back as Bob, whatever name is typed.
    const again = await joinInSameBrowser(first, link, 'Robert');
    expect(await memberId(again)).toBe(bobId);
    expect((await names(again)).sort()).toEqual(['Alice', 'Bob']);
    await alice.page.waitForFunction((id) => window.rollbackPong?.online?.members.some((m) => m.id === id && m.name === 'Bob') === true, bobId);

    // Leave gives the seat up: the next join from this browser is a new member.
    await again.click('[data-testid=leave]');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 1);
    const fresh = await joinInSameBrowser(first, link, 'Bob');
    const freshId = await memberId(fresh);
    expect(freshId).not.toBe(bobId);

    // A second tab of the same browser while the first is connected: a new member, the first stays.
    const second = await joinInSameBrowser(first, link, 'Bobby');
    expect(await memberId(second)).not.toBe(freshId);
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.length === 3);
    expect(await memberId(fresh)).toBe(freshId);
    expect((await names(fresh)).sort()).toEqual(['Alice', 'Bob', 'Bobby']);
    expect(alice.errors).toEqual([]);
    await context.close();
  });
});
