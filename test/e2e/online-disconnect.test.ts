/**
 * A player's browser closes mid-game: the other page shows "Bob's connection interrupted…" within
 * about a second (the session's 750 ms silence threshold) and "Bob disconnected" after about five
 * (the 5 s timeout), then the end screen says everyone else left; Back to lobby works.
 */
import { expect, it } from 'vitest';
import { describeE2E } from './support/browser.ts';
import { onlineFixture, startMatch, waitForFrame } from './support/online.ts';

describeE2E('online match: a player leaves (Chromium)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('closing one page mid-game: interrupted within ~1 s, disconnected after ~5 s, end screen', { timeout: 85_000 }, async () => {
    const [alice, bob] = await startMatch(e2e.browser, e2e.server, { count: 2 }, players);
    if (alice === undefined || bob === undefined) throw new Error('two players expected');
    await Promise.all(players.map((p) => waitForFrame(p.page, 120)));
    const closedAt = await alice.page.evaluate(() => performance.now());
    await bob.page.context().close();
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.noticeLog.some((n) => n.text === 'Bob disconnected') === true, undefined, { timeout: 15_000, polling: 50 });
    const log = await alice.page.evaluate(() => window.rollbackPong?.online?.noticeLog.map((n) => ({ ...n })) ?? []);
    // On a loaded machine Bob's traffic can pause (and resume) before the close; time the notices after it.
    const interrupted = log.find((n) => n.text === "Bob's connection interrupted…" && n.atMs >= closedAt);
    const disconnected = log.find((n) => n.text === 'Bob disconnected' && n.atMs >= closedAt);
    if (interrupted === undefined || disconnected === undefined) throw new Error(`notices: ${JSON.stringify(log)}`);
    const tInterrupted = interrupted.atMs - closedAt;
    const tDisconnected = disconnected.atMs - closedAt;
    const before = log.filter((n) => n.atMs < closedAt).map((n) => `${n.text} at ${(n.atMs - closedAt).toFixed(0)} ms`);
    console.log(`[disconnect] interrupted after ${tInterrupted.toFixed(0)} ms, disconnected after ${tDisconnected.toFixed(0)} ms; before the close: ${before.join('; ') || 'no notices'}`);
    expect(tInterrupted).toBeGreaterThan(500);
    expect(tInterrupted).toBeLessThan(1600);
    expect(tDisconnected).toBeGreaterThan(4500);
    expect(tDisconnected).toBeLessThan(7500);

    await alice.page.waitForSelector('[data-testid=end-screen]:not([hidden])');
    expect(await alice.page.textContent('[data-testid=end-title]')).toBe('Everyone else left the match');
    expect(await alice.page.isVisible('[data-testid=rematch]')).toBe(false);
    await alice.screenshot('online-disconnect');
    await alice.page.click('[data-testid=back-to-lobby]');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby' && window.rollbackPong.online.members.length === 1);
    expect(await alice.page.textContent('[data-testid=lobby-status]')).toContain('Waiting for players to join');
    expect(await alice.page.textContent('[data-testid=chat-list]')).toContain('Bob left');
    expect(alice.errors).toEqual([]);
  });
});
