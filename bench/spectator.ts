/**
 * Spectator figures (docs/performance.md, issue 11 item 4):
 * - `spectator_kbps_per_player` (and `_2p`, `_4p`): what the feeder sends one spectator, in kbit/s
 *   (feed datagram bytes × 8 / 1000 per second of match after the spectator joined), seeded simulated
 *   matches with 40 ms one way, 10 ms jitter, 5 % loss; the key itself is the larger of 2 and 4 players.
 *   Target ≤ 16 (it is also the budget's hard cap: `SPECTATOR_LIMITS.bytesPerSecond`).
 * - `spectator_catchup_ms` (and `_max`): real WebRTC (wrtc, simple-peer) on loopback, two players a
 *   second into their match: from the spectator's first request to its first frame rendered (the
 *   transfer checked and the playback started), p50 of 5 rounds.
 * - `spectator_player_frame_us_{0,16}` (and `_p50_`, `_p99_`): the feeding player's session time per
 *   frame (`advanceFrame`, game step excluded), 2 players over a simulated 25 ms link, with no spectator
 *   and with 16 spectators all asking that player; per frame the minimum of 3 interleaved identical runs.
 */
import { checksum, encodeState, initialState, InputBits, makeConfig, step, type GameState } from '../src/game/index.ts';
import { SpectatorMatch } from '../src/lobby/spectator-match.ts';
import { P2PSession, Simulation, SpectatorSession, FrameClock, type GameAdapter } from '../src/netcode/index.ts';
import { RandomBot } from '../src/sim/bot.ts';
import { runSimMatch } from '../src/sim/match-harness.ts';
import { makeLinkConditions } from '../src/transport/link-model.ts';
import { SimNetwork } from '../src/transport/sim-network.ts';
import type { SimplePeerLink } from '../src/transport/simple-peer-link.ts';
import { openSimplePeerMesh, until } from '../test/support/webrtc-mesh.ts';
import { quantile } from '../src/shared/quantile.ts';

const TICK = 1000 / 60;
const GAME: GameAdapter<GameState> = { step, checksum };
const round1 = (x: number): number => Math.round(x * 10) / 10;

const pct = (values: readonly number[], q: number): number => quantile(values, q, 0);

/** kbit/s the feeder sends one spectator, max over a few seeds. */
function feedKbps(players: number): number {
  let worst = 0;
  for (let i = 0; i < 4; i++) {
    const joinAtMs = 2000;
    const r = runSimMatch({ players, seed: 900 + i, frames: 1800, link: makeLinkConditions({ latencyMs: 40, jitterMs: 10, loss: 0.05 }), spectators: { count: 1, joinAtMs, firstFeeder: 0 } });
    if (!r.spectatorsInSync) throw new Error(`spectator out of sync: ${r.failure ?? '?'}`);
    const bytes = r.peers.reduce((n, p) => n + (p.stats.spectators?.bytesOut ?? 0), 0);
    worst = Math.max(worst, (bytes * 8) / (r.virtualMs - joinAtMs));
  }
  return round1(worst);
}

/** The feeding player's session µs per frame with `count` spectators asking it. */
function playerFrameUs(count: number, frames: number): number[] {
  const net = new SimNetwork({ seed: 5, defaultLink: makeLinkConditions({ latencyMs: 25 }) });
  const ids = ['p0', 'p1'];
  const config = makeConfig({ players: 2, pointsToWin: 99, seed: 9 });
  const peers = ids.map((id, player) => ({
    session: new P2PSession<GameState>({ players: 2, localPlayer: player, remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])), socket: net.createSocket(id), sessionId: 1, startMs: 0, encodeState, departedInput: InputBits.absent }),
    sim: new Simulation(GAME, initialState(config)),
    bot: new RandomBot(player + 100),
  }));
  const spectators = Array.from({ length: count }, (_, i) => {
    const id = `s${i}`;
    for (const p of peers) p.session.watch(id);
    return new SpectatorSession<GameState>({ players: 2, sessionId: 1, socket: net.createSocket(id), feeders: ['p0'], decodeState: () => initialState(config), checksum: () => checksum(initialState(config)) });
  });
  const us: number[] = [];
  for (let f = 0; f < frames; f++) {
    const now = f * TICK;
    net.advanceTo(now);
    for (const [i, p] of peers.entries()) {
      p.session.addLocalInput(p.bot.next());
      const t0 = process.hrtime.bigint();
      const requests = p.session.advanceFrame(now);
      const t1 = process.hrtime.bigint();
      p.sim.execute(requests);
      if (i === 0 && f >= 120) us.push(Number(t1 - t0) / 1000);
    }
    for (const s of spectators) s.poll(now);
  }
  return us;
}

