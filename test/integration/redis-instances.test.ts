// Signaling instances as real processes (`signaling/main.ts` with REDIS_URL) on one real redis-server:
// real WebRTC matches (simple-peer and PeerJS, Node wrtc) between a member on A and one on B, and an
// instance killed with SIGKILL (no goodbye of any kind): the members on the others see its member
// leave within 15 s, and the lobby stays joinable there.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../src/lobby/room.ts';
import { closeLobby, driveLobby, LAG, playAndSettle, readyAndCommit } from '../support/lobby-suite.ts';
import type { Lobby } from '../support/lobby-suite.ts';
import { startRedis } from '../support/redis.ts';
import type { RedisServer } from '../support/redis.ts';
import { openRoom } from '../support/room-driver.ts';
import type { TransportKind } from '../support/room-driver.ts';
import { createLobby, joinLobby, raw } from './server-hostile-helpers.ts';

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
}

let redis: RedisServer;
const dataDir = mkdtempSync(join(tmpdir(), 'redis-instances-'));
const instances: Instance[] = [];
const lobbies: Lobby[] = [];

async function spawnInstance(): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', REDIS_URL: redis.url, DATABASE_URL: '', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const listening = /listening on (http:\/\/\S+) \(lobby socket (ws:\/\/\S+)\)/;
  // Until it listens, or exits (then the check below says why).
  await vi.waitFor(() => {
    if (!listening.test(out) && child.exitCode === null) throw new Error(`instance did not start: ${out}`);
  }, { timeout: 30_000, interval: 20 });
  const match = listening.exec(out);
  if (match === null) throw new Error(`instance did not start: ${out}`);
  const instance = { child, url: match[1] ?? '', wsUrl: match[2] ?? '' };
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const l of lobbies) closeLobby(l);
  for (const i of instances) i.child.kill('SIGKILL');
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function crossLobby(transport: TransportKind, a: Instance, b: Instance): Promise<Lobby> {
  const host = await openRoom({ wsUrl: a.wsUrl, httpUrl: a.url, transport, name: 'host', create: { capacity: 2 }, lag: LAG });
  const guest = await openRoom({ wsUrl: b.wsUrl, httpUrl: b.url, transport, name: 'p1', code: host.code, lag: LAG });
  const rooms: Room[] = [host, guest];
  const lobby: Lobby = { rooms, events: new Map(rooms.map((r) => [r, []])) };
  lobbies.push(lobby);
  // 30 s: a first connection attempt that fails (its 15 s connect timeout) is dialled again by the rooms.
  expect(await driveLobby(lobby, () => rooms.every((r) => r.meshReady && r.members.length === 2), 30_000)).toBe(true);
  return lobby;
}

describe('signaling instances on one Redis (real processes)', () => {
  let a: Instance;
  let b: Instance;
  let c: Instance;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([spawnInstance(), spawnInstance(), spawnInstance()]);
  }, 60_000);

  it.each(['simple-peer', 'peerjs'] as const)('a real %s match between a member on A and one on B', async (transport) => {
    const lobby = await crossLobby(transport, a, b);
    const matches = await readyAndCommit(lobby);
    expect(new Set(matches.map((m) => m.start.sessionId)).size).toBe(1);
    const result = await playAndSettle(lobby, 300, transport === 'peerjs' ? 21 : 12);
    expect(new Set(result.checksums).size).toBe(1);
    closeLobby(lobby);
  }, 90_000);

  it('SIGKILL of instance A: members on B and C see its member leave within 15 s; the lobby stays joinable on B; the member resumes through C', async () => {
    const host = await createLobby(a.wsUrl, 'Ann');
    const bob = await joinLobby(b.wsUrl, host.joined.code, 'Bob');
    const cid = await joinLobby(c.wsUrl, host.joined.code, 'Cid');
    await bob.r.take('member-joined');
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    const [leftB, leftC] = await Promise.all([bob.r.take('member-left', 15_000), cid.r.take('member-left', 15_000)]);
    const seenMs = Date.now() - killedAt;
    console.log(`[redis] a SIGKILLed instance's member reported gone after ${seenMs} ms`);
    expect(seenMs).toBeLessThan(15_000);
    expect(leftB).toEqual({ kind: 'member-left', memberId: host.joined.memberId, reason: 'disconnected' });
    expect(leftC).toEqual(leftB);
    // The host role moved to the next member in join order, on another instance.
    expect((await cid.r.take('host-changed')).hostId).toBe(bob.joined.memberId);
    const dee = await joinLobby(b.wsUrl, host.joined.code, 'Dee');
    expect(dee.joined.members.map((m) => m.name)).toEqual(['Bob', 'Cid', 'Dee']);
    expect((await cid.r.take('member-joined')).member.name).toBe('Dee');
    // The crashed instance's member kept an away seat: its player resumes it through C with its token.
    const back = await raw(c.wsUrl);
    back.send({ kind: 'join', code: host.joined.code, name: 'Ann', rejoin: host.joined.rejoinToken });
    expect(await back.take('joined')).toMatchObject({ memberId: host.joined.memberId, hostId: bob.joined.memberId });
    expect(await cid.r.take('member-joined')).toMatchObject({ member: { id: host.joined.memberId, name: 'Ann' }, rejoined: true });
    for (const x of [host.r, bob.r, cid.r, dee.r, back]) x.ws.terminate();
  }, 30_000);
});
