/**
 * The lobby integration suite, run once per WebRTC transport (each transport's test file calls
 * `describeLobbySuite`, so vitest runs the transports in parallel processes): real signaling server on
 * 127.0.0.1, real WebRTC (wrtc) through `Room`, the two-phase ready handshake, then matches played with
 * RandomBot inputs through the lag injector, settled, and compared by checksum and replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, silentLogger, type SignalingServer } from '../../signaling/index.ts';
import { checksum, formatChecksum, verifyReplay } from '../../src/game/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { SessionEvent } from '../../src/netcode/index.ts';
import type { Room, RoomEvent, RoomOptions } from '../../src/lobby/room.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { drive, openRoom, type TransportKind } from './room-driver.ts';

/** The lag every room injects on its incoming input datagrams. */
export const LAG = makeLinkConditions({ latencyMs: 80, jitterMs: 20, loss: 0.05 });
/** One frame at 60 Hz, ms. */
export const FRAME_MS = 1000 / 60;

/** A lobby of rooms plus every room event seen so far (drained on each `update`). */
export interface Lobby {
  readonly rooms: Room[];
  readonly events: Map<Room, RoomEvent[]>;
}

/** Opens a lobby of `n` rooms (the first creates it, the others join by code) and waits for the mesh. */
export async function openLobby(server: SignalingServer, transport: TransportKind, n: number, extra: (i: number) => Partial<RoomOptions> = () => ({})): Promise<Lobby> {
  const base = { wsUrl: server.wsUrl, httpUrl: server.url, transport, lag: LAG };
  const host = await openRoom({ ...base, name: 'host', create: { capacity: n }, extra: extra(0) });
  const rooms = [host];
  for (let i = 1; i < n; i++) rooms.push(await openRoom({ ...base, name: `p${i}`, code: host.code, extra: extra(i) }));
  const lobby: Lobby = { rooms, events: new Map(rooms.map((r) => [r, []])) };
  expect(await driveLobby(lobby, () => rooms.every((r) => r.meshReady && r.members.length === n), 10_000)).toBe(true);
  return lobby;
}

/** `drive` that also records each room's events. */
export function driveLobby(lobby: Lobby, done: () => boolean, limitMs: number, onTick?: (now: number) => void): Promise<boolean> {
  return drive(lobby.rooms, done, limitMs, (now) => {
    for (const r of lobby.rooms) lobby.events.get(r)?.push(...r.drainEvents());
    onTick?.(now);
  });
}

/** Events of one kind a room raised. */
export function eventsOf<K extends RoomEvent['kind']>(lobby: Lobby, room: Room, kind: K): Extract<RoomEvent, { kind: K }>[] {
  return (lobby.events.get(room) ?? []).filter((e): e is Extract<RoomEvent, { kind: K }> => e.kind === kind);
}

/** Everyone presses Ready; waits until every room holds a committed match. */
export async function readyAndCommit(lobby: Lobby): Promise<OnlineMatch[]> {
  for (const r of lobby.rooms) r.setReady(true);
  expect(await driveLobby(lobby, () => lobby.rooms.every((r) => r.match !== undefined), 10_000)).toBe(true);
  return lobby.rooms.map((r) => r.match as OnlineMatch);
}

/** What one played match measured. */
export interface MatchResult {
  /** max - min of the local times each peer simulated frame 0 (one process, one clock), ms. */
  readonly startSkewMs: number;
  /** max - min of the planned local start times, ms. */
  readonly plannedSkewMs: number;
  readonly checksums: number[];
  readonly wallMs: number;
  /** Per peer: input datagrams the lag injector dropped, and rollbacks the session ran. */
  readonly dropped: number[];
  readonly rollbacks: number[];
}

/**
 * Plays every match to exactly `frames` frames with RandomBot inputs, in real time through
 * `OnlineMatch.update` (never past `frames`: the runner's settling), then settles: rolls
 * back to the final confirmed inputs and records them. Asserts identical checksums and replays.
 */
