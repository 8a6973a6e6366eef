// A hostile member (a modified client) in the ready handshake, over the in-memory bus on a manual clock:
// START times decades away or in the past, absurd RTTs in votes, forged clock replies, a host that never
// starts, and Not ready in every phase before frame 0. The rules: nobody waits forever, every peer starts
// frame 0 at the same moment or nobody does, and what a player reads is made from a code locally.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashSetup, type ControlMessage } from '../../src/lobby/control.ts';
import { ABORT_CODES, abortText } from '../../src/lobby/handshake-abort.ts';
import { handshakeAbortedMessage } from '../../src/ui/messages.ts';
import { HANDSHAKE_LIMITS, maxLeadMs } from '../../src/lobby/handshake.ts';
import { HandshakeBus, setupFor, VERSIONS } from '../support/handshake-bus.ts';

const IDS3 = ['h', 'b', 'c'];

/** Everyone except `except` presses Ready; the bus runs until the non-hosts hold their clock sync. */
function readyAndSynced(bus: HandshakeBus, except: readonly string[] = []): void {
  for (const id of bus.peers.keys()) if (!except.includes(id)) bus.setReady(id);
  bus.runUntil(() => [...bus.peers.values()].every((p) => p.hs.phase !== 'syncing'), 2000);
}

const start = (startAt: number): ControlMessage => ({ t: 'hs-start', round: 1, seed: 1, sessionId: 2, order: IDS3, startAt, setup: setupFor(3) });

describe('hostile START times', () => {
  it.each([
    ['decades ahead', 30 * 365 * 24 * 3600_000],
    ['a minute ahead', 60_000],
    ['in the past', -10_000],
    ['right now', 0],
  ])('a START %s is refused: the peer aborts (bad-start) and tells the others, nobody commits', (_what, delta) => {
    const bus = new HandshakeBus({ ids: IDS3 });
    readyAndSynced(bus, ['h']); // b and c wait for START; the "host" h is the attacker
    bus.drop = (s) => s.from === 'h'; // the real host stays silent: only the forged START reaches b
    bus.inject('h', 'b', start(bus.localNow('h') + delta));
    expect(bus.peer('b').hs.phase).toBe('aborted');
    expect(bus.peer('b').hs.startInfo).toBeUndefined();
    expect(bus.eventsOf('b', 'aborted')[0]).toMatchObject({ code: 'bad-start', about: ['h'] });
    expect(bus.sentOf('hs-ack')).toEqual([]);
    bus.run(50);
    expect(bus.peer('c').hs.phase).toBe('aborted'); // c heard b's abort: a member's word, so it names nobody
    expect(bus.eventsOf('c', 'aborted')[0]).toMatchObject({ code: 'bad-start', about: [], reason: "a player refused the host's start time" });
  });

  it('a START within the honest lead is accepted', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    readyAndSynced(bus, ['h']);
    bus.inject('h', 'b', start(bus.localNow('h') + maxLeadMs({})));
    expect(bus.peer('b').hs.phase).toBe('committed');
  });
});

describe('hostile RTT in a vote', () => {
  it.each([1e12, 2 ** 45, 5000])('a vote claiming an RTT of %d ms cannot push frame 0 beyond the bounded lead; the round commits', (rtt) => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.from === 'c' && s.to === 'h' && s.message.t === 'hs-ready'; // c's honest votes never reach h…
    readyAndSynced(bus, ['h']);
    bus.run(50); // b's vote arrives
    // …the forged one does.
    bus.inject('c', 'h', { t: 'hs-ready', round: 1, ready: true, protocolVersion: VERSIONS.protocol, gameVersion: VERSIONS.game, configHash: hashSetup(setupFor(3)), setup: setupFor(3), rttMs: rtt });
    bus.setReady('h');
    const sent = bus.sentOf('hs-start')[0];
    expect(sent).toBeDefined();
    expect((sent?.message.startAt as number) - bus.localNow('h')).toBeLessThanOrEqual(maxLeadMs({}));
    expect(bus.runUntil(() => bus.settled(), 6000)).toBe(true);
    expect([...bus.peers.values()].map((p) => p.hs.phase)).toEqual(['committed', 'committed', 'committed']);
  });
});

