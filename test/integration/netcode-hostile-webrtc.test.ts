/**
 * Real WebRTC (simple-peer + @roamhq/wrtc over loopback, signaled through the in-memory relay hub): three
 * sessions on the unreliable input channels; one peer's outgoing socket is wrapped to send acks far
 * beyond anything sent, "you are gone" to one victim and "player X is gone" (with low frames) about the
 * other honest player. The honest peers keep playing, drop nobody, count the packets by reason and end
 * identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum, initialState, makeConfig, type GameState } from '../../src/game/index.ts';
import { FrameClock, P2PSession, Simulation, type SessionEvent } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import type { SimplePeerLink } from '../../src/transport/simple-peer-link.ts';
import { HostileSocket, type Attack } from '../support/hostile-peer.ts';
import { GAME, TICK_MS } from '../support/netcode.ts';
import { openSimplePeerMesh, until } from '../support/webrtc-mesh.ts';

const ids = ['pa', 'pb', 'ph'];
const HOSTILE = 2;
const FRAMES = 240;
const links: SimplePeerLink[] = [];

beforeAll(async () => {
  links.push(...(await openSimplePeerMesh(ids)));
}, 20_000);

afterAll(() => {
  for (const l of links.splice(0)) l.close();
});

describe('a hostile peer over real WebRTC', () => {
  it('far-beyond acks and lying gossip: the honest peers keep playing and stay in sync', async () => {
    const attacks: Attack[] = [
      { kind: 'ack-beyond', victim: 0, every: 3 },
      { kind: 'ack-beyond', victim: 1, every: 4 },
      { kind: 'lying-gossip', victim: 0, every: 2, target: 0, lowBy: 30 }, // "you are gone" to pa
      { kind: 'lying-gossip', victim: 0, every: 5, target: 1, lowBy: 60 }, // "pb is gone" to pa
      { kind: 'lying-gossip', victim: 1, every: 3, target: 0, lowBy: 10 }, // "pa is gone" to pb
    ];
    const config = makeConfig({ players: 3, seed: 5, pointsToWin: 99 });
    const t0 = Date.now();
    const peers = links.map((link, player) => {
      const socket = player === HOSTILE ? new HostileSocket(link.unreliable, HOSTILE, 3, attacks, (p) => ids.indexOf(p)) : link.unreliable;
      const session = new P2PSession<GameState>({
        players: 3,
        localPlayer: player,
        remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])),
        socket,
        sessionId: 77,
        startMs: 0,
      });
      const clock = new FrameClock(TICK_MS);
      clock.start(0);
      return { player, session, clock, sim: new Simulation(GAME, initialState(config)), bot: new RandomBot(40 + player), events: [] as SessionEvent[] };
    });
    const honest = peers.filter((p) => p.player !== HOSTILE);
    const done = (): boolean => honest.every((p) => p.session.currentFrame >= FRAMES && p.session.confirmedFrame >= FRAMES - 1);
    await until('honest peers finish', () => {
      const now = Date.now() - t0;
      for (const p of peers) {
        if (p.session.currentFrame >= FRAMES) p.sim.execute(p.session.advanceFrame(now, false));
        else {
          const due = p.clock.due(now, p.session.tickRateFactor);
          if (due === 0) p.session.poll(now);
          for (let i = 0; i < due && p.session.currentFrame < FRAMES; i++) {
            p.session.addLocalInput(p.bot.next());
            p.sim.execute(p.session.advanceFrame(now));
          }
        }
        p.events.push(...p.session.drainEvents());
      }
      return done();
    }, 30_000);
    const [a, b] = honest;
    expect(checksum(a?.sim.state as GameState)).toBe(checksum(b?.sim.state as GameState));
    for (const p of honest) {
      expect(p.events.filter((e) => e.kind === 'disconnected' || e.kind === 'local-disconnected' || e.kind === 'desync')).toEqual([]);
      const stats = p.session.stats(Date.now() - t0);
      expect(stats.peers.every((s) => s.state !== 'disconnected')).toBe(true);
      expect(stats.peers.find((s) => s.player === HOSTILE)?.rejected?.['ack-ahead']).toBeGreaterThan(0);
    }
  }, 40_000);
});
