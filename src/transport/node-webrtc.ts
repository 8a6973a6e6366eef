/**
 * Node-only helpers for running the WebRTC transports outside a browser (tests, bench, CLI):
 * wrtc as simple-peer's WebRTC implementation, the globals PeerJS expects, and a throw-away PeerJS
 * server on loopback. Never import this file from browser code.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PeerJsConstructor } from './peerjs-link.ts';
import type { WrtcLike } from './simple-peer-link.ts';

const require = createRequire(import.meta.url);

let cachedWrtc: WrtcLike | undefined;

/** Load `@roamhq/wrtc` (once) and return the constructors simple-peer and PeerJS need. */
export function loadNodeWebRtc(): WrtcLike {
  if (cachedWrtc === undefined) {
    const mod = require('@roamhq/wrtc') as WrtcLike;
    cachedWrtc = {
      RTCPeerConnection: mod.RTCPeerConnection,
      RTCSessionDescription: mod.RTCSessionDescription,
      RTCIceCandidate: mod.RTCIceCandidate,
    };
  }
  return cachedWrtc;
}

/** Pick `Peer` out of the module namespace `import('peerjs')` gives (ESM build or CommonJS). */
function peerFromModule(mod: unknown): PeerJsConstructor {
  const candidates: unknown[] = [];
  if (typeof mod === 'object' && mod !== null) {
    const m = mod as { Peer?: unknown; default?: unknown };
    candidates.push(m.Peer);
    if (typeof m.default === 'object' && m.default !== null) candidates.push((m.default as { Peer?: unknown }).Peer);
  }
  const ctor = candidates.find((c) => typeof c === 'function');
  if (ctor === undefined) throw new Error('peerjs did not export a Peer constructor');
  return ctor as PeerJsConstructor;
}

/**
 * Put `RTCPeerConnection`, `RTCSessionDescription`, `RTCIceCandidate` (wrtc) and `WebSocket` (ws)
 * on `globalThis` where missing, then import PeerJS and return its `Peer` constructor. PeerJS
 * probes WebRTC support once, at import time, so nothing may import `peerjs` before this runs.
 */
export async function installPeerJsGlobals(): Promise<PeerJsConstructor> {
  const wrtc = loadNodeWebRtc();
  const g = globalThis as Record<string, unknown>;
  g['RTCPeerConnection'] ??= wrtc.RTCPeerConnection;
  g['RTCSessionDescription'] ??= wrtc.RTCSessionDescription;
  g['RTCIceCandidate'] ??= wrtc.RTCIceCandidate;
  if (g['WebSocket'] === undefined) {
    // PeerJS listens with `onerror`/`onclose`; ws additionally emits an 'error' *event*, which crashes
    // Node when nobody listens (e.g. a 403 from the server). A listener that ignores it keeps the
    // failure where PeerJS reports it (its own 'error' event), instead of killing the process.
    const { WebSocket: WsSocket } = require('ws') as { WebSocket: new (...a: unknown[]) => { on(e: string, f: () => void): void } };
    g['WebSocket'] = class extends WsSocket {
      constructor(...args: unknown[]) {
        super(...args);
        this.on('error', () => undefined);
      }
    };
  }
  return peerFromModule(await import('peerjs'));
}

/** A running PeerJS signaling server. */
export interface PeerJsServerHandle {
  readonly host: string;
  readonly port: number;
  /** Client-side `path` option (the mount point). */
  readonly path: string;
  /** Stop listening and drop every client connection. */
  close(): Promise<void>;
}

/** Options of {@link startPeerJsServer}. */
export interface PeerJsServerOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** Mount path, default `/peerjs`. */
  readonly path?: string;
}

/**
 * Code of the worker thread that hosts the PeerJS server. `peer` 1.0 keeps two self-rescheduling
 * timers per server that it offers no way to stop; inside a worker, `terminate()` ends them, so a
 * script that started a server can still exit on its own.
 */
const PEERJS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const req = require('node:module').createRequire(workerData.base);
const express = req('express');
const { ExpressPeerServer } = req('peer');
const app = express();
const server = createServer(app);
server.on('error', (e) => parentPort.postMessage({ kind: 'error', message: String(e && e.message || e) }));
server.listen(workerData.port, workerData.host, () => {
  app.use(workerData.path, ExpressPeerServer(server, { path: '/', allow_discovery: false }));
  parentPort.postMessage({ kind: 'listening', port: server.address().port });
});
`;

/**
 * Start a PeerJS server (`ExpressPeerServer` from `peer`, on an express 4 app) on loopback, in a
 * worker thread of this process (see {@link PEERJS_WORKER} for why).
 */
export async function startPeerJsServer(options: PeerJsServerOptions = {}): Promise<PeerJsServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/peerjs';
  const worker = new Worker(PEERJS_WORKER, {
    eval: true,
    workerData: { base: import.meta.url, host, port: options.port ?? 0, path },
  });
  const [first] = (await once(worker, 'message')) as [unknown];
  const msg = first as { kind?: unknown; port?: unknown; message?: unknown };
  if (msg.kind !== 'listening' || typeof msg.port !== 'number') {
    await worker.terminate();
    throw new Error(`PeerJS server did not start: ${String(msg.message)}`);
  }
  let closing: Promise<void> | null = null;
  return {
    host,
    port: msg.port,
    path,
    close() {
      closing ??= worker.terminate().then(() => undefined);
      return closing;
    },
  };
}
