/**
 * Starts a throw-away PostgreSQL server for a test file: Debian's `postgresql` binaries
 * (/usr/lib/postgresql/<version>/bin), `initdb` into a temp dir, listening on a Unix socket in that dir
 * and on 127.0.0.1 at a free port. As root, the server runs as the `postgres` user (initdb refuses root).
 * When PostgreSQL cannot be started the result says why, so a test can skip with that reason; with
 * `CI` set, callers fail instead (CI installs `postgresql`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A running server. */
export interface PostgresServer {
  /** `postgres://…@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The bin directory of the newest installed PostgreSQL, if any. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server, or says why it cannot. */
export async function startPostgres(): Promise<{ ok: true; server: PostgresServer } | { ok: false; reason: string }> {
  const bin = postgresBinDir();
  if (bin === undefined) return { ok: false, reason: 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)' };
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const data = join(dir, 'data');
  // As root, run the server as `postgres`: it owns the temp dir.
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || uid <= 0) return { ok: false, reason: 'running as root and there is no postgres user' };
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const [initCmd, initArgs] = wrap(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8', timeout: 60_000 });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim().slice(0, 300)}` };
  }
  const port = await freePort();
  const [cmd, args] = wrap(join(bin, 'postgres'), ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (log.length < 4000) log += d.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // SIGINT: PostgreSQL's fast shutdown. runuser forwards it to the server.
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = join(bin, 'pg_isready');
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const r = spawnSync(ready, ['-h', '127.0.0.1', '-p', String(port), '-q'], { timeout: 5000 });
    if (r.status === 0) return { ok: true, server: { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop } };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  return { ok: false, reason: `postgres did not start: ${log.trim().slice(0, 300)}` };
}

/** A test file's PostgreSQL server, started before its tests and stopped after them. */
export interface PostgresFixture {
  /** The server, undefined when it could not start. */
  readonly server: PostgresServer | undefined;
  /** Skips the calling test when PostgreSQL could not start (fails instead with `CI` set). */
  requireOrSkip(ctx: { skip: (note?: string) => void }): void;
}

/** Registers `beforeAll`/`afterAll` hooks that start and stop a throw-away server for this file. */
export function usePostgres(): PostgresFixture {
  let server: PostgresServer | undefined;
  let reason = '';
  beforeAll(async () => {
    const r = await startPostgres();
    if (r.ok) server = r.server;
    else reason = r.reason;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      return server;
    },
    requireOrSkip(ctx) {
      if (server !== undefined) return;
      if (process.env['CI']) throw new Error(`PostgreSQL is required on CI: ${reason}`);
      ctx.skip(`PostgreSQL unavailable: ${reason}`);
    },
  };
}
