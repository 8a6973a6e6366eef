/**
 * Entry point: `npx tsx signaling/main.ts`. Reads PORT (default 8080), HOST (default 127.0.0.1),
 * ICE_SERVERS (JSON array of RTCIceServer), ALLOWED_ORIGINS (comma list; empty allows all),
 * STATIC_DIR (default `dist`), TRUST_PROXY and the limit variables (docs/lobby-protocol.md), the replay
 * service's DATA_DIR, DATABASE_URL and REPLAY_* variables (signaling/replays/config.ts), logs
 * one JSON line per event to stdout, and shuts down gracefully on SIGTERM/SIGINT (sockets closed
 * with 1001, HTTP server stopped, exit 0).
 */
import { runSignalingProcess } from './run.ts';

await runSignalingProcess(process.env);
