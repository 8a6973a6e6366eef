/**
 * Watchers over real WebRTC (wrtc) through a real signaling server on 127.0.0.1, run once per
 * transport: players' `Room`s and a watcher's `WatchRoom`, matches played with RandomBot inputs, and
 * the watcher's confirmed checksums compared with the players' frame by frame. Also failover (a player
 * leaves a 3-player match) and take-seat at a rematch.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, silentLogger, type SignalingServer } from '../../signaling/index.ts';
import { ConfirmedTrack } from '../../src/match/confirmed-track.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { Room, RoomOptions } from '../../src/lobby/room.ts';
import { createSignalingClient, type WebSocketConstructorLike } from '../../src/lobby/signaling-client.ts';
import { WatchRoom, type WatchRoomEvent } from '../../src/lobby/watch-room.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { closeLobby, driveLobby, openLobby, readyAndCommit, type Lobby } from './lobby-suite.ts';
import { nodeLinkFactory, testRandom, type TransportKind } from './room-driver.ts';

/** Opens a watcher of lobby `code`. */
async function openWatcher(server: SignalingServer, transport: TransportKind, code: string, name: string): Promise<WatchRoom> {
  const signaling = createSignalingClient({ WebSocket: WebSocket as unknown as WebSocketConstructorLike });
  const c = await signaling.connect(server.wsUrl);
  if (!c.ok) throw new Error(`signaling: ${c.error}`);
  const options: RoomOptions = { signaling, createLink: await nodeLinkFactory(transport, server.url), now: () => performance.now(), random: testRandom, countdownMs: 0 };
  const r = await WatchRoom.watch(options, code, name);
  if (!r.ok) throw new Error(`watch: ${r.error}`);
  return r.room;
}

/** Players' matches with their confirmed tracks, and watchers with their events. */
interface Watched {
  readonly matches: OnlineMatch[];
  readonly tracks: ConfirmedTrack[];
  readonly bots: RandomBot[];
  readonly watchers: WatchRoom[];
  readonly events: Map<WatchRoom, WatchRoomEvent[]>;
}

function watched(lobby: Lobby, watchers: WatchRoom[], seed: number): Watched {
  const matches = lobby.rooms.map((r) => r.match as OnlineMatch);
  return {
    matches,
    tracks: matches.map((m) => new ConfirmedTrack(m.config, 3600, m.startState)),
    bots: matches.map((_, i) => new RandomBot(seed + i)),
    watchers,
    events: new Map(watchers.map((w) => [w, []])),
  };
}

/** Drives players (bot inputs, confirmed tracks) and watchers until `done`. */
function play(lobby: Lobby, w: Watched, done: () => boolean, limitMs: number, active: (i: number) => boolean = () => true): Promise<boolean> {
  return driveLobby(lobby, done, limitMs, (now) => {
    w.matches.forEach((m, i) => {
      if (!active(i)) return;
      m.update(now, (w.bots[i] as RandomBot).next());
      w.tracks[i]?.advance(m.session);
    });
    for (const x of w.watchers) {
      x.update(now);
      w.events.get(x)?.push(...x.drainEvents());
    }
  });
}

/** Every frame the watcher's track holds that a player's track holds too has the same checksum; returns how many were compared. */
function compare(player: ConfirmedTrack, watcher: WatchRoom): number {
  const track = watcher.match?.track;
  if (track === undefined) return 0;
  let compared = 0;
  for (let f = Math.max(0, track.frame - 3000); f <= track.frame; f++) {
    const a = track.at(f);
    const b = player.at(f);
    if (a === undefined || b === undefined) continue;
    expect(a.checksum, `frame ${f}`).toBe(b.checksum);
    compared++;
  }
  return compared;
}

