/**
 * The replay viewer in real Chromium: load through the file input, play/seek to the end, verify the
 * checksums against Node's own re-simulation, report corruption and parse errors, with no console errors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checksum, encodeReplay, formatChecksum, initialState, parseReplay, step, verifyReplay, type Replay } from '../../src/game/index.ts';
import type { RollbackPongHook } from '../../src/ui/test-hook.ts';
import { describeE2E, launchChromium, openPage, startAppServer, type AppServer, type TrackedPage } from './support/browser.ts';
import { makeTestReplay } from './support/replays.ts';

function stateChecksumAt(replay: Replay, frame: number): string {
  let s = initialState(replay.config);
  for (let f = 0; f < frame; f++) s = step(s, replay.inputs[f] ?? []);
  return formatChecksum(checksum(s));
}

async function hook(page: Page): Promise<RollbackPongHook> {
  const h = await page.evaluate(() => {
    const v = window.rollbackPong;
    // Functions do not cross into Node; keep the data.
    return v === undefined ? undefined : { ...v, renderFrameMs: undefined };
  });
  if (h === undefined) throw new Error('window.rollbackPong is missing');
  return h;
}

async function openViewer(browser: Browser, server: AppServer, fileName: string, text: string): Promise<TrackedPage> {
  const tp = await openPage(browser);
  await tp.page.goto(`${server.url}/#/replay`);
  await tp.page.waitForFunction(() => window.rollbackPong?.page === 'replay');
  await tp.page.setInputFiles('[data-testid=replay-file]', { name: fileName, mimeType: 'application/json', buffer: Buffer.from(text) });
  await tp.page.waitForFunction((name) => window.rollbackPong?.replay?.fileName === name && window.rollbackPong.replay.status !== 'empty', fileName);
  return tp;
}

async function seek(page: Page, frame: number): Promise<void> {
  await page.$eval('[data-testid=seek]', (el, f) => {
    const input = el as HTMLInputElement;
    input.value = String(f);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, frame);
  await page.waitForFunction((f) => window.rollbackPong?.replay?.frame === f, frame, { timeout: 15_000 });
}

describeE2E('replay viewer (Chromium)', () => {
  let server: AppServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startAppServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('plays a replay to the end at 4x and shows it verified with the final checksum Node computes', async () => {
    const replay = makeTestReplay({ players: 2, frames: 420, seed: 11, names: ['Ada', 'Grace'] });
    const verdict = verifyReplay(replay);
    if (!verdict.ok) throw new Error('the generated replay must verify in Node');
    const expected = formatChecksum(verdict.checksum);
    const tp = await openViewer(browser, server, 'match.json', encodeReplay(replay));
    const { page } = tp;
    expect((await hook(page)).replay).toMatchObject({ loaded: true, frames: 420, frame: 0, status: 'verifying' });
    await page.selectOption('[data-testid=speed]', '4');
    await page.click('[data-testid=play]');
    await page.waitForFunction(() => window.rollbackPong?.replay?.status === 'verified', undefined, { timeout: 20_000 });
    const h = await hook(page);
    expect(h.replay).toMatchObject({ status: 'verified', frame: 420, simulatedUpTo: 420, verifiedUpTo: 420, finalChecksum: expected, playing: false, speed: 4 });
    expect(h.checksum).toBe(expected);
    expect(h.state?.scores).toEqual([...verdict.state.scores]);
    await expect.poll(() => page.textContent('[data-testid=replay-status]')).toContain(`final checksum ${expected}`);
    expect(tp.errors).toEqual([]);
  });

  it('seeks forward and back to the same states Node computes, steps one frame, and renders a mid-match frame', async () => {
    const replay = makeTestReplay({ players: 4, frames: 900, seed: 5, names: ['Ada', 'Grace', 'Linus', 'Barbara'] });
    const tp = await openViewer(browser, server, 'four.json', encodeReplay(replay));
    const { page } = tp;
    await seek(page, 700);
    expect((await hook(page)).checksum).toBe(stateChecksumAt(replay, 700));
    await seek(page, 131); // backward: re-simulated from the cached state at frame 120
    expect((await hook(page)).checksum).toBe(stateChecksumAt(replay, 131));
    await page.click('[data-testid=step]');
    await page.waitForFunction(() => window.rollbackPong?.replay?.frame === 132);
    expect((await hook(page)).checksum).toBe(stateChecksumAt(replay, 132));
    const h = await hook(page);
    expect(h.replay).toMatchObject({ status: 'verifying', simulatedUpTo: 700, verifiedUpTo: 660 });
    expect(h.state?.players).toBe(4);
    expect(h.state?.serveTimer).toBe(0); // ball in play: a real mid-rally frame for the screenshot
    expect(await page.textContent('[data-testid=replay-status]')).toContain('Verified up to frame 660');
    await tp.screenshot('replay-viewer-mid-match');
    await seek(page, 900);
    await page.waitForFunction(() => window.rollbackPong?.replay?.status === 'verified');
    const verdict = verifyReplay(replay);
    expect(verdict.ok && formatChecksum(verdict.checksum)).toBe((await hook(page)).replay?.finalChecksum);
    const timing = await page.evaluate(() => window.rollbackPong?.renderFrameMs?.());
    expect(timing?.count).toBeGreaterThan(0);
    expect(tp.errors).toEqual([]);
  });

  it('shows the winner screen at the end of a won match', async () => {
    const replay = makeTestReplay({ players: 2, frames: 1500, seed: 6, pointsToWin: 2, names: ['Ada', 'Grace'] });
    expect(replay.winner).toBe(0);
    const tp = await openViewer(browser, server, 'won.json', encodeReplay(replay));
    await seek(tp.page, 1500);
    const h = await hook(tp.page);
    expect(h.replay?.status).toBe('verified');
    expect(h.state).toMatchObject({ winner: 0, scores: [...replay.finalScores] });
    await tp.screenshot('replay-viewer-winner');
    expect(tp.errors).toEqual([]);
  });

  it('reports the first checksum mismatch of a corrupted replay', async () => {
    const replay = makeTestReplay({ players: 3, frames: 360, seed: 3 });
    const body = JSON.parse(encodeReplay(replay)) as { checksums: [number, string][] };
    const target = body.checksums[2];
    if (target === undefined) throw new Error('expected at least 3 recorded checksums');
    const [frame, good] = target;
    const bad = good === 'deadbeef' ? 'feedface' : 'deadbeef';
    target[1] = bad;
    const text = JSON.stringify(body);
    const parsed = parseReplay(text);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(verifyReplay(parsed.replay)).toMatchObject({ ok: false, frame });
    const tp = await openViewer(browser, server, 'corrupt.json', text);
    await seek(tp.page, 100);
    await tp.screenshot('replay-viewer-three-players');
    await seek(tp.page, 360);
    await tp.page.waitForFunction(() => window.rollbackPong?.replay?.status === 'mismatch');
    const h = await hook(tp.page);
    expect(h.replay?.mismatch).toEqual({ frame, expected: bad, actual: good });
    expect(h.replay?.verifiedUpTo).toBe(frame - 60);
    expect(await tp.page.textContent('[data-testid=replay-status]')).toContain(`mismatch at frame ${frame}: expected ${bad}, got ${good}`);
    expect(tp.errors).toEqual([]);
  });

  it('shows parse errors clearly and recovers when a good file is opened next', async () => {
    const tp = await openViewer(browser, server, 'broken.json', '{"format": "rollback-pong-replay", "version": 1, ');
    const { page } = tp;
    let h = await hook(page);
    expect(h.replay).toMatchObject({ loaded: false, status: 'error' });
    expect(h.replay?.error).toMatch(/^not JSON/);
    expect(await page.textContent('[data-testid=replay-status]')).toContain('Could not open broken.json: not JSON');
    await page.setInputFiles('[data-testid=replay-file]', { name: 'other.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something-else"}') });
    await page.waitForFunction(() => window.rollbackPong?.replay?.fileName === 'other.json');
    expect(await page.textContent('[data-testid=replay-status]')).toContain('not a replay');
    expect(await page.isDisabled('[data-testid=play]')).toBe(true);
    const good = makeTestReplay({ players: 2, frames: 120, seed: 2 });
    await page.setInputFiles('[data-testid=replay-file]', { name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(encodeReplay(good)) });
    await page.waitForFunction(() => window.rollbackPong?.replay?.loaded === true);
    h = await hook(page);
    expect(h.replay).toMatchObject({ fileName: 'good.json', status: 'verifying', frames: 120 });
    expect(h.replay?.error).toBeUndefined();
    expect(tp.errors).toEqual([]);
  });
});
