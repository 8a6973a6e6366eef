#!/usr/bin/env node
// `npm start`: builds the browser client with vite when dist/index.html is missing or older than any
// source file, then runs the signaling server IN THIS PROCESS (tsx's loader registered here, then
// signaling/run.ts imported), which serves dist/ and the lobby WebSocket on PORT (default 8080) and
// HOST (default 127.0.0.1). Prints the URL to open.
// One process, no child: SIGTERM/SIGINT (from a terminal, a container runtime or a process manager)
// reach the server itself, which closes its sockets, frees the port and exits 0. Under a process
// manager run `node scripts/start.mjs` directly, or `npm start` (its script execs node, so npm forwards
// the signal and exits 0 too).
// Environment: PORT, HOST, STATIC_DIR, ICE_SERVERS, ALLOWED_ORIGINS, TRUST_PROXY and the limits (see
// docs/lobby-protocol.md), for shared replays DATA_DIR (default ./data), DATABASE_URL, REPLAY_* (see
// docs/replays-api.md); FORCE_BUILD=1 rebuilds unconditionally; STATIC_DIR='' serves no client
// (and skips the build).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'index.html');

/** Newest modification time (ms) under the given paths (files and directories, recursively). */
function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) for (const entry of readdirSync(p)) visit(join(p, entry));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(join(root, p));
  return newest;
}

function needsBuild() {
  if (process.env.STATIC_DIR === '' && !process.env.FORCE_BUILD) return undefined; // no client served
  if (process.env.FORCE_BUILD) return 'FORCE_BUILD is set';
  const built = statSync(dist, { throwIfNoEntry: false });
  if (built === undefined) return 'dist/index.html is missing';
  const sources = newestMtime(['src', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json']);
  return sources > built.mtimeMs ? 'sources changed since the last build' : undefined;
}

const reason = needsBuild();
if (reason !== undefined) {
  console.log(`[start] building the client (${reason})…`);
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[start] vite build failed; not starting the server.');
    process.exit(r.status ?? 1);
  }
} else {
  console.log('[start] dist/ is up to date.');
}

const entry = join(root, 'signaling', 'run.ts');
if (!existsSync(entry)) {
  console.error('[start] signaling/run.ts does not exist: build done, but there is no server to start.');
  process.exit(1);
}
process.env.PORT ??= '8080';
process.env.STATIC_DIR ??= join(root, 'dist');
const { register } = await import('tsx/esm/api');
register();
const { runSignalingProcess } = await import(pathToFileURL(entry).href);
await runSignalingProcess(process.env, {
  announce: (base) => {
    const url = base.replace(/\/?$/, '/');
    console.log(`\n  Rollback Pong is running: open ${url} in your browser\n  (replays: ${url}#/replay, shared matches: ${url}matches, practice: ${url}#/practice)\n`);
  },
});
// `npm start` runs us under `sh -c`, and on SIGTERM npm kills that shell, which does not pass the
// signal on: we would be left running, orphaned, holding the port. Notice the parent going away
// (we are re-parented) and stop exactly as on SIGTERM.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 250).unref();
