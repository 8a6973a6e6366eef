/**
 * The notary against each attack, deterministically: equivocation is corrected by the records and named,
 * conflicting records are named identically by every honest peer, withheld records or gossip are
 * reported, fake checksums blame only their author, a correction too late to roll back is named, and
 * lying departure gossip cannot split the honest peers. Plus the record codec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum } from '../../src/game/index.ts';
import { decodeRecord, encodeRecord, RECORD_LIMITS, type SessionEvent } from '../../src/netcode/index.ts';
import { runSimMatch, type SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { HostileSocket, hostileRecords, type Attack } from '../support/hostile-peer.ts';
import { eventsOf, makeRig, runFrame, TICK_MS } from '../support/netcode.ts';

function hostileMatch(players: number, hostile: number, attacks: readonly Attack[], notary: boolean, extra: { leave?: { player: number; atFrame: number; how: 'silent' } } = {}): SimMatchResult {
  const ids = Array.from({ length: players }, (_, p) => `p${p}`);
  return runSimMatch({
    players,
    seed: 11,
    frames: 600,
    link: makeLinkConditions({ latencyMs: 30, jitterMs: 5, loss: 0.02 }),
    hostilePlayer: hostile,
    wrapSocket: (p, s) => (p === hostile ? new HostileSocket(s, hostile, players, attacks, (peer) => ids.indexOf(peer)) : s),
    ...(notary ? { notary: { latencyMs: 60 }, recordFilter: (p: number, r: Uint8Array[]) => (p === hostile ? hostileRecords(attacks, players)(r) : r) } : {}),
    timeLimitMs: 30_000,
    ...extra,
  });
}

const accusations = (events: readonly SessionEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'cheating' ? [`cheating ${e.player} ${e.reason}`] : e.kind === 'finality-withheld' ? [`withheld ${e.player}`] : e.kind === 'desync' ? [`desync ${String(e.report.culprit)}`] : []));

describe('input records (codec)', () => {
  it('round-trips, is canonical and bounded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: RECORD_LIMITS.maxFrames }), (sessionId, player, startFrame, inputs) => {
        const bytes = encodeRecord({ sessionId, player, startFrame, inputs });
        expect(bytes.length).toBeLessThanOrEqual(RECORD_LIMITS.maxBytes);
        const r = decodeRecord(bytes);
        expect(r).toEqual({ ok: true, record: { sessionId, player, startFrame, inputs } });
      }),
      { numRuns: 300 },
    );
    expect(() => encodeRecord({ sessionId: 1, player: 0, startFrame: 0, inputs: [] })).toThrow(RangeError);
  });

  it('the decoder never throws, and only accepts what re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (junk, withMagic) => {
        const bytes = withMagic && junk.length > 1 ? Uint8Array.from([0xb9, 1, ...junk.subarray(2)]) : junk;
        const r = decodeRecord(bytes);
        if (r.ok) expect(encodeRecord(r.record)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the notary against a hostile peer', () => {
  it('equivocation (other inputs to one victim): the records correct it, the honest peers end identical, the victim names the cheater', () => {
    const r = hostileMatch(3, 2, [{ kind: 'equivocate', victim: 0, mask: 5, fromFrame: 100 }], true);
    expect(r.completed, r.failure).toBe(true);
    expect(r.inSync, r.failure).toBe(true);
    const [a, b] = r.peers;
    expect(accusations(a?.events ?? [])).toEqual(['cheating 2 contradicts-record']);
    expect(accusations(b?.events ?? [])).toEqual([]);
  });

  it('the same equivocation without the notary makes the honest peers diverge (what the notary is for)', () => {
    const r = hostileMatch(3, 2, [{ kind: 'equivocate', victim: 0, mask: 5, fromFrame: 100 }], false);
    expect(r.inSync).toBe(false);
  });

  it('conflicting records: every honest peer names the same cheater, expels it at the same frame, and they stay identical', () => {
    for (const forgedFirst of [false, true]) {
      const r = hostileMatch(4, 1, [{ kind: 'conflicting-records', mask: 3, forgedFirst }], true);
      expect(r.inSync, r.failure).toBe(true);
      const named = r.peers.map((p) => eventsOf(p.events, 'cheating').filter((e) => e.reason === 'conflicting-records').map((e) => `${e.player}@${e.frame}`));
      expect(named[0]).toHaveLength(1);
      for (const n of named) expect(n).toEqual(named[0]);
      expect(named[0]?.[0]?.startsWith('1@')).toBe(true);
      // Expelled: dropped by every honest peer at one frame, with the reason that says why.
      const expelled = r.peers.map((p) => eventsOf(p.events, 'disconnected').map((e) => `${e.player}@${e.frame}:${e.reason}`));
      expect(expelled[0]).toHaveLength(1);
      expect(expelled[0]?.[0]).toMatch(/^1@\d+:expelled$/);
      for (const x of expelled) expect(x).toEqual(expelled[0]);
    }
  });

  it('withheld records: finality stops, and every honest peer names the withholder (no silent divergence)', () => {
    const r = hostileMatch(3, 0, [{ kind: 'withhold-records', fromFrame: 120 }, { kind: 'equivocate', victim: 1, mask: 1, fromFrame: 150 }], true);
    for (const p of r.peers) {
      expect(p.frame).toBe(600);
      expect(eventsOf(p.events, 'finality-withheld').map((e) => e.player)).toEqual([0]);
      expect(accusations(p.events).every((a) => a.endsWith(' 0') || a.startsWith('cheating 0'))).toBe(true);
    }
  });

  it('withheld gossip finality without the notary (claims that never move): reported, naming the withholder', () => {
    const r = hostileMatch(3, 2, [{ kind: 'lying-gossip', victim: 0, every: 1, target: 9, lowBy: 0 }], false);
    // target 9 % 3 = 0: "you are gone" to the victim, every packet; the victim never stops and the match ends identical.
    expect(r.inSync, r.failure).toBe(true);
    for (const p of r.peers) for (const a of accusations(p.events)) expect(a).toMatch(/ 2( |$)/);
  });

  for (const players of [2, 3] as const) {
    it(`fake checksums (${players} players): the desync blames the liar, never an honest peer`, () => {
      const r = hostileMatch(players, 1, [{ kind: 'fake-checksums', victim: 0, xor: 0xff }], false);
      const desyncs = eventsOf(r.peers[0]?.events ?? [], 'desync');
      expect(desyncs.length).toBeGreaterThan(0);
      for (const d of desyncs) expect(d.report.culprit).toBe(1);
      for (const p of r.peers.slice(1)) expect(eventsOf(p.events, 'desync')).toEqual([]);
    });
  }

  it('lying departure gossip (a different low frame to each honest peer) cannot split them', () => {
    const attacks: Attack[] = [
      { kind: 'lying-gossip', victim: 0, every: 1, target: 3, lowBy: 40 },
      { kind: 'lying-gossip', victim: 1, every: 2, target: 3, lowBy: 5 },
    ];
    // With the notary the departed player's records decide its last frame: the lies change nothing.
    const up = hostileMatch(4, 2, attacks, true, { leave: { player: 3, atFrame: 300, how: 'silent' } });
    expect(up.inSync, up.failure).toBe(true);
    for (const p of up.peers) {
      expect(accusations(p.events)).toEqual([]);
      expect(eventsOf(p.events, 'disconnected').map((e) => e.player)).toEqual([3]);
    }
    // Without it the honest peers follow the lowest claim, never below what is final: they stay
    // identical, or finality stops and is reported, naming the liar or the departed player, never an
    // honest player still in the match; nobody honest is dropped.
    const down = hostileMatch(4, 2, attacks, false, { leave: { player: 3, atFrame: 300, how: 'silent' } });
    const named = down.peers.some((p) => accusations(p.events).length > 0);
    for (const p of down.peers) for (const a of accusations(p.events)) expect(a).toMatch(/ [23]( |$)/);
    if (!named) expect(down.inSync, down.failure).toBe(true);
    // (The liar can keep the departure from being agreed, so the notice may never come.)
    for (const p of down.peers) for (const e of eventsOf(p.events, 'disconnected')) expect(e.player).toBe(3);
    for (const p of down.peers) expect(p.frame).toBe(600);
  });

  it('a record that corrects a frame too old to roll back names the cheater and never throws', () => {
    const { peers } = makeRig(2, { notary: true });
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    for (let t = 0; t < 200; t++) for (const p of [a, b]) runFrame(p, t % 7 === 0 ? 1 : 0, t * TICK_MS);
    // b's honest record of frames 0..29, but claiming other inputs: too late for a to roll back to them.
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 1, startFrame: 0, inputs: Array.from({ length: 30 }, () => 3) }));
    expect(() => runFrame(a, 0, 200 * TICK_MS)).not.toThrow();
    const cheats = eventsOf(a.events, 'cheating').map((e) => e.reason).sort();
    expect(cheats).toEqual(['contradicts-record', 'unrecoverable']);
    expect(eventsOf(a.events, 'cheating').every((e) => e.player === 1)).toBe(true);
    // Invalid, impersonating and out-of-stream records are counted, never thrown on.
    a.session.receiveRecord(1, new Uint8Array([0xb9, 1, 2]));
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 0, startFrame: 30, inputs: [1] }));
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 1, startFrame: 500, inputs: [1] }));
    a.session.receiveRecord(7, new Uint8Array(5));
    const rej = a.session.stats(201 * TICK_MS).rejected;
    expect(rej?.['record-invalid']).toBe(2);
    expect(rej?.['record-gap']).toBe(1);
    expect(checksum(b.sim.state)).toBeTypeOf('number');
  });

  it('with the notary up but no record relayed, finality waits and is reported; setNotary(false) falls back to gossip finality', () => {
    const { peers } = makeRig(2, { notary: true });
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    for (let t = 0; t < 200; t++) for (const p of [a, b]) runFrame(p, t % 3, t * TICK_MS);
    expect(a.session.confirmedFrame).toBeLessThan(0);
    expect(a.session.takeRecords().length).toBeGreaterThan(0); // produced, for the app to relay
    expect(eventsOf(a.events, 'finality-withheld').map((e) => e.player)).toEqual([1]);
    for (const p of [a, b]) p.session.setNotary(false);
    expect(a.session.takeRecords()).toEqual([]); // down: records wait
    for (let t = 200; t < 260; t++) for (const p of [a, b]) runFrame(p, t % 3, t * TICK_MS);
    expect(a.session.confirmedFrame).toBeGreaterThan(240);
    for (const p of [a, b]) p.sim.execute(p.session.advanceFrame(260 * TICK_MS, false));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    expect(eventsOf(a.events, 'desync')).toEqual([]);
  });

  it('the notary back after an outage: a gap final by gossip meanwhile is skipped, one past the final frame is refused; the backlog leaves paced', () => {
    const { peers } = makeRig(2, { notary: true });
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    const relay = (from: typeof a, to: typeof a, nowMs?: number): number => {
      const records = from.session.takeRecords(nowMs);
      for (const r of records) to.session.receiveRecord(from.player, r);
      return records.length;
    };
    let t = 0;
    const frames = (n: number, each: () => void = () => {}): void => {
      for (const end = t + n; t < end; t++) {
        for (const p of [a, b]) runFrame(p, t % 5 === 0 ? 1 : 0, t * TICK_MS);
        each();
      }
    };
    frames(90, () => (relay(a, b), relay(b, a)));
    const before = a.session.recordCoverage(1);
    expect(before).toBeGreaterThan(30);
    // b's records go into a dead lobby socket (lost) until both notice and fall back to gossip finality.
    frames(90, () => (relay(a, b), b.session.takeRecords()));
    expect(a.session.recordCoverage(1)).toBe(before);
    for (const p of [a, b]) p.session.setNotary(false);
    frames(600);
    const finalHere = a.session.confirmedFrame;
    expect(finalHere).toBeGreaterThan(700); // gossip finality moved on meanwhile
    // Back: b's backlog (20 records) leaves paced under the server's rate: a burst of 12, then 8 a second.
    for (const p of [a, b]) p.session.setNotary(true);
    expect(relay(b, a, t * TICK_MS)).toBe(12);
    expect(relay(b, a, t * TICK_MS + 250)).toBe(2);
    // Its stream starts after the lost frames, all final here by gossip: the gap is skipped, not refused.
    expect(a.session.recordCoverage(1)).toBeGreaterThan(before + 300);
    expect(a.session.stats(t * TICK_MS).rejected?.['record-gap'] ?? 0).toBe(0);
    for (let i = 0; i < 4; i++) relay(b, a, t * TICK_MS + 1000 * (i + 1));
    frames(120, () => (relay(a, b, t * TICK_MS + 5000), relay(b, a, t * TICK_MS + 5000)));
    expect(a.session.confirmedFrame).toBeGreaterThan(finalHere + 60); // finality on records again
    // A gap past what is final here is still one (nothing final may be skipped into).
    const far = a.session.confirmedFrame + 40;
    a.session.receiveRecord(1, encodeRecord({ sessionId: 42, player: 1, startFrame: far, inputs: [0] }));
    expect(a.session.stats(t * TICK_MS).rejected?.['record-gap']).toBe(1);
    for (const p of [a, b]) p.sim.execute(p.session.advanceFrame(t * TICK_MS, false));
    expect(eventsOf(a.events, 'cheating')).toEqual([]);
    expect(eventsOf(a.events, 'desync')).toEqual([]);
  });

  for (const how of ['notice', 'silent'] as const) {
    it(`honest departures with the notary (${how}): the records decide the frame, every remaining peer agrees, in sync`, () => {
      for (const players of [3, 4]) {
        const r = runSimMatch({ players, seed: 21 + players, frames: 600, link: makeLinkConditions({ latencyMs: 40, jitterMs: 10, loss: 0.05 }), notary: { latencyMs: 80 }, leave: { player: 1, atFrame: 250, how } });
        expect(r.completed && r.inSync && r.replaysVerify, r.failure).toBe(true);
        expect(r.desyncEvents).toBe(0);
        for (const p of r.peers) expect(eventsOf(p.events, 'state-lost')).toEqual([]);
        const drops = r.peers.map((p) => eventsOf(p.events, 'disconnected').map((e) => `${e.player}@${e.frame} ${e.reason}`));
        for (const d of drops) expect(d).toEqual(drops[0]);
        expect(drops[0]).toHaveLength(1);
        for (const p of r.peers) expect(accusations(p.events)).toEqual([]);
      }
    });
  }
});
