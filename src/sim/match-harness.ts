/**
 * In-process matches between 2-4 peers over the seeded network simulator, on a virtual clock: the
 * engine behind the integration tests, `npm run simulate` and the netcode benchmarks.
 *
 * Each peer is a real `P2PSession` driven by the match runner (src/match/runner.ts: the frame clock, the
 * game state, the confirmed timeline — the same one online play uses) with its own input bot; the
 * harness only moves virtual time forward and lets every (non-suspended) peer run the frames that are
 * due, exactly like the browser loop does with `requestAnimationFrame`. When every peer reached the target frame, peers keep
 * exchanging packets without simulating new frames until every input is confirmed everywhere; then their
 * states must be identical, and the confirmed inputs are rebuilt into a replay that must verify.
 */
import { checksum, diffStates, initialState, InputBits, makeConfig, buildReplay, verifyReplay, encodeState, decodeState, step, type GameState, type MatchConfig, type Replay } from '../game/index.ts';
import { MessageKind, P2PSession, RejoinClient, type GameAdapter, type PeerSocket, type SessionEvent, type SessionStats, type Datagram, type PeerId } from '../netcode/index.ts';
import { MatchRunner } from '../match/runner.ts';
import { SimNetwork } from '../transport/sim-network.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import { RandomBot } from './bot.ts';
import { SimSpectators, type SimSpectatorOptions, type SimSpectatorResult } from './sim-spectators.ts';

/** What to simulate. */
export interface SimMatchOptions {
  readonly players: number;
  readonly seed: number;
  /** Frames every peer must reach. */
  readonly frames: number;
  /** Conditions of every directed link (or per link: `(from, to) => conditions`). */
  readonly link: LinkConditions | ((from: number, to: number) => LinkConditions);
  readonly inputDelay?: number;
  readonly maxPrediction?: number;
  readonly checksumInterval?: number;
  /** Suspend one peer (a background tab): neither runs nor sends nor receives for `durationMs`. */
  readonly suspend?: { readonly player: number; readonly atMs: number; readonly durationMs: number };
  /** One peer leaves at a frame, gracefully (`notice`) or by going silent (`silent`). */
  readonly leave?: { readonly player: number; readonly atFrame: number; readonly how: 'notice' | 'silent' };
  /** Replaces the game for one peer (e.g. a nondeterministic canary). */
  readonly gameFor?: (player: number) => GameAdapter<GameState>;
  /** Upper bound of virtual time, ms (default: 4x the match length + 30 s). */
  readonly timeLimitMs?: number;
  /** Virtual time step, ms (default 2). */
  readonly stepMs?: number;
  readonly matchConfig?: Partial<MatchConfig>;
  /**
   * A trusted in-memory notary (what the lobby server does): every record a peer produces is relayed,
   * after `latencyMs`, as the same bytes to every other remaining peer, in order. Sessions run with
   * `notary: true`.
   */
  readonly notary?: { readonly latencyMs: number };
  /** Decorates a peer's socket (a hostile peer tampering with what it sends). */
  readonly wrapSocket?: (player: number, socket: PeerSocket) => PeerSocket;
  /** Rewrites the records a peer hands to the notary (a hostile peer withholding or forging some). */
  readonly recordFilter?: (player: number, records: Uint8Array[], nowMs: number) => Uint8Array[];
  /** A hostile player: not required to finish, and not compared with the others. */
  readonly hostilePlayer?: number;
  /**
   * One peer drops (its page closes: silent, and the server says it left) at `atFrame` and opens the
   * link again `awayMs` later: it rejoins by state transfer (needs `notary`). `times` repeats it.
   */
  readonly rejoin?: {
    readonly player: number; readonly atFrame: number; readonly awayMs: number; readonly times?: number;
    /** The match may end with the player still waiting to return (a hostile member may keep it away). */
    readonly mayStayAway?: boolean;
  };
  /** The departed input (see `P2PSessionOptions.departedInput`; default `InputBits.absent`, as online play). */
  readonly departedInput?: number;
  /** Spectators joining mid-match (sim-spectators.ts): each must end on the players' confirmed states. */
  readonly spectators?: SimSpectatorOptions;
}

/** One peer's outcome. */
export interface SimPeerResult {
  readonly player: number;
  readonly frame: number;
  readonly checksum: number;
  readonly stats: SessionStats;
  readonly events: readonly SessionEvent[];
  readonly replay: Replay;
}

