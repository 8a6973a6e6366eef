/**
 * Online e2e helpers: the flows of online-flow.ts plus assertions comparing peers at a settled
 * confirmed frame.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SettleResult } from '../../../src/ui/test-hook.ts';
import { launchChromium, startAppServer, type AppServer } from './chromium.ts';
import { closeAll, frameOf, hudFit, readyButtonBox, settleAll, type Player } from './online-flow.ts';

export * from './online-flow.ts';

/** What an online e2e file works with: the app server, one Chromium, and the pages it opened. */
export interface OnlineFixture {
  readonly server: AppServer;
  readonly browser: Browser;
  /** Push every page opened here: they are closed after the file. */
  readonly players: Player[];
}

/**
 * Registers the hooks every online e2e file needs (call inside `describeE2E`): the signaling server
 * serving the built client and one Chromium, started before the tests and closed after them.
 */
export function onlineFixture(): OnlineFixture {
  let server: AppServer | undefined;
  let browser: Browser | undefined;
  const players: Player[] = [];
  beforeAll(async () => {
    [server, browser] = await Promise.all([startAppServer(), launchChromium()]);
  });
  afterAll(async () => {
    await closeAll(players);
    await browser?.close();
    await server?.close();
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not started (use onlineFixture inside describeE2E)`);
    return v;
  };
  return {
    get server() {
      return started(server, 'the app server');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
    players,
  };
}

/**
 * Settles every page at a frame a little ahead of the furthest one and asserts they agree on the
 * confirmed checksum and scores there (and that each page's live state matches its confirmed track).
 */
export async function expectSettledInSync(players: readonly Player[], aheadFrames = 30): Promise<SettleResult> {
  const frames = await Promise.all(players.map((p) => frameOf(p.page)));
  const target = Math.max(...frames) + aheadFrames;
  const results = await settleAll(players, target);
  const first = results[0];
  if (first === undefined) throw new Error('no players');
  for (const r of results) {
    expect(r.frame).toBe(target);
    expect(r.checksum).toBe(first.checksum);
    expect(r.scores).toEqual(first.scores);
    if (r.liveChecksum !== '') expect(r.liveChecksum).toBe(r.checksum);
  }
  const desyncs = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.online?.desyncs ?? -1)));
  expect(desyncs).toEqual(players.map(() => 0));
  return first;
}

/** The open HUD's table fits its panel: no horizontal overflow, every figure whole, one row per peer. */
export async function expectHudFits(page: Page, peers: number): Promise<void> {
  const fit = await hudFit(page);
  const what = JSON.stringify(fit);
  expect(fit.rows, what).toBe(peers);
  expect(fit.tableScroll, what).toBeLessThanOrEqual(fit.tableWidth);
  expect(fit.overflowRight, what).toBeLessThanOrEqual(0.5);
  expect(fit.panelScroll, what).toBeLessThanOrEqual(fit.panelWidth);
  expect(fit.cut, what).toEqual([]);
}

/** The Ready button is on screen without scrolling. */
export async function expectReadyInView(page: Page): Promise<void> {
  const box = await readyButtonBox(page);
  const what = JSON.stringify(box);
  expect(box.scrollY, what).toBe(0);
  expect(box.height, what).toBeGreaterThan(0);
  expect(box.top, what).toBeGreaterThanOrEqual(0);
  expect(box.left, what).toBeGreaterThanOrEqual(0);
  expect(box.bottom, what).toBeLessThanOrEqual(box.vh);
  expect(box.right, what).toBeLessThanOrEqual(box.vw);
}
