/**
 * Outages of the lobby server itself, over real WebRTC (wrtc, simple-peer) and a real signaling server
 * behind a proxy every page goes through (issue #11, item 3):
 * - the server out of reach for everyone while the peer-to-peer links live: every lobby socket resumes,
 *   the match goes on untouched (nobody rejoins, nobody is dropped) and the notary comes back;
 * - a partition while the server is out of reach: one player's links die too. The side that keeps the
 *   majority (2 of 3; of 2, the side with the lowest slot) plays on; the other side stops (no solo
 *   match, no forfeit win) and, once the network is back, goes back into the majority's match.
 */
import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import { Browser, pagesFixture, run } from '../support/rejoin-browser.ts';

const OUTAGE_MS = 8_000;
const RESUME = { heartbeatMs: 500, silenceMs: 1500, baseDelayMs: 200, maxDelayMs: 1000, maxAttempts: 100 };

describe('the lobby server out of reach (real WebRTC)', () => {
  const f = pagesFixture({ proxy: true });

  /** `n` pages in one started match, every lobby socket through the proxy. */
  async function match(n: number, seed: number): Promise<Browser[]> {
    const all = Array.from({ length: n }, (_, i) => new Browser(i === 0 ? 'host' : `p${i}`, seed + i));
    f.browsers.push(...all);
    const { server, wsViaProxy: viaProxy } = f;
    const host = await (all[0] as Browser).open(server, 'simple-peer', undefined, n, { wsUrl: viaProxy, resume: RESUME });
    for (const b of all.slice(1)) await b.open(server, 'simple-peer', host.code, n, { wsUrl: viaProxy, resume: RESUME });
    expect(await run(all, () => all.every((b) => b.room?.meshReady === true && b.room.members.length === n), 10_000, 0)).toBe(true);
    for (const b of all) b.room?.setReady(true);
    expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 150), 15_000, 150)).toBe(true);
    return all;
  }

  /** The server is back: every page plays to `frames` and settles on one state, with the notary up. */
  async function expectWhole(all: Browser[], frames: number): Promise<OnlineMatch[]> {
    expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= frames), 30_000, frames)).toBe(true);
    // With the notary up again, finality needs every player's records: a gap in them would stall it.
    const settled = await run(all, () => all.every((b) => b.match?.session.notaryUp === true && b.match.session.confirmedFrame >= frames - 1), 15_000, frames);
    expect(settled, all.map((b) => `${b.name} notary ${String(b.match?.session.notaryUp)} ${b.match?.session.confirmedFrame} cov ${[0, 1, 2].slice(0, all.length).map((p) => b.match?.session.recordCoverage(p)).join(',')} ${JSON.stringify(b.match?.session.stats(performance.now()).peers?.map((x) => x.rejected) ?? '')}`).join('; ')).toBe(true);
    const matches = all.map((b) => b.match as OnlineMatch);
    expect(matches.map((m) => m.session.currentFrame)).toEqual(matches.map(() => frames));
    const sums = matches.map((m) => formatChecksum(checksum(m.state)));
    expect(sums).toEqual(sums.map(() => sums[0]));
    for (const b of all) expect(b.matchEvents.filter((e) => e.kind === 'desync')).toEqual([]);
    return matches;
  }

  it('3 players, links alive: every lobby socket resumes and the match goes on untouched', async () => {
    const all = await match(3, 110);
    const before = all.map((b) => b.match);
    const { proxy } = f;
    proxy.freeze();
    await proxy.stop();
    await run(all, () => false, OUTAGE_MS, 100_000);
    expect(all.every((b) => b.match?.session.notaryUp === false)).toBe(true); // the notary waits meanwhile
    await proxy.start();
    expect(await run(all, () => all.every((b) => b.events.filter((e) => e.kind === 'members-changed').length > 0 && b.signaling?.state === 'open' && b.room?.members.length === 3), 15_000, 100_000)).toBe(true);
    const frames = Math.max(...all.map((b) => b.match?.session.currentFrame ?? 0)) + 240;
    await expectWhole(all, frames);
    expect(all.map((b) => b.match)).toEqual(before); // the same matches: nobody went back through a rejoin
    for (const b of all) {
      expect(b.events.filter((e) => e.kind === 'rejoining' || e.kind === 'rejoin-failed')).toEqual([]);
      expect(b.matchEvents.filter((e) => e.kind === 'disconnected')).toEqual([]);
    }
  }, 90_000);

  it.each([3, 2])('%i players, a partition: the minority stops, then goes back into the majority\'s match', async (n) => {
    const all = await match(n, 120 + n);
    const cut = all[n - 1] as Browser; // alone on its side: the minority (of 2, the higher slot)
    const stay = all.filter((b) => b !== cut);
    const player = cut.match?.start.localPlayer as number;
    const stale = cut.match as OnlineMatch;
    const { proxy } = f;
    cut.offline = true;
    proxy.freeze();
    await proxy.stop();
    expect(await run(all, () => stale.cutOff, 10_000, 100_000)).toBe(true);
    const stoppedAt = stale.session.currentFrame;
    await run(all, () => false, OUTAGE_MS, 100_000);
    expect(stale.session.currentFrame).toBe(stoppedAt); // no solo match on the minority side
    expect(stale.state.winner).toBe(-1);
    for (const b of stay) {
      expect(b.match?.cutOff).toBe(false);
      expect(b.matchEvents.some((e) => e.kind === 'disconnected' && e.player === player)).toBe(true);
    }
    expect(Math.min(...stay.map((b) => b.match?.session.currentFrame ?? 0))).toBeGreaterThan(stoppedAt + 300); // the majority played on

    await proxy.start();
    cut.offline = false;
    const back = (): boolean => cut.match !== undefined && cut.match !== stale && stay.every((b) => b.matchEvents.some((e) => e.kind === 'rejoined' && e.player === player));
    const healed = await run(all, back, 20_000, 100_000);
    expect(healed, JSON.stringify(all.map((b) => ({ n: b.name, ev: b.events.map((e) => (e.kind === 'rejoin-failed' ? e.reason : e.kind)).slice(-8), m: b.matchEvents.filter((e) => e.kind !== 'stall').slice(-4), notary: b.match?.session.notaryUp, sig: b.signaling?.state, members: b.room?.members.length })))).toBe(true);
    expect(cut.match?.start.localPlayer).toBe(player);
    for (const b of stay) expect(b.events.filter((e) => e.kind === 'rejoining')).toEqual([]); // the majority kept its match
    await expectWhole(all, Math.max(...all.map((b) => b.match?.session.currentFrame ?? 0)) + 240);
  }, 90_000);
});