/** The outcome of a match. */
export interface SimMatchResult {
  /** Every remaining peer reached the target frame with all inputs confirmed, in time. */
  readonly completed: boolean;
  /** Final states of the remaining peers are identical. */
  readonly inSync: boolean;
  readonly peers: readonly SimPeerResult[];
  /** Desync and state-lost events raised (by any peer). */
  readonly desyncEvents: number;
  /** Desync events raised although the final states agree. */
  readonly falseDesyncReports: number;
  /** Every remaining peer's confirmed inputs rebuild into a replay that verifies to its own final checksum. */
  readonly replaysVerify: boolean;
  /** Sizes of every input datagram sent (bytes). */
  readonly inputPacketBytes: readonly number[];
  readonly virtualMs: number;
  /** Per rejoin: virtual ms from the link reopened to playing again (the session resumed), and transfer bytes. */
  readonly rejoins: readonly { readonly ms: number; readonly transferBytes: number; readonly frame: number }[];
  /** Drops of the `rejoin` scenario that happened (a later one may fall after the match's end). */
  readonly rejoinDrops: number;
  /** Every spectator ended on the players' final state, matching their confirmed replay at every frame it reached. */
  readonly spectatorsInSync: boolean;
  readonly spectators: readonly SimSpectatorResult[];
  readonly failure?: string;
}

const forensics = {
  encode: encodeState,
  decode: (b: Uint8Array) => {
    const r = decodeState(b);
    return r.ok ? r.state : undefined;
  },
  diff: (a: GameState, b: GameState) => diffStates(a, b),
};

/** Counts the size of every input datagram a peer sends. */
class MeteredSocket implements PeerSocket {
  constructor(
    private readonly inner: PeerSocket,
    private readonly sizes: number[],
  ) {}
  send(to: PeerId, bytes: Uint8Array): void {
    if (bytes[2] === MessageKind.input) this.sizes.push(bytes.length);
    this.inner.send(to, bytes);
  }
  receiveAll(): Datagram[] {
    return this.inner.receiveAll();
  }
}

interface Peer {
  readonly player: number;
  session: P2PSession<GameState>;
  /** Its frame loop and confirmed timeline (a new one when it resumes from a transfer). */
  runner: MatchRunner;
  readonly bot: RandomBot;
  readonly events: SessionEvent[];
  readonly socket: PeerSocket;
  gone: boolean;
  /** Resumed from a transfer at this frame (its replay from frame 0 is not whole). */
  resumedAt?: number;
}

/** A peer coming back: fetching the match, with the records relayed to it meanwhile. */
interface Returning {
  readonly peer: Peer;
  readonly client: RejoinClient<GameState>;
  readonly sinceMs: number;
  readonly records: { from: number; bytes: Uint8Array }[];
}

