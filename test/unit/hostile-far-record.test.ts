/**
 * A hostile player publishes a record that reaches further ahead than one honest peer has played and
 * not further than another has: valid, notarised, the same bytes for everyone, only early. Whether a
 * record is taken must not depend on how far the member that gets it has played. Before, a record
 * past our last input frame + `AHEAD_LIMIT` was refused (`record-gap`): a peer that lagged a little
 * (here a 400 ms hiccup) refused what the others took, so one honest peer expelled the cheater and the
 * other did not, and the match split (final states differed). Now coverage is what the records say,
 * everywhere; the values past our input queue's reach wait and are handed to it as our frame comes
 * near them (`Notary.settle`). A returning player's state transfer carries those waiting values too.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../src/netcode/index.ts';
import { AHEAD_LIMIT } from '../../src/netcode/sessions/packet-rules.ts';
import { runSimMatch } from '../../src/sim/match-harness.ts';
import type { SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';

const HOSTILE = 2;
const FORGED = 7;

/**
 * A match in which the hostile player's first record after 5 s carries `extra` more frames, all
 * `FORGED`; with `repeat`, its later records repeat them (no conflict: the forged inputs stand, its
 * direct inputs contradict them), else they conflict (it is expelled). Player 1 lags for 400 ms just
 * before, so the honest peers are frames apart when the record comes.
 */
function forgedAhead(players: number, extra: number, repeat: boolean, leaveAtFrame?: number): { r: SimMatchResult; genuineEnd: number; forgedEnd: number } {
  let genuineEnd = -1;
  let forgedEnd = -1;
  const r = runSimMatch({
    players, seed: 7, frames: 900,
    link: (from, to) => makeLinkConditions({ latencyMs: from === 1 || to === 1 ? 45 : 5, jitterMs: 3 }),
    notary: { latencyMs: 20 },
    suspend: { player: 1, atMs: 5300, durationMs: 400 },
    ...(leaveAtFrame === undefined ? {} : { leave: { player: HOSTILE, atFrame: leaveAtFrame, how: 'notice' as const } }),
    hostilePlayer: HOSTILE,
    recordFilter: (player, records, nowMs) => {
      if (player !== HOSTILE || nowMs < 5000) return records;
      return records.map((bytes) => {
        const decoded = decodeRecord(bytes);
        if (!decoded.ok) return bytes;
        const { sessionId, startFrame, inputs, final } = decoded.record;
        const end = startFrame + inputs.length - 1;
        if (forgedEnd < 0) {
          const n = Math.min(128 - inputs.length, extra);
          genuineEnd = end;
          forgedEnd = end + n;
          return encodeRecord({ sessionId, player: HOSTILE, startFrame, inputs: [...inputs, ...Array.from({ length: n }, () => FORGED)] });
        }
        if (!repeat) return bytes;
        const same = inputs.map((v, i) => (startFrame + i > genuineEnd && startFrame + i <= forgedEnd ? FORGED : v));
        return encodeRecord({ sessionId, player: HOSTILE, startFrame, inputs: same, ...(final === true ? { final } : {}) });
      });
    },
    timeLimitMs: 60_000,
  });
  return { r, genuineEnd, forgedEnd };
}

const departures = (r: SimMatchResult): string[] =>
  r.peers.map((p) => p.events.filter((e) => e.kind === 'disconnected').map((e) => `${e.player}@${e.frame} ${e.reason}`).join());