export async function playAndSettle(lobby: Lobby, frames: number, seed: number): Promise<MatchResult> {
  const t0 = performance.now();
  const matches = lobby.rooms.map((r) => r.match as OnlineMatch);
  const bots = matches.map((_, i) => new RandomBot(seed + i));
  // The runner never simulates past `frames` (it only keeps talking there), so no peer overshoots.
  const played = await driveLobby(lobby, () => matches.every((m) => m.session.currentFrame >= frames), 60_000, (now) => {
    matches.forEach((m, i) => void m.update(now, () => (bots[i] as RandomBot).next(), frames));
  });
  expect(played).toBe(true);
  const settled = await driveLobby(lobby, () => matches.every((m) => m.session.confirmedFrame >= frames - 1 && m.recordedFrames === frames), 20_000, (now) => {
    for (const m of matches) m.hold(now); // rolls back to the final inputs and records the newly confirmed ones
  });
  expect(settled, `settled: ${matches.map((m) => `${m.session.confirmedFrame}/${m.recordedFrames}`).join(' ')}`).toBe(true);

  const checksums = matches.map((m) => checksum(m.state));
  expect(matches.map((m) => m.session.currentFrame)).toEqual(matches.map(() => frames));
  expect(checksums.map(formatChecksum)).toEqual(checksums.map(() => formatChecksum(checksums[0] as number)));
  const replays = matches.map((m) => m.replay());
  for (const [i, replay] of replays.entries()) {
    expect(replay.frames).toBe(frames);
    const verdict = verifyReplay(replay);
    expect(verdict.ok).toBe(true);
    if (verdict.ok) expect(verdict.checksum).toBe(checksums[i]);
    expect(replay.inputs).toEqual(replays[0]?.inputs);
  }
  for (const m of matches) expect(m.drainEvents().filter((e) => e.kind === 'desync')).toEqual([]);
  const started = matches.map((m) => m.startedAtMs as number);
  const planned = matches.map((m) => m.start.localStartMs);
  return {
    startSkewMs: Math.max(...started) - Math.min(...started),
    plannedSkewMs: Math.max(...planned) - Math.min(...planned),
    checksums,
    wallMs: performance.now() - t0,
    dropped: matches.map((m) => m.lag.stats.dropped),
    rollbacks: matches.map((m) => m.stats(performance.now()).rollbacks),
  };
}

/** Leaves every room (closing its connections). */
export function closeLobby(lobby: Lobby | undefined): void {
  for (const r of lobby?.rooms ?? []) r.leave();
}

