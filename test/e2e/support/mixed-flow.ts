/**
 * Online flows for matches between different browsers (no vitest here): one small page interface with
 * an adapter for playwright-core (Chromium) and one for puppeteer-core (Firefox over WebDriver BiDi), and
 * the lobby flow of online-flow.ts written once against it — create through the landing page, join
 * through the share link, mesh, Ready, script inputs, settle. Console errors are collected per page.
 */
import type { Browser as PlaywrightBrowser } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import type { ConfirmedPointInfo, SettleResult } from '../../../src/ui/test-hook.ts';
import { openPage, type AppServer } from './chromium.ts';
import { ONLINE_VIEWPORT } from './online-flow.ts';

/** What the mixed flows need of a page, whichever browser drives it. */
export interface AnyPage {
  /** Player name plus browser, for messages (e.g. "Alice (firefox)"). */
  readonly label: string;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
  goto(url: string): Promise<void>;
  /** Evaluates `fn(arg)` in the page (promises are awaited). */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Waits until `fn(arg)` is truthy, polling every 100 ms. */
  waitFor<A>(fn: (arg: A) => unknown, arg: A, timeoutMs: number): Promise<void>;
  click(selector: string): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  select(selector: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** A Chromium page (own context) through playwright-core. */
export async function chromiumPage(browser: PlaywrightBrowser, name: string): Promise<AnyPage> {
  const tp = await openPage(browser, ONLINE_VIEWPORT);
  const { page } = tp;
  return {
    label: `${name} (chromium)`,
    errors: tp.errors,
    goto: async (url) => void (await page.goto(url)),
    // Playwright types page functions over its own `Unboxed<A>`; our arguments are plain JSON values.
    evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (a: unknown) => R | Promise<R>, arg as unknown),
    waitFor: async (fn, arg, timeout) => void (await page.waitForFunction(fn as (a: unknown) => unknown, arg as unknown, { timeout, polling: 100 })),
    click: (s) => page.click(s),
    fill: (s, v) => page.fill(s, v),
    select: async (s, v) => void (await page.selectOption(s, v)),
    close: () => page.context().close(),
  };
}

/** A Firefox page (own browser context) through puppeteer-core over WebDriver BiDi. */
export async function firefoxPage(browser: PuppeteerBrowser, name: string): Promise<AnyPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  // Its window's own size (see `launchFirefox`: no `setViewport` on Firefox ESR 140).
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err instanceof Error ? err.message : String(err)}`));
  return {
    label: `${name} (firefox)`,
    errors,
    goto: async (url) => void (await page.goto(url)),
    // Same for puppeteer's `FlattenHandle<A>`.
    evaluate: async <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => (await page.evaluate(fn as (a: unknown) => unknown, arg as unknown)) as R,
    waitFor: async (fn, arg, timeout) => void (await page.waitForFunction(fn as (a: unknown) => unknown, { timeout, polling: 100 }, arg as unknown)),
    click: (s) => page.click(s),
    fill: (s, v) => page.locator(s).fill(v),
    select: async (s, v) => void (await page.select(s, v)),
    close: () => context.close(),
  };
}

/** A one-line summary of a page's lobby and match, for failure messages. */
export function describePage(p: AnyPage): Promise<string> {
  return p.evaluate(() => {
    const o = window.rollbackPong?.online;
    const s = o?.stats();
    return JSON.stringify({
      page: window.rollbackPong?.page, view: o?.view, members: o?.members.length, mesh: o?.meshReady, status: o?.status, error: o?.error,
      frame: o?.frame, confirmed: o?.confirmedFrame, notices: o?.notices, peers: s?.peers.map((q) => [q.state, Math.round(q.pingMs), q.packetsIn]),
    });
  }, undefined).catch(() => '?');
}

/** Runs `wait` on every page; on failure the error describes every page. */
export async function onEveryPage(pages: readonly AnyPage[], what: string, wait: (p: AnyPage) => Promise<unknown>): Promise<void> {
  try {
    await Promise.all(pages.map(wait));
  } catch (e) {
    const states = await Promise.all(pages.map(async (p) => `${p.label}: ${await describePage(p)}`));
    throw new Error(`${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n${states.join('\n')}`, { cause: e });
  }
}

/** Creates a 2..4-player lobby through the landing page (first to 99); returns the share link. */
export async function createLobby(p: AnyPage, server: AppServer, name: string, players: number, query: string): Promise<string> {
  await p.goto(`${server.url}/${query}`);
  await p.waitFor(() => window.rollbackPong?.page === 'landing', undefined, 15_000);
  await p.fill('#player-name', name);
  await p.select('#player-count', String(players));
  await p.click('.settings summary');
  await p.fill('#points-to-win', '99');
  await p.click('[data-testid=create-lobby]');
  await p.waitFor(() => window.rollbackPong?.online?.view === 'lobby', undefined, 10_000);
  const [link, code] = await p.evaluate(() => [(document.querySelector('[data-testid=share-link]') as HTMLInputElement | null)?.value ?? '', window.rollbackPong?.online?.code ?? ''], undefined);
  if (link !== `${server.url}/lobby/${code}`) throw new Error(`share link ${link} does not match lobby ${code}`);
  return link;
}

/** Opens a share link (plus a query), types a name and joins. */
export async function joinLobby(p: AnyPage, link: string, name: string, query = ''): Promise<void> {
  await p.goto(link + query);
  await p.waitFor(() => document.querySelector('[data-testid=join-name]') !== null, undefined, 15_000);
  await p.fill('[data-testid=join-name]', name);
  await p.click('[data-testid=join-submit]');
  await p.waitFor(() => window.rollbackPong?.online?.view === 'lobby', undefined, 10_000);
}

/** Waits for the mesh of `n` (a measured ping to everyone), scripts inputs, readies up and waits for the game. */
export async function meshReadyStart(pages: readonly AnyPage[], n: number): Promise<void> {
  await onEveryPage(pages, `mesh of ${n}`, (p) => p.waitFor((count) => {
    const o = window.rollbackPong?.online;
    return o !== undefined && o.members.length === count && o.meshReady && o.members.every((m) => m.pingMs !== undefined || m.id === o.memberId);
  }, n, 20_000));
  for (const [i, p] of pages.entries()) {
    // The scripted inputs of online-flow.ts's scriptBot: a direction held for 20..60 frames.
    await p.evaluate((s) => window.rollbackPong?.online?.scriptInput((frame) => (Math.floor(frame / (20 + ((s * 13) % 41))) * 7 + s * 3) % 3), i + 1);
    await p.click('[data-testid=ready]');
  }
  await onEveryPage(pages, 'match start', (p) => p.waitFor(() => window.rollbackPong?.page === 'game', undefined, 20_000));
}

/** Waits until every page's session reached `frame`. */
export function waitForFrameAll(pages: readonly AnyPage[], frame: number, timeoutMs = 40_000): Promise<void> {
  return onEveryPage(pages, `frame ${frame}`, (p) => p.waitFor((f) => (window.rollbackPong?.online?.frame ?? -1) >= f, frame, timeoutMs));
}

/** The pages' session frames. */
export function framesOf(pages: readonly AnyPage[]): Promise<number[]> {
  return Promise.all(pages.map((p) => p.evaluate(() => window.rollbackPong?.online?.frame ?? -1, undefined)));
}

/** Settles every page at `frame` and returns what each reports. */
export function settleEvery(pages: readonly AnyPage[], frame: number): Promise<SettleResult[]> {
  return Promise.all(pages.map((p) => p.evaluate((f) => {
    const online = window.rollbackPong?.online;
    if (online === undefined) throw new Error('no online page');
    return online.settle(f);
  }, frame)));
}

/** `checksumAt(frame)` on every page. */
export function checksumsAtEvery(pages: readonly AnyPage[], frame: number): Promise<(ConfirmedPointInfo | undefined)[]> {
  return Promise.all(pages.map((p) => p.evaluate((f) => window.rollbackPong?.online?.checksumAt(f), frame)));
}
