/**
 * `?transport=peerjs`: the same online match over PeerJS (the signaling server's PeerJS mount brokers
 * the connections) reaches the game and stays in sync.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeE2E, launchChromium, startAppServer, type AppServer } from './support/browser.ts';
import { closeAll, expectSettledInSync, startMatch, waitForFrame, type Player } from './support/online.ts';

describeE2E('online match over PeerJS (Chromium)', () => {
  let server: AppServer;
  let browser: Browser;
  const players: Player[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startAppServer(), launchChromium()]);
  });
  afterAll(async () => {
    await closeAll(players);
    await browser?.close();
    await server?.close();
  });

  it('two pages with ?transport=peerjs play in sync', { timeout: 85_000 }, async () => {
    await startMatch(browser, server, { count: 2, query: '?countdown=1&transport=peerjs', joinQuery: () => '?transport=peerjs&lag=60&jitter=10&loss=0.03' }, players);
    const transports = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.transport)));
    expect(transports).toEqual(['peerjs', 'peerjs']);
    await Promise.all(players.map((p) => waitForFrame(p.page, 600, 40_000)));
    await expectSettledInSync(players);
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
