/**
 * Starts a throw-away coturn (Debian `coturn`, binary `turnserver`) for a test file: `use-auth-secret`
 * with a given secret, listening on 127.0.0.1 at a free port (UDP and TCP), relaying from 127.0.0.1
 * (`--allow-loopback-peers`), no TLS/DTLS, no CLI, its pid file and database in a temp dir. Resolves
 * once it accepts TCP on its port. No vitest here (the relay bench uses it too): tests wrap themselves in
 * `describeCoturn` (coturn-suite.ts), which skips without `turnserver`, except on CI, where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running coturn. */
export interface Coturn {
  /** `turn:127.0.0.1:<port>` (UDP) and `turn:127.0.0.1:<port>?transport=tcp`. */
  readonly urls: readonly string[];
  readonly port: number;
  readonly secret: string;
  readonly realm: string;
  /** What it printed so far (stdout and stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Why coturn cannot run here, or undefined. */
export function coturnUnavailableReason(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v turnserver'], { encoding: 'utf8' });
  return found.status === 0 ? undefined : 'coturn is not installed (no `turnserver`; apt-get install coturn)';
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

/** Starts coturn with `secret`; throws (with its log) if it is not listening within 10 s. */
export async function startCoturn(secret: string, realm = 'test'): Promise<Coturn> {
  const reason = coturnUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'coturn-test-'));
  const port = await freePort();
  // Relay ports: a band per process (parallel test files each run their own coturn); coturn skips
  // ports that happen to be taken.
  const minPort = 40_000 + (process.pid % 100) * 200;
  const child: ChildProcess = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${realm}`,
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers',
    `--min-port=${minPort}`, `--max-port=${minPort + 199}`,
    '--log-file=stdout', '--simple-log', `--pidfile=${join(dir, 'turnserver.pid')}`, `--db=${join(dir, 'turndb')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${output.slice(-4_000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    urls: [`turn:127.0.0.1:${port}`, `turn:127.0.0.1:${port}?transport=tcp`],
    port,
    secret,
    realm,
    log: () => output,
    stop,
  };
}

