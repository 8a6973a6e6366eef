/**
 * Shared helpers for the netcode tests: P2P sessions over an in-memory loopback mesh on a manual
 * clock (with gates to delay or cut a direction), deliberately broken games (canaries), and the
 * seeded parameters of the integration matrix (each match derived from its index, so a failure
 * names everything needed to reproduce it).
 */
import { describe, expect, it } from 'vitest';
import { checksum, initialState, makeConfig, step, type GameState, type MatchConfig } from '../../src/game/index.ts';
import { P2PSession, Simulation, type Datagram, type GameAdapter, type P2PSessionOptions, type PeerId, type PeerSocket, type SessionEvent, type SessionRequest } from '../../src/netcode/index.ts';
import { runSimMatch, type SimMatchOptions, type SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions, type LinkConditions } from '../../src/transport/link-model.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';
import { SeededRandom, deriveSeed } from '../../src/transport/seeded-random.ts';

/** The real game as the netcode sees it. */
export const GAME: GameAdapter<GameState> = { step, checksum };

/** Duration of one frame at 60 Hz, ms. */
export const TICK_MS = 1000 / 60;

/** A socket decorator that can hold incoming datagrams per sending peer (a late link): they are delivered on release. */
export class GatedSocket implements PeerSocket {
  private readonly held = new Set<PeerId>();
  private readonly waiting: Datagram[] = [];

  constructor(private readonly inner: PeerSocket) {}

  /** Keeps datagrams from `from` until `release(from)`. */
  hold(from: PeerId): void {
    this.held.add(from);
  }

  /** Delivers everything held from `from` at the next `receiveAll`, and stops holding. */
  release(from: PeerId): void {
    this.held.delete(from);
  }

  send(to: PeerId, bytes: Uint8Array): void {
    this.inner.send(to, bytes);
  }

  receiveAll(): Datagram[] {
    this.waiting.push(...this.inner.receiveAll());
    const out: Datagram[] = [];
    const keep: Datagram[] = [];
    for (const d of this.waiting) (this.held.has(d.from) ? keep : out).push(d);
    this.waiting.splice(0, this.waiting.length, ...keep);
    return out;
  }
}

/** One session of a loopback rig, with its game state and the events it raised. */
export interface RigPeer {
  readonly player: number;
  readonly id: PeerId;
  readonly session: P2PSession<GameState>;
  readonly sim: Simulation<GameState>;
  readonly socket: GatedSocket;
  readonly events: SessionEvent[];
}

/** Session options a test may override (per player). */
export type RigOptions = Partial<Omit<P2PSessionOptions<GameState>, 'players' | 'localPlayer' | 'remotes' | 'socket'>>;

/** Peer id of player `p` in a rig. */
export const peerId = (p: number): PeerId => `p${p}`;

/**
 * `players` sessions over one loopback mesh (every datagram delivered at the destination's next
 * receive), all starting at `startMs` 0 unless overridden. Extra ids get sockets on the mesh too
 * (strangers that can send to the sessions).
 */
export function makeRig(
  players: number,
  options: RigOptions | ((player: number) => RigOptions) = {},
  config: MatchConfig = makeConfig({ players, seed: 7, pointsToWin: 99 }),
  extraIds: readonly PeerId[] = [],
): { peers: RigPeer[]; sockets: Map<PeerId, PeerSocket> } {
  const ids = Array.from({ length: players }, (_, p) => peerId(p));
  const sockets = createLoopbackMesh([...ids, ...extraIds]);
  const peers = ids.map((id, player) => {
    const inner = sockets.get(id);
    if (inner === undefined) throw new Error(`no socket for ${id}`);
    const socket = new GatedSocket(inner);
    const own = typeof options === 'function' ? options(player) : options;
    const session = new P2PSession<GameState>({
      players,
      localPlayer: player,
      remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])),
      socket,
      sessionId: 42,
      startMs: 0,
      ...own,
    });
    return { player, id, session, sim: new Simulation(GAME, initialState(config)), socket, events: [] };
  });
  return { peers, sockets };
}

