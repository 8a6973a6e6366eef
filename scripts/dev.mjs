#!/usr/bin/env node
// `npm run dev`: the vite dev server (hot reload, http://127.0.0.1:5173) plus the signaling server
// (PORT, default 8080) in one command. Vite proxies the lobby WebSocket (`/ws`) and the PeerJS mount
// (`/peerjs`) to the signaling server (see vite.config.ts), so the page works exactly as under `npm start`.
// Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '8080';
const children = [
  spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'signaling/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    // No static files: vite serves the client in development.
    env: { ...process.env, PORT: port, STATIC_DIR: '' },
  }),
  spawn(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), '--host', process.env.HOST ?? '127.0.0.1'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SIGNALING_PORT: port },
  }),
];
let exiting = false;
const stopAll = (code) => {
  if (exiting) return;
  exiting = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exitCode = code;
};
for (const c of children) c.on('exit', (code) => stopAll(code ?? 0));
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