/** Runs one match to completion (or to the time limit). */
export function runSimMatch(o: SimMatchOptions): SimMatchResult {
  const config = makeConfig({ players: o.players, seed: o.seed >>> 0, pointsToWin: 99, ...o.matchConfig });
  const net = new SimNetwork({ seed: o.seed });
  const ids = Array.from({ length: o.players }, (_, p) => `p${p}`);
  for (let a = 0; a < o.players; a++) {
    for (let b = 0; b < o.players; b++) {
      if (a !== b) net.setLink(ids[a] as string, ids[b] as string, typeof o.link === 'function' ? o.link(a, b) : o.link);
    }
  }
  if (o.suspend) net.suspend(ids[o.suspend.player] as string, o.suspend.atMs, o.suspend.atMs + o.suspend.durationMs);
  const inputPacketBytes: number[] = [];
  const sessionId = (o.seed * 2654435761) >>> 0;
  const sessionOptions = (player: number, socket: PeerSocket, startMs: number) => ({
    players: o.players,
    localPlayer: player,
    remotes: ids.flatMap((peer, p) => (p === player ? [] : [{ player: p, peer }])),
    socket,
    sessionId,
    startMs,
    forensics,
    ...(o.inputDelay !== undefined ? { inputDelay: o.inputDelay } : {}),
    ...(o.maxPrediction !== undefined ? { maxPrediction: o.maxPrediction } : {}),
    ...(o.checksumInterval !== undefined ? { checksumInterval: o.checksumInterval } : {}),
    ...(o.notary !== undefined ? { notary: true } : {}),
    // Pong's absent bit by default: a departed player's side becomes a wall (game rules 2).
    departedInput: o.departedInput ?? InputBits.absent,
  });
  const runnerOf = (session: P2PSession<GameState>, startState: GameState, startMs: number, player: number, firstFrame?: number): MatchRunner =>
    new MatchRunner({ session, config, startState, startMs, ...(firstFrame !== undefined ? { firstFrame } : {}), ...(o.gameFor !== undefined ? { game: o.gameFor(player) } : {}) });
  const peers: Peer[] = ids.map((id, player) => {
    const inner = net.createSocket(id);
    const socket = new MeteredSocket(o.wrapSocket?.(player, inner) ?? inner, inputPacketBytes);
    const session = new P2PSession<GameState>(sessionOptions(player, socket, 0));
    const runner = runnerOf(session, initialState(config), 0, player);
    return { player, session, runner, bot: new RandomBot(o.seed * 31 + player), events: [], socket, gone: false };
  });
  const linkOf = (from: number, to: number): LinkConditions => (typeof o.link === 'function' ? o.link(from, to) : o.link);
  const watchers = o.spectators === undefined || o.spectators.count === 0 ? undefined : new SimSpectators(o.spectators, net, ids, sessionId, linkOf);
  const rejoins: { ms: number; transferBytes: number; frame: number }[] = [];
  let returning: Returning | undefined;
  let rejoinsLeft = o.rejoin?.times ?? 1;
  let backAtMs: number | undefined;
  let rejoinDrops = 0;

  const stepMs = o.stepMs ?? 2;
  const limit = o.timeLimitMs ?? o.frames * (1000 / 60) * 4 + 30_000;
  let now = 0;
  let settled = false;
  // Records (and, `bytes` undefined, the server's word that a member left) in the notary's order.
  const inFlight: { at: number; from: number; bytes: Uint8Array | undefined }[] = [];
  const rejoinCalls: { at: number; player: number }[] = [];
  while (now <= limit) {
    now += stepMs;
    net.advanceTo(now);
    while (inFlight.length > 0 && (inFlight[0]?.at ?? Infinity) <= now) {
      const r = inFlight.shift();
      for (const peer of peers) {
        if (r === undefined || peer.player === r.from) continue;
        if (peer.gone) {
          // A returning peer is a member again: it keeps what the notary relays until it has a session.
          if (returning?.peer === peer && r.bytes !== undefined) returning.records.push({ from: r.from, bytes: r.bytes });
          continue;
        }
        if (r.bytes === undefined) peer.session.peerLeft(ids[r.from] as string);
        else peer.session.receiveRecord(r.from, r.bytes);
      }
    }
    // The rejoin scenario: the page closes, later its link is opened again.
    const rj = o.rejoin;
    if (rj !== undefined && o.notary !== undefined && rejoinsLeft > 0 && returning === undefined) {
      const peer = peers[rj.player] as Peer;
      if (!peer.gone && backAtMs === undefined && peer.session.currentFrame >= rj.atFrame + (peer.resumedAt ?? 0)) {
        peer.gone = true;
        watchers?.playerLeft(peer.player, now);
        rejoinDrops++;
        backAtMs = now + rj.awayMs;
        inFlight.push({ at: now + o.notary.latencyMs, from: peer.player, bytes: undefined });
      } else if (backAtMs !== undefined && now >= backAtMs) {
        backAtMs = undefined;
        rejoinsLeft--;
        peer.socket.receiveAll(); // what reached the closed page is gone with it
        const others = peers.filter((p) => p !== peer && !p.gone);
        const client = new RejoinClient<GameState>({
          players: o.players, localPlayer: peer.player, sessionId, socket: peer.socket, peers: others.map((p) => ids[p.player] as string),
          decodeState: (b) => forensics.decode(b), checksum,
          step: o.gameFor?.(peer.player).step ?? step, departedInput: o.departedInput ?? InputBits.absent,
        });
        returning = { peer, client, sinceMs: now, records: [] };
        // The server re-admits it; each peer's link to it opens (after the notary's latency here).
        const at = now + o.notary.latencyMs;
        rejoinCalls.push({ at, player: peer.player });
      }
    }
    while (rejoinCalls.length > 0 && (rejoinCalls[0]?.at ?? Infinity) <= now) {
      const c = rejoinCalls.shift();
      for (const p of peers) if (c !== undefined && !p.gone && p.player !== c.player) p.session.rejoin(ids[c.player] as string);
    }
    if (returning !== undefined) {
      const start = returning.client.poll(now);
      if (start !== undefined) {
        const peer = returning.peer;
        peer.session = new P2PSession<GameState>({ ...sessionOptions(peer.player, peer.socket, now), resume: start.resume });
        peer.runner = runnerOf(peer.session, start.state, now, peer.player, start.resume.frame);
        peer.resumedAt = start.resume.frame;
        peer.gone = false;
        for (const r of returning.records) peer.session.receiveRecord(r.from, r.bytes);
        rejoins.push({ ms: now - returning.sinceMs, transferBytes: start.bytes, frame: start.resume.resumeFrame });
        returning = undefined;
      }
    }
    for (const peer of peers) {
      if (peer.gone || net.isSuspended(ids[peer.player] as string, now)) continue;
      if (o.leave && o.leave.player === peer.player && peer.session.currentFrame >= o.leave.atFrame) {
        if (o.leave.how === 'notice') peer.session.leave(now);
        peer.gone = true;
        watchers?.playerLeft(peer.player, now);
        if (o.notary !== undefined) {
          // The final record goes out on leaving; a silent peer's socket closes and the server says so.
          const records = peer.session.takeRecords();
          for (const bytes of o.recordFilter?.(peer.player, records, now) ?? records) inFlight.push({ at: now + o.notary.latencyMs, from: peer.player, bytes });
          if (o.leave.how === 'silent') inFlight.push({ at: now + o.notary.latencyMs, from: peer.player, bytes: undefined });
        }
        continue;
      }
      runPeer(peer, now, o.frames);
      if (o.notary !== undefined) {
        const records = peer.session.takeRecords();
        for (const bytes of o.recordFilter?.(peer.player, records, now) ?? records) inFlight.push({ at: now + o.notary.latencyMs, from: peer.player, bytes });
      }
    }
    watchers?.step(now, peers.map((p) => (p.gone ? undefined : p.session)));
    const live = peers.filter((p) => !p.gone && p.player !== o.hostilePlayer);
    const watched = watchers === undefined || watchers.caughtUp(o.frames - 1);
    const away = returning === undefined || o.rejoin?.mayStayAway === true;
    if (away && backAtMs === undefined && watched && live.every((p) => p.session.currentFrame >= o.frames && p.session.confirmedFrame >= o.frames - 1)) {
      settled = true;
      break;
    }
  }
  const result = summarize(o, config, peers, settled, inputPacketBytes, now, rejoins);
  if (watchers === undefined) return { ...result, rejoinDrops, spectatorsInSync: true, spectators: [] };
  const whole = peers.find((p) => !p.gone && p.player !== o.hostilePlayer && p.resumedAt === undefined);
  const wrong = whole === undefined ? 'no player holds the whole match' : watchers.check(config, whole.runner.confirmedInputs, checksum(whole.runner.state));
  const failure = result.failure ?? (wrong !== undefined ? `spectators: ${wrong}` : undefined);
  const { failure: _, ...rest } = result;
  return { ...rest, rejoinDrops, spectatorsInSync: settled && wrong === undefined, spectators: watchers.results(), ...(failure !== undefined ? { failure } : {}) };
}