/** One frame of a rig peer: local input, advance, execute; returns the requests. */
export function runFrame(peer: RigPeer, input: number, nowMs: number): SessionRequest<GameState>[] {
  peer.session.addLocalInput(input);
  const requests = peer.session.advanceFrame(nowMs);
  peer.sim.execute(requests);
  peer.events.push(...peer.session.drainEvents());
  return requests;
}

/** Network work only (no frame) for a rig peer, collecting its events. */
export function pollPeer(peer: RigPeer, nowMs: number): void {
  peer.session.poll(nowMs);
  peer.events.push(...peer.session.drainEvents());
}

/** A compact trace of requests, e.g. `['save 3', 'advance 3']`, for order assertions. */
export function trace(requests: readonly SessionRequest<unknown>[]): string[] {
  return requests.map((r) => `${r.kind} ${r.frame}`);
}

/** Events of one kind, typed. */
export function eventsOf<K extends SessionEvent['kind']>(events: readonly SessionEvent[], kind: K): Extract<SessionEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
}

// ---- canary games ----------------------------------------------------------------------------

/**
 * A game that differs from the real one from frame `frame` on: every simulation (first or
 * re-simulation) of that frame flips a bit of the random generator's state, which no later step
 * repairs (a ball nudge would vanish at the next serve). Deterministic on its own peer, so its states
 * stay diverged — what a desync bug (e.g. an engine-dependent float) looks like.
 */
export function divergingGame(frame: number): GameAdapter<GameState> {
  return {
    checksum,
    step(state, inputs) {
      const next = step(state, inputs);
      return next.frame === frame ? { ...next, rng: (next.rng ^ 0x100) >>> 0 } : next;
    },
  };
}

/**
 * A nondeterministic game: a hidden counter outside the state (bumped by every call) leaks into the
 * ball's x, so a re-simulation of a frame never reproduces its first simulation.
 */
export function hiddenCounterGame(): GameAdapter<GameState> {
  let calls = 0;
  return {
    checksum,
    step(state, inputs) {
      calls++;
      const next = step(state, inputs);
      return { ...next, ball: { ...next.ball, x: next.ball.x + (calls % 5) } };
    },
  };
}

// ---- the seeded match matrix -----------------------------------------------------------------

/** Everything that defines one match of the matrix (printed on failure). */
export interface MatrixCase {
  readonly index: number;
  readonly seed: number;
  readonly players: number;
  readonly frames: number;
  /** `links[from][to]`; the diagonal is unused. */
  readonly links: readonly (readonly LinkConditions[])[];
  readonly asymmetric: boolean;
  readonly inputDelay: number;
  readonly maxPrediction: number;
  readonly stepMs: number;
  readonly suspend?: { readonly player: number; readonly atMs: number; readonly durationMs: number };
}

const round = (x: number, step: number): number => Math.round(x / step) * step;

function randomLink(rng: SeededRandom, base?: LinkConditions): LinkConditions {
  const latencyMs = Math.floor(rng.between(0, 126)); // RTT 0..250 ms
  const jitterMs = Math.floor(rng.between(0, 51));
  const loss = round(rng.between(0, 0.2), 0.005);
  const duplicate = rng.chance(0.5) ? round(rng.between(0, 0.1), 0.005) : 0;
  const reorder = rng.chance(0.5) ? round(rng.between(0, 0.1), 0.005) : 0;
  const burstLoss = rng.chance(0.25) ? { enter: round(rng.between(0.005, 0.04), 0.001), exit: round(rng.between(0.2, 0.6), 0.01) } : undefined;
  if (base !== undefined) {
    // An asymmetric link keeps the base's character but with its own delay and loss.
    return makeLinkConditions({ ...base, latencyMs, loss });
  }
  return makeLinkConditions({ latencyMs, jitterMs, loss, duplicate, reorder, ...(burstLoss !== undefined ? { burstLoss } : {}) });
}

/**
 * The parameters of match `index` of the matrix: RTT 0-250 ms, jitter 0-50 ms, loss 0-20 %, some
 * duplication, reordering and burst loss, asymmetric links in a quarter of the matches, one peer
 * suspended for 2 s in a fifth, 2-4 players, 300-600 frames. A pure function of `index`.
 */
