/**
 * `?transport=peerjs`: the same online match over PeerJS (the signaling server's PeerJS mount brokers
 * the connections) reaches the game and stays in sync.
 */
import { expect, it } from 'vitest';
import { describeE2E } from './support/browser.ts';
import { onlineFixture, expectSettledInSync, startMatch, waitForFrame } from './support/online.ts';

describeE2E('online match over PeerJS (Chromium)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('two pages with ?transport=peerjs play in sync', { timeout: 85_000 }, async () => {
    await startMatch(e2e.browser, e2e.server, { count: 2, query: '?countdown=1&transport=peerjs', joinQuery: () => '?transport=peerjs&lag=60&jitter=10&loss=0.03' }, players);
    const transports = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.transport)));
    expect(transports).toEqual(['peerjs', 'peerjs']);
    await Promise.all(players.map((p) => waitForFrame(p.page, 600, 40_000)));
    await expectSettledInSync(players);
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
