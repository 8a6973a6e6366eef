/**
 * A third browser watches a 2-player match (Chromium, simple-peer): it opens the share link of the
 * running lobby, is told the lobby is playing and offered Watch, watches the match rendered a short
 * delay behind with the "Watching — 2 players" banner, its chat reaches the players and the players'
 * in-game chat reaches it, and its confirmed checksums equal the players' frame for frame. Then a
 * match to one point: the watcher sees the same outcome, a player leaves, and the watcher takes the
 * free seat and plays the rematch.
 */
import { expect, it } from 'vitest';
import { describeE2E } from './support/browser.ts';
import { openPage } from './support/chromium.ts';
import { checksumsAt, closeAll, describeLobby, ONLINE_VIEWPORT, onlineFixture, readyAndStart, startMatch, waitForFrame, waitForMesh, type Player } from './support/online.ts';

describeE2E('online match watched by a third browser (Chromium, simple-peer)', () => {
  const e2e = onlineFixture();
  const pages = e2e.players;

  it("a watcher's confirmed frames match the players'; it sees and writes chat", { timeout: 80_000 }, async () => {
    const players = await startMatch(e2e.browser, e2e.server, { count: 2 }, pages);
    await Promise.all(players.map((p) => waitForFrame(p.page, 60)));
    const [alice] = players as [Player, Player];
    const link = await alice.page.evaluate(() => `${location.origin}/lobby/${window.rollbackPong?.online?.code ?? ''}`);

    // Carol opens the link of the running lobby: a plain join is refused, the page offers Watch.
    const tp = await openPage(e2e.browser, ONLINE_VIEWPORT);
    const carol: Player = { ...tp, name: 'Carol' };
    pages.push(carol);
    await carol.page.goto(link);
    await carol.page.fill('[data-testid=join-name]', 'Carol');
    await carol.page.click('[data-testid=join-submit]');
    await carol.page.waitForFunction(() => document.querySelector('[data-testid=join-message]')?.textContent?.includes('playing') === true);
    await carol.page.click('[data-testid=join-watch]');
    await carol.page.waitForFunction(() => window.rollbackPong?.online?.role === 'watcher' && window.rollbackPong.online.view === 'watching', undefined, { timeout: 15_000 });
    await carol.page.waitForFunction(() => (window.rollbackPong?.online?.confirmedUpTo ?? -1) >= 0, undefined, { timeout: 15_000 });
    expect(await carol.page.textContent('[data-testid=watch-banner]')).toBe('Watching — 2 players');
    await Promise.all(players.map((p) => p.page.waitForFunction(() => window.rollbackPong?.online?.watchers.some((w) => w.name === 'Carol') === true)));

    // Chat both ways: Carol's through the lobby server to everyone, Alice's in-game line to the watchers.
    await carol.page.fill('.chat-input', 'nice rally');
    await carol.page.press('.chat-input', 'Enter');
    await alice.page.waitForFunction(() => document.querySelector('[data-testid=chat-list]')?.textContent?.includes('Carol: nice rally') === true);
    await alice.page.fill('.chat-input', 'thanks for watching');
    await alice.page.press('.chat-input', 'Enter');
    await carol.page.waitForFunction(() => document.querySelector('[data-testid=chat-list]')?.textContent?.includes('Alice: thanks for watching') === true);

    // Let the watcher follow for a few seconds, then compare confirmed frames it holds with the players'.
    const from = await carol.page.evaluate(() => window.rollbackPong?.online?.confirmedUpTo ?? -1);
    await carol.page.waitForFunction((f) => (window.rollbackPong?.online?.confirmedUpTo ?? -1) >= f + 180, from, { timeout: 20_000 });
    const upTo = await carol.page.evaluate(() => window.rollbackPong?.online?.confirmedUpTo ?? -1);
    // The watcher renders behind the players' newest confirmed frame, never ahead.
    for (const p of players) expect(await p.page.evaluate(() => window.rollbackPong?.online?.confirmedUpTo ?? -1)).toBeGreaterThanOrEqual(upTo);
    let compared = 0;
    for (let f = from + 1; f <= upTo; f += 15) {
      const [a, b, c] = await checksumsAt([...players, carol], f);
      expect(c, `watcher frame ${f}`).toBeDefined();
      expect(a?.checksum, `frame ${f}`).toBe(c?.checksum);
      expect(b?.checksum, `frame ${f}`).toBe(c?.checksum);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(10);
    await carol.screenshot('online-watch');
    for (const p of pages) expect(p.errors).toEqual([]);
    await closeAll(pages.splice(0)); // three fewer pages for the 2 cores in the next test
  });

  it('a watcher sees the outcome, then takes the free seat and plays the rematch', { timeout: 80_000 }, async () => {
    const script = (p: Player) => p.page.evaluate(() => window.rollbackPong?.online?.scriptInput(1));
    const players = await startMatch(e2e.browser, e2e.server, { count: 2, pointsToWin: 1, script }, pages);
    const [alice, bob] = players as [Player, Player];
    const link = await alice.page.evaluate(() => `${location.origin}/lobby/${window.rollbackPong?.online?.code ?? ''}`);
    const carol: Player = { ...(await openPage(e2e.browser, ONLINE_VIEWPORT)), name: 'Carol' };
    pages.push(carol);
    await carol.page.goto(`${link}?watch=1`); // the form's main button watches
    await carol.page.fill('[data-testid=join-name]', 'Carol');
    await carol.page.click('[data-testid=join-submit]');
    await carol.page.waitForFunction(() => window.rollbackPong?.online?.view === 'watching', undefined, { timeout: 15_000 });
    // The match ends; the watcher shows the same confirmed winner.
    await Promise.all(players.map((p) => p.page.waitForFunction(() => (window.rollbackPong?.online?.winner ?? -1) >= 0, undefined, { timeout: 40_000 })));
    await carol.page.waitForFunction(() => window.rollbackPong?.online?.view === 'ended', undefined, { timeout: 10_000 });
    const winners = await Promise.all([alice, bob, carol].map((p) => p.page.evaluate(() => window.rollbackPong?.online?.winner)));
    expect(winners[2]).toBe(winners[0]);
    expect(winners[1]).toBe(winners[0]);
    expect(await carol.page.textContent('[data-testid=end-title]')).toBe(`${winners[0] === 0 ? 'Alice' : 'Bob'} wins!`);
    expect(await carol.page.isVisible('[data-testid=watch] [data-testid=take-seat]')).toBe(false); // the lobby is still full and started
    // Bob leaves, Alice goes back to the lobby (the host reopens it): the seat is free.
    await bob.page.click('[data-testid=game] [data-testid=leave]');
    await alice.page.click('[data-testid=back-to-lobby]');
    await carol.page.waitForSelector('[data-testid=watch] [data-testid=take-seat]', { state: 'visible', timeout: 10_000 });
    await carol.page.click('[data-testid=watch] [data-testid=take-seat]');
    try {
      await carol.page.waitForFunction(() => window.rollbackPong?.online?.role === 'member' && window.rollbackPong.online.view === 'lobby', undefined, { timeout: 15_000 });
    } catch (e) {
      // What each page shows (a refusal's text is in `error`), for a failure that does not repeat here.
      const role = await carol.page.evaluate(() => window.rollbackPong?.online?.role);
      throw new Error(`take-seat: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\nCarol (${String(role)}): ${await describeLobby(carol.page)}\nAlice: ${await describeLobby(alice.page)}\nCarol's page errors: ${JSON.stringify(carol.errors)}`, { cause: e });
    }
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.some((m) => m.name === 'Carol') === true && window.rollbackPong.online.watchers.length === 0);
    const rematch = [alice, carol];
    await waitForMesh(rematch, 2);
    await script(carol);
    await readyAndStart(rematch, 15_000);
    expect(await carol.page.evaluate(() => window.rollbackPong?.online?.localPlayer)).toBe(1);
    await Promise.all(rematch.map((p) => waitForFrame(p.page, 30)));
    for (const p of [alice, carol]) expect(p.errors).toEqual([]);
  });
});
