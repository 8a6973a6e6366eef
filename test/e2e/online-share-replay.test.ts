/**
 * A finished online match → *Share replay* on the end screen → the server re-simulates and stores it
 * (embedded SQLite in a temp DATA_DIR) → the link, opened in another browser context, loads the
 * shared file into the replay viewer, which plays it to the end and verifies it to the checksum the
 * server computed; `/matches` lists it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEFAULT_REPLAY_CONFIG, openReplayService, type ReplayService } from '../../signaling/replays/index.ts';
import { startSignalingServer, type SignalingServer } from '../../signaling/server.ts';
import { describeE2E, ensureClientBuilt, launchChromium, openPage, type AppServer, type BuildSnapshot } from './support/browser.ts';
import { closeAll, startMatch, type Player } from './support/online.ts';

describeE2E('shared replays: end screen → Share replay → link plays and verifies (Chromium)', () => {
  let snapshot: BuildSnapshot | undefined;
  let service: ReplayService | undefined;
  let signaling: SignalingServer | undefined;
  let browser: Browser | undefined;
  const players: Player[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-replays-'));

  beforeAll(async () => {
    snapshot = await ensureClientBuilt();
    service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir });
    signaling = await startSignalingServer({ port: 0, host: '127.0.0.1', staticDir: snapshot.dir, replays: service.api });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeAll(players);
    await browser?.close();
    await signaling?.close();
    await service?.close();
    snapshot?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shares the replay of a one-point match; the link verifies in a second browser context', { timeout: 90_000 }, async () => {
    if (browser === undefined || signaling === undefined) throw new Error('not started');
    const app: AppServer = { url: signaling.url.replace(/\/$/, ''), wsUrl: signaling.wsUrl, close: () => Promise.resolve() };
    // Both paddles parked at the top: the first serve scores within seconds.
    const [alice, bob] = await startMatch(browser, app, { count: 2, pointsToWin: 1, script: (p) => p.page.evaluate(() => window.rollbackPong?.online?.scriptInput(1)) }, players);
    if (alice === undefined || bob === undefined) throw new Error('two players expected');
    // Bob keeps match history: his end screen shares by itself.
    await bob.page.evaluate(() => localStorage.setItem('rollbackPong.keepMatchHistory', '1'));
    await Promise.all(players.map((p) => p.page.waitForFunction(() => window.rollbackPong?.online?.view === 'ended', undefined, { timeout: 40_000, polling: 100 })));

    await alice.page.click('[data-testid=share-replay]');
    await alice.page.waitForFunction(() => document.querySelector('[data-testid=replay-share-status]')?.getAttribute('data-state') === 'shared', undefined, { timeout: 20_000 });
    const link = await alice.page.$eval('[data-testid=replay-share-link]', (a) => (a as HTMLAnchorElement).href);
    expect(link).toMatch(new RegExp(`^${app.url}/replay/[A-Za-z0-9_-]{16}$`));
    expect(await alice.page.textContent('[data-testid=replay-share-status]')).toContain('verified');
    await alice.screenshot('share-replay-end-screen');
    const id = link.split('/').pop() ?? '';
    const meta = (await (await fetch(`${app.url}/api/replays/${id}`)).json()) as { finalChecksum: string; frames: number; winner: number };
    expect(meta.winner).toBeGreaterThanOrEqual(0);

    const viewer = await openPage(browser);
    try {
      await viewer.page.goto(link);
      await viewer.page.waitForFunction(() => window.rollbackPong?.replay?.loaded === true, undefined, { timeout: 20_000 });
      expect(await viewer.page.evaluate(() => window.rollbackPong?.replay?.frames)).toBe(meta.frames);
      await viewer.page.selectOption('[data-testid=speed]', '4');
      await viewer.page.click('[data-testid=play]');
      await viewer.page.waitForFunction(() => window.rollbackPong?.replay?.status === 'verified', undefined, { timeout: 40_000 });
      const h = await viewer.page.evaluate(() => window.rollbackPong?.replay);
      expect(h).toMatchObject({ status: 'verified', frame: meta.frames, verifiedUpTo: meta.frames, finalChecksum: meta.finalChecksum });
      await viewer.screenshot('share-replay-viewer-verified');

      await viewer.page.goto(`${app.url}/matches`);
      await viewer.page.waitForSelector(`[data-testid=match-row][data-id="${id}"]`, { timeout: 10_000 });
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.page.context().close();
    }
    // Bob's copy was shared without a click; the lobby's history lists the match once, with the series score.
    await bob.page.waitForFunction(() => document.querySelector('[data-testid=replay-share-status]')?.getAttribute('data-state') === 'shared', undefined, { timeout: 20_000 });
    await alice.page.click('[data-testid=back-to-lobby]');
    await alice.page.waitForSelector('[data-testid=history-row]', { timeout: 10_000 });
    expect(await alice.page.$$eval('[data-testid=history-row]', (rows) => rows.length)).toBe(1);
    const winnerName = meta.winner === 0 ? 'Alice' : 'Bob';
    expect(await alice.page.textContent('[data-testid=series-score]')).toBe(`Series: Alice ${winnerName === 'Alice' ? 1 : 0} – Bob ${winnerName === 'Bob' ? 1 : 0}`);
    await alice.screenshot('share-replay-lobby-history');
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
