// ReadyHandshake failure cases over the in-memory bus: mismatches, departures in either phase, un-ready,
// a missing acknowledgement, stale rounds and forged senders. The rule under test: every peer starts
// frame 0 at the same moment, or nobody does.
import { describe, expect, it } from 'vitest';
import type { ControlMessage } from '../../src/lobby/control.ts';
import { HANDSHAKE_LIMITS, ReadyHandshake } from '../../src/lobby/handshake.ts';
import type { PeerId } from '../../src/netcode/socket.ts';
import { HandshakeBus, setupFor, VERSIONS } from '../support/handshake-bus.ts';

const IDS3 = ['h', 'b', 'c'];
const IDS4 = ['h', 'b', 'c', 'd'];

/** Every live peer ends aborted, none of them started, and each abort reason matches `reason`. */
function expectAllAborted(bus: HandshakeBus, reason: RegExp): void {
  for (const p of bus.peers.values()) {
    if (p.gone) continue;
    expect(p.hs.phase, p.id).toBe('aborted');
    const aborts = bus.eventsOf(p.id, 'aborted');
    expect(aborts, p.id).toHaveLength(1);
    expect(aborts[0]?.reason, p.id).toMatch(reason);
    // If it had committed, the abort came before its own start instant: it never began frame 0.
    const committedAt = bus.timeOf(p.id, 'committed');
    if (committedAt !== undefined) expect(bus.timeOf(p.id, 'aborted'), p.id).toBeLessThan(bus.startInstant(p.id) as number);
  }
}

/**
 * Runs 1.5 s: past every start instant, so a peer that was committed and never heard an abort would
 * still be `committed` (a final phase) rather than look undecided.
 */
const runPastStart = (bus: HandshakeBus): void => bus.run(1500);

/** Everyone presses Ready and the bus runs until the non-hosts hold their clock sync. */
function allReadyAndSynced(bus: HandshakeBus, except: readonly PeerId[] = []): void {
  for (const id of bus.peers.keys()) if (!except.includes(id)) bus.setReady(id);
  bus.runUntil(() => [...bus.peers.values()].every((p) => p.hs.phase !== 'syncing'), 2000);
}

describe('ReadyHandshake: mismatches abort for everyone, naming what differs', () => {
  it.each([
    { what: 'protocol version', versions: { c: { ...VERSIONS, protocol: 2 } }, setups: {}, reason: /^<c> runs another protocol version(: protocol version 2, this peer 1)?$|^<h> runs another protocol version(: protocol version 1, this peer 2)?$|^a player runs another protocol version$/ },
    { what: 'game version', versions: { c: { ...VERSIONS, game: 7 } }, setups: {}, reason: /^<c> runs another game version(: game version 7, this peer 1)?$|^<h> runs another game version(: game version 1, this peer 7)?$|^a player runs another game version$/ },
    { what: 'setup', versions: {}, setups: { c: { ...setupFor(3), pointsToWin: 11 } }, reason: /^match settings differ from <c>'s(: pointsToWin 5 here vs 11 there)?$|^match settings differ from <h>'s(: pointsToWin 11 here vs 5 there)?$|^match settings differ from a player's$/ },
  ])('$what', ({ versions, setups, reason }) => {
    const bus = new HandshakeBus({ ids: IDS3, versions, setups });
    for (const id of IDS3) bus.setReady(id);
    expect(bus.runUntil(() => bus.settled(), 3000)).toBe(true);
    expectAllAborted(bus, reason);
    expect(bus.sentOf('hs-start')).toEqual([]);
  });
});

describe('ReadyHandshake: a mismatch waits for a Ready', () => {
  it('with nobody ready a mismatch is quiet (a new round after an abort does not abort again); the first Ready aborts', () => {
    const bus = new HandshakeBus({ ids: IDS3, versions: { c: { ...VERSIONS, protocol: 2 } } });
    bus.run(1000); // everyone synced and exchanged not-ready votes
    expect([...bus.peers.values()].map((p) => p.hs.phase)).toEqual(['voting', 'voting', 'voting']);
    expect(bus.sentOf('hs-ready').some((s) => s.from === 'c')).toBe(true);
    expect(bus.sentOf('hs-abort')).toEqual([]);
    bus.setReady('b');
    runPastStart(bus);
    expectAllAborted(bus, /protocol version/);
  });

  it('a mismatched peer never counts as ready: the host does not commit with it', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b'], setups: { b: { ...setupFor(2), inputDelay: 4 } } });
    bus.drop = (s) => s.message.t === 'hs-abort'; // even if b never hears of the abort
    bus.setReady('b');
    expect(bus.runUntil(() => bus.sentOf('hs-ready').some((s) => s.from === 'b' && s.message.ready), 1000)).toBe(true);
    bus.run(50);
    bus.setReady('h');
    runPastStart(bus);
    expect(bus.sentOf('hs-start')).toEqual([]);
    expect(bus.eventsOf('h', 'aborted')[0]?.reason).toMatch(/inputDelay 2 here vs 4 there/);
    expect(bus.eventsOf('h', 'ready-changed')).toEqual([]);
    expect(bus.peer('b').hs.startInfo).toBeUndefined();
  });
});