describe('forged clock replies', () => {
  it('a reply to no probe of ours, or with an echoed t0 that would make the RTT negative, is not a sample', () => {
    const bus = new HandshakeBus({ ids: ['h', 'b'] });
    bus.drop = (s) => s.message.t === 'hs-sync-rep'; // only forged replies reach b
    bus.run(120); // b sent a few probes
    bus.inject('h', 'b', { t: 'hs-sync-rep', round: 1, nonce: 999, t0: 0, t1: 5e6, t2: 5e6 }); // no such probe
    expect(bus.peer('b').hs.syncSamples).toBe(0);
    const probe = bus.sentOf('hs-sync-req').at(-1)?.message;
    if (probe === undefined) throw new Error('no probe');
    // The echoed t0 claims the probe left in the future; the host's "processing time" exceeds the round trip.
    bus.inject('h', 'b', { t: 'hs-sync-rep', round: 1, nonce: probe.nonce, t0: bus.localNow('b') + 1e6, t1: 10, t2: 1e9 });
    expect(bus.peer('b').hs.syncSamples).toBe(0);
    bus.inject('h', 'b', { t: 'hs-sync-rep', round: 1, nonce: probe.nonce, t0: bus.localNow('b') + 1e6, t1: 500, t2: 500 });
    expect(bus.peer('b').hs.syncSamples).toBe(1); // matched to our own probe, whatever the echo says
  });
});

describe('a silent host cannot hold the lobby', () => {
  it('ready, but the host never answers clock probes: the peer aborts on its own timeout (host-timeout)', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.from === 'h';
    for (const id of ['b', 'c']) bus.setReady(id);
    expect(bus.runUntil(() => bus.peer('b').hs.phase === 'aborted', HANDSHAKE_LIMITS.syncTimeoutMs + 200)).toBe(true);
    expect(bus.eventsOf('b', 'aborted')[0]).toMatchObject({ code: 'host-timeout', about: ['h'] });
    expect(bus.runUntil(() => bus.peer('c').hs.phase === 'aborted', 200)).toBe(true);
  });

  it('not ready, a member may idle in the lobby as long as it likes (no timeout without a Ready)', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.from === 'h';
    bus.run(HANDSHAKE_LIMITS.syncTimeoutMs * 2);
    expect(bus.peer('b').hs.phase).toBe('syncing');
  });

  it('everyone ready, the host never sends START: every non-host aborts within startWaitMs', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.message.t === 'hs-start';
    readyAndSynced(bus);
    const t0 = bus.now;
    expect(bus.runUntil(() => bus.peer('b').hs.phase === 'aborted' && bus.peer('c').hs.phase === 'aborted', HANDSHAKE_LIMITS.startWaitMs + 500)).toBe(true);
    expect(bus.now - t0).toBeLessThanOrEqual(HANDSHAKE_LIMITS.startWaitMs + 100);
    for (const id of ['b', 'c']) expect(bus.eventsOf(id, 'aborted')[0]?.code, id).toMatch(/start-timeout|no-answer/);
    expect(bus.peer('h').hs.phase).toBe('aborted');
  });
});

