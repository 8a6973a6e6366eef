// Handshake rounds agree with the host's, whatever order the joins and the channel openings come in.
// A round ends at every join (and every abort), and each room counts its own rounds: a member can end
// up a round behind the host (it joined after the others had moved on) or a round ahead (it restarted
// on a join while the host, whose channels were not all open yet, had no round to restart). The host's
// round is the reference; a member out of step must find its way to it, or nobody can start.
// (A CI run of the four-player and rejoin e2e tests caught the second case: "the host did not answer
// in time", then Ready pressed again did nothing.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControlChannel } from '../../src/lobby/control.ts';
import { RoomSim, type SimMember } from '../support/room-sim.ts';

const aborts = (m: SimMember) => m.events.filter((e) => e.kind === 'handshake-aborted' && e.starting);

/** A lobby for three with its first two members in (Alice the host, Bob), nothing open yet. */
async function lobbyOfThree(): Promise<{ sim: RoomSim; alice: SimMember; bob: SimMember }> {
  const sim = new RoomSim(3);
  const alice = await sim.join('Alice');
  const bob = await sim.join('Bob');
  return { sim, alice, bob };
}

describe('handshake rounds across joins', () => {
  it('the last to join presses Ready first: it syncs with the host at once, and the match starts', async () => {
    const { sim, alice, bob } = await lobbyOfThree();
    sim.openAll();
    sim.tick(100); // Alice and Bob run round 1
    const carol = await sim.join('Carol'); // their round 1 ends (a join); Carol starts at her own count
    sim.openAll();
    sim.tick(100);
    carol.room.setReady(true);
    sim.tick(1000);
    expect(carol.room.handshake?.phase).toBe('voting'); // clock synced with the host within a second
    alice.room.setReady(true);
    bob.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true);
    for (const m of [alice, bob, carol]) expect(aborts(m)).toEqual([]);
    expect(new Set([alice, bob, carol].map((m) => m.room.currentRound)).size).toBe(1);
  });

  it("a member restarts its round on a join the host could not restart on (the host's channels not all open): everyone still starts", async () => {
    const { sim, alice, bob } = await lobbyOfThree();
    sim.openSide(bob, alice); // Bob's side of the channel is open, Alice's not yet
    sim.tick(100);
    expect(bob.room.handshake).toBeDefined(); // Bob runs round 1; Alice has no round (her mesh is not open)
    expect(alice.room.handshake).toBeUndefined();
    const carol = await sim.join('Carol'); // Bob's round 1 ends: he is on 2, Alice still on 1
    sim.tick(20);
    expect([alice.room.currentRound, bob.room.currentRound]).toEqual([1, 2]); // the race, as it happened
    sim.openAll();
    sim.tick(100);
    for (const m of [alice, bob, carol]) m.room.setReady(true);
    expect(sim.runUntilStarted(4000)).toBe(true);
    for (const m of [alice, bob, carol]) expect(aborts(m)).toEqual([]);
  });

  it('joins among channels half open, 64 patterns each for 3 and 4 players: one round and a started match every time', async () => {
    // Each join happens after a chosen number of the channel sides then open; the rest open after.
    for (const players of [3, 4]) {
      for (let pattern = 0; pattern < 64; pattern++) {
        const sim = new RoomSim(players);
        await sim.join('P1');
        let bits = pattern;
        for (let i = 1; i < players; i++) {
          await sim.join(`P${i + 1}`);
          // Open a pattern-chosen subset of the sides among the members so far, then let rooms run.
          for (const a of sim.members) {
            for (const b of sim.members) {
              if (a === b) continue;
              if ((bits & 1) === 1) sim.openSide(a, b);
              bits = (bits >>> 1) | ((bits & 1) << 5);
            }
          }
          sim.tick(60);
        }
        sim.openAll();
        sim.tick(100);
        for (const m of sim.members) m.room.setReady(true);
        expect(sim.runUntilStarted(4000), `${players} players, pattern ${pattern}`).toBe(true);
        for (const m of sim.members) expect(aborts(m), `${players} players, pattern ${pattern}`).toEqual([]);
      }
    }
  });
});

