/**
 * An outage longer than the disconnect timeout heals (issue 11, item 3), over real WebRTC (wrtc,
 * simple-peer) and a real signaling server: one player's network goes away for 20 s — nothing reaches
 * or leaves its peer-to-peer links, and its lobby socket goes silent behind a proxy that then refuses
 * connections. The others drop it and play on. When the network comes back, its lobby socket resumes the
 * membership (heartbeat, back-off, rejoin token), the links are rebuilt through the signaling server,
 * and it goes back into the running match by state transfer: one state everywhere again. On PeerJS the
 * page's PeerJS socket drops too, and registers its id again once the membership is back.
 */
import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import { Browser, pagesFixture, run } from '../support/rejoin-browser.ts';

const OUTAGE_MS = 20_000;

describe('an outage heals (real WebRTC)', () => {
  const f = pagesFixture({ proxy: true });

  // PeerJS: the page's PeerJS socket goes through the proxy too, and registers again once resumed.
  it.each([[2, 'simple-peer'], [3, 'simple-peer'], [2, 'peerjs'], [3, 'peerjs']] as const)('%i players (%s): a 20 s outage of one player, then the match is whole again', async (n, transport) => {
    const { server, proxy, browsers } = f;
    const all = Array.from({ length: n }, (_, i) => new Browser(i === 0 ? 'host' : `p${i}`, 70 + i));
    browsers.push(...all);
    const cut = all[n - 1] as Browser;
    const [viaProxy, httpViaProxy] = [f.wsViaProxy, f.httpViaProxy];
    const resume = { heartbeatMs: 500, silenceMs: 1500, baseDelayMs: 200, maxDelayMs: 1000, maxAttempts: 100 };
    const host = await (all[0] as Browser).open(server, transport, undefined, n);
    for (const b of all.slice(1)) await b.open(server, transport, host.code, n, b === cut ? { wsUrl: viaProxy, httpUrl: httpViaProxy, resume } : {});
    expect(await run(all, () => all.every((b) => b.room?.meshReady === true && b.room.members.length === n), 10_000, 0)).toBe(true);
    for (const b of all) b.room?.setReady(true);
    expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 150), 15_000, 150)).toBe(true);
    const player = cut.match?.start.localPlayer as number;
    const stale = cut.match;

    // The network goes away: peer-to-peer traffic both ways, and the lobby socket (silent, then refused).
    cut.offline = true;
    proxy.freeze();
    await proxy.stop();
    const stay = all.filter((b) => b !== cut);
    await run(all, () => false, OUTAGE_MS, 100_000);
    expect(stay.every((b) => b.matchEvents.some((e) => e.kind === 'disconnected' && e.player === player))).toBe(true);

    // It comes back: the lobby socket resumes, the links are rebuilt, the player goes back into the match.
    const healedAt = performance.now();
    await proxy.start();
    cut.offline = false;
    const whole = () => cut.match !== undefined && cut.match !== stale && stay.every((b) => b.matchEvents.some((e) => e.kind === 'rejoined' && e.player === player));
    expect(await run(all, whole, 20_000, 100_000)).toBe(true);
    const healMs = performance.now() - healedAt;
    expect(cut.match?.start.localPlayer).toBe(player);

    const frames = Math.max(...all.map((b) => b.match?.session.currentFrame ?? 0)) + 240;
    expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= frames), 20_000, frames)).toBe(true);
    expect(await run(all, () => all.every((b) => (b.match?.session.confirmedFrame ?? 0) >= frames - 1), 15_000, frames)).toBe(true);
    const matches = all.map((b) => b.match as OnlineMatch);
    expect(matches.map((m) => m.session.currentFrame)).toEqual(matches.map(() => frames));
    const sums = matches.map((m) => formatChecksum(checksum(m.state)));
    expect(sums).toEqual(sums.map(() => sums[0]));
    for (const b of all) expect(b.matchEvents.filter((e) => e.kind === 'desync')).toEqual([]);
    console.log(`[outage ${n}p ${transport}] network back -> match whole again: ${Math.round(healMs)} ms`);
    for (const b of all) b.room?.leave();
  }, 120_000);
});