describe('Not ready always works before frame 0', () => {
  it.each(['syncing', 'voting', 'committed'] as const)('un-ready while %s aborts the round for everyone (unready, naming the player)', (phase) => {
    const bus = new HandshakeBus({ ids: IDS3, extra: { countdownMs: 2000 } });
    for (const id of IDS3) bus.setReady(id);
    if (phase !== 'syncing') bus.runUntil(() => bus.peer('b').hs.phase === phase, 3000);
    expect(bus.peer('b').hs.phase).toBe(phase);
    bus.setReady('b', false);
    expect(bus.peer('b').hs.phase).toBe('aborted');
    expect(bus.runUntil(() => bus.settled() && [...bus.peers.values()].every((p) => p.hs.phase === 'aborted'), 500)).toBe(true);
    for (const id of IDS3) {
      expect(bus.eventsOf(id, 'aborted'), id).toEqual([{ kind: 'aborted', code: 'unready', about: ['b'], reason: '<b> is no longer ready', starting: true }]);
      const committedAt = bus.timeOf(id, 'committed');
      if (committedAt !== undefined) expect(bus.timeOf(id, 'aborted') as number, id).toBeLessThan(bus.startInstant(id) as number);
    }
  });

  it('the host un-readying while its START is out (committing) aborts for everyone', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.message.t === 'hs-ack' && s.from === 'c'; // the host stays in committing
    readyAndSynced(bus);
    bus.runUntil(() => bus.peer('h').hs.phase === 'committing', 500);
    bus.setReady('h', false);
    bus.run(100);
    for (const id of IDS3) expect(bus.eventsOf(id, 'aborted')[0], id).toMatchObject({ code: 'unready', about: ['h'] });
  });
});

describe('aborts are codes; the text is made locally', () => {
  it("an abort names only members the receiver knows, in its own words (the host's)", () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.inject('h', 'b', { t: 'hs-abort', round: 1, code: 'left', about: ['c', 'mallory'] });
    expect(bus.eventsOf('b', 'aborted')).toEqual([{ kind: 'aborted', code: 'left', about: ['c'], reason: '<c> left', starting: false }]);
  });

  it('an abort cancels a start only when someone was starting (issue #9: a join to an idle lobby says nothing)', () => {
    const idle = new HandshakeBus({ ids: IDS3 });
    idle.inject('h', 'b', { t: 'hs-abort', round: 1, code: 'joined', about: ['c'] });
    expect(idle.eventsOf('b', 'aborted')).toMatchObject([{ code: 'joined', starting: false }]);
    const readying = new HandshakeBus({ ids: IDS3 });
    readying.setReady('b');
    readying.setReady('c');
    readying.run(200); // the votes reach the host
    readying.inject('c', 'b', { t: 'hs-abort', round: 1, code: 'joined', about: ['c'] }); // b was ready itself
    expect(readying.eventsOf('b', 'aborted')).toMatchObject([{ code: 'joined', starting: true }]);
  });
});

describe("a member cannot make an abort blame an honest player (review findings 5, 12)", () => {
  it("a member's abort naming another member does not name it: neither the host nor the relayed peer blames b", () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.inject('c', 'h', { t: 'hs-abort', round: 1, code: 'game-mismatch', about: ['b'] });
    bus.run(50);
    for (const id of ['h', 'b']) {
      const a = bus.eventsOf(id, 'aborted')[0];
      expect(a?.code, id).toBe('game-mismatch');
      expect(a?.about, id).not.toContain('b');
      expect(a?.reason, id).not.toContain('<b>');
    }
  });

  it("a member's abort about itself names it; b's relay of it names nobody (never b)", () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.from === 'c'; // c's abort reaches b alone
    bus.inject('c', 'b', { t: 'hs-abort', round: 1, code: 'unready', about: ['c'] });
    bus.run(50);
    expect(bus.eventsOf('b', 'aborted')[0]).toMatchObject({ code: 'unready', about: ['c'] });
    expect(bus.eventsOf('h', 'aborted')[0]).toMatchObject({ code: 'unready', about: [], reason: 'a player is no longer ready' });
  });

  it('a member telling b "ready" and the host "not ready": b times out without blaming the host', () => {
    const bus = new HandshakeBus({ ids: IDS3 });
    bus.drop = (s) => s.from === 'c' && s.message.t === 'hs-ready'; // c's honest votes vanish…
    readyAndSynced(bus, ['c']);
    const lie = (ready: boolean): ControlMessage => ({ t: 'hs-ready', round: 1, ready, protocolVersion: VERSIONS.protocol, gameVersion: VERSIONS.game, configHash: hashSetup(setupFor(3)), setup: setupFor(3), rttMs: 5 });
    bus.inject('c', 'b', lie(true)); // …and it lies: ready to b, not ready to the host
    bus.inject('c', 'h', lie(false));
    expect(bus.runUntil(() => bus.peer('b').hs.phase === 'aborted', HANDSHAKE_LIMITS.startWaitMs + 500)).toBe(true);
    const a = bus.eventsOf('b', 'aborted')[0];
    expect(a?.about).not.toContain('h');
    expect(a?.code).not.toBe('host-timeout');
  });
});