describe('handshake rounds across departures', () => {
  it('the host leaves before a member a round behind could hear it: that member syncs with the new host at once', async () => {
    const { sim, alice, bob } = await lobbyOfThree();
    sim.openAll();
    sim.tick(100);
    const carol = await sim.join('Carol'); // her channel with Alice never opens
    sim.openSide(carol, bob);
    sim.openSide(bob, carol);
    sim.tick(100);
    expect([carol.room.currentRound, bob.room.currentRound]).toEqual([1, 2]); // Carol has not heard the host
    sim.leave(alice); // Bob is the host now (and his round ends: Alice left)
    sim.tick(20);
    expect(bob.room.isHost).toBe(true);
    carol.room.setReady(true);
    sim.tick(1000);
    expect(carol.room.handshake?.phase).toBe('voting');
    bob.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true); // a match of the two left
    for (const m of sim.members) expect(aborts(m)).toEqual([]);
    expect(sim.members.map((m) => m.room.match?.start.order)).toEqual([[bob.id, carol.id], [bob.id, carol.id]]);
  });
});

describe("the host's word on its round", () => {
  async function settled(): Promise<{ sim: RoomSim; alice: SimMember; bob: SimMember; carol: SimMember; round: number; carolSends: ControlChannel }> {
    const { sim, alice, bob } = await lobbyOfThree();
    const carol = await sim.join('Carol');
    sim.openAll();
    sim.tick(200);
    const round = bob.room.currentRound;
    expect([alice.room.currentRound, carol.room.currentRound]).toEqual([round, round]);
    // Carol plays a modified client: anything on her reliable channel, as any control message.
    return { sim, alice, bob, carol, round, carolSends: new ControlChannel(carol.link.meshLink().reliable) };
  }
  const roundTells = (from: SimMember, to: SimMember) => from.link.sentControl.filter((s) => s.to === to.id && s.message.t === 'hs-round').length;

  it("another member's hs-round moves nobody, whatever round it names", async () => {
    const { sim, bob, round, carolSends } = await settled();
    for (const r of [round + 1, round + 5, round - 1, 0, 0xffff_ffff]) {
      carolSends.send(bob.id, { t: 'hs-round', round: r, yours: round });
      sim.tick(10); // (a moved round would come back at the host's next answer: look at once)
      expect(bob.room.currentRound).toBe(round);
    }
    expect(bob.room.handshake).toBeDefined();
  });

  it("the host's answer about a round we already left moves nothing (a late answer)", async () => {
    const { sim, alice, bob, round } = await settled();
    const hostSends = new ControlChannel(alice.link.meshLink().reliable);
    hostSends.send(bob.id, { t: 'hs-round', round: round + 3, yours: round - 1 });
    sim.tick(10);
    expect(bob.room.currentRound).toBe(round);
    hostSends.send(bob.id, { t: 'hs-round', round: round + 3, yours: round }); // about our round: followed
    sim.tick(10);
    expect(bob.room.currentRound).toBe(round + 3);
    sim.tick(100); // Bob's probes of that round reach the host, which is not there: its answer brings him back
    expect(bob.room.currentRound).toBe(round);
  });

  it("a flood of wrong-round messages gets a few answers a second from the host, and never moves the host's round", async () => {
    const { sim, alice, carol, round, carolSends } = await settled();
    const before = roundTells(alice, carol);
    for (let i = 0; i < 200; i++) {
      carolSends.send(alice.id, { t: 'hs-sync-req', round: round + 3 + (i % 5), nonce: i, t0: sim.now });
      carolSends.send(alice.id, { t: 'hs-ready', round: round + 1, ready: true, protocolVersion: 1, gameVersion: 1, configHash: '00000000', setup: { players: 3, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, rttMs: 0 });
      sim.tick(10, 10);
    }
    const told = roundTells(alice, carol) - before;
    // 2 s of flood: the burst of 2 plus 4 a second.
    expect(told).toBeGreaterThanOrEqual(2);
    expect(told).toBeLessThanOrEqual(2 + 4 * 2 + 1);
    expect(alice.room.currentRound).toBe(round);
    expect(carol.room.currentRound).toBe(round); // Carol's own room ignored answers about rounds it is not in
  });

  it('no answer during a match: a member back in the lobby first stays a round ahead until the host is back too', async () => {
    const { sim, alice, bob, carol } = await settled();
    for (const m of [alice, bob, carol]) m.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true);
    sim.tick(1000); // past frame 0: ending the match now is leaving it, not a Not ready in the countdown
    for (const m of [alice, bob, carol]) expect(m.room.match?.countdownMs(sim.now)).toBeLessThanOrEqual(0);
    const matchRound = alice.room.currentRound;
    bob.room.endMatch();
    sim.tick(500);
    expect(alice.room.match).toBeDefined();
    expect(bob.room.currentRound).toBe(matchRound + 1);
    expect(roundTells(alice, bob)).toBe(0);
    alice.room.endMatch();
    carol.room.endMatch();
    for (const m of [alice, bob, carol]) m.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true);
    expect(alice.room.currentRound).toBe(matchRound + 1);
  });
});

