/**
 * Online flows in real Chromium for the e2e tests and the browser benchmark (no vitest here): create a
 * lobby through the landing page, join through the share link, ready up, script inputs, settle, all
 * through the UI and `window.rollbackPong` (see docs/ui.md).
 */
import type { Browser, Page } from 'playwright-core';
import type { ConfirmedPointInfo, SettleResult } from '../../../src/ui/test-hook.ts';
import { openPage, type AppServer, type TrackedPage } from './chromium.ts';

/** Page size of the online tests: above the side-panel breakpoint, small enough to keep SwiftShader cheap. */
export const ONLINE_VIEWPORT = { width: 900, height: 640 } as const;

/** One player's browser page. */
export interface Player extends TrackedPage {
  readonly name: string;
}

/** Settings typed on the landing page. */
export interface CreateOptions {
  readonly name: string;
  readonly players?: number;
  readonly pointsToWin?: number;
  readonly inputDelay?: number;
  readonly maxPrediction?: number;
  /** Query string for the landing page (e.g. `?countdown=1&transport=peerjs`). */
  readonly query?: string;
}

/** Opens the landing page, fills the form and creates a lobby; resolves on the lobby page. */
export async function createLobbyViaUi(browser: Browser, server: AppServer, o: CreateOptions): Promise<{ player: Player; link: string; code: string }> {
  const tp = await openPage(browser, ONLINE_VIEWPORT);
  const { page } = tp;
  await page.goto(`${server.url}/${o.query ?? ''}`);
  await page.waitForFunction(() => window.rollbackPong?.page === 'landing');
  await page.fill('#player-name', o.name);
  await page.selectOption('#player-count', String(o.players ?? 2));
  await page.click('.settings summary');
  if (o.pointsToWin !== undefined) await page.fill('#points-to-win', String(o.pointsToWin));
  if (o.inputDelay !== undefined) await page.fill('#input-delay', String(o.inputDelay));
  if (o.maxPrediction !== undefined) await page.fill('#max-prediction', String(o.maxPrediction));
  await page.click('[data-testid=create-lobby]');
  await page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
  const link = await page.inputValue('[data-testid=share-link]');
  const code = await page.evaluate(() => window.rollbackPong?.online?.code ?? '');
  if (link !== `${server.url}/lobby/${code}`) throw new Error(`share link ${link} does not match lobby ${code}`);
  return { player: { ...tp, name: o.name }, link, code };
}

/** Opens a share link (plus an optional query), types a name and joins. */
export async function joinViaLink(browser: Browser, link: string, name: string, query = ''): Promise<Player> {
  const tp = await openPage(browser, ONLINE_VIEWPORT);
  const { page } = tp;
  await page.goto(link + query);
  await page.waitForSelector('[data-testid=join-name]');
  await page.fill('[data-testid=join-name]', name);
  await page.click('[data-testid=join-submit]');
  await page.waitForFunction(() => window.rollbackPong?.online?.view === 'lobby', undefined, { timeout: 10_000 });
  return { ...tp, name };
}

/** A one-line summary of a page's lobby, for failure messages. */
export async function describeLobby(page: Page): Promise<string> {
  return page.evaluate(() => {
    const o = window.rollbackPong?.online;
    return JSON.stringify({ page: window.rollbackPong?.page, view: o?.view, members: o?.members, mesh: o?.meshReady, status: o?.status, error: o?.error });
  });
}

/** Runs `wait` on every player; on failure the error describes every page's lobby. */
async function onEvery(players: readonly Player[], what: string, wait: (p: Player) => Promise<unknown>): Promise<void> {
  try {
    await Promise.all(players.map(wait));
  } catch (e) {
    const states = await Promise.all(players.map((p) => describeLobby(p.page).then((d) => `${p.name}: ${d}`, () => `${p.name}: ?`)));
    throw new Error(`${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n${states.join('\n')}`, { cause: e });
  }
}

/** Waits until every page sees `n` members and an open mesh (with a measured ping to everyone). */
export async function waitForMesh(players: readonly Player[], n: number, timeout = 15_000): Promise<void> {
  await onEvery(players, `mesh of ${n}`, (p) => p.page.waitForFunction((count) => {
    const o = window.rollbackPong?.online;
    return o !== undefined && o.members.length === count && o.meshReady && o.members.every((m) => m.pingMs !== undefined || m.id === o.memberId);
  }, n, { timeout }));
}

/** Clicks Ready on every page not ready yet and waits until every page shows the game. */
export async function readyAndStart(players: readonly Player[], timeout = 15_000): Promise<void> {
  for (const p of players) {
    // Done already: ready, or (once the others' votes started the match) in the match on its way to
    // the game page, where the lobby and its Ready button are hidden.
    const done = await p.page.evaluate(() => {
      const o = window.rollbackPong?.online;
      const me = o?.members.find((m) => m.id === o.memberId);
      return me?.ready === true || me?.inMatch === true || window.rollbackPong?.page === 'game';
    });
    if (!done) await p.page.click('[data-testid=ready]');
  }
  await onEvery(players, 'match start', (p) => p.page.waitForFunction(() => window.rollbackPong?.page === 'game', undefined, { timeout }));
}

/** Scripted inputs for player `seed`: holds a direction for 20..60 frames, deterministic per frame. */
export async function scriptBot(page: Page, seed: number): Promise<void> {
  await page.evaluate((s) => {
    window.rollbackPong?.online?.scriptInput((frame) => {
      const block = Math.floor(frame / (20 + ((s * 13) % 41)));
      return (block * 7 + s * 3) % 3; // 0 stay, 1 negative, 2 positive
    });
  }, seed);
}

/** The online hook's numeric field on a page. */
export async function frameOf(page: Page): Promise<number> {
  return page.evaluate(() => window.rollbackPong?.online?.frame ?? -1);
}