describe('a targeted abort during the countdown cannot leave one honest peer out alone', () => {
  /** Three peers committed with a 1 s countdown. */
  function committed(): HandshakeBus {
    const bus = new HandshakeBus({ ids: IDS3, extra: { countdownMs: 1000 } });
    readyAndSynced(bus);
    expect(bus.runUntil(() => bus.settled(), 1500)).toBe(true);
    expect([...bus.peers.values()].every((p) => p.hs.phase === 'committed')).toBe(true);
    return bus;
  }
  const runPast = (bus: HandshakeBus): void => bus.run(Math.max(...IDS3.map((id) => bus.startInstant(id) as number)) - bus.now + 10);

  it("a member's abort told to one non-host alone is ignored: everyone starts together", () => {
    const bus = committed();
    bus.inject('c', 'b', { t: 'hs-abort', round: 1, code: 'unready', about: ['c'] });
    runPast(bus);
    for (const id of IDS3) expect(bus.peer(id).hs.phase, id).toBe('committed');
  });

  it("a member's abort told to the host in time: the host tells everyone, nobody starts", () => {
    const bus = committed();
    bus.inject('c', 'h', { t: 'hs-abort', round: 1, code: 'unready', about: ['c'] });
    runPast(bus);
    for (const id of IDS3) {
      expect(bus.peer(id).hs.phase, id).toBe('aborted');
      expect(bus.timeOf(id, 'aborted') as number, id).toBeLessThan(bus.startInstant(id) as number);
    }
  });

  it('inside the margin before frame 0 a member abort is ignored by the host, and our own Not ready is too late', () => {
    const bus = committed();
    bus.run((bus.startInstant('h') as number) - bus.now - HANDSHAKE_LIMITS.abortMarginMs + 5);
    bus.inject('c', 'h', { t: 'hs-abort', round: 1, code: 'unready', about: ['c'] });
    expect(bus.peer('h').hs.phase).toBe('committed');
    bus.setReady('b', false);
    expect(bus.peer('b').hs.phase).toBe('committed');
  });
});