/** Defines the lobby suite for one transport. */
export function describeLobbySuite(transport: TransportKind): void {
  describe(`lobby over real WebRTC (${transport})`, () => {
    let server: SignalingServer;
    const lobbies: Lobby[] = [];
    const track = (l: Lobby): Lobby => (lobbies.push(l), l);

    beforeAll(async () => {
      server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
    });
    afterAll(async () => {
      for (const l of lobbies) closeLobby(l);
      await server?.close();
    });

    it.each([2, 4])('%i peers: lobby by code, handshake, 600 frames through 80+-20 ms / 5 % loss, identical checksums', async (n) => {
      const t0 = performance.now();
      const lobby = track(await openLobby(server, transport, n));
      const tMesh = performance.now();
      const matches = await readyAndCommit(lobby);
      const tCommit = performance.now();
      expect(new Set(matches.map((m) => m.start.sessionId)).size).toBe(1);
      expect(matches.map((m) => m.start.localPlayer)).toEqual(lobby.rooms.map((_, i) => i));
      const result = await playAndSettle(lobby, 600, 100 * n);
      console.log(
        `[lobby ${transport} ${n}p] start skew ${result.startSkewMs.toFixed(2)} ms (planned ${result.plannedSkewMs.toFixed(3)} ms); ` +
          `mesh ${(tMesh - t0).toFixed(0)} ms, handshake ${(tCommit - tMesh).toFixed(0)} ms, play+settle ${result.wallMs.toFixed(0)} ms; ` +
          `checksum ${formatChecksum(result.checksums[0] as number)}; dropped ${result.dropped.join('/')}, rollbacks ${result.rollbacks.join('/')}`,
      );
      expect(result.startSkewMs).toBeLessThanOrEqual(FRAME_MS);
      // The lag was really on the path: every peer lost datagrams and rolled back.
      for (const d of result.dropped) expect(d).toBeGreaterThan(0);
      for (const r of result.rollbacks) expect(r).toBeGreaterThan(0);
      closeLobby(lobby);
    });

    it('a peer leaving during the handshake aborts it for the others, who go back to the lobby', async () => {
      const lobby = track(await openLobby(server, transport, 3));
      const [host, p1, p2] = lobby.rooms as [Room, Room, Room];
      host.setReady(true);
      p1.setReady(true); // p2 is not ready: the host waits in phase 1
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => r.handshake?.phase === 'voting'), 5000)).toBe(true);
      p1.leave();
      const others = [host, p2];
      expect(await driveLobby(lobby, () => others.every((r) => eventsOf(lobby, r, 'handshake-aborted').length > 0), 5000)).toBe(true);
      for (const r of others) {
        expect(eventsOf(lobby, r, 'handshake-aborted')[0]?.reason).toMatch(/p1 left/);
        expect(r.ready).toBe(false);
        expect(r.match).toBeUndefined();
      }
      expect(await driveLobby(lobby, () => others.every((r) => r.members.length === 2), 5000)).toBe(true);
      closeLobby(lobby);
    });

    it('a peer leaving during the countdown (committed, before frame 0) stops the match for everyone', async () => {
      const lobby = track(await openLobby(server, transport, 3, () => ({ countdownMs: 1500 })));
      const [host, p1, p2] = lobby.rooms as [Room, Room, Room];
      const matches = await readyAndCommit(lobby);
      expect(performance.now()).toBeLessThan(Math.min(...matches.map((m) => m.start.localStartMs)) - 500);
      p2.leave();
      const others = [host, p1];
      expect(await driveLobby(lobby, () => others.every((r) => eventsOf(lobby, r, 'handshake-aborted').length > 0), 3000)).toBe(true);
      for (const r of others) {
        expect(eventsOf(lobby, r, 'handshake-aborted')[0]?.reason).toMatch(/p2 left/);
        expect(r.match).toBeUndefined();
      }
      // Past the planned start: nobody began frame 0 of the abandoned match.
      await driveLobby(lobby, () => performance.now() > Math.max(...matches.map((m) => m.start.localStartMs)) + 100, 3000);
      for (const m of matches) expect(m.startedAtMs).toBeUndefined();
      closeLobby(lobby);
    });

    it("a peer leaving mid-match whose goodbye datagrams are lost is dropped at once through the lobby server; the others play on in sync", async () => {
      const lobby = track(await openLobby(server, transport, 3));
      const [host, p1, p2] = lobby.rooms as [Room, Room, Room];
      await readyAndCommit(lobby);
      await playAndSettle(lobby, 60, 11);
      // A closed tab: its peer-to-peer links die first, so only the lobby server hears the goodbye.
      p2.link.close();
      const rest: Lobby = { rooms: [host, p1], events: lobby.events };
      const matches = rest.rooms.map((r) => r.match as OnlineMatch);
      // "At once": each match drops the leaver at its first update after the server's word reached it.
      let tick = 0;
      const wordAt = matches.map(() => -1);
      matches.forEach((m, i) => {
        const serverWord = m.peerLeft.bind(m);
        m.peerLeft = (peer, reason) => {
          if (wordAt[i] === -1) wordAt[i] = tick;
          serverWord(peer, reason);
        };
      });
      p2.leave();
      const drops = matches.map(() => [] as SessionEvent[]);
      const droppedAt = matches.map(() => -1);
      const bots = matches.map((_, i) => new RandomBot(40 + i));
      const seen = await driveLobby(rest, () => droppedAt.every((t) => t >= 0), 4000, (now) => {
        tick++;
        matches.forEach((m, i) => {
          m.update(now, (bots[i] as RandomBot).next());
          for (const e of m.drainEvents()) {
            if (e.kind !== 'disconnected') continue;
            drops[i]?.push(e);
            droppedAt[i] = tick;
          }
        });
      });
      expect(seen).toBe(true);
      for (const [i, at] of wordAt.entries()) {
        expect(at, 'the server told every match').toBeGreaterThanOrEqual(0);
        expect(droppedAt[i], 'dropped at the first update after the server\'s word').toBe(at + 1);
      }
      for (const d of drops) expect(d).toMatchObject([{ kind: 'disconnected', peer: p2.localId, player: 2, reason: 'left' }]);
      expect(new Set(drops.map((d) => (d[0] as { frame: number } | undefined)?.frame)).size).toBe(1);
      // The two left play on to a common, verified end.
      const frames = Math.max(...matches.map((m) => m.session.currentFrame)) + 120;
      await playAndSettle(rest, frames, 12);
      closeLobby(lobby);
    });

    it('a protocol version mismatch aborts for everyone with a reason naming the version', async () => {
      const lobby = track(await openLobby(server, transport, 2, (i) => (i === 1 ? { versions: { protocol: 99, game: 1 } } : {})));
      for (const r of lobby.rooms) r.setReady(true);
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => eventsOf(lobby, r, 'handshake-aborted').length > 0), 5000)).toBe(true);
      for (const r of lobby.rooms) {
        expect(eventsOf(lobby, r, 'handshake-aborted')[0]?.reason).toMatch(/runs another protocol version/);
        expect(r.match).toBeUndefined();
        expect(r.ready).toBe(false);
      }
      // Back in the lobby with nobody ready, the next rounds stay quiet (no abort every round).
      await driveLobby(lobby, () => false, 1000);
      for (const r of lobby.rooms) expect(eventsOf(lobby, r, 'handshake-aborted')).toHaveLength(1);
      closeLobby(lobby);
    });

    it('rematch: after a match, endMatch() and Ready again start a second match with a new session id', async () => {
      const lobby = track(await openLobby(server, transport, 2));
      const first = await readyAndCommit(lobby);
      // During the match every room shows every member "in match" (issue #9, item 6: one truth for ready).
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => r.members.every((m) => r.readiness(m.id) === 'in-match')), 5000)).toBe(true);
      await playAndSettle(lobby, 120, 7);
      for (const r of lobby.rooms) r.endMatch();
      // Back in the lobby nobody is ready (the Ready that started the match is spent), in every room's
      // own flag, in its copy of the server's flags, and in what it shows.
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => !r.ready && r.members.every((m) => !m.ready && r.readiness(m.id) === 'not-ready')), 5000)).toBe(true);
      const second = await readyAndCommit(lobby);
      expect(second.map((m) => m.start.sessionId)).toEqual(second.map(() => second[0]?.start.sessionId));
      expect(second[0]?.start.sessionId).not.toBe(first[0]?.start.sessionId);
      expect(second[0]?.start.round).toBeGreaterThan(first[0]?.start.round ?? Infinity);
      const result = await playAndSettle(lobby, 120, 8);
      expect(result.startSkewMs).toBeLessThanOrEqual(FRAME_MS);
      closeLobby(lobby);
    });
  });
}
