/**
 * The spectator feed in the seeded simulator (virtual clock): spectators join a running match, get a
 * transfer, then follow the players' final inputs; every frame they reach has the checksum of the
 * players' confirmed replay, and they end on the players' final state. Their feeder leaving (with the
 * lobby's word, or silently) fails them over to another player. Sixteen spectators on one player stay
 * within its budget and change nothing in the players' match.
 */
import { describe, expect, it } from 'vitest';
import { SPECTATOR_LIMITS } from '../../src/netcode/index.ts';
import { runSimMatch, type SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';

const LOSSY = makeLinkConditions({ latencyMs: 35, jitterMs: 15, loss: 0.08, duplicate: 0.02, reorder: 0.05 });

function expectSpectatorsOk(r: SimMatchResult, count: number): void {
  expect(r.failure).toBeUndefined();
  expect(r.inSync).toBe(true);
  expect(r.spectatorsInSync).toBe(true);
  expect(r.spectators).toHaveLength(count);
  for (const s of r.spectators) {
    expect(s.startFrame).toBeGreaterThan(0); // joined mid-match: started from a transfer
    expect(s.checksums.size).toBeGreaterThan(100); // and followed the match frame by frame
  }
}

describe('spectators in the simulator', () => {
  it.each([2, 3, 4])('%i players, loss and jitter: spectators join mid-match and end on the confirmed states', (players) => {
    const r = runSimMatch({ players, seed: 100 + players, frames: 720, link: LOSSY, spectators: { count: 3, joinAtMs: 2500 } });
    expectSpectatorsOk(r, 3);
    for (const s of r.spectators) {
      expect(s.stats.transfers).toBe(1);
      expect(s.stats.failovers).toBe(0);
    }
  });

  it('the feeder leaves with a goodbye: the lobby says so, the spectators move to another player without a gap', () => {
    const r = runSimMatch({ players: 3, seed: 5, frames: 900, link: LOSSY, leave: { player: 0, atFrame: 400, how: 'notice' }, spectators: { count: 2, joinAtMs: 2000, firstFeeder: 0 } });
    expectSpectatorsOk(r, 2);
    for (const s of r.spectators) {
      expect(s.feeder).toBe('p1');
      expect(s.events.some((e) => e.kind === 'feeder-changed' && e.peer === 'p1')).toBe(true);
      expect(s.stats.restarts).toBe(0); // no gap: the new feeder still held every input from `next`
    }
  });

  it('the feeder goes silent and the lobby says nothing: the spectators fail over after a second of silence', () => {
    const r = runSimMatch({ players: 2, seed: 9, frames: 900, link: LOSSY, notary: { latencyMs: 40 }, leave: { player: 1, atFrame: 300, how: 'silent' }, spectators: { count: 2, joinAtMs: 1500, firstFeeder: 1, leftNoticeMs: 600_000 } });
    expectSpectatorsOk(r, 2);
    for (const s of r.spectators) {
      expect(s.feeder).toBe('p0');
      expect(s.stats.failovers).toBeGreaterThanOrEqual(1);
    }
  });

  it('16 spectators on one player: within its budget, and the players\' match is the same as without them', () => {
    const base = { players: 2, seed: 77, frames: 900, link: LOSSY } as const;
    const without = runSimMatch(base);
    const joinAtMs = 2000;
    const r = runSimMatch({ ...base, spectators: { count: 16, joinAtMs, firstFeeder: 0 } });
    expectSpectatorsOk(r, 16);
    // The simulator draws each link's fate from its own stream: the players' traffic is the same run.
    expect(r.peers.map((p) => p.checksum)).toEqual(without.peers.map((p) => p.checksum));
    expect(r.peers.map((p) => p.stats.rollbacks)).toEqual(without.peers.map((p) => p.stats.rollbacks));
    expect(r.peers.map((p) => p.stats.stalls)).toEqual(without.peers.map((p) => p.stats.stalls));
    // The same input packets (the run with spectators only lasts a little longer: they catch up last).
    expect(r.inputPacketBytes.slice(0, without.inputPacketBytes.length)).toEqual(without.inputPacketBytes);
    const feeder = r.peers[0]?.stats.spectators;
    expect(feeder?.watching).toBe(16);
    const seconds = (r.virtualMs - joinAtMs) / 1000;
    // Every spectator's share of the feeder's bytes stays under the per-spectator budget.
    expect((feeder?.bytesOut ?? Infinity) / 16).toBeLessThanOrEqual(SPECTATOR_LIMITS.burstBytes + SPECTATOR_LIMITS.bytesPerSecond * seconds);
    for (const s of r.spectators) expect((s.stats.bytesIn * 8) / 1000 / seconds).toBeLessThanOrEqual(16);
    // The other player fed nobody.
    expect(r.peers[1]?.stats.spectators?.replies).toBe(0);
  });
});