describe('late aborts and withheld acks at the host cutoff, with slow links (review finding 4)', () => {
  /** h-b 150 ms one way, c (the attacker) 10 ms from h. */
  const slowB = (from: string, to: string): number => (from === 'b' || to === 'b' ? 150 : 10);

  it('a member withholding its ack: the host aborts early enough that its abort reaches b before b\'s frame 0', () => {
    const bus = new HandshakeBus({ ids: IDS3, latency: slowB });
    bus.drop = (s) => s.from === 'c' && s.message.t === 'hs-ack';
    readyAndSynced(bus);
    expect(bus.runUntil(() => bus.peer('h').hs.phase === 'aborted' && bus.peer('b').hs.phase !== 'voting', 3000)).toBe(true);
    bus.run(1000);
    expect(bus.peer('h').hs.phase).toBe('aborted');
    expect(bus.peer('b').hs.phase).toBe('aborted');
    expect(bus.eventsOf('b', 'aborted')[0]).toMatchObject({ code: 'no-answer', about: ['c'] });
  });

  it.each([105, 120, 160, 200, 260, 320, 400])("a member's abort reaching the host %d ms before frame 0: h and b both start or both stay", (before) => {
    const bus = new HandshakeBus({ ids: IDS3, latency: slowB, extra: { countdownMs: 500 } });
    readyAndSynced(bus);
    expect(bus.runUntil(() => bus.peer('h').hs.phase === 'committed', 2000)).toBe(true);
    bus.run((bus.startInstant('h') as number) - bus.now - before);
    bus.inject('c', 'h', { t: 'hs-abort', round: 1, code: 'unready', about: ['c'] });
    bus.run((bus.startInstant('b') as number) - bus.now + 400);
    expect(bus.peer('b').hs.phase).toBe(bus.peer('h').hs.phase);
  });

  it("b's own Not ready late in the countdown never leaves b out alone", () => {
    for (const before of [150, 250, 350, 450, 600, 900]) {
      const bus = new HandshakeBus({ ids: IDS3, latency: slowB, extra: { countdownMs: 1000 } });
      readyAndSynced(bus);
      expect(bus.runUntil(() => bus.settled(), 3000)).toBe(true);
      bus.run((bus.startInstant('b') as number) - bus.now - before);
      bus.setReady('b', false);
      bus.run((bus.startInstant('b') as number) - bus.now + 400);
      const phases = IDS3.map((id) => bus.peer(id).hs.phase);
      expect(new Set(phases).size, `${before} ms: ${phases.join()}`).toBe(1);
    }
  });
});

