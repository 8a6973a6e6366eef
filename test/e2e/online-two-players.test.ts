/**
 * Two browsers play online through the real signaling server and real WebRTC (simple-peer): one
 * creates a lobby through the landing page, the other opens the share link; lobby chat, Ready, then
 * more than 20 s of scripted inputs with 100 ± 20 ms latency and 5 % loss on one side; in-game chat,
 * the HUD, a stretch with Alice's tab in the background (no animation frames, hidden), and finally both
 * settle on the same confirmed frame with the same checksum and score.
 */
import { expect, it } from 'vitest';
import { describeE2E } from './support/browser.ts';
import { onlineFixture, createLobbyViaUi, expectHudFits, expectSettledInSync, frameOf, joinViaLink, readyAndStart, scriptBot, waitForFrame, waitForMesh } from './support/online.ts';

const PLAY_FRAMES = 20 * 60 + 30;

describeE2E('online match, two players (Chromium, simple-peer)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('lobby by link, ready, 20 s with 100±20 ms / 5 % loss on one side, same checksum and score', { timeout: 85_000 }, async () => {
    const { player: alice, link } = await createLobbyViaUi(e2e.browser, e2e.server, { name: 'Alice', players: 2, pointsToWin: 99, query: '?countdown=1' });
    players.push(alice);
    const bob = await joinViaLink(e2e.browser, link, 'Bob', '?lag=100&jitter=20&loss=0.05');
    players.push(bob);
    await waitForMesh(players, 2);

    // The lobby: names, host marker, ready states, ping, settings, lag shown where it is set.
    const rows = await alice.page.$$eval('[data-testid=members] li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/Alice \(you\).*host.*Not ready/);
    expect(rows[1]).toMatch(/Bob.*Not ready.*\d+ ms/);
    expect(await alice.page.textContent('[data-testid=lobby-settings]')).toContain('first to 99');
    expect(await bob.page.textContent('[data-testid=lobby-settings]')).toMatch(/lag .*100/);
    await alice.page.click('[data-testid=copy-link]');
    // The QR code beside the link: the link's own (test/unit/qr.test.ts decodes it), drawn, on screen.
    expect(await alice.page.getAttribute('[data-testid=share-qr] svg', 'aria-label')).toBe(`QR code of the lobby link ${link}`);
    expect(((await alice.page.getAttribute('[data-testid=share-qr] svg path', 'd')) ?? '').length).toBeGreaterThan(1000);
    expect(await alice.page.isVisible('[data-testid=share-qr] svg')).toBe(true);

    // Lobby chat (through the lobby server).
    await bob.page.fill('.chat-input', 'hello from Bob');
    await bob.page.press('.chat-input', 'Enter');
    await alice.page.waitForFunction(() => document.querySelector('[data-testid=chat-list]')?.textContent?.includes('Bob: hello from Bob') === true);
    await alice.screenshot('online-lobby');

    // Ready: the other page sees the vote before the match starts.
    await scriptBot(alice.page, 1);
    await scriptBot(bob.page, 2);
    await bob.page.click('[data-testid=ready]');
    await alice.page.waitForFunction(() => window.rollbackPong?.online?.members.find((m) => m.name === 'Bob')?.ready === true);
    await readyAndStart(players, 15_000);
    const start = await Promise.all(players.map((p) => p.page.evaluate(() => {
      const o = window.rollbackPong?.online;
      return { localPlayer: o?.localPlayer, names: o?.names, scheduled: o?.scheduledStartAt };
    })));
    expect(start.map((s) => s.localPlayer)).toEqual([0, 1]);
    expect(start[1]?.names).toEqual(['Alice', 'Bob']);

    // In-game chat over the peers' reliable channel; the HUD with live stats.
    await waitForFrame(alice.page, 120);
    await alice.page.fill('.chat-input', 'good luck');
    await alice.page.press('.chat-input', 'Enter');
    await bob.page.waitForFunction(() => document.querySelector('[data-testid=chat-list]')?.textContent?.includes('Alice: good luck') === true);
    await bob.page.keyboard.press('F3');
    expect(await bob.page.isVisible('[data-testid=hud]')).toBe(true);

    // Alice's tab goes to the background: animation frames stop, the page is hidden; the match goes on.
    await alice.page.evaluate(() => {
      const w = window as unknown as { heldFrames: FrameRequestCallback[]; realRaf: typeof requestAnimationFrame };
      w.heldFrames = [];
      w.realRaf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => w.heldFrames.push(cb);
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    });
    const hiddenAt = await frameOf(alice.page);
    const drawnAt = await alice.page.evaluate(() => window.rollbackPong?.renderFrameMs?.().count ?? 0);
    await waitForFrame(alice.page, hiddenAt + 150, 10_000);
    expect(await alice.page.evaluate(() => window.rollbackPong?.renderFrameMs?.().count ?? 0)).toBeLessThanOrEqual(drawnAt + 1);
    await alice.page.evaluate(() => {
      const w = window as unknown as { heldFrames: FrameRequestCallback[]; realRaf: typeof requestAnimationFrame };
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      window.requestAnimationFrame = w.realRaf;
      for (const cb of w.heldFrames.splice(0)) w.realRaf(cb);
    });
    await alice.page.waitForFunction((n) => (window.rollbackPong?.renderFrameMs?.().count ?? 0) > n + 5, drawnAt);

    await Promise.all(players.map((p) => waitForFrame(p.page, PLAY_FRAMES, 40_000)));
    const stats = await bob.page.evaluate(() => window.rollbackPong?.online?.stats());
    expect(stats?.peers[0]?.pingMs).toBeGreaterThan(80); // 100 ± 20 ms on Bob's incoming inputs
    expect(stats?.rollbacks).toBeGreaterThan(0);
    await bob.screenshot('online-2p-game');
    // The HUD's table (one peer) inside its panel at 900x640 and 1280x800 (issue #9).
    await expectHudFits(bob.page, 1);
    await bob.page.setViewportSize({ width: 1280, height: 800 });
    await bob.page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => resolve(true))));
    await expectHudFits(bob.page, 1);
    await alice.screenshot('online-2p-game-host');

    const settled = await expectSettledInSync(players);
    expect(settled.frame).toBeGreaterThanOrEqual(PLAY_FRAMES);
    // Same score on both pages (expectSettledInSync), and a legal one: two players, first to 99, no winner yet.
    expect(settled.scores).toHaveLength(2);
    for (const score of settled.scores) expect(Number.isInteger(score) && score >= 0 && score < 99, `score ${score}`).toBe(true);
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