/** One peer's turn: the frames due (bot input), never past `target`, from where it only settles. */
function runPeer(peer: Peer, now: number, target: number): void {
  peer.runner.update(now, () => peer.bot.next(), target);
  for (const e of peer.runner.drainEvents()) peer.events.push(e);
}

function summarize(o: SimMatchOptions, config: MatchConfig, peers: Peer[], settled: boolean, inputPacketBytes: number[], now: number, rejoins: SimMatchResult['rejoins']): Omit<SimMatchResult, 'rejoinDrops' | 'spectatorsInSync' | 'spectators'> {
  const live = peers.filter((p) => !p.gone && p.player !== o.hostilePlayer);
  const results: SimPeerResult[] = live.map((p) => ({
    player: p.player,
    frame: p.session.currentFrame,
    checksum: checksum(p.runner.state),
    stats: p.session.stats(now),
    events: p.events,
    replay: buildReplay(config, p.runner.confirmedInputs),
  }));
  const first = results[0];
  const inSync = settled && first !== undefined && results.every((r) => r.checksum === first.checksum && r.frame === first.frame);
  // A state lost to a correction older than the saved states is a divergence too (its own event kind).
  const desyncEvents = live.reduce((n, p) => n + p.events.filter((e) => e.kind === 'desync' || e.kind === 'state-lost').length, 0);
  // A peer resumed from a transfer holds its confirmed inputs from that frame only: no whole replay.
  const whole = results.filter((r) => live.find((p) => p.player === r.player)?.resumedAt === undefined);
  const replaysVerify = whole.every((r) => r.replay.frames === o.frames && verifyReplay(r.replay).ok && r.replay.finalChecksum === r.checksum);
  let failure: string | undefined;
  if (!settled) failure = `not settled after ${now} ms: frames ${live.map((p) => `${p.session.currentFrame}/${p.session.confirmedFrame}`).join(', ')}`;
  else if (!inSync) failure = `final states differ: ${results.map((r) => r.checksum.toString(16)).join(', ')}`;
  else if (!replaysVerify) failure = 'a recorded replay does not verify';
  return {
    completed: settled,
    inSync,
    peers: results,
    desyncEvents,
    falseDesyncReports: inSync ? desyncEvents : 0,
    replaysVerify,
    inputPacketBytes,
    virtualMs: now,
    rejoins,
    ...(failure !== undefined ? { failure } : {}),
  };
}
