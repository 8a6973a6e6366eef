/**
 * A short online match to one point: both pages show the same winner on the end screen, the replay
 * downloaded from the browser verifies with the Node CLI (`scripts/replay.ts verify`) and ends on the
 * checksum the *other* browser confirmed for that frame; then Rematch starts a second match.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { formatChecksum, parseReplay } from '../../src/game/index.ts';
import { describeE2E, REPO_ROOT, SCREENSHOT_DIR } from './support/browser.ts';
import { onlineFixture, startMatch, waitForFrame } from './support/online.ts';

const run = promisify(execFile);

describeE2E('online match: end screen, replay download, rematch (Chromium)', () => {
  const e2e = onlineFixture();
  const players = e2e.players;

  it('first to 1 point: same winner, downloaded replay verifies in Node, rematch starts match 2', { timeout: 85_000 }, async () => {
    // Both paddles parked at the top: the first serve scores within seconds.
    const [alice, bob] = await startMatch(e2e.browser, e2e.server, { count: 2, pointsToWin: 1, script: (p) => p.page.evaluate(() => window.rollbackPong?.online?.scriptInput(1)) }, players);
    if (alice === undefined || bob === undefined) throw new Error('two players expected');
    await Promise.all(players.map((p) => p.page.waitForFunction(() => window.rollbackPong?.online?.view === 'ended', undefined, { timeout: 40_000, polling: 100 })));
    const ends = await Promise.all(players.map((p) => p.page.evaluate(() => ({
      winner: window.rollbackPong?.online?.winner,
      title: document.querySelector('[data-testid=end-title]')?.textContent,
      scores: document.querySelector('[data-testid=end-scores]')?.textContent,
    }))));
    expect(ends[0]?.winner).toBeGreaterThanOrEqual(0);
    expect(ends[1]).toEqual(ends[0]);
    expect(ends[0]?.title).toBe(`${ends[0]?.winner === 0 ? 'Alice' : 'Bob'} wins!`);
    await alice.screenshot('online-end-screen');

    const code = await alice.page.evaluate(() => window.rollbackPong?.online?.code ?? '');
    const [download] = await Promise.all([alice.page.waitForEvent('download'), alice.page.click('[data-testid=download-replay]')]);
    expect(download.suggestedFilename()).toBe(`rollback-pong-${code}-1.json`);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, download.suggestedFilename());
    await download.saveAs(file);
    const cli = await run(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'scripts/replay.ts'), 'verify', file], { cwd: REPO_ROOT });
    expect(cli.stdout).toMatch(/^ok .* frames=\d+ checksum=[0-9a-f]{8}/);
    const parsed = parseReplay(readFileSync(file, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    const replay = parsed.replay;
    expect(replay.names).toEqual(['Alice', 'Bob']);
    expect(replay.winner).toBe(ends[0]?.winner);
    const bobAt = await bob.page.evaluate((f) => window.rollbackPong?.online?.checksumAt(f), replay.frames);
    expect(bobAt?.checksum).toBe(formatChecksum(replay.finalChecksum));

    // Alice opened the HUD (F3) in match 1: it stays open in the rematch; Bob's stays closed.
    await alice.page.keyboard.press('F3');
    expect(await alice.page.isVisible('[data-testid=hud]')).toBe(true);
    for (const p of players) await p.page.click('[data-testid=rematch]');
    await Promise.all(players.map((p) => p.page.waitForFunction(() => window.rollbackPong?.page === 'game' && window.rollbackPong.online?.matchNumber === 2, undefined, { timeout: 20_000 })));
    expect(await alice.page.isVisible('[data-testid=hud]')).toBe(true);
    expect(await bob.page.isVisible('[data-testid=hud]')).toBe(false);
    await Promise.all(players.map((p) => waitForFrame(p.page, 30)));
    for (const p of players) expect(p.errors).toEqual([]);
  });
});
