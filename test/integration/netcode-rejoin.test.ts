/**
 * Rejoin by state transfer over the simulated network (sessions/rejoins.ts, rejoin-client.ts): a player
 * whose page closed comes back, gets the match from a peer, and every peer agrees on the frame from
 * which its input counts again — 2-4 players, loss and jitter, once or twice per match: no desync, the
 * same final state everywhere (the returning peer's included), the same agreed frame at every remaining
 * peer. Plus the hostile cases: requests out of turn, forged holds, transfers that fail their checksum,
 * and the transfer and hold codecs against random bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, decodeState, encodeState, initialState, InputBits, makeConfig, step, type GameState } from '../../src/game/index.ts';
import {
  decodeHold, decodeTransfer, encodeHold, encodePacket, encodeTransfer, LIMITS, RejoinClient, TRANSFER_MAX_INPUTS, type RejoinTransferData,
} from '../../src/netcode/index.ts';
import { MAX_COMPARED_FRAMES } from '../../src/netcode/sessions/rejoin-client.ts';
import { runSimMatch, type SimMatchOptions } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { SimNetwork } from '../../src/transport/sim-network.ts';
import { makeRig, runFrame, TICK_MS } from '../support/netcode.ts';

/** One seeded case: players, link and when the player drops, from `index`. */
function rejoinCase(index: number): SimMatchOptions {
  const players = 2 + (index % 3);
  const latencyMs = [10, 40, 90][index % 3] as number;
  return {
    players,
    seed: 1000 + index,
    frames: 1500,
    link: makeLinkConditions({ latencyMs, jitterMs: [0, 10, 25][(index >> 1) % 3] as number, loss: [0, 0.03, 0.08][(index >> 2) % 3] as number }),
    notary: { latencyMs: 15 + (index % 4) * 20 },
    rejoin: { player: index % players, atFrame: 240 + (index % 5) * 37, awayMs: 1500 + (index % 4) * 900, times: 1 + (index % 2) },
    timeLimitMs: 120_000,
  };
}

describe('rejoin matrix (simulated network)', () => {
  it.each(Array.from({ length: 12 }, (_, i) => [i]))('case %i: the returning player is back, in sync, at the frame every peer agreed', (index) => {
    const o = rejoinCase(index);
    const r = runSimMatch(o);
    expect(r.failure).toBeUndefined();
    expect(r.completed).toBe(true);
    expect(r.inSync).toBe(true);
    expect(r.desyncEvents).toBe(0);
    for (const p of r.peers) expect(p.events.filter((e) => e.kind === 'state-lost')).toEqual([]);
    expect(r.replaysVerify).toBe(true);
    const times = o.rejoin?.times ?? 1;
    expect(r.rejoinDrops).toBe(times);
    expect(r.rejoins).toHaveLength(times);
    // The returning peer is among the compared peers (its final state is the others').
    const back = o.rejoin?.player;
    expect(r.peers.map((p) => p.player)).toContain(back);
    for (const peer of r.peers) {
      if (peer.player === back) continue;
      const rejoined = peer.events.filter((e) => e.kind === 'rejoined');
      expect(rejoined.map((e) => (e.kind === 'rejoined' ? e.frame : -1))).toEqual(r.rejoins.map((x) => x.frame));
      const departures = peer.events.filter((e) => e.kind === 'disconnected' && e.player === back);
      expect(departures).toHaveLength(times);
    }
    for (const x of r.rejoins) expect(x.transferBytes).toBeLessThanOrEqual(4096);
  }, 60_000);

  it('a match whose player never comes back still ends in sync (the hold is never taken)', () => {
    const r = runSimMatch({ players: 3, seed: 5, frames: 900, link: makeLinkConditions({ latencyMs: 30 }), notary: { latencyMs: 20 }, leave: { player: 2, atFrame: 300, how: 'silent' } });
    expect(r.inSync).toBe(true);
    expect(r.rejoins).toEqual([]);
  });
});

