/**
 * Spectators over real WebRTC (simple-peer + @roamhq/wrtc over loopback, signaled through the in-memory
 * relay hub): two players play on the unreliable input channels and admit a third peer as a spectator
 * (`P2PSession.watch`); it joins a second into the match as a `SpectatorMatch`, gets a transfer from its
 * feeder, then follows the final inputs a few frames behind. Every confirmed frame it rendered has the
 * checksum of the players' confirmed track at that frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeState, initialState, InputBits, makeConfig, type GameState } from '../../src/game/index.ts';
import { ConfirmedTrack } from '../../src/match/confirmed-track.ts';
import { SpectatorMatch } from '../../src/lobby/spectator-match.ts';
import { FrameClock, P2PSession, Simulation } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import type { SimplePeerLink } from '../../src/transport/simple-peer-link.ts';
import { GAME, TICK_MS } from '../support/netcode.ts';
import { openSimplePeerMesh, until } from '../support/webrtc-mesh.ts';

const players = ['pa', 'pb'];
const SPECTATOR = 'sa';
const FRAMES = 300;
const JOIN_MS = 1000;
const links: SimplePeerLink[] = [];

beforeAll(async () => {
  links.push(...(await openSimplePeerMesh([...players, SPECTATOR])));
}, 20_000);

afterAll(() => {
  for (const l of links.splice(0)) l.close();
});

describe('a spectator over real WebRTC', () => {
  it('joins mid-match, gets a transfer and renders the players\' confirmed frames, checksum for checksum', async () => {
    const setup = { players: 2, pointsToWin: 99, inputDelay: 2, maxPrediction: 8 };
    const seed = 31;
    const sessionId = 0x5bec;
    const config = makeConfig({ players: 2, pointsToWin: setup.pointsToWin, seed });
    const t0 = Date.now();
    const now = (): number => Date.now() - t0;
    const peers = players.map((id, player) => {
      const session = new P2PSession<GameState>({
        players: 2,
        localPlayer: player,
        remotes: players.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])),
        socket: (links[player] as SimplePeerLink).unreliable,
        sessionId,
        startMs: 0,
        encodeState,
        departedInput: InputBits.absent,
      });
      session.watch(SPECTATOR);
      const clock = new FrameClock(TICK_MS);
      clock.start(0);
      return { id, session, clock, sim: new Simulation(GAME, initialState(config)), track: new ConfirmedTrack(config), bot: new RandomBot(70 + player) };
    });
    const spectator = new SpectatorMatch({ link: links[2] as SimplePeerLink, start: { seed, sessionId, order: players, setup }, names: ['Ann', 'Ben'], now });
    let firstRenderedMs: number | undefined;
    await until('the spectator renders the last frames', () => {
      const t = now();
      for (const p of peers) {
        if (p.session.currentFrame >= FRAMES) p.sim.execute(p.session.advanceFrame(t, false));
        else {
          const due = p.clock.due(t, p.session.tickRateFactor);
          if (due === 0) p.session.poll(t);
          for (let i = 0; i < due && p.session.currentFrame < FRAMES; i++) {
            p.session.addLocalInput(p.bot.next());
            p.sim.execute(p.session.advanceFrame(t));
          }
        }
        p.track.advance(p.session);
      }
      if (t >= JOIN_MS) spectator.update(t);
      if (spectator.started) firstRenderedMs ??= t;
      return spectator.frame >= FRAMES - spectator.delayFrames && peers.every((p) => p.track.frame >= FRAMES);
    }, 30_000);
    const track = spectator.track;
    expect(track).toBeDefined();
    const start = spectator.session.start?.frame ?? 0;
    expect(start).toBeGreaterThan(30); // it joined mid-match
    let compared = 0;
    for (let f = start; f <= spectator.frame; f++) {
      const seen = track?.at(f);
      expect(seen?.checksum).toBeDefined();
      for (const p of peers) expect(p.track.at(f)?.checksum, `frame ${f} at ${p.id}`).toBe(seen?.checksum);
      compared++;
    }
    expect(compared).toBeGreaterThan(FRAMES - start - 10);
    const stats = spectator.stats();
    expect(stats.session.transfers).toBe(1);
    expect(stats.session.dropped.checksum).toBe(0);
    expect(spectator.feeder).toBe('pa');
    // The feeder fed; its feed cost stayed in budget (16 kbit/s per spectator).
    const fed = peers[0]?.session.stats(now()).spectators;
    expect(fed?.replies).toBeGreaterThan(10);
    expect(((fed?.bytesOut ?? 0) * 8) / (now() - JOIN_MS)).toBeLessThanOrEqual(16);
    expect(firstRenderedMs).toBeDefined();
  }, 40_000);
});