/** A one-line summary of a page's match, for failure messages. */
export async function describeMatch(page: Page): Promise<string> {
  return page.evaluate(() => {
    const o = window.rollbackPong?.online;
    const s = o?.stats();
    return JSON.stringify({
      view: o?.view, frame: o?.frame, confirmed: o?.confirmedFrame, notices: o?.notices, error: o?.error,
      stalls: s?.stalls, tick: s?.tickRateFactor, peers: s?.peers.map((p) => [p.state, Math.round(p.pingMs), p.packetsIn]),
    });
  });
}

/** Waits until the page's session reaches `frame` (the error describes the match on timeout). */
export async function waitForFrame(page: Page, frame: number, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction((f) => (window.rollbackPong?.online?.frame ?? -1) >= f, frame, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`frame ${frame} not reached within ${timeout} ms: ${await describeMatch(page).catch(() => '?')}`, { cause: e });
  }
}

/** Settles every page at `frame` (each stops advancing there) and returns what each reports. */
export async function settleAll(players: readonly Player[], frame: number): Promise<SettleResult[]> {
  return Promise.all(players.map((p) => p.page.evaluate((f) => {
    const online = window.rollbackPong?.online;
    if (online === undefined) throw new Error('no online page');
    return online.settle(f);
  }, frame)));
}

/** `checksumAt(frame)` on every page. */
export async function checksumsAt(players: readonly Player[], frame: number): Promise<(ConfirmedPointInfo | undefined)[]> {
  return Promise.all(players.map((p) => p.page.evaluate((f) => window.rollbackPong?.online?.checksumAt(f), frame)));
}

/** Closes every page's context. */
export async function closeAll(players: readonly Player[]): Promise<void> {
  await Promise.all(players.map((p) => p.page.context().close().catch(() => undefined)));
}

/** Options of `startMatch`. */
export interface StartMatchOptions extends Partial<CreateOptions> {
  /** Players in the match (2..4). */
  readonly count: number;
  /** Query string of the joiners' pages (e.g. lag parameters). */
  readonly joinQuery?: (i: number) => string;
  /** Scripted inputs per player (default: `scriptBot` with seed i + 1). */
  readonly script?: (player: Player, i: number) => Promise<void>;
  /** Runs once everyone is in the lobby (mesh ready), before anyone presses Ready. */
  readonly beforeReady?: (players: readonly Player[]) => Promise<void>;
}

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave'];

/** Creates a lobby, joins it from `count - 1` more pages, scripts inputs, readies everyone up. */
export async function startMatch(browser: Browser, server: AppServer, o: StartMatchOptions, into: Player[]): Promise<Player[]> {
  const created = await createLobbyViaUi(browser, server, { name: NAMES[0] ?? 'P1', players: o.count, pointsToWin: o.pointsToWin ?? 99, query: o.query ?? '?countdown=1', ...(o.inputDelay !== undefined ? { inputDelay: o.inputDelay } : {}), ...(o.maxPrediction !== undefined ? { maxPrediction: o.maxPrediction } : {}) });
  into.push(created.player);
  for (let i = 1; i < o.count; i++) into.push(await joinViaLink(browser, created.link, NAMES[i] ?? `P${i + 1}`, o.joinQuery?.(i) ?? ''));
  await waitForMesh(into, o.count, 20_000);
  await o.beforeReady?.(into);
  for (const [i, p] of into.entries()) await (o.script ?? ((pl, n) => scriptBot(pl.page, n + 1)))(p, i);
  await readyAndStart(into, 20_000);
  return into;
}

/** How the HUD's table sits in its panel (`hudFit`): widths in CSS px; `cut`: figure cells cut short. */
export interface HudFit {
  readonly viewport: string;
  readonly rows: number;
  readonly tableScroll: number;
  readonly tableWidth: number;
  readonly panelInner: number;
  readonly overflowRight: number;
  readonly panelScroll: number;
  readonly panelWidth: number;
  readonly cut: readonly string[];
}

/** Measures the open HUD: its table against its panel, and the figure cells against their columns. */
export async function hudFit(page: Page): Promise<HudFit> {
  return page.evaluate(() => {
    const panel = document.querySelector('[data-testid=hud]') as HTMLElement;
    const table = panel.querySelector('.hud-table') as HTMLTableElement;
    const p = panel.getBoundingClientRect();
    const t = table.getBoundingClientRect();
    const style = getComputedStyle(panel);
    const innerRight = p.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    const cut: string[] = [];
    for (const row of Array.from(table.tBodies[0]?.rows ?? [])) {
      // Every figure whole (the name may be cut with an ellipsis, its title holds it).
      for (const cell of Array.from(row.cells).slice(1)) if (cell.scrollWidth > cell.clientWidth) cut.push(cell.textContent ?? '');
    }
    return {
      viewport: `${window.innerWidth}x${window.innerHeight}`, rows: table.tBodies[0]?.rows.length ?? 0,
      tableScroll: table.scrollWidth, tableWidth: table.clientWidth, panelInner: Math.round(innerRight - p.left), overflowRight: t.right - innerRight,
      panelScroll: panel.scrollWidth, panelWidth: panel.clientWidth, cut,
    };
  });
}

/** Where the Ready button is against the window (no scrolling), CSS px. */
export async function readyButtonBox(page: Page): Promise<{ top: number; bottom: number; left: number; right: number; width: number; height: number; vw: number; vh: number; scrollY: number }> {
  return page.evaluate(() => {
    const r = (document.querySelector('[data-testid=ready]') as HTMLElement).getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height, vw: window.innerWidth, vh: window.innerHeight, scrollY: window.scrollY };
  });
}
