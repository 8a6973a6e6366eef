/**
 * Chromium for the e2e tests and the browser benchmark (no vitest here): launches the Debian Chromium
 * through playwright-core with the flags verified on this project's machines (docs/ui.md), collects
 * console errors per page, saves screenshots under `test-results/e2e/`, and builds + serves the client
 * (with the signaling server, or the static server of static-server.ts).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { REPO_ROOT, ensureClientBuilt, type BuildSnapshot } from './build.ts';
import { serveStatic, type RunningServer } from './static-server.ts';

export { DIST_DIR, REPO_ROOT, ensureClientBuilt, isBuildFresh, type BuildSnapshot } from './build.ts';
export { serveStatic, type RunningServer } from './static-server.ts';

/** The Chromium binary (override with `CHROMIUM_PATH`). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'e2e');

/**
 * Flags: headless without GPU, sandbox or background chatter, plus what WebRTC needs on a machine
 * without real network interfaces (raw host candidates, loopback candidates, no permission prompt).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  // Software WebGL (SwiftShader) for pixi.js without a GPU, without the deprecation warning.
  '--enable-unsafe-swiftshader',
];

/** Why Chromium cannot run here, or `undefined` when it can. */
export function chromiumUnavailableReason(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium not found at ${CHROMIUM_PATH} (install the Debian package "chromium" or set CHROMIUM_PATH)`;
  }
}

/** Launches Chromium (a fresh temporary profile per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** A page plus what it logged. */
export interface TrackedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
  /** Every console message as "type: text" (for debugging a failure). */
  readonly log: string[];
  /** Saves a PNG screenshot as `test-results/e2e/<name>.png`; returns its path. */
  screenshot(name: string): Promise<string>;
}

/** Opens a page in a fresh browser context (own storage), tracking console errors. */
export async function openPage(browser: Browser, options: { readonly width?: number; readonly height?: number; readonly deviceScaleFactor?: number } = {}): Promise<TrackedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1000, height: options.height ?? 800 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  return trackPage(await context.newPage());
}

/** Collects a page's console errors and log (e.g. a page opened later in an existing context). */
export function trackPage(page: Page): TrackedPage {
  const errors: string[] = [];
  const log: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    log.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err: Error) => errors.push(`uncaught: ${err.message}`));
  return {
    page,
    errors,
    log,
    async screenshot(name: string): Promise<string> {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
  };
}

/** The built client, served over HTTP on 127.0.0.1. */
export interface AppServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** The lobby WebSocket URL, when served by the signaling server. */
  readonly wsUrl: string | undefined;
  close(): Promise<void>;
}

/** Options of `startAppServer`. */
export interface AppServerOptions {
  /**
   * `signaling` (default): the real signaling server (`signaling/`: lobbies, PeerJS, static files with
   * the SPA fallback); `static`: a tiny static server only, for pages that need no lobby.
   */
  readonly server?: 'signaling' | 'static';
}

/** Builds the client if needed and serves a private snapshot of it on 127.0.0.1 at an ephemeral port. */
export async function startAppServer(options: AppServerOptions = {}): Promise<AppServer> {
  const snapshot: BuildSnapshot = await ensureClientBuilt();
  try {
    if ((options.server ?? 'signaling') === 'static') {
      const server: RunningServer = await serveStatic(snapshot.dir);
      return { url: server.url, wsUrl: undefined, close: async () => { await server.close(); snapshot.dispose(); } };
    }
    // Imported lazily so that a static-only run does not load the server's dependencies.
    const { startSignalingServer } = await import('../../../signaling/index.ts');
    const server = await startSignalingServer({ port: 0, host: '127.0.0.1', staticDir: snapshot.dir });
    return {
      url: server.url.replace(/\/$/, ''),
      wsUrl: server.wsUrl,
      close: async () => {
        await server.close();
        snapshot.dispose();
      },
    };
  } catch (e) {
    snapshot.dispose();
    throw e;
  }
}
