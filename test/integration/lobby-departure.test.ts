/**
 * Fair departures in a real match (issue #11, "a player who left cannot score or win"): three rooms on
 * the real signaling server over real WebRTC (simple-peer + wrtc), ball-tracking players that miss often;
 * one leaves mid-match. Its score stops where it was, its side is a wall (the ball bounces off it and
 * never scores through it), one of the two who stayed wins on points, and the replay of the match, written
 * to a file, verifies with `npm run replay -- verify`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, silentLogger, type SignalingServer } from '../../signaling/index.ts';
import { BALL_RADIUS, encodeReplay, fx, initialState, InputBits, isAbsent, step, verifyReplay, type GameState, type Replay } from '../../src/game/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { Room } from '../../src/lobby/room.ts';
import { TrackerBot } from '../../src/sim/bot.ts';
import { closeLobby, driveLobby, playAndSettle, readyAndCommit, type Lobby } from '../support/lobby-suite.ts';
import { openRoom } from '../support/room-driver.ts';

const LEAVER = 2;

/** What happened at the departed player's side in a replay, from its drop frame on. */
function sideReport(replay: Replay, player: number, from: number): { bouncesOff: number; exitsThrough: number; scoreAtDrop: number; finalScore: number; state: GameState } {
  let s = initialState(replay.config);
  let bouncesOff = 0;
  let exitsThrough = 0;
  let scoreAtDrop = -1;
  const r = fx(BALL_RADIUS);
  for (let f = 0; f < replay.frames; f++) {
    const next = step(s, replay.inputs[f] ?? []);
    if (f === from) scoreAtDrop = s.scores[player] ?? 0;
    if (f >= from) {
      expect(isAbsent(next, player), `frame ${f}`).toBe(true);
      // Side 2 is the top: a wall reverses vy near y = 0; a goal would let the ball past y = -radius.
      if (s.ball.vy < 0 && next.ball.vy > 0 && next.ball.y < fx(60)) bouncesOff++;
      if (next.ball.y < -r || s.ball.y + s.ball.vy + r < 0) exitsThrough++;
    }
    s = next;
  }
  return { bouncesOff, exitsThrough, scoreAtDrop, finalScore: s.scores[player] ?? 0, state: s };
}

describe('a player leaves a real 3-player match (simple-peer)', () => {
  let server: SignalingServer;
  let lobby: Lobby | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'departure-'));

  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  });
  afterAll(async () => {
    closeLobby(lobby);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('its score stops, its side is a wall, a player who stayed wins, and the replay file verifies', { timeout: 120_000 }, async () => {
    const base = { wsUrl: server.wsUrl, httpUrl: server.url, transport: 'simple-peer' as const };
    const host = await openRoom({ ...base, name: 'host', create: { capacity: 3, pointsToWin: 5 } });
    const rooms = [host, await openRoom({ ...base, name: 'p1', code: host.code }), await openRoom({ ...base, name: 'p2', code: host.code })];
    lobby = { rooms, events: new Map(rooms.map((r) => [r, []])) };
    expect(await driveLobby(lobby, () => rooms.every((r) => r.meshReady && r.members.length === 3), 10_000)).toBe(true);
    const matches = await readyAndCommit(lobby);
    expect(matches[0]?.config).toMatchObject({ rules: 2, pointsToWin: 5, players: 3 });
    // Players that track the ball but miss a fifth of the time: rallies and points within seconds.
    const bots = matches.map((_, p) => new TrackerBot(500 + p, p, { missPerMille: 200 }));
    const play = (m: OnlineMatch, i: number, now: number): void => void m.update(now, (bots[i] as TrackerBot).next(m.state));

    // Play until every page has the leaver scoring, 2 s more (so that point is confirmed), then it leaves
    // (a goodbye, as a closed tab says).
    const leaverMatch = matches[LEAVER] as OnlineMatch;
    expect(await driveLobby(lobby, () => matches.every((m) => (m.state.scores[LEAVER] ?? 0) >= 1), 45_000, (now) => matches.forEach((m, i) => play(m, i, now)))).toBe(true);
    const scoredBy = leaverMatch.session.currentFrame;
    expect(await driveLobby(lobby, () => leaverMatch.session.currentFrame >= scoredBy + 120, 10_000, (now) => matches.forEach((m, i) => play(m, i, now)))).toBe(true);
    const leaver = rooms[LEAVER] as Room;
    leaver.leave();
    const rest: Lobby = { rooms: rooms.filter((r) => r !== leaver), events: lobby.events };
    const staying = matches.filter((_, i) => i !== LEAVER);
    const dropFrames: number[] = [];
    // Steadier players from here on, hitting with their paddle's edge more (steep angles): longer rallies
    // that meet the departed side's wall.
    for (const p of [0, 1]) bots[p] = new TrackerBot(600 + p, p, { missPerMille: 120, edgePerMille: 600 });
    // The two who stayed play on until one of them has won (predicted here; the settled replay confirms it).
    const won = await driveLobby(rest, () => staying.every((m) => m.state.winner >= 0), 90_000, (now) => {
      staying.forEach((m, i) => {
        play(m, i, now);
        for (const e of m.drainEvents()) if (e.kind === 'disconnected' && e.player === LEAVER) dropFrames.push(e.frame);
      });
    });
    expect(won, `scores ${JSON.stringify(staying.map((m) => m.state.scores))}`).toBe(true);
    expect(dropFrames).toHaveLength(2);
    expect(new Set(dropFrames).size).toBe(1);
    const dropFrame = dropFrames[0] as number;
    // A common end, settled and compared (identical checksums and inputs, replays verify).
    await playAndSettle(rest, Math.max(...staying.map((m) => m.session.currentFrame)) + 30, 77);

    const replay = (staying[0] as OnlineMatch).replay();
    const verdict = verifyReplay(replay);
    expect(verdict.ok).toBe(true);
    expect(replay.winner).toBeGreaterThanOrEqual(0);
    for (let f = dropFrame; f < replay.frames; f++) expect(replay.inputs[f]?.[LEAVER], `frame ${f}`).toBe(InputBits.absent);
    const side = sideReport(replay, LEAVER, dropFrame);
    console.log(`[departure] dropped at frame ${dropFrame}; final scores ${side.state.scores.join('-')}, winner ${side.state.winner}; ${side.bouncesOff} bounces off the departed side in ${replay.frames - dropFrame} frames`);
    expect(side.scoreAtDrop).toBeGreaterThanOrEqual(1);
    expect(side.finalScore).toBe(side.scoreAtDrop);
    expect(side.exitsThrough).toBe(0);
    expect(side.bouncesOff).toBeGreaterThan(0);
    expect([0, 1]).toContain(side.state.winner);
    expect(side.state.scores[side.state.winner]).toBe(5);

    // The replay as a file, verified by the command-line tool.
    const file = join(dir, 'departure.json');
    writeFileSync(file, encodeReplay(replay));
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'replay', '--', 'verify', file], { timeout: 60_000 });
    expect(stdout.trim()).toMatch(new RegExp(`^ok ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} frames=${replay.frames} checksum=[0-9a-f]{8}$`));
  });
});
