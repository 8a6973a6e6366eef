/**
 * Runs the signaling server as a process: reads the environment, starts the server, logs JSON lines
 * to stdout, and on SIGTERM/SIGINT closes every socket (1001), stops the HTTP server and exits 0.
 * Used by `signaling/main.ts` and, in the same process (no child to orphan), by `npm start`.
 */
import { existsSync } from 'node:fs';
import { jsonLineLogger, optionsFromEnv } from './config.ts';
import { startSignalingServer } from './server.ts';
import type { SignalingServer } from './server.ts';

/** What the caller may add: a line printed once the server listens (its URL is passed in). */
export interface RunOptions {
  readonly announce?: (url: string) => void;
}

/** Starts the server from `env`; exits the process with 2 on a bad environment. */
export async function runSignalingProcess(env: Readonly<Record<string, string | undefined>>, run: RunOptions = {}): Promise<SignalingServer> {
  const options = optionsFromEnv(env);
  if (!options.ok) {
    process.stderr.write(`signaling: ${options.error}\n`);
    process.exit(2);
  }
  const logger = jsonLineLogger();
  const staticDir = options.value.staticDir ?? null;
  if (staticDir !== null && !existsSync(staticDir)) {
    logger({ event: 'static-missing', staticDir, hint: 'run `npm run build` to serve the client' });
  }
  const server = await startSignalingServer({ ...options.value, logger });
  process.stdout.write(`Rollback Pong signaling server listening on ${server.url} (lobby socket ${server.wsUrl})\n`);
  run.announce?.(server.url);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger({ event: 'shutdown', signal });
    // The `peer` package keeps internal timers it offers no way to stop, so exit explicitly.
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return server;
}