describe('property: one hostile non-host injecting arbitrary valid messages never freezes or splits the honest peers', () => {
  const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
  const setup = fc.constantFrom(setupFor(3), { ...setupFor(3), pointsToWin: 7 });
  const hostile: fc.Arbitrary<ControlMessage> = fc.oneof(
    fc.record({ t: fc.constant('hs-abort' as const), round: fc.constantFrom(1, 2), code: fc.constantFrom(...ABORT_CODES), about: fc.subarray(['h', 'b', 'c', 'x']) }),
    fc.record({ t: fc.constant('hs-ready' as const), round: fc.constantFrom(1, 2), ready: fc.boolean(), protocolVersion: fc.constantFrom(1, 2), gameVersion: fc.constant(1), configHash: setup.map(hashSetup), setup, rttMs: fc.double({ min: 0, max: 2 ** 45, noNaN: true }) }),
    fc.record({ t: fc.constant('hs-start' as const), round: fc.constant(1), seed: u32, sessionId: u32, order: fc.constantFrom(IDS3, ['b', 'h', 'c']), startAt: fc.double({ min: -1e6, max: 1e7, noNaN: true }), setup }),
    fc.record({ t: fc.constant('hs-ack' as const), round: fc.constant(1), sessionId: u32 }),
    fc.record({ t: fc.constant('hs-sync-rep' as const), round: fc.constant(1), nonce: fc.integer({ min: 0, max: 40 }), t0: fc.double({ min: -1e9, max: 1e9, noNaN: true }), t1: fc.double({ min: -1e9, max: 1e9, noNaN: true }), t2: fc.double({ min: -1e9, max: 1e9, noNaN: true }) }),
    fc.record({ t: fc.constant('hs-sync-req' as const), round: fc.constant(1), nonce: u32, t0: fc.double({ min: -1e9, max: 1e9, noNaN: true }) }),
  );
  const attack = fc.array(fc.record({ at: fc.integer({ min: 0, max: 3000 }), to: fc.constantFrom('h', 'b'), message: hostile }), { maxLength: 12 });

  /** One-way delays of every directed link (asymmetric), each peer's clock offset, and what c withholds. */
  const network = fc.record({
    delays: fc.array(fc.integer({ min: 1, max: 250 }), { minLength: 6, maxLength: 6 }),
    offsets: fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 3, maxLength: 3 }),
    withholdAck: fc.boolean(),
  });
  /** Aborts c sends at a time relative to the host's frame 0 (around its cutoff), to h or to b. */
  const late = fc.array(fc.record({ before: fc.integer({ min: -20, max: 700 }), to: fc.constantFrom('h', 'b'), code: fc.constantFrom(...ABORT_CODES), about: fc.subarray(['h', 'b', 'c']) }), { maxLength: 3 });
  const pairs = [['h', 'b'], ['b', 'h'], ['h', 'c'], ['c', 'h'], ['b', 'c'], ['c', 'b']] as const;

  it('honest h and b end in the same final state: both started (within the clock-sync error), or neither started', () => {
    const outcomes = new Set<number>();
    fc.assert(
      fc.property(attack, late, network, fc.integer({ min: 0, max: 1500 }), (injections, lateAborts, net, countdownMs) => {
        const delay = new Map(pairs.map(([a, b], i) => [`${a}>${b}`, net.delays[i] as number]));
        const bus = new HandshakeBus({ ids: IDS3, extra: { countdownMs }, latency: (a, b) => delay.get(`${a}>${b}`) ?? 10, offsets: { h: net.offsets[0] ?? 0, b: net.offsets[1] ?? 0, c: net.offsets[2] ?? 0 } });
        if (net.withholdAck) bus.drop = (s) => s.from === 'c' && s.message.t === 'hs-ack';
        for (const id of IDS3) bus.setReady(id);
        const plan = [...injections].sort((x, y) => x.at - y.at);
        let latePlan: { at: number; to: 'h' | 'b'; message: ControlMessage }[] | undefined;
        const limit = 3000 + HANDSHAKE_LIMITS.syncTimeoutMs + maxLeadMs({ countdownMs }) + HANDSHAKE_LIMITS.startSlackMs;
        for (let t = 0; t < limit; t++) {
          const frame0 = bus.sentOf('hs-start')[0]?.message.startAt;
          if (latePlan === undefined && frame0 !== undefined) {
            const atGlobal = frame0 - bus.peer('h').offsetMs; // the host's frame 0 on the global clock
            latePlan = lateAborts.map((a) => ({ at: atGlobal - a.before, to: a.to, message: { t: 'hs-abort', round: 1, code: a.code, about: a.about } }));
            plan.push(...latePlan);
            plan.sort((x, y) => x.at - y.at);
          }
          while (plan.length > 0 && (plan[0] as { at: number }).at <= bus.now) {
            const next = plan.shift() as (typeof plan)[number];
            bus.inject('c', next.to, next.message);
          }
          bus.step();
        }
        const honest = ['h', 'b'].map((id) => bus.peer(id).hs);
        for (const hs of honest) expect(['committed', 'aborted']).toContain(hs.phase); // nobody is left waiting
        const started = ['h', 'b'].filter((id) => bus.peer(id).hs.phase === 'committed');
        expect(started.length === 0 || started.length === 2).toBe(true);
        // NTP-style sync cannot see an asymmetry: b's frame 0 is off by half the difference of its two delays.
        const skew = Math.abs((delay.get('h>b') as number) - (delay.get('b>h') as number)) / 2;
        if (started.length === 2) expect(Math.abs((bus.startInstant('h') as number) - (bus.startInstant('b') as number))).toBeLessThanOrEqual(skew + 1);
        outcomes.add(started.length);
      }),
      { numRuns: 80 },
    );
    expect([...outcomes].sort()).toEqual([0, 2]); // both outcomes occurred: the property is not vacuous
  });
});

describe('abortText: every code has a sentence made from local names only', () => {
  it.each(ABORT_CODES)('%s', (code) => {
    const text = abortText(code, ['Ann', 'Bob']);
    expect(text.length).toBeGreaterThan(5);
    expect(abortText(code, [])).not.toMatch(/undefined|null/);
    // A version mismatch is what the lobby page turns into "reload the page"; nothing else is.
    const version = code === 'protocol-mismatch' || code === 'game-mismatch';
    expect(handshakeAbortedMessage(text, code).startsWith('Cannot start: version mismatch')).toBe(version);
  });
});
