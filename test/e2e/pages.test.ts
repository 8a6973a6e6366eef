/**
 * The other pages in real Chromium: landing, the lobby path (single-page fallback), practice with
 * keyboard and pointer-drag input, the tester widgets (HUD hotkeys, lag panel, chat) and a phone-sized
 * high-DPI layout; all without console errors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeE2E, launchChromium, openPage, startAppServer, type AppServer } from './support/browser.ts';

async function paddle(page: Page, player: number): Promise<number> {
  const v = await page.evaluate((p) => window.rollbackPong?.state?.paddles[p], player);
  if (v === undefined) throw new Error('no state published');
  return v;
}

/** Waits until the practice countdown is over and frames advance. */
async function waitForPlay(page: Page): Promise<void> {
  await page.waitForFunction(() => (window.rollbackPong?.frame ?? 0) > 5, undefined, { timeout: 10_000 });
}

describeE2E('pages (Chromium)', () => {
  let server: AppServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startAppServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('landing page: settings, name required, bad codes refused; links to replays; a lobby link asks for a name', async () => {
    const tp = await openPage(browser);
    await tp.page.goto(server.url + '/');
    await tp.page.waitForFunction(() => window.rollbackPong?.page === 'landing');
    expect(await tp.page.textContent('h1')).toBe('Rollback Pong');
    await tp.page.fill('#player-name', '');
    await tp.page.click('[data-testid=create-lobby]');
    expect(await tp.page.textContent('[data-testid=landing-message]')).toBe('Pick a name first.');
    await tp.page.click('.settings summary');
    expect(await tp.page.inputValue('#points-to-win')).toBe('5');
    expect(await tp.page.getAttribute('#input-delay', 'max')).toBe('10');
    expect(await tp.page.getAttribute('#max-prediction', 'max')).toBe('16');
    // The rules screen: the scoring and departure rules as the game implements them (rules 2).
    await tp.page.click('[data-testid=rules] summary');
    const rules = (await tp.page.textContent('[data-testid=rules]')) ?? '';
    expect(rules).toContain('its owner scores one point');
    expect(rules).toContain('their side becomes a wall');
    await tp.page.fill('#lobby-code', 'not a code!');
    await tp.page.click('[data-testid=join-lobby]');
    expect(await tp.page.textContent('[data-testid=landing-message]')).toContain('not a lobby code');
    await tp.screenshot('landing');
    expect(await tp.page.locator('[data-testid=widgets-link]').count()).toBe(0); // a player's page: no developer tools
    await tp.page.click('[data-testid=replay-link]');
    await tp.page.waitForFunction(() => window.rollbackPong?.page === 'replay');
    await tp.page.goto(server.url + '/lobby/AbC123');
    await tp.page.waitForFunction(() => window.rollbackPong?.page === 'lobby' && window.rollbackPong.online?.view === 'join');
    expect(await tp.page.textContent('h2')).toBe('Join this lobby');
    expect(tp.errors).toEqual([]);
  });

  it('practice: the keyboard moves the local paddle, a held pointer drags it toward the pointer', async () => {
    const tp = await openPage(browser);
    const { page } = tp;
    await page.goto(server.url + '/#/practice?players=3');
    await page.waitForFunction(() => window.rollbackPong?.page === 'practice' && window.rollbackPong.state !== undefined);
    expect(await page.evaluate(() => window.rollbackPong?.extra.countdown)).toMatch(/^[123]$/);
    await tp.screenshot('practice-countdown');
    await waitForPlay(page);
    const start = await paddle(page, 0);
    await page.keyboard.down('KeyS');
    await page.waitForFunction((y) => (window.rollbackPong?.state?.paddles[0] ?? 0) > y + 100, start, { timeout: 5_000 });
    await page.keyboard.up('KeyS');
    const low = await paddle(page, 0);
    await page.keyboard.down('ArrowUp');
    await page.waitForFunction((y) => (window.rollbackPong?.state?.paddles[0] ?? 0) < y - 100, low, { timeout: 5_000 });
    await page.keyboard.up('ArrowUp');
    // Pointer: press near the bottom of the stage and hold; the paddle follows down to the pointer.
    const box = await page.locator('[data-testid=stage] canvas').boundingBox();
    if (box === null) throw new Error('no canvas');
    const before = await paddle(page, 0);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.85);
    await page.mouse.down();
    await page.waitForFunction((y) => (window.rollbackPong?.state?.paddles[0] ?? 0) > y + 150, before, { timeout: 5_000 });
    await page.mouse.up();
    await tp.screenshot('practice-three-players');
    const timing = await page.evaluate(() => window.rollbackPong?.renderFrameMs?.());
    expect(timing?.count).toBeGreaterThan(30);
    expect(timing?.p50Ms).toBeGreaterThan(0);
    expect(tp.errors).toEqual([]);
  });

  it('practice on a phone-sized, high-DPI screen fits the arena and renders at device resolution', async () => {
    const tp = await openPage(browser, { width: 390, height: 844, deviceScaleFactor: 2 });
    const { page } = tp;
    await page.goto(server.url + '/#/practice?players=4&countdown=0');
    await waitForPlay(page);
    const size = await page.evaluate(() => {
      const c = document.querySelector('[data-testid=stage] canvas') as HTMLCanvasElement;
      return { w: c.width, h: c.height, cssW: c.getBoundingClientRect().width, scrollW: document.documentElement.scrollWidth };
    });
    expect(size.w).toBe(Math.round(size.cssW * 2));
    expect(size.scrollW).toBeLessThanOrEqual(390); // no horizontal scrolling
    await tp.screenshot('practice-phone');
    expect(tp.errors).toEqual([]);
  });

  it('tester widgets: HUD toggles with H and F3, the lag panel emits settings, the chat sends', async () => {
    const tp = await openPage(browser);
    const { page } = tp;
    await page.goto(server.url + '/?dev=1');
    await page.waitForFunction(() => window.rollbackPong?.page === 'landing');
    expect(await page.isVisible('[data-testid=widgets-link]')).toBe(true); // developers reach it from /?dev=1
    await page.goto(server.url + '/#/widgets');
    await page.waitForFunction(() => (window.rollbackPong?.extra.hudUpdates as number | undefined ?? 0) >= 8);
    expect(await page.isVisible('[data-testid=hud]')).toBe(true);
    const rows = await page.$$eval('.hud-table tbody tr', (trs) => trs.map((tr) => (tr.textContent ?? '')));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('Bob');
    const bars = await page.$eval('.hud-graph', (el) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, c.height - 3, c.width, 1).data ?? new Uint8ClampedArray();
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if ((data[i + 1] ?? 0) > 100) lit++;
      return lit;
    });
    expect(bars).toBeGreaterThan(0);
    await tp.screenshot('widgets');
    await page.keyboard.press('KeyH');
    expect(await page.isVisible('[data-testid=hud]')).toBe(false);
    await page.keyboard.press('F3');
    expect(await page.isVisible('[data-testid=hud]')).toBe(true);
    await page.click('.hud-toggle');
    expect(await page.isVisible('[data-testid=hud]')).toBe(false);

    await page.fill('[data-knob-number=latencyMs]', '120');
    await page.press('[data-knob-number=latencyMs]', 'Enter');
    await page.$eval('[data-knob=loss]', (el) => {
      const input = el as HTMLInputElement;
      input.value = '5';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await page.evaluate(() => window.rollbackPong?.extra.lag)).toEqual({ latencyMs: 120, jitterMs: 0, loss: 0.05, duplicate: 0, reorder: 0 });

    await page.fill('.chat-input', '  hello there  ');
    await page.keyboard.press('h'); // typing in the chat must not toggle the HUD
    await page.press('.chat-input', 'Enter');
    expect(await page.evaluate(() => window.rollbackPong?.extra.chatSent)).toEqual(['hello there  h']);
    expect(await page.textContent('[data-testid=chat-list]')).toContain('You: hello there  h');
    expect(await page.isVisible('[data-testid=hud]')).toBe(false);
    expect(tp.errors).toEqual([]);
  });
});
