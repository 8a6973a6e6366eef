/**
 * A throw-away `redis-server` for a test file: no persistence, listening only on a Unix socket in a
 * temp dir (no port to collide with). `restart()` kills it (SIGKILL: everything in it is lost, as in a
 * crash) and starts a fresh one on the same socket. A missing binary throws: the tests fail, never
 * skip (CI installs `redis-server`, see .ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, destroyClient, redisClient } from '../../signaling/cluster/redis-client.ts';
import type { RedisArg, RedisClient } from '../../signaling/cluster/redis-client.ts';

/** A running redis-server. */
export interface RedisServer {
  /** The socket path (what `REDIS_URL` takes). */
  readonly url: string;
  /** A client of the test's own (closed by `stop`). */
  readonly client: TestClient;
  /** Kills the server (SIGKILL) and starts an empty one on the same socket. */
  restart(): Promise<void>;
  /** Kills it without starting another (until `start`). */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether `redis-server` runs on this machine. */
export function redisInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts redis-server; throws when it cannot. */
export async function startRedis(): Promise<RedisServer> {
  if (!redisInstalled()) throw new Error('redis-server is not installed (Debian package redis-server; .ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const socket = join(dir, 'redis.sock');
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    rmSync(socket, { force: true });
    const proc = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    child = proc;
    for (let i = 0; i < 200 && !existsSync(socket); i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      await sleep(10);
    }
    if (!existsSync(socket)) throw new Error('redis-server did not open its socket within 2 s');
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  const client = new TestClient(redisClient(socket, { offlineQueue: true, commandTimeoutMs: 5_000 }));
  await client.connect();
  return {
    url: socket,
    client,
    restart: async () => {
      await kill();
      await start();
    },
    kill,
    start,
    stop: async () => {
      client.close();
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test's own view into Redis: the few reads and writes the tests make, in Redis's own reply shapes. */
export class TestClient {
  constructor(private readonly client: RedisClient) {}

  async connect(): Promise<void> {
    await this.client.connect();
  }

  close(): void {
    destroyClient(this.client);
  }

  send(args: readonly RedisArg[]): Promise<unknown> {
    return command(this.client, args);
  }

  async get(key: string): Promise<string | null> {
    return await this.send(['GET', key]) as string | null;
  }

  async exists(key: string): Promise<number> {
    return await this.send(['EXISTS', key]) as number;
  }

  async keys(pattern: string): Promise<string[]> {
    return await this.send(['KEYS', pattern]) as string[];
  }

  async hkeys(key: string): Promise<string[]> {
    return await this.send(['HKEYS', key]) as string[];
  }

  /** The hash as an object (field: value). */
  async hgetall(key: string): Promise<Record<string, string>> {
    const flat = await this.send(['HGETALL', key]) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] ?? ''] = flat[i + 1] ?? '';
    return out;
  }

  /** Entries as id and fields, fields in their order (a name may repeat). */
  async xrange(key: string, start: string, end: string): Promise<[string, string[]][]> {
    return await this.send(['XRANGE', key, start, end]) as [string, string[]][];
  }

  async xadd(key: string, id: string, ...fields: string[]): Promise<string | null> {
    return await this.send(['XADD', key, id, ...fields]) as string | null;
  }

  async info(section: string): Promise<string> {
    return await this.send(['INFO', section]) as string;
  }
}