export function matrixCase(index: number): MatrixCase {
  const rng = new SeededRandom(deriveSeed(0x5eed, 'netcode-matrix', index));
  const players = 2 + (index % 3);
  const frames = 300 + Math.floor(rng.between(0, 301));
  const base = randomLink(rng);
  const asymmetric = rng.chance(0.25);
  const links = Array.from({ length: players }, (_, a) =>
    Array.from({ length: players }, (_, b) => (asymmetric && a !== b ? randomLink(rng, base) : base)),
  );
  const inputDelay = rng.chance(0.7) ? 2 : Math.floor(rng.between(0, 5));
  const maxPrediction = rng.chance(0.7) ? 8 : 4 + Math.floor(rng.between(0, 9));
  const stepMs = rng.chance(0.5) ? 2 : 4;
  const suspended = rng.chance(0.2);
  const matchMs = frames * TICK_MS;
  const suspend = suspended
    ? { player: Math.floor(rng.between(0, players)), atMs: Math.floor(rng.between(300, matchMs * 0.6)), durationMs: 2000 }
    : undefined;
  const seed = deriveSeed(0xc0ffee, 'match', index);
  return { index, seed, players, frames, links, asymmetric, inputDelay, maxPrediction, stepMs, ...(suspend !== undefined ? { suspend } : {}) };
}

/** The harness options of a matrix case. */
export function matrixOptions(c: MatrixCase): SimMatchOptions {
  return {
    players: c.players,
    seed: c.seed,
    frames: c.frames,
    link: (from, to) => c.links[from]?.[to] ?? makeLinkConditions({}),
    inputDelay: c.inputDelay,
    maxPrediction: c.maxPrediction,
    stepMs: c.stepMs,
    ...(c.suspend !== undefined ? { suspend: c.suspend } : {}),
  };
}

/** One line describing a case, enough to reproduce it (`matrixCase(index)`). */
export function describeCase(c: MatrixCase): string {
  return `matrix case ${c.index}: ${JSON.stringify(c)}`;
}

/**
 * Asserts the acceptance criteria of a match without departures: completed, identical final states,
 * zero desync reports (so zero false ones) and no lost state, every recorded replay verifies, nobody dropped.
 */
export function expectCleanMatch(r: SimMatchResult, context: string): void {
  const where = `${context}\nfailure: ${r.failure ?? '-'}`;
  expect(r.completed, where).toBe(true);
  expect(r.inSync, where).toBe(true);
  expect(r.desyncEvents, where).toBe(0);
  expect(r.falseDesyncReports, where).toBe(0);
  expect(r.replaysVerify, where).toBe(true);
  for (const p of r.peers) {
    expect(eventsOf(p.events, 'disconnected'), where).toEqual([]);
    expect(eventsOf(p.events, 'local-disconnected'), where).toEqual([]);
    expect(eventsOf(p.events, 'state-lost'), where).toEqual([]);
    // A rollback needs a misprediction, and a misprediction needs a predicted frame.
    expect(p.stats.rollbacks, where).toBeLessThanOrEqual(p.stats.predictedFrames);
  }
}

/**
 * Registers the seeded matrix cases `from .. to - 1` as one test each (the matrix is split across files
 * so that vitest runs the parts in parallel). A failing case prints all its parameters.
 */
export function describeMatrix(from: number, to: number): void {
  describe(`netcode matrix (${from}-${to - 1})`, () => {
    for (let index = from; index < to; index++) {
      const c = matrixCase(index);
      const link = c.links[0]?.[1];
      const label = `#${index}: ${c.players}p ${c.frames}f rtt ${2 * (link?.latencyMs ?? 0)} ms loss ${Math.round((link?.loss ?? 0) * 100)} %${c.asymmetric ? ' asym' : ''}${c.suspend ? ' suspend' : ''}`;
      it(label, () => {
        expectCleanMatch(runSimMatch(matrixOptions(c)), describeCase(c));
      });
    }
  });
}
