import { describe, expect, it } from 'vitest';
import { checksum, diffStates, initialState, makeConfig, type GameState } from '../../src/game/index.ts';
import { Simulation, SyncTestSession, type GameAdapter, type SyncTestMismatch } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { GAME, hiddenCounterGame, trace } from '../support/netcode.ts';

interface SyncTestRun {
  readonly checks: number;
  readonly mismatches: SyncTestMismatch[];
  readonly final: GameState;
}

/** Runs a sync test of `frames` frames with one `RandomBot` per player. */
function runSyncTest(game: GameAdapter<GameState>, players: number, checkDistance: number, frames: number, seed: number): SyncTestRun {
  const session = new SyncTestSession<GameState>({ players, checkDistance, diff: (a, b) => diffStates(a, b) });
  const sim = new Simulation(game, initialState(makeConfig({ players, seed, pointsToWin: 99 })));
  const bots = Array.from({ length: players }, (_, p) => new RandomBot(seed * 10 + p));
  const mismatches: SyncTestMismatch[] = [];
  for (let f = 0; f < frames; f++) {
    session.addInputs(bots.map((b) => b.next()));
    sim.execute(session.advanceFrame());
    mismatches.push(...session.drainMismatches());
  }
  // One more call compares the last re-simulation.
  session.addInputs(bots.map(() => 0));
  session.advanceFrame();
  mismatches.push(...session.drainMismatches());
  return { checks: session.checks, mismatches, final: sim.state };
}

describe('SyncTestSession on the real game', () => {
  // 3,400 frames for each of 2, 3 and 4 players: 10,200 frames per check distance.
  for (let d = 1; d <= 8; d++) {
    it(`re-simulates ${d} frame(s) back every frame without a mismatch (2, 3 and 4 players)`, () => {
      let frames = 0;
      for (const players of [2, 3, 4]) {
        const run = runSyncTest(GAME, players, d, 3400, 1000 * d + players);
        expect(run.mismatches).toEqual([]);
        // Frames d..3399 each re-simulated d frames, all compared (at the next call).
        expect(run.checks).toBe((3400 - d) * d);
        expect(run.final.frame).toBe(3400);
        expect(run.final.scores.some((s) => s > 0)).toBe(true); // the match really played
        frames += run.final.frame;
      }
      expect(frames).toBeGreaterThanOrEqual(10_000);
    });
  }

  it('returns save, load d back, re-simulation with saves, then the new frame', () => {
    const session = new SyncTestSession<GameState>({ players: 2, checkDistance: 2 });
    const sim = new Simulation(GAME, initialState(makeConfig({ players: 2 })));
    const traces: string[][] = [];
    for (let f = 0; f < 4; f++) {
      session.addInputs([f, 0]);
      const requests = session.advanceFrame();
      sim.execute(requests);
      traces.push(trace(requests));
    }
    expect(traces[0]).toEqual(['save 0', 'advance 0']);
    expect(traces[1]).toEqual(['save 1', 'advance 1']);
    expect(traces[3]).toEqual(['save 3', 'load 1', 'advance 1', 'save 2', 'advance 2', 'save 3', 'advance 3']);
    expect(session.currentFrame).toBe(4);
    expect(sim.state.frame).toBe(4);
  });

  it('rejects a bad check distance and a wrong number of inputs', () => {
    expect(() => new SyncTestSession({ players: 2, checkDistance: 0 })).toThrow(RangeError);
    expect(() => new SyncTestSession({ players: 2, checkDistance: 17 })).toThrow(RangeError);
    expect(() => new SyncTestSession({ players: 2, checkDistance: 2.5 })).toThrow(RangeError);
    const s = new SyncTestSession({ players: 3, checkDistance: 2 });
    expect(() => s.addInputs([0, 0])).toThrow(RangeError);
    expect(() => s.advanceFrame()).toThrow(Error); // no inputs given
  });
});

describe('SyncTestSession catches nondeterminism', () => {
  it('reports a step that leaks a hidden counter into the ball, with frame, both checksums and a diff', () => {
    const run = runSyncTest(hiddenCounterGame(), 2, 3, 200, 5);
    expect(run.mismatches.length).toBeGreaterThan(0);
    const first = run.mismatches[0] as SyncTestMismatch;
    expect(first.frame).toBeGreaterThanOrEqual(1);
    expect(first.frame).toBeLessThanOrEqual(3); // caught at the very first re-simulation
    expect(first.expected).not.toBe(first.actual);
    expect(first.diff.map((d) => d.path)).toContain('ball.x');
    expect(first.diff.every((d) => d.path.startsWith('ball.'))).toBe(true);
  });

  it('reports a step whose result depends on mutable state outside the game state', () => {
    const outside = { serveBias: 0 };
    const game: GameAdapter<GameState> = {
      checksum,
      step(state, inputs) {
        const next = GAME.step(state, inputs);
        outside.serveBias = (outside.serveBias + next.frame) % 3; // "just a little cache"
        return { ...next, rally: next.rally + outside.serveBias };
      },
    };
    const run = runSyncTest(game, 4, 1, 100, 9);
    expect(run.mismatches.length).toBeGreaterThan(0);
    expect((run.mismatches[0] as SyncTestMismatch).diff.map((d) => d.path)).toContain('rally');
  });

  it('stays silent about a deterministic but wrong game (that is a desync between peers, not a sync-test failure)', () => {
    const run = runSyncTest({ checksum, step: (s, i) => GAME.step(GAME.step(s, i), i) }, 2, 4, 300, 3);
    expect(run.mismatches).toEqual([]);
    expect(run.checks).toBeGreaterThan(0);
  });
});