describe('ReadyHandshake: departures', () => {
  it('a peer leaving in phase 1 aborts everyone, even those told only by the host', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    allReadyAndSynced(bus, ['c']); // h and b ready, c not yet: the host is still voting
    expect(bus.peer('h').hs.phase).toBe('voting');
    bus.leave('c', ['h']); // only the host hears of it (b's connection to c has not closed yet)
    runPastStart(bus);
    expectAllAborted(bus, /^<c> left$/);
    expect(bus.sentOf('hs-start')).toEqual([]);
  });

  it('a peer leaving while the others still sync their clocks aborts them', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    for (const id of IDS3) bus.setReady(id);
    bus.run(60);
    expect(bus.peer('b').hs.phase).toBe('syncing');
    bus.leave('h', ['b', 'c']);
    runPastStart(bus);
    expectAllAborted(bus, /<h> left/);
  });

  it('a peer leaving in phase 2 (START sent, not every ack in) aborts all; committed peers abort before frame 0', () => {
    const bus = new HandshakeBus({ ids: IDS4 });
    bus.drop = (s) => s.message.t === 'hs-start' && s.to === 'd'; // d never acknowledges
    allReadyAndSynced(bus);
    expect(bus.runUntil(() => bus.peer('b').hs.phase === 'committed' && bus.peer('c').hs.phase === 'committed', 1000)).toBe(true);
    expect(bus.peer('h').hs.phase).toBe('committing');
    bus.leave('d', ['h', 'b', 'c']);
    runPastStart(bus);
    expectAllAborted(bus, /<d> left/);
    expect(bus.eventsOf('b', 'committed')).toHaveLength(1); // b and c had committed: their abort is the host's
    expect(bus.eventsOf('h', 'committed')).toEqual([]);
  });

  it('a non-host leaving after the commit but before frame 0 (its abort reaches the others) stops everyone, host included', () => {
    const bus = new HandshakeBus({ ids: IDS3, extra: { countdownMs: 1000 } });
    allReadyAndSynced(bus);
    expect(bus.runUntil(() => bus.settled(), 1000)).toBe(true);
    expect([...bus.peers.values()].every((p) => p.hs.phase === 'committed')).toBe(true);
    bus.peer('c').hs.abort('left', ['c'], bus.localNow('c')); // what Room.leave() does
    bus.run(30); // the abort is delivered
    bus.leave('c', ['h', 'b']); // the departure itself is ignored once committed
    runPastStart(bus);
    expectAllAborted(bus, /<c> left/);
  });
});

describe('ReadyHandshake: un-ready, missing acks', () => {
  it('un-ready after voting aborts the round for all', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    allReadyAndSynced(bus, ['c']);
    bus.run(50);
    bus.setReady('b', false);
    runPastStart(bus);
    expectAllAborted(bus, /^<b> is no longer ready$/);
  });

  it('the host un-readying while START is out aborts everyone, committed peers included', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.message.t === 'hs-start' && s.to === 'c';
    allReadyAndSynced(bus);
    expect(bus.runUntil(() => bus.peer('b').hs.phase === 'committed', 1000)).toBe(true);
    bus.setReady('h', false);
    runPastStart(bus);
    expectAllAborted(bus, /^<h> is no longer ready$/);
  });

  it('no acknowledgement from c before the deadline: the host aborts, naming c, and so does everyone', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.message.t === 'hs-ack' && s.from === 'c';
    allReadyAndSynced(bus);
    runPastStart(bus);
    expectAllAborted(bus, /^no answer from <c> before the start$/);
    // c had committed (its acks were lost) and b too: both heard the abort before their start instant.
    expect(bus.eventsOf('c', 'committed')).toHaveLength(1);
    expect(bus.eventsOf('b', 'committed')).toHaveLength(1);
    // The host kept retransmitting to c only, then gave up at its cutoff (margin + slowest RTT, ~20 ms here).
    const starts = bus.sentOf('hs-start');
    expect(starts.filter((s) => s.to === 'c').length).toBeGreaterThanOrEqual(2);
    expect(starts.filter((s) => s.to === 'b')).toHaveLength(1);
    const startAt = starts[0]?.message.startAt as number;
    const abortedAt = bus.timeOf('h', 'aborted') as number;
    expect(abortedAt).toBeGreaterThanOrEqual(startAt - HANDSHAKE_LIMITS.abortMarginMs - 25);
    expect(abortedAt).toBeLessThan(startAt);
  });
});

