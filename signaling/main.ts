/**
 * Entry point: `npx tsx signaling/main.ts`. Reads PORT (default 8080), HOST (default 127.0.0.1),
 * ICE_SERVERS (JSON array of RTCIceServer), ALLOWED_ORIGINS (comma list; empty allows all) and
 * STATIC_DIR (default `dist`), and the replay service's DATA_DIR, DATABASE_URL and REPLAY_* variables
 * (signaling/replays/config.ts), logs one JSON line per event to stdout, and shuts down gracefully on
 * SIGTERM/SIGINT (sockets closed with 1001, HTTP server stopped).
 */
import { existsSync } from 'node:fs';
import { jsonLineLogger, optionsFromEnv } from './config.ts';
import { openReplayService, replayConfigFromEnv } from './replays/index.ts';
import { startSignalingServer } from './server.ts';

const env = optionsFromEnv(process.env);
if (!env.ok) {
  process.stderr.write(`signaling: ${env.error}\n`);
  process.exit(2);
}
const logger = jsonLineLogger();
const staticDir = env.value.staticDir ?? null;
if (staticDir !== null && !existsSync(staticDir)) {
  logger({ event: 'static-missing', staticDir, hint: 'run `npm run build` to serve the client' });
}
const replayConfig = replayConfigFromEnv(process.env);
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
const server = await startSignalingServer({ ...env.value, logger, ...(replays === undefined ? {} : { replays: replays.api }) });
process.stdout.write(`Rollback Pong signaling server listening on ${server.url} (lobby socket ${server.wsUrl})\n`);

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
