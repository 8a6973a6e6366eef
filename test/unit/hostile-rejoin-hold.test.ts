/**
 * A hostile member publishes a rejoin hold far in the future for a returning player (a valid record,
 * notarised: every peer takes it alike). The return is then agreed at that frame: the player stays
 * away, as when a member withholds its hold. What must not happen is what it did before: the resume
 * frame overran the returning player's input ring, every frame before it read as unknown, and the
 * honest peers' confirmed timelines stopped (their replays stopped verifying). With 3 players the
 * returning player does not even resume: the hostile member's own session agreed another frame (its
 * forged hold never reached it), so its transfer and the honest peer's disagree, and a returning player
 * takes a transfer only once two peers' agree (rejoin-client.ts).
 */
import { describe, expect, it } from 'vitest';
import { encodeHold, HOLD_MAGIC, LIMITS } from '../../src/netcode/index.ts';
import { runSimMatch } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';

describe('a forged far rejoin hold', () => {
  it.each([
    [3, LIMITS.maxFrame], [3, 2_000], [4, LIMITS.maxFrame],
  ])('%i players, held at frame %i: the match goes on whole, in sync, every confirmed timeline to the end', (players, holdFrame) => {
    const seed = 1003;
    const sessionId = (seed * 2654435761) >>> 0;
    let sent = false;
    const r = runSimMatch({
      players, seed, frames: 1200,
      link: makeLinkConditions({ latencyMs: 20 }),
      notary: { latencyMs: 20 },
      rejoin: { player: 0, atFrame: 300, awayMs: 1500, mayStayAway: true },
      hostilePlayer: 2,
      recordFilter: (player, records, nowMs) => {
        if (player !== 2) return records;
        // Its own holds replaced by one far ahead, once player 0 is gone and back.
        const out = records.filter((b) => b[0] !== HOLD_MAGIC);
        if (!sent && nowMs > 5600) {
          sent = true;
          out.push(encodeHold({ sessionId, player: 2, target: 0, epoch: 0, frame: holdFrame }));
        }
        return out;
      },
      timeLimitMs: 60_000,
    });
    expect(sent).toBe(true);
    // Agreed alike everywhere by the honest peers: the player stays away (with 3 players, a resume
    // point only one peer vouches for is not taken at all).
    if (players === 3) expect(r.rejoins).toEqual([]);
    else expect(r.rejoins[0]?.frame).toBe(holdFrame);
    for (const p of r.peers.filter((x) => x.player !== 0)) expect(p.events.filter((e) => e.kind === 'rejoined').map((e) => (e.kind === 'rejoined' ? e.frame : -1))).toEqual([holdFrame]);
    expect(r.failure).toBeUndefined();
    expect(r.completed).toBe(true);
    expect(r.inSync).toBe(true);
    expect(r.replaysVerify).toBe(true);
    const honest = r.peers.filter((p) => p.player !== 0 && p.player !== 2);
    expect(honest.length).toBe(players - 2);
    for (const p of honest) {
      expect(p.replay.frames).toBe(1200);
      expect(p.stats.confirmedFrame).toBe(1199);
    }
    // Honest peers drop nothing of each other's (nor of the hostile one's) for gossiping the agreed
    // resume frame; the returning player's own inputs, for frames from that frame on, are far ahead:
    // dropped, rightly.
    for (const p of r.peers.filter((x) => x.player !== 0)) {
      for (const e of p.stats.peers.filter((x) => x.player !== 0)) expect(e.rejected?.['frame-ahead'] ?? -1).toBe(0);
    }
  }, 60_000);
});