/**
 * Per frame, the minimum over `runs` identical runs (same seeds, same traffic), interleaved with the
 * other count: random pauses (GC, a busy shared machine) drop out, the work per frame stays.
 */
function frameCost(counts: readonly number[], runs: number, frames: number): { mean: number; p50: number; p99: number }[] {
  const mins = counts.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    counts.forEach((count, c) => {
      const us = playerFrameUs(count, frames);
      const m = mins[c] as number[];
      us.forEach((v, i) => (m[i] = Math.min(m[i] ?? Number.POSITIVE_INFINITY, v)));
    });
  }
  return mins.map((m) => ({ mean: round1(m.reduce((a, b) => a + b, 0) / m.length), p50: round1(pct(m, 0.5)), p99: round1(pct(m, 0.99)) }));
}

/** Real WebRTC: ms from the spectator's first request to its first frame rendered, per round. */
async function catchupMs(rounds: number): Promise<number[]> {
  const links = await openSimplePeerMesh(['pa', 'pb', 'sa']);
  try {
    const out: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const setup = { players: 2, pointsToWin: 99, inputDelay: 2, maxPrediction: 8 };
      const seed = 40 + r;
      const sessionId = 0x5b00 + r;
      const config = makeConfig({ players: 2, pointsToWin: 99, seed });
      const t0 = performance.now();
      const now = (): number => performance.now() - t0;
      const players = ['pa', 'pb'].map((id, player) => {
        const session = new P2PSession<GameState>({ players: 2, localPlayer: player, remotes: [{ player: 1 - player, peer: player === 0 ? 'pb' : 'pa' }], socket: (links[player] as SimplePeerLink).unreliable, sessionId, startMs: 0, encodeState, departedInput: InputBits.absent });
        session.watch('sa');
        const clock = new FrameClock(TICK);
        clock.start(0);
        return { id, session, clock, sim: new Simulation(GAME, initialState(config)), bot: new RandomBot(player + 7 * r) };
      });
      const drive = (): void => {
        const t = now();
        for (const p of players) {
          const due = p.clock.due(t, p.session.tickRateFactor);
          if (due === 0) p.session.poll(t);
          for (let i = 0; i < due; i++) {
            p.session.addLocalInput(p.bot.next());
            p.sim.execute(p.session.advanceFrame(t));
          }
        }
      };
      await until('the match running', () => (drive(), now() >= 1000), 5000);
      (links[2] as SimplePeerLink).unreliable.receiveAll(); // nothing from earlier rounds
      const match = new SpectatorMatch({ link: links[2] as SimplePeerLink, start: { seed, sessionId, order: ['pa', 'pb'], setup }, names: ['A', 'B'], now });
      const asked = now();
      await until('the spectator started', () => {
        drive();
        match.update(now());
        return match.started;
      }, 5000);
      out.push(now() - asked);
    }
    return out;
  } finally {
    for (const l of links) l.close();
  }
}

/** Runs the spectator benchmarks. */
export async function benchSpectator(): Promise<Record<string, number>> {
  const k2 = feedKbps(2);
  const k4 = feedKbps(4);
  playerFrameUs(16, 600); // warm-up
  const [none, sixteen] = frameCost([0, 16], 3, 3600) as [{ mean: number; p50: number; p99: number }, { mean: number; p50: number; p99: number }];
  const catchup = await catchupMs(5);
  return {
    spectator_kbps_per_player: Math.max(k2, k4),
    spectator_kbps_per_player_2p: k2,
    spectator_kbps_per_player_4p: k4,
    spectator_catchup_ms: Math.round(pct(catchup, 0.5)),
    spectator_catchup_ms_max: Math.round(Math.max(...catchup)),
    spectator_player_frame_us_0: none.mean,
    spectator_player_frame_us_16: sixteen.mean,
    spectator_player_frame_p50_us_0: none.p50,
    spectator_player_frame_p50_us_16: sixteen.p50,
    spectator_player_frame_p99_us_0: none.p99,
    spectator_player_frame_p99_us_16: sixteen.p99,
  };
}