describe('rejoin: hostile input', () => {
  const config = makeConfig({ players: 2, seed: 3 });
  const state = initialState(config);
  const transfer = (over: Partial<RejoinTransferData> = {}): RejoinTransferData => ({
    sessionId: 9, epoch: 0, frame: 120, resumeFrame: 150, checksum: checksum(state) >>> 0, state: encodeState(state),
    players: [{ departedAfter: -1, coverage: 119, inputs: [1, 1, 2] }, { departedAfter: 100, coverage: 100, inputs: [] }],
    ...over,
  });

  /** A returning player's client and the one peer it asks; `requests` counts the requests that arrived since. */
  function clientPair(): { client: RejoinClient<GameState>; send: (bytes: Uint8Array) => void; net: SimNetwork; requests: () => number } {
    const net = new SimNetwork({ seed: 1 });
    const peer = net.createSocket('p0');
    const mine = net.createSocket('p1');
    const client = new RejoinClient<GameState>({
      players: 2, localPlayer: 1, sessionId: 9, socket: mine, peers: ['p0'],
      decodeState: (b) => { const d = decodeState(b); return d.ok ? d.state : undefined; }, checksum, step, departedInput: InputBits.absent,
    });
    return { client, net, send: (bytes) => peer.send('p1', bytes), requests: () => peer.receiveAll().length };
  }

  it('the returning player asks again until a transfer carries the agreed frame, then resumes from it', () => {
    const { client, send, net, requests } = clientPair();
    expect(client.poll(0)).toBeUndefined();
    net.advanceTo(1);
    expect(requests()).toBe(1);
    send(encodePacket({ sessionId: 9, message: { kind: 'rejoin-transfer', payload: encodeTransfer(transfer({ resumeFrame: 0 })) as Uint8Array } }));
    net.advanceTo(2);
    expect(client.poll(2)).toBeUndefined();
    expect(client.stats.early).toBe(1);
    net.advanceTo(250);
    client.poll(250);
    net.advanceTo(251);
    expect(requests()).toBe(1); // asked again
    send(encodePacket({ sessionId: 9, message: { kind: 'rejoin-transfer', payload: encodeTransfer(transfer()) as Uint8Array } }));
    net.advanceTo(252);
    const start = client.poll(252);
    expect(start?.resume).toEqual({ frame: 120, resumeFrame: 150, players: transfer().players });
    expect(checksum(start?.state as GameState)).toBe(checksum(state));
  });

  /** A returning player 1 of 3 asking peers p0 (honest) and p2 (hostile); `steps` counts the game steps it takes. */
  function threePlayerClient() {
    const s0 = initialState(makeConfig({ players: 3, seed: 3 }));
    const net = new SimNetwork({ seed: 1 });
    const honest = net.createSocket('p0');
    const hostile = net.createSocket('p2');
    const counter = { steps: 0 };
    const client = new RejoinClient<GameState>({
      players: 3, localPlayer: 1, sessionId: 9, socket: net.createSocket('p1'), peers: ['p0', 'p2'],
      decodeState: (b) => { const d = decodeState(b); return d.ok ? d.state : undefined; }, checksum,
      step: (state, inputs) => { counter.steps++; return step(state, inputs); }, departedInput: InputBits.absent,
    });
    const send = (from: typeof honest, t: RejoinTransferData): void => from.send('p1', encodePacket({ sessionId: 9, message: { kind: 'rejoin-transfer', payload: encodeTransfer(t) as Uint8Array } }));
    return { s0, net, honest, hostile, client, send, counter };
  }

  it('asking two peers, it takes a transfer only once the other\'s agrees; a hostile peer\'s state of its own is never taken', () => {
    const { s0, net, honest, hostile, client, send } = threePlayerClient();
    // Player 1 (us) departed after frame 100; players 0 and 2 pressed these inputs from frame 120 on.
    const inputs = { 0: [InputBits.negative, InputBits.negative, 0, 0], 2: [InputBits.positive, 0, InputBits.positive, 0] } as const;
    const players = (from: number): RejoinTransferData['players'] => [
      { departedAfter: -1, coverage: 130, inputs: inputs[0].slice(from) },
      { departedAfter: 100, coverage: 100, inputs: [] },
      { departedAfter: -1, coverage: 130, inputs: inputs[2].slice(from) },
    ];
    const at = (state: GameState, frame: number): RejoinTransferData => ({
      sessionId: 9, epoch: 0, frame, resumeFrame: 150, checksum: checksum(state) >>> 0, state: encodeState(state), players: players(frame - 120),
    });
    const s2 = step(step(s0, [InputBits.negative, InputBits.absent, InputBits.positive]), [InputBits.negative, InputBits.absent, 0]);
    // A state of the hostile peer's own at frame 122 (its checksum is its own: it passes that check).
    const forged = step(step(s0, [InputBits.positive, InputBits.absent, InputBits.negative]), [0, InputBits.absent, 0]);
    client.poll(0);
    send(hostile, at(forged, 122));
    net.advanceTo(1);
    expect(client.poll(1)).toBeUndefined(); // one peer's word: not enough
    send(honest, at(s0, 120));
    net.advanceTo(2);
    expect(client.poll(2)).toBeUndefined(); // frame 120 stepped to 122 is not the hostile state
    expect(client.stats.disagreed).toBe(1);
    expect(client.stats.transfers).toBe(2);
    // Now the hostile peer tells the truth (as the other honest peers would): the two agree.
    send(hostile, at(s2, 122));
    net.advanceTo(3);
    const start = client.poll(3);
    expect(start?.from).toBe('p2');
    expect(start?.resume.frame).toBe(122);
    expect(checksum(start?.state as GameState)).toBe(checksum(s2));
  });

  it('a peer flooding transfers costs the comparison of one per poll', () => {
    const { s0, net, honest, hostile, client, send, counter } = threePlayerClient();
    const busy = Array.from({ length: TRANSFER_MAX_INPUTS }, () => 0);
    const at = (frame: number, inputs: number[]): RejoinTransferData => ({
      sessionId: 9, epoch: 0, frame, resumeFrame: 400, checksum: checksum(s0) >>> 0, state: encodeState(s0),
      players: [{ departedAfter: -1, coverage: frame, inputs }, { departedAfter: 100, coverage: 100, inputs: [] }, { departedAfter: -1, coverage: frame, inputs }],
    });
    client.poll(0);
    send(honest, at(240, []));
    net.advanceTo(1);
    client.poll(1);
    // 200 transfers in one go, each a state 1..119 frames before the honest one, with inputs to reach it.
    for (let i = 0; i < 200; i++) send(hostile, at(121 + (i % 119), busy));
    net.advanceTo(2);
    expect(client.poll(2)).toBeUndefined();
    expect(client.stats.transfers).toBe(201);
    expect(counter.steps).toBeLessThanOrEqual(MAX_COMPARED_FRAMES);
    expect(client.stats.disagreed).toBeLessThanOrEqual(1);
  });

  it('drops transfers that fail their checksum, name another session or player count, or do not decode', () => {
    const { client, send, net } = clientPair();
    client.poll(0);
    const bad = [
      transfer({ checksum: (checksum(state) + 1) >>> 0 }),
      transfer({ sessionId: 10 }),
      transfer({ players: [...transfer().players, { departedAfter: -1, coverage: 0, inputs: [] }] }),
      transfer({ state: new TextEncoder().encode('{"not":"a state"}') }),
    ];
    for (const t of bad) send(encodePacket({ sessionId: 9, message: { kind: 'rejoin-transfer', payload: encodeTransfer(t) as Uint8Array } }));
    send(encodePacket({ sessionId: 9, message: { kind: 'rejoin-transfer', payload: Uint8Array.of(0xbb, 1, 2, 3) } }));
    send(Uint8Array.of(1, 2, 3));
    net.advanceTo(5);
    expect(client.poll(5)).toBeUndefined();
    expect(client.stats.rejected).toBe(6);
    expect(client.stats.transfers).toBe(0);
  });

  it('a session drops and counts rejoin traffic out of turn: requests from a player nobody holds, transfers, forged or early holds', () => {
    const { peers, sockets } = makeRig(3, { notary: true });
    const [a, b] = peers as [(typeof peers)[number], (typeof peers)[number]];
    for (let f = 0; f < 30; f++) for (const p of peers) runFrame(p, 0, f * TICK_MS);
    const rejected = () => a.session.stats(1000).peers.find((x) => x.peer === b.id)?.rejected?.['rejoin-unexpected'];
    const bSocket = sockets.get(b.id);
    // b is present: it cannot ask for the match, nor send one.
    bSocket?.send(a.id, encodePacket({ sessionId: 42, message: { kind: 'rejoin-request' } }));
    bSocket?.send(a.id, encodePacket({ sessionId: 42, message: { kind: 'rejoin-transfer', payload: Uint8Array.of(1, 2, 3) } }));
    runFrame(a, 0, 31 * TICK_MS);
    expect(rejected()).toBe(2);
    // Holds: one naming another sender than the server says, one for a player who never departed.
    a.session.receiveRecord(1, encodeHold({ sessionId: 42, player: 2, target: 0, epoch: 0, frame: 100 }));
    a.session.receiveRecord(1, encodeHold({ sessionId: 42, player: 1, target: 2, epoch: 0, frame: 100 }));
    a.session.receiveRecord(1, Uint8Array.of(0xba, 1, 0, 0));
    expect(rejected()).toBe(5);
    // And `rejoin` of a present player is refused.
    expect(a.session.rejoin(b.id)).toBe(false);
  });

  it('the transfer decoder never throws and re-encodes what it accepts', () => {
    const player = fc.record({
      departedAfter: fc.integer({ min: -1, max: 5000 }),
      coverage: fc.integer({ min: -1, max: 5000 }),
      inputs: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: TRANSFER_MAX_INPUTS }),
    });
    const data = fc.record({
      sessionId: fc.nat({ max: 0xffff_ffff }), epoch: fc.nat({ max: 255 }), frame: fc.nat({ max: 100_000 }), resumeFrame: fc.nat({ max: 100_000 }),
      checksum: fc.nat({ max: 0xffff_ffff }), state: fc.uint8Array({ maxLength: 600 }), players: fc.array(player, { minLength: 2, maxLength: 4 }),
    });
    fc.assert(fc.property(data, (t) => {
      const bytes = encodeTransfer(t);
      if (bytes === undefined) return;
      expect(bytes.length).toBeLessThanOrEqual(LIMITS.maxTransferBytes);
      expect(decodeTransfer(bytes)).toEqual({ ok: true, transfer: t });
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), (bytes, magic) => {
      const b = magic && bytes.length > 1 ? Uint8Array.of(0xbb, 1, ...bytes) : bytes;
      const r = decodeTransfer(b);
      if (r.ok) expect(encodeTransfer(r.transfer)).toEqual(b);
    }), { numRuns: 2000 });
  });

  it('the hold decoder never throws, refuses a hold for oneself, and round-trips', () => {
    const hold = { sessionId: 77, player: 0, target: 2, epoch: 1, frame: 4321 };
    expect(decodeHold(encodeHold(hold))).toEqual({ ok: true, hold });
    expect(() => encodeHold({ ...hold, target: 0 })).toThrow(RangeError);
    const bytes = encodeHold(hold);
    const self = bytes.slice();
    self[7] = 0;
    expect(decodeHold(self)).toEqual({ ok: false, error: 'out-of-range' });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const r = decodeHold(Uint8Array.of(0xba, 1, ...b));
      if (r.ok) expect(encodeHold(r.hold)).toEqual(Uint8Array.of(0xba, 1, ...b));
    }), { numRuns: 2000 });
  });
});
