/**
 * The lobby server goes away mid-match (a restart without shared state): every player is told, the
 * notary is down for everyone, and the 3-player match goes on peer to peer — nobody is dropped, the
 * frames settle on gossip finality and all three end identical (real WebRTC in Node, simple-peer).
 */
import { afterAll, expect, it } from 'vitest';
import { startSignalingServer, silentLogger } from '../../signaling/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import { closeLobby, eventsOf, openLobby, playAndSettle, readyAndCommit, type Lobby } from '../support/lobby-suite.ts';

let lobby: Lobby | undefined;
afterAll(() => closeLobby(lobby));

it('a 3-player match outlives its lobby server: every player is told, nobody is dropped, all end identical', { timeout: 90_000 }, async () => {
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  lobby = await openLobby(server, 'simple-peer', 3);
  await readyAndCommit(lobby);
  await playAndSettle(lobby, 180, 31);
  const matches = lobby.rooms.map((r) => r.match as OnlineMatch);
  for (const m of matches) expect(m.session.notaryUp).toBe(true);

  await server.close();
  await playAndSettle(lobby, 420, 32); // settles: finality falls back to the peers' gossip
  for (const r of lobby.rooms) {
    expect(eventsOf(lobby, r, 'signaling-closed')).toHaveLength(1);
    expect(r.link.connectedPeers()).toHaveLength(2);
  }
  for (const m of matches) {
    expect(m.session.notaryUp).toBe(false);
    expect(m.session.droppedPeers()).toEqual([]); // (playAndSettle drained the events and found no desync)
  }
});
