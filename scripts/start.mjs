#!/usr/bin/env node
// `npm start`: builds the browser client with vite when dist/index.html is missing or older than any
// source file, then runs the signaling server (`tsx signaling/main.ts`), which serves dist/ and the
// lobby WebSocket on PORT (default 8080) and HOST (default 127.0.0.1). Prints the URL to open.
// Environment: PORT, HOST, STATIC_DIR, ICE_SERVERS, ALLOWED_ORIGINS, and for shared replays DATA_DIR
// (default ./data), DATABASE_URL, REPLAY_* (see signaling/main.ts and docs/replays-api.md);
// FORCE_BUILD=1 rebuilds unconditionally.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const entry = join(root, 'signaling', 'main.ts');
if (!existsSync(entry)) {
  console.error('[start] signaling/main.ts does not exist yet: build done, but there is no server to start.');
  process.exit(1);
}
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const env = { ...process.env, PORT: process.env.PORT ?? '8080', STATIC_DIR: process.env.STATIC_DIR ?? join(root, 'dist') };
const child = spawn(process.execPath, [tsx, entry], { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] });

// Pass the server's output through, and point at the page once it says where it listens.
let announced = false;
createInterface({ input: child.stdout }).on('line', (line) => {
  console.log(line);
  const m = /listening on (http:\/\/\S+)/.exec(line);
  if (m !== null && !announced) {
    announced = true;
    const url = m[1].replace(/\/?$/, '/');
    console.log(`\n  Rollback Pong is running: open ${url} in your browser\n  (replays: ${url}#/replay, shared matches: ${url}matches, practice: ${url}#/practice)\n`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