describe('a record further ahead than one honest peer has played', () => {
  it.each([[3, AHEAD_LIMIT], [3, 90], [4, AHEAD_LIMIT + 20]])('%i players, %i frames ahead, conflicting later: both honest peers expel at the same frame, in sync', (players, extra) => {
    const { r, forgedEnd } = forgedAhead(players, extra, false);
    expect(forgedEnd).toBeGreaterThan(0);
    expect(r.failure).toBeUndefined();
    expect(r.inSync && r.replaysVerify).toBe(true);
    const d = departures(r);
    expect(d[0]).toMatch(/^2@\d+ expelled$/);
    for (const x of d) expect(x).toBe(d[0]);
    // Expelled after its whole coverage, the forged frames included, at every honest peer.
    expect(d[0]).toBe(`2@${forgedEnd + 1} expelled`);
  });

  it.each([[3, AHEAD_LIMIT], [3, 90]])('%i players, %i frames ahead, repeated later: the forged inputs stand at every honest peer, in sync', (players, extra) => {
    const { r } = forgedAhead(players, extra, true);
    expect(r.failure).toBeUndefined();
    expect(r.inSync && r.replaysVerify).toBe(true);
    for (const d of departures(r)) expect(d).toBe('');
  });

  it('then it leaves: its input ends after its forged frames at every honest peer', () => {
    const { r, forgedEnd } = forgedAhead(3, 90, true, 340);
    expect(r.failure).toBeUndefined();
    expect(r.inSync && r.replaysVerify).toBe(true);
    const d = departures(r);
    expect(d[0]).toMatch(/^2@\d+ left$/);
    expect(Number(/@(\d+)/.exec(d[0] ?? '')?.[1])).toBeGreaterThan(forgedEnd);
    for (const x of d) expect(x).toBe(d[0]);
  });
});

/**
 * The hostile player commits inputs ~100 frames ahead in every record (consistently: no conflict), so
 * the honest peers always hold covered frames their queues cannot take yet; meanwhile player 1 drops
 * and returns by state transfer. The hostile player's own transfers carry its own state (simulated
 * with its direct inputs, not the others'): the returning player takes the two honest peers' agreeing
 * ones (rejoin-client.ts), which must carry the waiting values.
 */
function returnWhileCommittedAhead(atFrame: number, awayMs: number): SimMatchResult {
  const committed = new Map<number, number>();
  let sentEnd = -1;
  return runSimMatch({
    players: 4, seed: 11, frames: 1500,
    link: makeLinkConditions({ latencyMs: 20, jitterMs: 3 }),
    notary: { latencyMs: 20 },
    rejoin: { player: 1, atFrame, awayMs },
    hostilePlayer: HOSTILE,
    recordFilter: (player, records, nowMs) => {
      if (player !== HOSTILE) return records;
      return records.map((bytes) => {
        const decoded = decodeRecord(bytes);
        if (!decoded.ok) return bytes;
        const { sessionId, startFrame, inputs, final } = decoded.record;
        const end = startFrame + inputs.length - 1;
        if (nowMs < 3000) {
          for (let i = 0; i < inputs.length; i++) committed.set(startFrame + i, inputs[i] as number);
          sentEnd = Math.max(sentEnd, end);
          return bytes;
        }
        const start = Math.max(startFrame, sentEnd - 5);
        const out: number[] = [];
        for (let f = start; f <= end + 100 && out.length < 128; f++) {
          if (!committed.has(f)) committed.set(f, f <= end && f <= sentEnd ? (inputs[f - startFrame] as number) : FORGED);
          out.push(committed.get(f) as number);
        }
        sentEnd = Math.max(sentEnd, start + out.length - 1);
        return encodeRecord({ sessionId, player: HOSTILE, startFrame: start, inputs: out, ...(final === true ? { final } : {}) });
      });
    },
    timeLimitMs: 90_000,
  });
}

describe('a returning player, while a hostile one commits inputs ahead', () => {
  it.each([[300, 1500], [500, 2000]])('dropped at frame %i for %i ms: its transfer carries the waiting values, it ends in sync', (atFrame, awayMs) => {
    const r = returnWhileCommittedAhead(atFrame, awayMs);
    expect(r.rejoins).toHaveLength(1);
    expect(r.peers.map((p) => p.player)).toContain(1);
    expect(r.failure).toBeUndefined();
    expect(r.inSync && r.replaysVerify).toBe(true);
  });
});
