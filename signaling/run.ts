/**
 * Runs the signaling server as a process: reads the environment, opens the replay service (embedded
 * SQLite under DATA_DIR, or DATABASE_URL), starts the server, logs JSON lines
 * to stdout, and on SIGTERM/SIGINT closes every socket (1001), stops the HTTP server and exits 0.
 * Used by `signaling/main.ts` and, in the same process (no child to orphan), by `npm start`.
 */
import { existsSync } from 'node:fs';
import { jsonLineLogger, optionsFromEnv } from './config.ts';
import { openReplayService, replayConfigFromEnv } from './replays/index.ts';
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
  const replayConfig = replayConfigFromEnv(env);
  if (!replayConfig.ok) {
    process.stderr.write(`signaling: ${replayConfig.error}\n`);
    process.exit(2);
  }
  // A configured PostgreSQL that cannot be reached stops the start (loudly: the operator asked for it);
  // an embedded database that cannot open leaves the server running lobbies and the page without replays.
  const replays = await openReplayService(replayConfig.value, { onError: (message) => logger({ event: 'replay-error', message }) }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (replayConfig.value.databaseUrl !== null) {
      process.stderr.write(`signaling: DATABASE_URL: cannot open the replay database: ${message}\n`);
      process.exit(1);
    }
    logger({ event: 'replays-disabled', message });
    return undefined;
  });
  const server = await startSignalingServer({ ...options.value, logger, ...(replays === undefined ? {} : { replays: replays.api }) });
  process.stdout.write(`Rollback Pong signaling server listening on ${server.url} (lobby socket ${server.wsUrl})\n`);
  run.announce?.(server.url);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger({ event: 'shutdown', signal });
    // The `peer` package keeps internal timers it offers no way to stop, so exit explicitly.
    server.close().then(() => replays?.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return server;
}
