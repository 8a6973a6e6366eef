/**
 * Browser figures in real Chromium on loopback (the built client served by the real signaling server,
 * simple-peer over the browser's WebRTC):
 * - `browser_start_ms`: both pages loaded -> frame 0 simulated on both (create through the landing page,
 *   join through the share link, mesh, Ready on both, handshake; countdown 0);
 * - `start_skew_ms`: difference of the two pages' absolute start times (`performance.timeOrigin` +
 *   the moment frame 0 ran); `start_schedule_skew_ms` the same for the scheduled start (the clock
 *   sync alone); `start_late_ms` the worst delay of frame 0 past its scheduled time;
 * - `render_frame_ms_p95` / `_p50`: the renderer's own `render_frame_ms` timing (worse of the two pages)
 *   over about three seconds of play with scripted inputs.
 * Bounded to 55 s; throws (the runner prints "skipped") when Chromium is missing.
 */
import { chromiumUnavailableReason, launchChromium, openPage, startAppServer, type AppServer, type TrackedPage } from '../test/e2e/support/chromium.ts';
import { readyAndStart, scriptBot, waitForFrame, waitForMesh } from '../test/e2e/support/online-flow.ts';
import type { Browser } from 'playwright-core';

const DEADLINE_MS = 55_000;
const PLAY_FRAMES = 200;

const absNow = (): number => performance.timeOrigin + performance.now();
const round = (x: number): number => Math.round(x * 1000) / 1000;

async function measure(server: AppServer, browser: Browser): Promise<Record<string, number>> {
  const [a, b]: TrackedPage[] = await Promise.all([openPage(browser, { width: 800, height: 600 }), openPage(browser, { width: 800, height: 600 })]);
  if (a === undefined || b === undefined) throw new Error('two pages expected');
  await Promise.all([a.page.goto(`${server.url}/?countdown=0`), b.page.goto(`${server.url}/`)]);
  await Promise.all([a, b].map((p) => p.page.waitForFunction(() => window.rollbackPong?.page === 'landing')));
  const t0 = absNow();
  await a.page.fill('#player-name', 'Alice');
  await a.page.click('[data-testid=create-lobby]');
  await a.page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
  const link = await a.page.inputValue('[data-testid=share-link]');
  await b.page.goto(link);
  await b.page.fill('[data-testid=join-name]', 'Bob');
  await b.page.click('[data-testid=join-submit]');
  const players = [{ ...a, name: 'Alice' }, { ...b, name: 'Bob' }];
  await waitForMesh(players, 2, 15_000);
  await Promise.all(players.map((p, i) => scriptBot(p.page, i + 1)));
  await readyAndStart(players, 15_000);
  await Promise.all(players.map((p) => p.page.waitForFunction(() => window.rollbackPong?.online?.startedAt !== undefined, undefined, { timeout: 15_000, polling: 10 })));
  const starts = await Promise.all(players.map((p) => p.page.evaluate(() => ({ at: window.rollbackPong?.online?.startedAt ?? Number.NaN, scheduled: window.rollbackPong?.online?.scheduledStartAt ?? Number.NaN }))));
  const [sa, sb] = starts;
  if (sa === undefined || sb === undefined) throw new Error('two start times expected');
  await Promise.all(players.map((p) => waitForFrame(p.page, PLAY_FRAMES, 20_000)));
  const timings = await Promise.all(players.map((p) => p.page.evaluate(() => window.rollbackPong?.renderFrameMs?.())));
  const p95 = Math.max(...timings.map((t) => t?.p95Ms ?? Number.NaN));
  const p50 = Math.max(...timings.map((t) => t?.p50Ms ?? Number.NaN));
  const errors = [...a.errors, ...b.errors];
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  return {
    browser_start_ms: round(Math.max(sa.at, sb.at) - t0),
    start_skew_ms: round(Math.abs(sa.at - sb.at)),
    start_schedule_skew_ms: round(Math.abs(sa.scheduled - sb.scheduled)),
    start_late_ms: round(Math.max(sa.at - sa.scheduled, sb.at - sb.scheduled)),
    render_frame_ms_p95: round(p95),
    render_frame_ms_p50: round(p50),
  };
}

/** Starts Chromium and the server, measures, and cleans up; at most 55 s. */
export async function benchBrowser(): Promise<Record<string, number>> {
  const reason = chromiumUnavailableReason();
  if (reason !== undefined) throw new Error(`no browser: ${reason}`);
  const [server, browser] = await Promise.all([startAppServer(), launchChromium()]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`browser bench exceeded ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    });
    return await Promise.race([measure(server, browser), deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await browser.close();
    await server.close();
  }
}
