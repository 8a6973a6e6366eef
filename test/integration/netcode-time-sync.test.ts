/**
 * Time sync over the simulated network: a peer whose clock starts 100 ms (6 frames) after the other
 * must be caught up with, by the ahead peer running a few percent slower, not by stalls.
 */
import { describe, expect, it } from 'vitest';
import { initialState, makeConfig, type GameState } from '../../src/game/index.ts';
import { FrameClock, P2PSession, Simulation } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { makeLinkConditions, type LinkConditions } from '../../src/transport/link-model.ts';
import { SimNetwork } from '../../src/transport/sim-network.ts';
import { GAME, TICK_MS } from '../support/netcode.ts';

interface Sample {
  readonly atMs: number;
  /** True lead of a over b at the same instant, frames. */
  readonly lead: number;
  readonly aAhead: number;
  readonly bAhead: number;
  readonly aFactor: number;
  readonly bFactor: number;
}

/** Two peers, b started `offsetMs` after a, for `durationMs` of virtual time; samples every 50 ms. */
function runPair(offsetMs: number, durationMs: number, link: LinkConditions, seed: number): { samples: Sample[]; stalls: number[] } {
  const net = new SimNetwork({ seed });
  net.setLink('a', 'b', link);
  net.setLink('b', 'a', link);
  const config = makeConfig({ players: 2, seed, pointsToWin: 99 });
  const peers = (['a', 'b'] as const).map((id, player) => {
    const startMs = player === 0 ? 0 : offsetMs;
    const session = new P2PSession<GameState>({
      players: 2,
      localPlayer: player,
      remotes: [{ player: 1 - player, peer: player === 0 ? 'b' : 'a' }],
      socket: net.createSocket(id),
      sessionId: 9,
      startMs,
    });
    const clock = new FrameClock(TICK_MS);
    clock.start(startMs);
    return { startMs, session, clock, sim: new Simulation(GAME, initialState(config)), bot: new RandomBot(seed + player) };
  });
  const samples: Sample[] = [];
  for (let now = 0; now <= durationMs; now += 1) {
    net.advanceTo(now);
    for (const p of peers) {
      if (now < p.startMs) continue;
      const due = p.clock.due(now, p.session.tickRateFactor);
      if (due === 0) p.session.poll(now);
      for (let i = 0; i < due; i++) {
        p.session.addLocalInput(p.bot.next());
        p.sim.execute(p.session.advanceFrame(now));
      }
      p.session.drainEvents();
    }
    const [a, b] = peers;
    if (a !== undefined && b !== undefined && now % 50 === 0) {
      samples.push({
        atMs: now,
        lead: a.session.currentFrame - b.session.currentFrame,
        aAhead: a.session.framesAhead,
        bAhead: b.session.framesAhead,
        aFactor: a.session.tickRateFactor,
        bFactor: b.session.tickRateFactor,
      });
    }
  }
  return { samples, stalls: peers.map((p) => p.session.stats(durationMs).stalls) };
}

describe('time sync', () => {
  for (const [label, link] of [
    ['40 ms RTT', makeLinkConditions({ latencyMs: 20 })],
    ['100 ms RTT, ±10 ms jitter, 5 % loss', makeLinkConditions({ latencyMs: 50, jitterMs: 10, loss: 0.05 })],
  ] as const) {
    it(`converges when one peer starts 100 ms late (${label})`, () => {
      const { samples } = runPair(100, 8000, link, 21);
      const at = (ms: number): Sample | undefined => samples.find((s) => s.atMs === ms);
      // Right after b starts, a is about 6 frames ahead and knows it.
      expect(at(400)?.lead).toBeGreaterThanOrEqual(4);
      // The ahead peer slowed down (smoothly, by at most 6 %); the behind one never did.
      const slowest = Math.min(...samples.map((s) => s.aFactor));
      expect(slowest).toBeLessThan(1);
      expect(slowest).toBeGreaterThanOrEqual(0.94 - 1e-9);
      expect(samples.filter((s) => s.atMs < 1000).every((s) => s.bFactor === 1)).toBe(true);
      // After a few seconds both are on the same frame (within about one) and estimate so.
      const late = samples.filter((s) => s.atMs >= 3000);
      for (const s of late) {
        expect(Math.abs(s.lead), JSON.stringify(s)).toBeLessThanOrEqual(1);
        expect(Math.abs(s.aAhead), JSON.stringify(s)).toBeLessThanOrEqual(1.25);
        expect(Math.abs(s.bAhead), JSON.stringify(s)).toBeLessThanOrEqual(1.25);
      }
    });
  }
});