/** Defines the watcher suite for one transport. */
export function describeWatchSuite(transport: TransportKind): void {
  describe(`watchers over real WebRTC (${transport})`, () => {
    let server: SignalingServer;
    const lobbies: Lobby[] = [];
    const rooms: WatchRoom[] = [];
    beforeAll(async () => {
      server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null, ...(transport === 'peerjs' ? {} : { peerjs: false }) });
    });
    afterAll(async () => {
      for (const l of lobbies) closeLobby(l);
      for (const r of rooms) r.leave();
      await server?.close();
    });

    it('2 players + a watcher who joins the running match: its confirmed checksums equal the players\'', async () => {
      const lobby = await openLobby(server, transport, 2);
      lobbies.push(lobby);
      await readyAndCommit(lobby);
      const w = watched(lobby, [], 11);
      expect(await play(lobby, w, () => w.matches.every((m) => m.session.currentFrame >= 60), 10_000)).toBe(true);
      const watcher = await openWatcher(server, transport, lobby.rooms[0]?.code ?? '', 'Watcher');
      rooms.push(watcher);
      w.watchers.push(watcher);
      w.events.set(watcher, []);
      expect(watcher.started).toBe(true);
      const start = w.matches[0]?.session.currentFrame ?? 0;
      expect(await play(lobby, w, () => (watcher.match?.frame ?? -1) >= start + 180, 20_000)).toBe(true);
      expect(w.events.get(watcher)?.filter((e) => e.kind === 'watching-started')).toHaveLength(1);
      expect(watcher.match?.start.sessionId).toBe(w.matches[0]?.start.sessionId);
      // The watcher is behind the players, never ahead of what they confirmed.
      expect(watcher.match?.frame ?? Infinity).toBeLessThanOrEqual(Math.min(...w.tracks.map((t) => t.frame)) + 1);
      for (const t of w.tracks) expect(compare(t, watcher)).toBeGreaterThanOrEqual(150);
      // The players saw the watcher, and their match never counted it: no desync, still 2 players.
      for (const r of lobby.rooms) expect(r.watchers.list.map((x) => x.name)).toEqual(['Watcher']);
      for (const m of w.matches) expect(m.drainEvents().filter((e) => e.kind === 'desync')).toEqual([]);
    });

    it('3 players + a watcher: its feeder leaves, the watcher fails over and still matches the others', async () => {
      const lobby = await openLobby(server, transport, 3);
      lobbies.push(lobby);
      const watcher = await openWatcher(server, transport, lobby.rooms[0]?.code ?? '', 'Watcher');
      rooms.push(watcher);
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => r.watchers.list.length === 1), 5000, (now) => watcher.update(now))).toBe(true);
      await readyAndCommit(lobby);
      const w = watched(lobby, [watcher], 21);
      expect(await play(lobby, w, () => (watcher.match?.frame ?? -1) >= 90, 20_000)).toBe(true);
      const feeder = watcher.match?.feeder;
      const leaving = lobby.rooms.findIndex((r) => r.localId === feeder);
      expect(leaving).toBeGreaterThanOrEqual(0);
      const gone = lobby.rooms[leaving] as Room;
      gone.leave();
      const at = watcher.match?.frame ?? 0;
      const stays = (i: number): boolean => i !== leaving;
      expect(await play(lobby, w, () => (watcher.match?.frame ?? -1) >= at + 180, 30_000, stays)).toBe(true);
      expect(watcher.match?.feeder).not.toBe(feeder);
      w.tracks.forEach((t, i) => {
        if (stays(i)) expect(compare(t, watcher)).toBeGreaterThanOrEqual(180);
      });
    });

    it('take-seat at a rematch: the watcher becomes the second player of a new match', async () => {
      const lobby = await openLobby(server, transport, 2);
      lobbies.push(lobby);
      const [host, p1] = lobby.rooms as [Room, Room];
      const watcher = await openWatcher(server, transport, host.code, 'Carol');
      await readyAndCommit(lobby);
      const w = watched(lobby, [watcher], 31);
      expect(await play(lobby, w, () => (watcher.match?.frame ?? -1) >= 30, 10_000)).toBe(true);
      p1.leave();
      lobby.rooms.splice(1, 1);
      host.endMatch(); // back to the lobby: the host reopens it
      const free = await driveLobby(lobby, () => watcher.freeSeat, 5000, (now) => watcher.update(now));
      expect(free, `started ${watcher.started}, members ${watcher.members.length}`).toBe(true);
      const seated = await watcher.takeSeat();
      expect(seated.ok).toBe(true);
      if (!seated.ok) return;
      lobby.rooms.push(seated.room);
      expect(await driveLobby(lobby, () => lobby.rooms.every((r) => r.meshReady && r.members.length === 2), 10_000)).toBe(true);
      expect(host.watchers.list).toEqual([]);
      const matches = await readyAndCommit(lobby);
      expect(matches[1]?.start.order).toEqual([host.localId, seated.room.localId]);
      closeLobby(lobby);
    });
  });
}
