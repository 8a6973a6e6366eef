/**
 * The one match runner (src/match/runner.ts): its frame loop against a simple reference (frames due =
 * elapsed time at 60 Hz, capped per update, never past `until`), its confirmed timeline (every recorded
 * frame re-simulates to the checksum it remembers; the replay verifies) and settling — on the local
 * session practice uses and on real P2PSessions over the seeded network simulator.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, initialState, InputBits, makeConfig, step, verifyReplay, type GameState } from '../../src/game/index.ts';
import { LocalSession } from '../../src/match/local-session.ts';
import { MatchRunner } from '../../src/match/runner.ts';
import { P2PSession } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { SimNetwork } from '../../src/transport/sim-network.ts';
import { botInput } from '../../src/ui/bot.ts';

const TICK = 1000 / 60;

function localRunner(players: number, seed: number, startMs = 0, pointsToWin = 5): MatchRunner {
  const config = makeConfig({ players, seed, pointsToWin });
  const aim: number[] = [];
  const runner: MatchRunner = new MatchRunner({ session: new LocalSession(inputs), config, startState: initialState(config), startMs });
  function inputs(local: number): number[] {
    return [local, ...Array.from({ length: players - 1 }, (_, i) => botInput(runner.state, i + 1, aim))];
  }
  return runner;
}

/** Re-simulates recorded inputs from frame 0, checking every remembered confirmed checksum. */
function checkTimeline(r: MatchRunner): void {
  let s: GameState = initialState(r.config);
  for (const inputs of r.confirmedInputs) {
    s = step(s, inputs);
    const p = r.confirmedAt(s.frame);
    expect(p?.checksum).toBe(checksum(s));
  }
  expect(checksum(r.confirmedState)).toBe(checksum(s));
}

describe('MatchRunner on a local session (practice)', () => {
  it('runs no frame before its start, then the frames due at 60 Hz, capped per update and never past `until`', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 100 }), (gaps, until, startMs) => {
        const r = localRunner(2, 3, startMs);
        // Reference: the accumulator of elapsed time since the start, at most 8 frames per update.
        let now = 0;
        let acc = 0;
        let last: number | undefined;
        let expected = 0;
        for (const gap of gaps) {
          now += gap;
          const res = r.update(now, 0, until);
          if (now >= startMs) {
            acc += now - (last ?? startMs);
            last = now;
            let n = Math.floor(acc / TICK + 1e-9);
            if (n > 8) {
              n = 8;
              acc = 0;
            } else acc -= n * TICK;
            const ran = Math.min(n, Math.max(0, until - expected));
            expected += ran;
            expect(res.advanced).toBe(ran);
          } else expect(res.advanced).toBe(0);
          expect(r.frame).toBe(expected);
          expect(r.frame).toBeLessThanOrEqual(until);
          expect(r.state.frame).toBe(r.frame);
        }
        // Every frame of a local match is final at once, and its timeline re-simulates.
        expect(r.recordedFrames).toBe(r.frame);
        expect(r.confirmedState.frame).toBe(r.frame);
        checkTimeline(r);
      }),
      { numRuns: 60 },
    );
  });

  it('plays a practice match with bots to a confirmed winner whose replay verifies to the same state', () => {
    const r = localRunner(4, 9, 0, 2);
    let now = 0;
    const local = new RandomBot(1);
    while (r.winner < 0 && now < 600_000) r.update((now += TICK), () => local.next());
    expect(r.winner).toBeGreaterThanOrEqual(0);
    expect(r.confirmedState.scores[r.winner]).toBe(2);
    const replay = r.replay(['a', 'b', 'c', 'd']);
    expect(replay.frames).toBe(r.frame);
    const verdict = verifyReplay(replay);
    expect(verdict.ok).toBe(true);
    expect(replay.finalChecksum).toBe(checksum(r.state));
    checkTimeline(r);
  });

  it('a resumed runner has no whole replay and records from its first frame', () => {
    const config = makeConfig({ players: 2, seed: 4 });
    let s = initialState(config);
    for (let f = 0; f < 30; f++) s = step(s, [0, 0]);
    const r = new MatchRunner({ session: new LocalSession(() => [0, 0]), config, startState: s, firstFrame: 30, startMs: 0 });
    // The local session counts from 0; what matters here is the runner's bookkeeping.
    r.update(TICK * 5, 0);
    expect(r.recordedFrames).toBe(30 + r.confirmedInputs.length);
    expect(() => r.replay()).toThrow(/resumed/);
  });
});

describe('MatchRunner on P2PSessions (rollback)', () => {
  it('two runners over a lossy, laggy link roll back, settle at the same frame and agree on every confirmed checksum', () => {
    const net = new SimNetwork({ seed: 21, defaultLink: makeLinkConditions({ latencyMs: 60, jitterMs: 20, loss: 0.1 }) });
    const config = makeConfig({ players: 2, seed: 5, pointsToWin: 99 });
    const runners = [0, 1].map((player) => {
      const session = new P2PSession<GameState>({ players: 2, localPlayer: player, remotes: [{ player: 1 - player, peer: `p${1 - player}` }], socket: net.createSocket(`p${player}`), sessionId: 7, startMs: 0, departedInput: InputBits.absent });
      return new MatchRunner({ session, config, startState: initialState(config), startMs: 0 });
    });
    const bots = [new RandomBot(3), new RandomBot(4)];
    const target = 600;
    let resimulated = 0;
    let now = 0;
    for (let i = 0; i < 20_000 && !runners.every((r) => r.frame >= target && r.recordedFrames === target); i++) {
      now += 4;
      net.advanceTo(now);
      runners.forEach((r, p) => (resimulated += r.update(now, () => (bots[p] as RandomBot).next(), target).resimulated));
    }
    for (const r of runners) {
      expect(r.frame).toBe(target);
      expect(r.recordedFrames).toBe(target);
      checkTimeline(r);
    }
    expect(resimulated).toBeGreaterThan(0); // the lag made it predict and correct
    const [a, b] = runners as [MatchRunner, MatchRunner];
    expect(checksum(a.state)).toBe(checksum(b.state));
    expect(checksum(a.confirmedState)).toBe(checksum(a.state)); // settled: the drawn state is final
    for (let f = 1; f <= target; f += 37) expect(a.confirmedAt(f)?.checksum).toBe(b.confirmedAt(f)?.checksum);
    expect(verifyReplay(a.replay()).ok).toBe(true);
  });
});
