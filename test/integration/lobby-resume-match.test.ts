/**
 * Lobby sockets that resume (signaling client `resume`) under a running 3-player match, real WebRTC in
 * Node (simple-peer): the lobby server goes away (every client reconnects, the match runs without the
 * notary) and comes back without the lobby: every player is told once (`unknown-lobby`, then
 * `signaling-closed`), and the match goes on to an identical end. (One player's outage and its heal:
 * lobby-outage.test.ts.)
 */
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer, silentLogger } from '../../signaling/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import { createSignalingClient } from '../../src/lobby/signaling-client.ts';
import type { SignalingClient, SignalingEvent, WebSocketConstructorLike } from '../../src/lobby/signaling-client.ts';
import { closeLobby, driveLobby, eventsOf, openLobby, playAndSettle, readyAndCommit, type Lobby } from '../support/lobby-suite.ts';

const RESUME = { heartbeatMs: 200, silenceMs: 1000, baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 200, random: () => 0.5 } as const;

let lobby: Lobby | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  closeLobby(lobby);
  lobby = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** Resuming clients, connected to `urls[i]`, each with a log of its resume events. */
async function resumingClients(urls: readonly string[]): Promise<{ clients: SignalingClient[]; logs: SignalingEvent[][] }> {
  const logs: SignalingEvent[][] = urls.map(() => []);
  const clients = await Promise.all(urls.map(async (url, i) => {
    const client = createSignalingClient({ WebSocket: WebSocket as unknown as WebSocketConstructorLike, resume: RESUME });
    for (const kind of ['reconnecting', 'resumed', 'resume-failed'] as const) client.on(kind, (e) => logs[i]?.push(e));
    expect(await client.connect(url)).toEqual({ ok: true, value: undefined });
    return client;
  }));
  return { clients, logs };
}

it('the lobby server gone and restarted without the lobby: every player is told once, the match ends identical', { timeout: 90_000 }, async () => {
  const first = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  const { clients, logs } = await resumingClients([first.wsUrl, first.wsUrl, first.wsUrl]);
  lobby = await openLobby(first, 'simple-peer', 3, (i) => ({ signaling: clients[i] as SignalingClient }));
  await readyAndCommit(lobby);
  await playAndSettle(lobby, 180, 43);
  const matches = lobby.rooms.map((r) => r.match as OnlineMatch);

  await first.close();
  expect(await driveLobby(lobby, () => logs.every((l) => l.some((e) => e.kind === 'reconnecting')), 5000)).toBe(true);
  // While it reconnects, records cannot be sent: the match runs on the peers' gossip, as without a server.
  for (const m of matches) expect(m.session.notaryUp).toBe(false);
  await playAndSettle(lobby, 420, 44);

  const second = await startSignalingServer({ port: first.port, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  cleanups.push(() => second.close());
  expect(await driveLobby(lobby, () => lobby?.rooms.every((r) => eventsOf(lobby as Lobby, r, 'signaling-closed').length > 0) === true, 10_000)).toBe(true);
  for (const [i, r] of lobby.rooms.entries()) {
    expect(logs[i]?.at(-1)).toEqual({ kind: 'resume-failed', code: 'unknown-lobby' });
    expect(eventsOf(lobby, r, 'signaling-closed')).toHaveLength(1);
  }
  await playAndSettle(lobby, 600, 45);
  for (const m of matches) expect(m.session.droppedPeers()).toEqual([]);
});