describe('handshake rounds, any history (property)', () => {
  type Step =
    | { readonly k: 'join' }
    | { readonly k: 'leave'; readonly i: number }
    | { readonly k: 'open'; readonly i: number; readonly j: number }
    | { readonly k: 'ready'; readonly i: number; readonly on: boolean }
    | { readonly k: 'tick'; readonly ms: number }
    | { readonly k: 'end'; readonly i: number; readonly again: boolean };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 2, arbitrary: fc.constant({ k: 'join' as const }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('leave' as const), i: fc.nat(3) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('open' as const), i: fc.nat(3), j: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('ready' as const), i: fc.nat(3), on: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 10, max: 400 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('end' as const), i: fc.nat(3), again: fc.boolean() }) },
  );

  /** Plays `steps` on `sim` (steps naming a member pick one by index, modulo the members). */
  async function play(sim: RoomSim, steps: readonly Step[]): Promise<void> {
    for (const s of steps) {
      const at = (i: number) => sim.members[i % sim.members.length];
      if (s.k === 'join' && sim.members.length < 4 && !sim.started) await sim.join('P');
      else if (s.k === 'leave' && sim.members.length > 2) sim.leave(at(s.i) as SimMember);
      else if (s.k === 'open') {
        const [a, b] = [at(s.i), at(s.j)];
        if (a !== undefined && b !== undefined && a !== b) sim.openSide(a, b);
      } else if (s.k === 'ready') at(s.i)?.room.setReady(s.on);
      else if (s.k === 'tick') sim.tick(s.ms);
      else if (s.k === 'end') {
        // Back to the lobby from a match (in the countdown: a Not ready), with Rematch (Ready) or not.
        at(s.i)?.room.endMatch();
        if (s.again) at(s.i)?.room.setReady(true);
      }
    }
  }

  /** Everyone back in the lobby, every channel open, everyone Ready: whether one match starts for all. */
  function allStart(sim: RoomSim): boolean {
    for (const m of sim.members) m.room.endMatch();
    sim.openAll();
    sim.tick(200);
    for (const m of sim.members) m.room.setReady(true);
    const started = sim.runUntilStarted(8000);
    return started && new Set(sim.members.map((m) => m.room.match?.start.sessionId)).size === 1;
  }

  it('joins, leaves (the host too), half-open channels, Ready and Not ready, a match, then the same and back from it (Rematch or not) in any order: once all is open and everyone is Ready, one match starts for all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), fc.integer({ min: 0, max: 1500 }), fc.array(step, { maxLength: 30 }), async (before, into, after) => {
        const sim = new RoomSim(4);
        await sim.join('P');
        await sim.join('P');
        await play(sim, before);
        sim.tick(1000); // a start under way finishes, or aborts
        if (!allStart(sim)) return false;
        sim.tick(into); // in the countdown, or in the match
        await play(sim, after);
        sim.tick(1000);
        return allStart(sim);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a rematch', () => {
  it('a member presses Rematch while the host is still on its end screen: it waits for the host, however long, and the rematch starts', async () => {
    const sim = new RoomSim(2);
    const alice = await sim.join('Alice');
    const bob = await sim.join('Bob');
    sim.openAll();
    sim.tick(100);
    for (const m of sim.members) m.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true);
    sim.tick(1000); // past frame 0
    bob.room.endMatch(); // Bob's Rematch button: back to the lobby, Ready
    bob.room.setReady(true);
    sim.tick(8000); // Alice reads her end screen (longer than any handshake timeout)
    expect(bob.room.readiness(alice.id)).toBe('in-match');
    expect(aborts(bob)).toEqual([]);
    expect(bob.room.ready).toBe(true);
    alice.room.endMatch(); // Alice's Rematch
    alice.room.setReady(true);
    expect(sim.runUntilStarted(3000)).toBe(true);
    expect(aborts(bob)).toEqual([]);
    expect(bob.room.match?.start.sessionId).toBe(alice.room.match?.start.sessionId);
  });
});