describe('ReadyHandshake: ignores what it should', () => {
  const forged: Extract<ControlMessage, { round: number }>[] = [
    { t: 'hs-abort', round: 1, code: 'left', about: ['b'] },
    { t: 'hs-start', round: 1, seed: 1, sessionId: 2, order: IDS3, startAt: 400, setup: setupFor(3) },
    { t: 'hs-ready', round: 1, ready: true, protocolVersion: 99, gameVersion: 99, configHash: 'x', setup: setupFor(3), rttMs: 0 },
    { t: 'hs-ready', round: 1, ready: false, protocolVersion: 1, gameVersion: 1, configHash: 'x', setup: setupFor(3), rttMs: 0 },
    { t: 'hs-sync-rep', round: 1, nonce: 1, t0: 0, t1: 1e9, t2: 1e9 },
  ];

  it('messages from non-members change nothing, and the round still commits', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    allReadyAndSynced(bus, ['h']);
    for (const m of forged) for (const to of IDS3) bus.inject('mallory', to, m);
    expect([...bus.peers.values()].map((p) => p.hs.phase)).toEqual(['voting', 'voting', 'voting']);
    expect(bus.peer('b').hs.startInfo).toBeUndefined();
    bus.setReady('h');
    expect(bus.runUntil(() => bus.settled(), 2000)).toBe(true);
    expect([...bus.peers.values()].every((p) => p.hs.phase === 'committed')).toBe(true);
    expect(bus.peer('b').hs.startInfo?.clockOffsetMs).toBe(0); // the forged sync reply was not used
  });

  it('START from a member that is not the host is ignored', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    allReadyAndSynced(bus, ['h']); // b is ready and waiting for START
    const start: ControlMessage = { t: 'hs-start', round: 1, seed: 1, sessionId: 2, order: IDS3, startAt: 400, setup: setupFor(3) };
    bus.inject('c', 'b', start);
    expect(bus.peer('b').hs.phase).toBe('voting');
    bus.inject('h', 'b', start); // the same message from the host commits
    expect(bus.peer('b').hs.startInfo?.sessionId).toBe(2);
  });

  it('messages of another round are ignored', () => {
    const bus = new HandshakeBus({ ids: IDS3, round: 2 });
    allReadyAndSynced(bus, ['h']);
    for (const m of forged) for (const to of IDS3) for (const round of [1, 3]) bus.inject(to === 'h' ? 'b' : 'h', to, { ...m, round });
    expect([...bus.peers.values()].map((p) => p.hs.phase)).toEqual(['voting', 'voting', 'voting']);
    bus.setReady('h');
    expect(bus.runUntil(() => bus.settled(), 2000)).toBe(true);
    expect([...bus.peers.values()].every((p) => p.hs.startInfo?.round === 2)).toBe(true);
  });

  it('events after the final phase: a late abort after frame 0 does not undo a started match', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b'] });
    allReadyAndSynced(bus);
    expect(bus.runUntil(() => bus.settled(), 2000)).toBe(true);
    bus.run((bus.startInstant('b') as number) - bus.now + 1);
    bus.inject('h', 'b', { t: 'hs-abort', round: 1, code: 'no-answer', about: ['b'] });
    expect(bus.peer('b').hs.phase).toBe('committed');
    bus.leave('h', ['b']); // after the commit a departure is the netcode's business
    expect(bus.peer('b').hs.phase).toBe('committed');
  });
});

describe('ReadyHandshake: broken invariants throw', () => {
  const base = { hostId: 'h', round: 1, versions: VERSIONS, send: () => {}, random: () => 1 };
  it('rejects a local peer or host outside the members, duplicates, or a player count that differs', () => {
    expect(() => new ReadyHandshake({ ...base, localId: 'x', members: ['h', 'b'], setup: setupFor(2) })).toThrow(RangeError);
    expect(() => new ReadyHandshake({ ...base, localId: 'b', hostId: 'x', members: ['h', 'b'], setup: setupFor(2) })).toThrow(RangeError);
    expect(() => new ReadyHandshake({ ...base, localId: 'b', members: ['h', 'b', 'b'], setup: setupFor(3) })).toThrow(RangeError);
    expect(() => new ReadyHandshake({ ...base, localId: 'b', members: ['h', 'b'], setup: setupFor(3) })).toThrow(RangeError);
    expect(new ReadyHandshake({ ...base, localId: 'b', members: ['h', 'b'], setup: setupFor(2) }).phase).toBe('syncing');
  });
});
