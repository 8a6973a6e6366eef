/**
 * A game that diverges on one peer (deterministically on that peer, as an engine-dependent float
 * would) must be reported as a desync within 2 checksum intervals of the first divergent frame, by
 * the peers that compare with it, and only against it; the forensics exchange names the field.
 */
import { describe, expect, it } from 'vitest';
import { runSimMatch, type SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { divergingGame, eventsOf, GAME, peerId } from '../support/netcode.ts';

const LINK = makeLinkConditions({ latencyMs: 40, jitterMs: 10, loss: 0.05 });

function desyncsOf(r: SimMatchResult, player: number) {
  return eventsOf(r.peers.find((p) => p.player === player)?.events ?? [], 'desync').map((e) => e.report);
}

describe('desync detection over the simulated network', () => {
  const cases = [
    { players: 2, canary: 1, divergeAt: 250, interval: 60 },
    { players: 3, canary: 0, divergeAt: 301, interval: 60 },
    { players: 4, canary: 2, divergeAt: 419, interval: 60 },
    { players: 4, canary: 3, divergeAt: 133, interval: 20 },
  ];
  for (const { players, canary, divergeAt, interval } of cases) {
    it(`${players} peers, player ${canary} diverges at frame ${divergeAt}, checksums every ${interval} frames`, () => {
      const r = runSimMatch({
        players,
        seed: 40 + players,
        frames: divergeAt + 4 * interval,
        link: LINK,
        checksumInterval: interval,
        gameFor: (p) => (p === canary ? divergingGame(divergeAt) : GAME),
      });
      expect(r.completed).toBe(true);
      expect(r.inSync).toBe(false);
      expect(r.desyncEvents).toBeGreaterThan(0);
      expect(r.falseDesyncReports).toBe(0);
      for (let p = 0; p < players; p++) {
        const reports = desyncsOf(r, p);
        // Every peer notices, the canary against everyone, the others only against the canary.
        expect(reports.length, `player ${p}`).toBeGreaterThan(0);
        if (p !== canary) expect(new Set(reports.map((d) => d.peer))).toEqual(new Set([peerId(canary)]));
        else expect(new Set(reports.map((d) => d.peer)).size).toBe(players - 1);
        const first = Math.min(...reports.map((d) => d.frame));
        expect(first).toBeGreaterThanOrEqual(divergeAt);
        expect(first - divergeAt).toBeLessThan(2 * interval);
        expect(first).toBe(Math.ceil(divergeAt / interval) * interval); // in fact the very next tracked frame
        for (const d of reports) expect(d.localChecksum).not.toBe(d.remoteChecksum);
      }
      // Forensics: the states were exchanged and the diff names the field that diverged.
      const honest = r.peers.find((p) => p.player !== canary);
      const diffs = eventsOf(honest?.events ?? [], 'desync-diff');
      expect(diffs.length).toBeGreaterThan(0);
      expect(diffs[0]?.diff.map((d) => d.path)).toContain('rng');
    });
  }
});
