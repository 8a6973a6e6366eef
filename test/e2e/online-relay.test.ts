/**
 * Two Chromium pages with `?relay=1` (ICE relay candidates only) play a match through a local coturn
 * (use-auth-secret) with the time-limited credentials the signaling server hands out; the HUD's ICE
 * path line says "relay" for the peer (simple-peer; PeerJS too). A server whose secret is not coturn's hands out refused
 * credentials: the lobby page says so, naming the peer and the relay.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCoturn, startCoturn, type Coturn } from '../support/coturn-suite.ts';
import { describeE2E, launchChromium, startAppServer, type AppServer } from './support/browser.ts';
import { closeAll, createLobbyViaUi, expectSettledInSync, joinViaLink, startMatch, waitForFrame, type Player } from './support/online.ts';

const SECRET = 'e2e-turn-secret-0123456789abcdef';

describeE2E('relay-only match through coturn (Chromium)', () => {
  describeCoturn('with coturn', () => {
    let coturn: Coturn | undefined;
    let good: AppServer | undefined;
    let wrong: AppServer | undefined;
    let browser: Browser | undefined;
    const players: Player[] = [];
    beforeAll(async () => {
      coturn = await startCoturn(SECRET);
      const urls = coturn.urls;
      [good, wrong, browser] = await Promise.all([
        startAppServer({ signaling: { turn: { secret: SECRET, urls, ttlS: 600 } } }),
        startAppServer({ signaling: { turn: { secret: 'not-the-coturn-secret-0123456789', urls, ttlS: 600 } } }),
        launchChromium(),
      ]);
    });
    afterAll(async () => {
      await closeAll(players);
      await browser?.close();
      await Promise.all([good?.close(), wrong?.close()]);
      await coturn?.stop();
    });

    it('?relay=1 on both pages: the match runs through the relay, the HUD says relay, both stay in sync', { timeout: 60_000 }, async () => {
      if (browser === undefined || good === undefined) throw new Error('not started');
      const [alice, bob] = await startMatch(browser, good, { count: 2, query: '?countdown=1&relay=1', joinQuery: () => '?relay=1' }, players);
      if (alice === undefined || bob === undefined) throw new Error('no players');
      await Promise.all([alice, bob].map((p) => waitForFrame(p.page, 240)));
      for (const p of [alice, bob]) {
        await p.page.keyboard.press('F3');
        await p.page.waitForSelector('[data-testid=hud-paths] li[data-path=relay]', { timeout: 5_000 });
        const line = await p.page.textContent('[data-testid=hud-paths] li');
        expect(line).toMatch(new RegExp(`^${p === alice ? 'Bob' : 'Alice'}: relay · \\d+ ms$`));
        const paths = await p.page.evaluate(() => window.rollbackPong?.extra['icePaths']);
        expect(Object.values(paths as Record<string, string>)).toEqual(['relay']);
      }
      await bob.screenshot('online-relay-hud');
      await expectSettledInSync([alice, bob]);
      for (const p of [alice, bob]) expect(p.errors).toEqual([]);
      await closeAll(players.splice(0));
    });

    it('PeerJS with ?relay=1: the match runs through the relay too', { timeout: 60_000 }, async () => {
      if (browser === undefined || good === undefined) throw new Error('not started');
      const [alice, bob] = await startMatch(browser, good, { count: 2, query: '?countdown=1&relay=1&transport=peerjs', joinQuery: () => '?relay=1&transport=peerjs' }, players);
      if (alice === undefined || bob === undefined) throw new Error('no players');
      await Promise.all([alice, bob].map((p) => waitForFrame(p.page, 150)));
      for (const p of [alice, bob]) {
        await p.page.waitForFunction(() => Object.values((window.rollbackPong?.extra['icePaths'] ?? {}) as Record<string, string>).join() === 'relay', undefined, { timeout: 5_000 });
      }
      await expectSettledInSync([alice, bob]);
      for (const p of [alice, bob]) expect(p.errors).toEqual([]);
      await closeAll(players.splice(0));
    });

    it('credentials coturn refuses: the lobby page says the relay refused them', { timeout: 40_000 }, async () => {
      if (browser === undefined || wrong === undefined) throw new Error('not started');
      const created = await createLobbyViaUi(browser, wrong, { name: 'Alice', players: 2, query: '?relay=1' });
      players.push(created.player);
      const bob = await joinViaLink(browser, created.link, 'Bob', '?relay=1');
      players.push(bob);
      for (const [p, other] of [[created.player, 'Bob'], [bob, 'Alice']] as const) {
        await p.page.waitForFunction(() => (document.querySelector('[data-testid=lobby-error]')?.textContent ?? '') !== '', undefined, { timeout: 20_000 });
        expect(await p.page.textContent('[data-testid=lobby-error]')).toBe(`Could not reach ${other} through the relay (TURN refused the credentials: wrong or expired).`);
        expect(await p.page.evaluate(() => window.rollbackPong?.online?.meshReady)).toBe(false);
      }
      await bob.screenshot('online-relay-refused');
    });
  });
});
