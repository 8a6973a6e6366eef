/**
 * Chromium and Firefox ESR play each other online: through the real signaling server and real WebRTC
 * (simple-peer, then PeerJS), one browser creates the lobby through the landing page, the other joins by
 * the share link, both play a few seconds of scripted inputs (with lag on one side), and both settle on
 * the same confirmed frame with the same checksum and score — V8 and SpiderMonkey agree live, not only
 * on replays. Firefox runs headless under puppeteer-core over WebDriver BiDi (support/firefox.ts).
 *
 * A missing browser fails the file on CI (`CI` set) and skips it elsewhere, with the reason.
 */
import type { Browser as PlaywrightBrowser } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailableReason, launchChromium, startAppServer, type AppServer } from './support/chromium.ts';
import { firefoxUnavailableReason, launchFirefox } from './support/firefox.ts';
import { checksumsAtEvery, chromiumPage, createLobby, firefoxPage, framesOf, joinLobby, meshReadyStart, settleEvery, waitForFrameAll, type AnyPage } from './support/mixed-flow.ts';

const PLAY_FRAMES = 5 * 60;
const NAME = 'online match between Chromium and Firefox ESR';

function suite(): void {
  let server: AppServer | undefined;
  let chromium: PlaywrightBrowser | undefined;
  let firefox: PuppeteerBrowser | undefined;
  let pages: AnyPage[] = [];
  beforeAll(async () => {
    [server, chromium, firefox] = await Promise.all([startAppServer(), launchChromium(), launchFirefox()]);
  }, 90_000);
  afterEach(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    pages = [];
  });
  afterAll(async () => {
    await chromium?.close();
    await firefox?.close();
    await server?.close();
  });

  /** Plays a 2-player match, host and guest in the given browsers, and checks both ends agree. */
  async function play(host: 'chromium' | 'firefox', transport: 'simple-peer' | 'peerjs'): Promise<void> {
    if (server === undefined || chromium === undefined || firefox === undefined) throw new Error('browsers not started');
    const open = (which: 'chromium' | 'firefox', name: string): Promise<AnyPage> => (which === 'chromium' ? chromiumPage(chromium as PlaywrightBrowser, name) : firefoxPage(firefox as PuppeteerBrowser, name));
    const hostPage = await open(host, 'Alice');
    pages.push(hostPage);
    const guestPage = await open(host === 'chromium' ? 'firefox' : 'chromium', 'Bob');
    pages.push(guestPage);
    const t = transport === 'peerjs' ? '&transport=peerjs' : '';
    const link = await createLobby(hostPage, server, 'Alice', 2, `?countdown=1${t}`);
    await joinLobby(guestPage, link, 'Bob', `?lag=40&jitter=10${t}`);
    await meshReadyStart(pages, 2);

    const seen = await Promise.all(pages.map((p) => p.evaluate(() => ({ transport: window.rollbackPong?.online?.transport, ua: navigator.userAgent, player: window.rollbackPong?.online?.localPlayer }), undefined)));
    expect(seen.map((s) => s.transport)).toEqual([transport, transport]);
    expect(seen.map((s) => s.player)).toEqual([0, 1]);
    expect(seen.map((s) => (/Firefox\//.test(s.ua) ? 'firefox' : /Chrome\//.test(s.ua) ? 'chromium' : s.ua)).sort()).toEqual(['chromium', 'firefox']);

    await waitForFrameAll(pages, PLAY_FRAMES);
    // A confirmed frame both still remember, then a settled frame just ahead of both.
    const early = await checksumsAtEvery(pages, 240);
    expect(early[0]?.checksum).toMatch(/^[0-9a-f]{8}$/);
    expect(early[1]).toEqual(early[0]);
    const target = Math.max(...(await framesOf(pages))) + 30;
    const [a, b] = await settleEvery(pages, target);
    expect(a?.frame).toBe(target);
    const confirmed = (r: typeof a) => r && { frame: r.frame, checksum: r.checksum, scores: r.scores, winner: r.winner };
    expect(confirmed(b)).toEqual(confirmed(a));
    // The state each session itself holds there, when it still has it ('' once it moved past).
    for (const r of [a, b]) if (r?.liveChecksum !== '') expect(r?.liveChecksum).toBe(r?.checksum);
    const desyncs = await Promise.all(pages.map((p) => p.evaluate(() => window.rollbackPong?.online?.desyncs ?? -1, undefined)));
    expect(desyncs).toEqual([0, 0]);
    for (const p of pages) expect(p.errors, p.label).toEqual([]);
  }

  it('simple-peer: Firefox hosts, Chromium joins with 40±10 ms lag; same confirmed checksum and score', { timeout: 90_000 }, () => play('firefox', 'simple-peer'));
  it('PeerJS: Chromium hosts, Firefox joins with 40±10 ms lag; same confirmed checksum and score', { timeout: 90_000 }, () => play('chromium', 'peerjs'));
}

const reason = chromiumUnavailableReason() ?? firefoxUnavailableReason();
if (reason === undefined) describe(NAME, suite);
else if (process.env.CI) {
  describe(NAME, () => {
    it('has Chromium and Firefox ESR (required on CI)', () => {
      throw new Error(reason);
    });
  });
} else describe.skip(`${NAME} (skipped: ${reason})`, suite);
