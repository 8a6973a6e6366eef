/**
 * Rejoin figures (docs/performance.md):
 * - `rejoin_ms_p50_{2,4}p`: real WebRTC (wrtc, simple-peer) on loopback through `Room` and a real
 *   signaling server — a player's page dies mid-match, the others drop it, and the same browser opens
 *   the lobby link again: from that moment (a new lobby socket) until it plays again and every peer
 *   agreed on its return. Target p50 <= 1,500 ms.
 * - `heal_ms_p50_2p`: the same set-up, a player's network goes away for 6 s (longer than the 2.5 s
 *   disconnect timeout used here: it is dropped) — peer-to-peer traffic both ways, and its lobby socket
 *   behind a proxy — then comes back: from the network back to the match whole again (its lobby socket
 *   resumed, links rebuilt, back in the match). Target p50 <= 2,000 ms.
 * - `state_transfer_bytes`: the largest rejoin transfer payload (state + confirmed inputs) over seeded
 *   simulated matches of 2-4 players with loss and jitter (the same code path). Target <= 4 KiB.
 */
import { startSignalingServer, silentLogger } from '../signaling/index.ts';
import { runSimMatch } from '../src/sim/match-harness.ts';
import { makeLinkConditions } from '../src/transport/link-model.ts';
import { Browser, run } from '../test/support/rejoin-browser.ts';
import { startTcpProxy } from '../test/support/tcp-proxy.ts';
import { quantile } from '../src/shared/quantile.ts';

const ROUNDS = 5;

function p50(xs: number[]): number {
  return Math.round(quantile(xs, 0.5, 0));
}

async function rejoinOnce(n: number, round: number): Promise<number> {
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  const all = Array.from({ length: n }, (_, i) => new Browser(i === 0 ? 'host' : `p${i}`, round * 10 + i));
  try {
    const host = await (all[0] as Browser).open(server, 'simple-peer', undefined, n);
    for (const b of all.slice(1)) await b.open(server, 'simple-peer', host.code);
    if (!(await run(all, () => all.every((b) => b.room?.meshReady === true && b.room.members.length === n), 10_000, 0))) throw new Error('mesh not ready');
    for (const b of all) b.room?.setReady(true);
    if (!(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 90), 10_000, 10_000))) throw new Error('match did not start');
    const gone = all[n - 1] as Browser;
    const player = gone.match?.start.localPlayer as number;
    gone.crash();
    const stay = all.slice(0, n - 1);
    if (!(await run(stay, () => stay.every((b) => b.matchEvents.some((e) => e.kind === 'disconnected' && e.player === player)), 10_000, 10_000))) throw new Error('drop not seen');
    const t0 = performance.now();
    await gone.open(server, 'simple-peer', host.code);
    const back = await run(all, () => gone.match !== undefined && stay.every((b) => b.matchEvents.some((e) => e.kind === 'rejoined' && e.player === player)), 15_000, 10_000);
    if (!back) throw new Error('rejoin did not complete');
    return performance.now() - t0;
  } finally {
    for (const b of all) b.room?.leave();
    await server.close();
  }
}

async function healOnce(round: number): Promise<number> {
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  const proxy = await startTcpProxy(Number(new URL(server.url).port));
  const all = [new Browser('host', round * 10), new Browser('p1', round * 10 + 1)];
  const [host, cut] = all as [Browser, Browser];
  try {
    const room = await host.open(server, 'simple-peer', undefined, 2);
    const viaProxy = server.wsUrl.replace(`:${new URL(server.url).port}/`, `:${proxy.port}/`);
    await cut.open(server, 'simple-peer', room.code, 2, { wsUrl: viaProxy, resume: { heartbeatMs: 500, silenceMs: 1500, baseDelayMs: 200, maxDelayMs: 1000, maxAttempts: 100 } });
    if (!(await run(all, () => all.every((b) => b.room?.meshReady === true), 10_000, 0))) throw new Error('mesh not ready');
    for (const b of all) b.room?.setReady(true);
    if (!(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 90), 10_000, 100_000))) throw new Error('match did not start');
    const stale = cut.match;
    cut.offline = true;
    proxy.freeze();
    await proxy.stop();
    await run(all, () => false, 6000, 100_000);
    const t0 = performance.now();
    await proxy.start();
    cut.offline = false;
    const whole = await run(all, () => cut.match !== undefined && cut.match !== stale && host.matchEvents.some((e) => e.kind === 'rejoined'), 20_000, 100_000);
    if (!whole) throw new Error('did not heal');
    return performance.now() - t0;
  } finally {
    for (const b of all) b.room?.leave();
    await proxy.close();
    await server.close();
  }
}

export async function benchRejoin(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of [2, 4]) {
    const ms: number[] = [];
    for (let r = 0; r < ROUNDS; r++) ms.push(await rejoinOnce(n, r));
    out[`rejoin_ms_p50_${n}p`] = p50(ms);
    out[`rejoin_ms_max_${n}p`] = Math.round(Math.max(...ms));
  }
  const heal: number[] = [];
  for (let r = 0; r < 3; r++) heal.push(await healOnce(r));
  out.heal_ms_p50_2p = p50(heal);
  out.heal_ms_max_2p = Math.round(Math.max(...heal));
  let bytes = 0;
  for (let i = 0; i < 9; i++) {
    const players = 2 + (i % 3);
    const r = runSimMatch({ players, seed: 500 + i, frames: 1200, link: makeLinkConditions({ latencyMs: 20 + 30 * (i % 3), jitterMs: 10, loss: 0.05 }), notary: { latencyMs: 40 }, rejoin: { player: i % players, atFrame: 300, awayMs: 2000, times: 2 } });
    for (const x of r.rejoins) bytes = Math.max(bytes, x.transferBytes);
  }
  out.state_transfer_bytes = bytes;
  return out;
}
