/**
 * Long matches of 2, 3 and 4 peers over the simulated network at 60-100 ms RTT with jitter and 5 %
 * loss: identical final states, no desync report, replays that verify, and rollbacks only where a
 * prediction was used. Plus the baseline: on a perfect link the input delay hides all latency.
 */
import { describe, expect, it } from 'vitest';
import { runSimMatch } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { expectCleanMatch } from '../support/netcode.ts';

describe('netcode over the simulated network', () => {
  const cases = [
    { players: 2, latencyMs: 30, jitterMs: 10 },
    { players: 3, latencyMs: 40, jitterMs: 15 },
    { players: 4, latencyMs: 50, jitterMs: 10 },
  ];
  for (const { players, latencyMs, jitterMs } of cases) {
    it(`${players} peers, 3,000 frames at ${2 * latencyMs} ms RTT, ±${jitterMs} ms jitter, 5 % loss`, () => {
      const link = makeLinkConditions({ latencyMs, jitterMs, loss: 0.05 });
      const r = runSimMatch({ players, seed: 100 + players, frames: 3000, link });
      expectCleanMatch(r, JSON.stringify({ players, link }));
      expect(r.peers).toHaveLength(players);
      for (const p of r.peers) {
        expect(p.frame).toBe(3000);
        expect(p.replay.frames).toBe(3000);
        expect(p.replay.finalChecksum).toBe(r.peers[0]?.checksum);
        // The latency exceeds the input delay: predictions and rollbacks must happen, but never more
        // rollbacks than predicted frames.
        expect(p.stats.rollbacks).toBeGreaterThan(0);
        expect(p.stats.rollbacks).toBeLessThanOrEqual(p.stats.predictedFrames);
        expect(p.stats.maxRollbackFrames).toBeLessThanOrEqual(8);
        expect(p.events.filter((e) => e.kind === 'desync')).toEqual([]);
      }
      // The replays of all peers are the same match.
      const inputs = r.peers.map((p) => JSON.stringify(p.replay.inputs));
      expect(new Set(inputs).size).toBe(1);
    });
  }

  it('a perfect link with the default input delay needs (almost) no prediction and no rollback', () => {
    const r = runSimMatch({ players: 4, seed: 5, frames: 600, link: makeLinkConditions({}) });
    expectCleanMatch(r, 'perfect link');
    for (const p of r.peers) {
      // Only the very first frame can be predicted: peers that run earlier in the same instant have
      // not heard from the later ones yet (and predict their neutral input, correctly).
      expect(p.stats.predictedFrames).toBeLessThanOrEqual(1);
      expect(p.stats.rollbacks).toBe(0);
      expect(p.stats.stalls).toBe(0);
    }
  });

  it('input packets stay small (all unacknowledged inputs, run-length encoded)', () => {
    const r = runSimMatch({ players: 2, seed: 8, frames: 1200, link: makeLinkConditions({ latencyMs: 40, jitterMs: 10, loss: 0.05 }) });
    expectCleanMatch(r, 'packet sizes');
    const sizes = [...r.inputPacketBytes].sort((a, b) => a - b);
    const p50 = sizes[Math.floor(sizes.length / 2)] ?? Infinity;
    const p99 = sizes[Math.floor(sizes.length * 0.99)] ?? Infinity;
    expect(p50).toBeLessThanOrEqual(32);
    expect(p99).toBeLessThanOrEqual(64);
  });
});
