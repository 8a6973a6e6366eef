/**
 * Signaling server figures on loopback. The server runs in a child process (this same file, forked
 * with `--expose-gc`), so its heap is measured apart from the clients' and both share the 2 cores
 * the way a real deployment's clients would not: throughput figures are conservative.
 *
 * - `signaling_pairings_per_s`: 2-player pairings per second, 64 at a time, while all 64 are in
 *   flight (each slice's drain, after its last pairing started, is left out: `Side.steadyDone`;
 *   `signaling_vs_peerjs_whole_slices` is the ratio with the drains in). A pairing = two fresh
 *   WebSockets, `create`, `join` by code, then one offer, one answer and 4 + 4 ICE candidates relayed
 *   (the PeerJS-server baseline measured 1,859/s with the same exchange). On 2 cores the load
 *   generator (this process, one thread) is the bottleneck: a CPU profile of the measured run has the
 *   server idle 40–60 % of it (docs/performance.md, "Signaling"). In the measured runs it reads each
 *   server message as the PeerJS client below reads its frames (`JSON.parse`, the fields it uses); the
 *   warm-ups and the load run validate every server message with its schema (`Reading`).
 * - `signaling_client_cpu_us_per_pairing`: this process's CPU time per pairing in that run (the load
 *   generator's share of the 2 cores; `signaling_peerjs_client_cpu_us_per_pairing` the same for PeerJS).
 * - `signaling_join_p50_ms` / `signaling_join_p99_ms`: joiner's WebSocket connect to its `joined`.
 * - `signaling_pairing_p99_ms`: the whole pairing, first connect to last candidate.
 * - `signaling_server_cpu_us_per_pairing`: the server process's CPU time (user + system) per pairing,
 *   the figure least bent by the load generator sharing the cores (the server idles about half the run).
 * - Load run: 1,000 concurrent connections in 500 lobbies, every member chats once and must hear
 *   both lines of its lobby; `signaling_load_errors` counts anything else (must be 0).
 * - `signaling_bytes_per_idle_conn`: server heap growth (after GC) per idle joined connection, over
 *   those 1,000 (each has chatted once; it includes code compiled during the load run, about 250 kB
 *   in all); `signaling_external_bytes_per_idle_conn` the same for off-heap (Buffer) memory.
 * - `signaling_peerjs_pairings_per_s`: the same exchange through a stock `peer` (PeerJS) server,
 *   measured interleaved with ours (below): this machine is shared, so absolute rates swing with its
 *   load and the ratio of the two, `signaling_vs_peerjs`, is the fairer comparison. Likewise
 *   `signaling_peerjs_server_cpu_us_per_pairing`, and `signaling_peerjs_bytes_per_idle_conn` for 1,000
 *   idle registered PeerJS connections.
 *
 * - `signaling_pairings_per_s_redis_2inst`: the same pairings with the creator on one instance and the
 *   joiner on another, both on one redis-server (every signal crosses Redis); `signaling_redis_2inst_vs_single`
 *   its ratio to `signaling_pairings_per_s` of the same run (3 processes and Redis share the 2 cores).
 *   Where the 2 cores go in that run, CPU time per pairing: `signaling_redis_2inst_server_cpu_us_per_pairing`
 *   (both instances together), `_redis_cpu_us_per_pairing` (redis-server, from `INFO cpu`) and
 *   `_client_cpu_us_per_pairing` (this process).
 * - `redis_signal_relay_ms_p50` / `_p99`: one signal, member on instance 1 to member on instance 2,
 *   client send to client receive (one process, one clock), 2,000 in a row.
 *
 * - `signaling_capped_*`: our server against the PeerJS server again, each now in a cgroup of its own
 *   capped at `CAP_CORES` of one core (`bench/cpu-cap.ts`; needs root, else skipped and said so), so the
 *   servers set the rates and the load generator idles half the time: `signaling_capped_vs_peerjs` is
 *   what the same share of a core pairs on each server, the figure of a deployment whose clients are
 *   elsewhere. Uncapped, the load generator is the bottleneck on 2 cores and `signaling_vs_peerjs`
 *   compares the two protocols' client work. `_cap_use` (~1 when the cap binds) and `_client_busy`
 *   (well under 1) show which bound a run measured.
 * - `signaling_vs_peerjs_rounds_ahead` / `signaling_capped_vs_peerjs_rounds_ahead`: the same comparisons
 *   paired round by round: in how many of the `ROUNDS` rounds our slice paired faster than the PeerJS
 *   slice of that round (about half of them under noise alone); `_round_median`: the median of the
 *   rounds' ratios.
 *
 * Interleaved: the single server, the PeerJS server and the two Redis instances all run from the
 * start, and the measured pairings come in `ROUNDS` rounds (after one that counts for nobody) that
 * give each of the three one slice (500 pairings), in each of the six orders twice; each side's figures sum its slices (its servers' and the load
 * generator's CPU counted until its servers are idle and its lobbies expired). Measured one after another, the sides also differed by the machine's drift between them.
 *
 * Run directly: `npx tsx bench/signaling.ts`. Bounded: 60–120 s, hard limits on every wait.
 * `SIGNALING_BENCH_PROFILE=<dir>`: CPU profiles of the server processes' measured runs (`profile`).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocket } from 'ws';
import { startSignalingServer } from '../signaling/server.ts';
import { startRedis } from '../test/support/redis.ts';
import type { RedisServer } from '../test/support/redis.ts';
import { parseServerMessage } from '../src/lobby/protocol-schema.ts';
import type { ServerMessage } from '../src/lobby/protocol.ts';
import { quantileOfSorted } from '../src/shared/quantile.ts';
import { cpuCap } from './cpu-cap.ts';
import type { CpuCap } from './cpu-cap.ts';

const CHILD_FLAG = '--signaling-bench-server';
const PEERJS_CHILD_FLAG = '--peerjs-bench-server';
/** With `--redis=<socket>`, the child server shares its lobbies on that redis-server. */
const REDIS_FLAG = '--redis=';
const RELAY_SAMPLES = 2000;
const WARMUP_PAIRINGS = 2000;
const WARMUP_BUDGET_MS = 8000;
const PAIRINGS = 6000;
/** Rounds of the interleaved measurement (each side gets PAIRINGS / ROUNDS pairings a round). */
const ROUNDS = 12;
/** The order of the three sides in each round: every order as often, so each side follows each other alike. */
const ORDERS = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1], [1, 0, 2]] as const;
/** After a slice's servers are idle: past the empty-lobby expiry (`emptyLobbyTtlMs` 200), so its timers count for it. */
const SETTLE_MS = 250;
const CONCURRENCY = 64;
/** For all the rounds of one side: a second a slice. */
const PAIRING_BUDGET_MS = 12_000;
const LOAD_LOBBIES = 500;
const LOAD_OPEN_CONCURRENCY = 100;
const STEP_TIMEOUT_MS = 10_000;
/**
 * The capped comparison: each server in a cgroup of its own limited to this share of one core, so
 * that the server, not the load generator, sets the pairing rate (`signaling_capped_*`).
 */
const CAP_CORES = 0.4;

/** A realistic data-channel-only offer (about 600 bytes) and host candidates. */
const SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:${'u'.repeat(4)}\r\na=ice-pwd:${'p'.repeat(24)}\r\na=ice-options:trickle\r\na=fingerprint:sha-256 ${'AB:'.repeat(31)}AB\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n`;
const candidate = (i: number): unknown => ({
  type: 'candidate',
  candidate: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host generation 0 ufrag uuuu network-id 1`, sdpMid: '0', sdpMLineIndex: 0 },
});

type ChildRequest = { kind: 'memory' } | { kind: 'stats' } | { kind: 'profile'; on: boolean; label: string };
type ChildReply =
  | { kind: 'ready'; wsUrl: string; port: number }
  | { kind: 'memory'; heapUsed: number; external: number }
  | { kind: 'stats'; connections: number; lobbies: number; cpuUs: number }
  | { kind: 'profile' };

const percentile = (sorted: readonly number[], q: number): number => quantileOfSorted(sorted, q);
const round2 = (x: number): number => Math.round(x * 100) / 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * With `SIGNALING_BENCH_PROFILE=<dir>`, each server process writes a CPU profile (50 µs sampling) of
 * the measured pairing run only, `<dir>/<label>-<pid>.cpuprofile`: warm-up, load run and start-up
 * left out. Off by default (the sampling itself costs the server about a third more CPU).
 */
const PROFILE_DIR = process.env['SIGNALING_BENCH_PROFILE'] ?? '';
let profiler: Session | null = null;
async function profile(on: boolean, label: string): Promise<void> {
  if (PROFILE_DIR === '') return;
  const post = (method: string, params?: object): Promise<unknown> => new Promise((done, reject) => {
    profiler?.post(method, params, (error, result) => (error === null ? done(result) : reject(error)));
  });
  if (on) {
    profiler = new Session();
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 50 });
    await post('Profiler.start');
    return;
  }
  const { profile: taken } = await post('Profiler.stop') as { profile: object };
  mkdirSync(PROFILE_DIR, { recursive: true });
  writeFileSync(join(PROFILE_DIR, `${label}-${process.pid}.cpuprofile`), JSON.stringify(taken));
  profiler?.disconnect();
  profiler = null;
}

/** Answers the parent's memory (after GC), stats and profile requests. */
function serveRequests(stats: () => { connections: number; lobbies: number }): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (request: ChildRequest) => {
    if (request.kind === 'memory') {
      for (let i = 0; i < 3; i++) gc?.();
      const m = process.memoryUsage();
      process.send?.({ kind: 'memory', heapUsed: m.heapUsed, external: m.external } satisfies ChildReply);
    } else if (request.kind === 'profile') {
      void profile(request.on, request.label).then(() => process.send?.({ kind: 'profile' } satisfies ChildReply));
    } else {
      const cpu = process.cpuUsage();
      process.send?.({ kind: 'stats', ...stats(), cpuUs: cpu.user + cpu.system } satisfies ChildReply);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Server side: run a signaling server and answer memory/stats requests from the parent. */
async function runChild(): Promise<void> {
  const redisUrl = process.argv.find((a) => a.startsWith(REDIS_FLAG))?.slice(REDIS_FLAG.length) ?? null;
  // Every bench client comes from 127.0.0.1: the per-address limits would (rightly) refuse it.
  const server = await startSignalingServer({
    port: 0, emptyLobbyTtlMs: 200, heartbeatMs: 60_000, redisUrl,
    // The relay-latency run sends its signals one after another from one socket: no rate limit on it.
    ...(redisUrl === null ? {} : { messagesPerSecond: 1_000_000, messageBurst: 1_000_000, relayBytesPerSecond: 1e9, relayBurstBytes: 1e9 }),
    maxConnectionsPerAddress: 1_000_000, maxLobbiesPerAddress: 1_000_000, lobbyCreatesPerMinute: 1_000_000_000, lobbyCreateBurst: 1_000_000,
  });
  serveRequests(() => ({ connections: server.stats().connections, lobbies: server.stats().lobbies }));
  process.send?.({ kind: 'ready', wsUrl: server.wsUrl, port: server.port } satisfies ChildReply);
}

/** Baseline server side: a stock PeerJS server (`peer` package) on its own HTTP server. */
async function runPeerJsChild(): Promise<void> {
  const app = express();
  const server = createServer(app);
  const peer = ExpressPeerServer(server, { path: '/' });
  let connections = 0;
  peer.on('connection', () => { connections += 1; });
  peer.on('disconnect', () => { connections -= 1; });
  app.use('/peerjs', peer);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  serveRequests(() => ({ connections, lobbies: 0 }));
  process.send?.({ kind: 'ready', wsUrl: '', port: (server.address() as AddressInfo).port } satisfies ChildReply);
}

/** Opens `count` idle PeerJS connections (registered ids), `LOAD_OPEN_CONCURRENCY` at a time. */
async function idlePeerJsSockets(port: number, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/peerjs/peerjs?key=peerjs&id=${randomUUID()}&token=${randomUUID()}`);
      sockets.push(ws);
      await new Promise<void>((done, reject) => {
        const timer = setTimeout(() => reject(new Error('PeerJS open timed out')), STEP_TIMEOUT_MS);
        ws.once('message', () => { clearTimeout(timer); done(); }); // OPEN
      });
    }
  };
  await Promise.all(Array.from({ length: LOAD_OPEN_CONCURRENCY }, worker));
  return sockets;
}

/** The same exchange as `pairing`, in the PeerJS server protocol (ids chosen by the clients). */
function peerJsPairing(port: number): Promise<{ joinMs: number; totalMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const ids = [randomUUID(), randomUUID()] as const;
    const url = (id: string): string => `ws://127.0.0.1:${port}/peerjs/peerjs?key=peerjs&id=${id}&token=${randomUUID()}`;
    const [a, b] = [new WebSocket(url(ids[0])), new WebSocket(url(ids[1]))];
    let opened = 0;
    let aSignals = 0;
    let bSignals = 0;
    const timer = setTimeout(() => { a.terminate(); b.terminate(); reject(new Error('PeerJS pairing timed out')); }, STEP_TIMEOUT_MS);
    const signal = (ws: WebSocket, type: string, dst: string, payload: unknown): void => ws.send(JSON.stringify({ type, dst, payload }));
    const burst = (ws: WebSocket, type: string, dst: string, sdp: string): void => {
      signal(ws, type, dst, { sdp: { type: type.toLowerCase(), sdp }, type: 'data', connectionId: 'dc_1' });
      for (let i = 0; i < 4; i++) signal(ws, 'CANDIDATE', dst, { candidate: candidate(i), type: 'data', connectionId: 'dc_1' });
    };
    const onOpen = (): void => {
      opened += 1;
      if (opened === 2) burst(b, 'OFFER', ids[0], SDP);
    };
    const finish = (): void => {
      if (aSignals < 5 || bSignals < 5) return;
      clearTimeout(timer);
      a.close();
      b.close();
      resolvePromise({ joinMs: 0, totalMs: performance.now() - t0 });
    };
    const typeOf = (data: unknown): string => {
      const m: unknown = JSON.parse(String(data));
      return typeof m === 'object' && m !== null && 'type' in m && typeof m.type === 'string' ? m.type : '';
    };
    a.on('message', (data) => {
      const type = typeOf(data);
      if (type === 'OPEN') return onOpen();
      aSignals += 1;
      if (type === 'OFFER') burst(a, 'ANSWER', ids[1], SDP);
      finish();
    });
    b.on('message', (data) => {
      if (typeOf(data) === 'OPEN') return onOpen();
      bSignals += 1;
      finish();
    });
  });
}

function ask<K extends ChildReply['kind']>(child: ChildProcess, kind: K, request?: ChildRequest): Promise<Extract<ChildReply, { kind: K }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench: no ${kind} from the server process`)), 20_000);
    const onMessage = (message: ChildReply): void => {
      if (message.kind !== kind) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolvePromise(message as Extract<ChildReply, { kind: K }>);
    };
    child.on('message', onMessage);
    if (request !== undefined) child.send(request);
  });
}

/**
 * How the load generator reads server messages. `validate`: every message through its valibot schema
 * (`parseServerMessage`), any invalid one an error: the warm-ups and the load run. `read`: `JSON.parse`
 * and the fields the exchange uses, the same work the PeerJS client below does on its frames: the
 * measured pairing runs, so that validating our messages (a cost of the load generator, which is
 * the bottleneck here, not of the server) does not count against our server only.
 */
type Reading = 'validate' | 'read';

/** A server message, `JSON.parse`d only (a non-object or a missing `kind` is still an error). */
function readServerMessage(text: string): ServerMessage | null {
  const m: unknown = JSON.parse(text);
  return typeof m === 'object' && m !== null && 'kind' in m && typeof m.kind === 'string' ? m as ServerMessage : null;
}

/** Calls `onMessage` with every server message (validated or only read: `Reading`); any invalid one is an error. */
function listen(ws: WebSocket, onMessage: (m: ServerMessage) => void, onError: (e: Error) => void, reading: Reading = 'validate'): void {
  ws.on('message', (data) => {
    if (reading === 'read') {
      const m = readServerMessage(String(data));
      if (m !== null) onMessage(m);
      else onError(new Error('not a server message'));
      return;
    }
    const parsed = parseServerMessage(String(data));
    if (parsed.ok) onMessage(parsed.value);
    else onError(new Error(parsed.error));
  });
  ws.on('error', onError);
}

/**
 * One pairing; resolves with the joiner's join latency and the whole pairing's duration (ms). The
 * joiner connects to `joinUrl` (another instance on the same Redis, for the cross-instance figure).
 */
function pairing(wsUrl: string, joinUrl = wsUrl, reading: Reading = 'validate'): Promise<{ joinMs: number; totalMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const a = new WebSocket(wsUrl);
    const b = new WebSocket(joinUrl);
    let code: string | null = null;
    let bOpen = false;
    let joinMs = 0;
    let aSignals = 0;
    let bSignals = 0;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      a.terminate();
      b.terminate();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('pairing timed out')), STEP_TIMEOUT_MS);
    const finish = (): void => {
      if (aSignals < 5 || bSignals < 5) return;
      clearTimeout(timer);
      a.close();
      b.close();
      resolvePromise({ joinMs, totalMs: performance.now() - t0 });
    };
    const join = (): void => {
      if (bOpen && code !== null) b.send(JSON.stringify({ kind: 'join', code, name: 'Bob' }));
    };
    a.on('open', () => a.send(JSON.stringify({ kind: 'create', name: 'Alice' })));
    b.on('open', () => { bOpen = true; join(); });
    listen(a, (m) => {
      if (m.kind === 'joined') { code = m.code; join(); }
      else if (m.kind === 'signal') {
        aSignals += 1;
        if (aSignals === 1) {
          a.send(JSON.stringify({ kind: 'signal', to: m.from, data: { type: 'answer', sdp: SDP } }));
          for (let i = 0; i < 4; i++) a.send(JSON.stringify({ kind: 'signal', to: m.from, data: candidate(i) }));
        }
        finish();
      } else if (m.kind === 'error') fail(new Error(`${m.code}: ${m.message}`));
    }, fail, reading);
    listen(b, (m) => {
      if (m.kind === 'joined') {
        joinMs = performance.now() - t0;
        const to = m.hostId;
        b.send(JSON.stringify({ kind: 'signal', to, data: { type: 'offer', sdp: SDP } }));
        for (let i = 0; i < 4; i++) b.send(JSON.stringify({ kind: 'signal', to, data: candidate(10 + i) }));
      } else if (m.kind === 'signal') {
        bSignals += 1;
        finish();
      } else if (m.kind === 'error') fail(new Error(`${m.code}: ${m.message}`));
    }, fail, reading);
  });
}

/** Runs up to `count` pairings, `CONCURRENCY` at a time, within `budgetMs`. */
async function pairings(pair: () => Promise<{ joinMs: number; totalMs: number }>, count: number, budgetMs: number): Promise<{ done: number; ms: number; steadyDone: number; steadyMs: number; joins: number[]; totals: number[] }> {
  const joins: number[] = [];
  const totals: number[] = [];
  let started = 0;
  // When the last pairing started, and how many had finished by then (`Side.steadyDone`).
  let steadyMs = 0;
  let steadyDone = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < count && performance.now() - t0 < budgetMs) {
      started += 1;
      steadyMs = performance.now() - t0;
      steadyDone = totals.length;
      const r = await pair();
      joins.push(r.joinMs);
      totals.push(r.totalMs);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { done: totals.length, ms: performance.now() - t0, steadyDone, steadyMs, joins, totals };
}

async function waitForIdle(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const s = await ask(child, 'stats', { kind: 'stats' });
    if (s.connections === 0 && s.lobbies === 0) return;
    if (Date.now() > deadline) throw new Error(`bench: server not idle (${s.connections} connections, ${s.lobbies} lobbies)`);
    await sleep(50);
  }
}

/** 1,000 connections in 500 lobbies; returns the open sockets and the error count. */
async function loadRun(wsUrl: string): Promise<{ sockets: WebSocket[]; errors: number }> {
  const sockets: WebSocket[] = [];
  const chats = new Map<WebSocket, number>();
  let errors = 0;
  let closing = false;
  const member = (message: (ws: WebSocket) => object): Promise<{ ws: WebSocket; joined: Extract<ServerMessage, { kind: 'joined' }> }> =>
    new Promise((resolvePromise, reject) => {
      const ws = new WebSocket(wsUrl);
      sockets.push(ws);
      const timer = setTimeout(() => reject(new Error('join timed out')), STEP_TIMEOUT_MS);
      ws.on('open', () => ws.send(JSON.stringify(message(ws))));
      ws.on('close', () => { if (!closing) errors += 1; });
      listen(ws, (m) => {
        if (m.kind === 'joined') { clearTimeout(timer); resolvePromise({ ws, joined: m }); }
        else if (m.kind === 'chat') chats.set(ws, (chats.get(ws) ?? 0) + 1);
        else if (m.kind === 'error') errors += 1;
      }, () => { errors += 1; });
    });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < LOAD_LOBBIES) {
      next += 1;
      try {
        const host = await member(() => ({ kind: 'create', name: 'Host' }));
        await member(() => ({ kind: 'join', code: host.joined.code, name: 'Guest' }));
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: LOAD_OPEN_CONCURRENCY / 2 }, worker));
  for (const ws of sockets) ws.send(JSON.stringify({ kind: 'chat', text: 'glhf' }));
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (sockets.some((ws) => (chats.get(ws) ?? 0) < 2) && Date.now() < deadline) await sleep(20);
  errors += sockets.filter((ws) => chats.get(ws) !== 2).length;
  closing = true;
  return { sockets, errors };
}

/** Opens a socket and sends `first` once it is open; resolves with the first `joined`. */
function member(url: string, first: object, onMessage: (m: ServerMessage) => void): Promise<{ ws: WebSocket; joined: Extract<ServerMessage, { kind: 'joined' }> }> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('join timed out')), STEP_TIMEOUT_MS);
    ws.on('open', () => ws.send(JSON.stringify(first)));
    listen(ws, (m) => {
      if (m.kind === 'joined') { clearTimeout(timer); resolvePromise({ ws, joined: m }); }
      else onMessage(m);
    }, reject);
  });
}

/** redis-server's CPU time so far (user + system, its main thread and any others), from `INFO cpu`. */
async function redisCpuUs(redis: RedisServer): Promise<number> {
  const info = await redis.client.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6);
}

/** Waits until a PeerJS baseline server holds no connection (bounded). */
async function waitForPeerJsIdle(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while ((await ask(child, 'stats', { kind: 'stats' })).connections > 0 && Date.now() < deadline) await sleep(50);
}

/** One server set-up of the comparison, and what its measured slices added up to. */
interface Side {
  readonly label: string;
  readonly pair: () => Promise<{ joinMs: number; totalMs: number }>;
  /** Its server processes. */
  readonly children: readonly ChildProcess[];
  /** Resolves once its servers are idle again (the slice's sockets closed: their teardown is its cost). */
  readonly idle: () => Promise<void>;
  /** redis-server's CPU so far, for the side that uses it. */
  readonly redisCpu?: () => Promise<number>;
  done: number;
  ms: number;
  /**
   * The pairings finished, and the time passed, up to the start of each slice's last pairing: while
   * all `CONCURRENCY` workers were busy. After it the slice drains (fewer and fewer in flight, for
   * about one pairing's latency) and measures that latency, not the throughput: `rate` leaves it out.
   */
  steadyDone: number;
  steadyMs: number;
  serverUs: number;
  clientUs: number;
  redisUs: number;
  readonly joins: number[];
  readonly totals: number[];
  /** Each measured slice's steady rate (pairings/s), round by round: the paired comparison (`roundsAhead`). */
  readonly sliceRates: number[];
}

function side(label: string, pair: Side['pair'], children: readonly ChildProcess[], idle: Side['idle'], redisCpu?: Side['redisCpu']): Side {
  return { label, pair, children, idle, ...(redisCpu === undefined ? {} : { redisCpu }), done: 0, ms: 0, steadyDone: 0, steadyMs: 0, serverUs: 0, clientUs: 0, redisUs: 0, joins: [], totals: [], sliceRates: [] };
}

const serverCpuUs = async (children: readonly ChildProcess[]): Promise<number> =>
  (await Promise.all(children.map((c) => ask(c, 'stats', { kind: 'stats' })))).reduce((sum, s) => sum + s.cpuUs, 0);

/** One measured slice of `s`: its pairings, then its servers' and the load generator's CPU up to idle again. */
async function measureSlice(s: Side, count: number, budgetMs: number): Promise<void> {
  const serverBefore = await serverCpuUs(s.children);
  const redisBefore = (await s.redisCpu?.()) ?? 0;
  const clientBefore = process.cpuUsage();
  const run = await pairings(s.pair, count, budgetMs);
  await s.idle();
  await sleep(SETTLE_MS);
  const client = process.cpuUsage(clientBefore);
  s.serverUs += (await serverCpuUs(s.children)) - serverBefore;
  s.redisUs += ((await s.redisCpu?.()) ?? 0) - redisBefore;
  s.clientUs += client.user + client.system;
  s.done += run.done;
  s.ms += run.ms;
  s.steadyDone += run.steadyDone;
  s.steadyMs += run.steadyMs;
  s.sliceRates.push(run.steadyMs > 0 ? (run.steadyDone / run.steadyMs) * 1000 : 0);
  s.joins.push(...run.joins);
  s.totals.push(...run.totals);
}

/**
 * The pairing figures of every side, measured interleaved: `ROUNDS` rounds, each giving every side one
 * slice of `PAIRINGS / ROUNDS` pairings, each round in another of the six orders. This machine is
 * shared and its speed drifts over seconds, so sides measured one after another (as this bench did
 * before) differed by the drift as much as by themselves; interleaved, every side sees the same drift.
 */
async function measureInterleaved(sides: readonly Side[]): Promise<void> {
  const all = sides.flatMap((s) => s.children);
  await Promise.all(all.map((c) => ask(c, 'profile', { kind: 'profile', on: true, label: sides.find((s) => s.children.includes(c))?.label ?? 'server' })));
  await profile(true, 'client');
  // One round first that counts for nobody: the first slice after the separate warm-ups (which read
  // every message through its schema, run one side at a time) cost every side a third more than its
  // later ones (JIT and heap settling in the interleaved regime), so it measured the warm-up.
  for (const s of sides) {
    await pairings(s.pair, PAIRINGS / ROUNDS, PAIRING_BUDGET_MS / ROUNDS);
    await s.idle();
    await sleep(SETTLE_MS);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of orderOf(round, sides.length)) {
      const s = sides[i];
      if (s !== undefined) await measureSlice(s, PAIRINGS / ROUNDS, PAIRING_BUDGET_MS / ROUNDS);
    }
  }
  await profile(false, 'client');
  await Promise.all(all.map((c) => ask(c, 'profile', { kind: 'profile', on: false, label: sides.find((s) => s.children.includes(c))?.label ?? 'server' })));
}

/** The order of `n` sides in round `round`: the six orders of three in turn; other counts forward, then backward. */
function orderOf(round: number, n: number): readonly number[] {
  if (n === 3) return ORDERS[round % ORDERS.length] ?? [];
  const forward = Array.from({ length: n }, (_, i) => i);
  return round % 2 === 0 ? forward : forward.reverse();
}

/** Pairings per second with every worker busy (`Side.steadyDone`). */
const rate = (s: Side): number => Math.round((s.steadyDone / s.steadyMs) * 1000);
/**
 * `a` against `b` round by round (their slices of one round ran next to each other, so the machine's
 * drift between rounds cancels): in how many of the rounds `a`'s slice paired faster, and the median
 * of the rounds' ratios. Under noise alone `_rounds_ahead` is near half the rounds either way.
 */
function roundsAhead(a: Side, b: Side, key: string): Record<string, number> {
  const ratios = a.sliceRates.map((r, i) => r / (b.sliceRates[i] ?? Number.NaN)).filter((x) => Number.isFinite(x));
  ratios.sort((x, y) => x - y);
  return {
    [`${key}_rounds_ahead`]: ratios.filter((x) => x > 1).length,
    [`${key}_round_median`]: round2(percentile(ratios, 0.5)),
  };
}

/** The same over whole slices, their drains included. */
const sliceRate = (s: Side): number => s.done / s.ms;
const perPairing = (us: number, s: Side): number => Math.round(us / s.done);

/**
 * The one-way latency of `RELAY_SAMPLES` signals, one at a time, from a member on one instance to a
 * member on the other (both clients in this process).
 */
async function relayLatency(u1: string, u2: string): Promise<Record<string, number>> {
  let received: ((at: number) => void) | null = null;
  const a = await member(u1, { kind: 'create', name: 'A' }, () => {});
  const b = await member(u2, { kind: 'join', code: a.joined.code, name: 'B' }, (m) => {
    if (m.kind === 'signal') received?.(performance.now());
  });
  const latencies: number[] = [];
  for (let i = 0; i < RELAY_SAMPLES; i++) {
    const arrived = new Promise<number>((done, reject) => {
      const timer = setTimeout(() => reject(new Error('relay timed out')), STEP_TIMEOUT_MS);
      received = (at) => { clearTimeout(timer); done(at); };
    });
    const sentAt = performance.now();
    a.ws.send(JSON.stringify({ kind: 'signal', to: b.joined.memberId, data: candidate(i) }));
    latencies.push((await arrived) - sentAt);
  }
  a.ws.close();
  b.ws.close();
  latencies.sort((x, y) => x - y);
  return {
    redis_signal_relay_ms_p50: round2(percentile(latencies, 0.5)),
    redis_signal_relay_ms_p99: round2(percentile(latencies, 0.99)),
  };
}

/** Runs the signaling benchmark (60–120 s) and returns its figures. */
export async function benchSignaling(): Promise<Record<string, number>> {
  const spawnServer = (flag: string, extra?: string): ChildProcess => fork(fileURLToPath(import.meta.url), extra === undefined ? [flag] : [flag, extra], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const redis = await startRedis();
  const ours = spawnServer(CHILD_FLAG);
  const baseline = spawnServer(PEERJS_CHILD_FLAG);
  const instances = [spawnServer(CHILD_FLAG, REDIS_FLAG + redis.url), spawnServer(CHILD_FLAG, REDIS_FLAG + redis.url)];
  // The capped pair: two more servers, each in its own CPU cap (or none, where no cap can be made).
  const caps = [cpuCap(`rollback-pong-bench-${process.pid}-ours`, CAP_CORES), cpuCap(`rollback-pong-bench-${process.pid}-peerjs`, CAP_CORES)];
  const capped = caps.every((c) => typeof c !== 'string') ? [spawnServer(CHILD_FLAG), spawnServer(PEERJS_CHILD_FLAG)] : [];
  const children = [ours, baseline, ...instances, ...capped];
  try {
    const { wsUrl } = await ask(ours, 'ready');
    const { port } = await ask(baseline, 'ready');
    const [u1, u2] = (await Promise.all(instances.map((c) => ask(c, 'ready')))).map((r) => r.wsUrl);
    const cappedReady = await Promise.all(capped.map((c) => ask(c, 'ready')));
    if (u1 === undefined || u2 === undefined) throw new Error('bench: a Redis instance did not start');
    const single = side('ours', () => pairing(wsUrl, wsUrl, 'read'), [ours], () => waitForIdle(ours));
    const peerjs = side('peerjs', () => peerJsPairing(port), [baseline], () => waitForPeerJsIdle(baseline));
    const cross = side('redis', () => pairing(u1, u2, 'read'), instances, async () => { for (const c of instances) await waitForIdle(c); }, () => redisCpuUs(redis));
    await pairings(() => pairing(wsUrl), WARMUP_PAIRINGS, WARMUP_BUDGET_MS);
    await pairings(() => peerJsPairing(port), WARMUP_PAIRINGS, WARMUP_BUDGET_MS);
    await pairings(() => pairing(u1, u2), WARMUP_PAIRINGS, WARMUP_BUDGET_MS);
    for (const s of [single, peerjs, cross]) await s.idle();
    await measureInterleaved([single, peerjs, cross]);
    const cappedFigures = await measureCapped(capped, cappedReady, caps);
    // With every server idle (the load run below keeps ours busy for a while after it).
    const relay = await relayLatency(u1, u2);

    const joins = [...single.joins].sort((x, y) => x - y);
    const totals = [...single.totals].sort((x, y) => x - y);
    const before = await ask(ours, 'memory', { kind: 'memory' });
    const load = await loadRun(wsUrl);
    const stats = await ask(ours, 'stats', { kind: 'stats' });
    const after = await ask(ours, 'memory', { kind: 'memory' });
    for (const ws of load.sockets) ws.close();

    const peerBefore = await ask(baseline, 'memory', { kind: 'memory' });
    const sockets = await idlePeerJsSockets(port, LOAD_LOBBIES * 2);
    const peerAfter = await ask(baseline, 'memory', { kind: 'memory' });
    for (const ws of sockets) ws.close();

    return {
      signaling_pairings_per_s: rate(single),
      signaling_join_p50_ms: round2(percentile(joins, 0.5)),
      signaling_join_p99_ms: round2(percentile(joins, 0.99)),
      signaling_pairing_p99_ms: round2(percentile(totals, 0.99)),
      signaling_server_cpu_us_per_pairing: perPairing(single.serverUs, single),
      signaling_client_cpu_us_per_pairing: perPairing(single.clientUs, single),
      signaling_load_connections: stats.connections,
      signaling_load_errors: load.errors + (stats.connections === LOAD_LOBBIES * 2 ? 0 : 1),
      signaling_bytes_per_idle_conn: Math.round((after.heapUsed - before.heapUsed) / stats.connections),
      signaling_external_bytes_per_idle_conn: Math.round((after.external - before.external) / stats.connections),
      signaling_peerjs_pairings_per_s: rate(peerjs),
      signaling_peerjs_server_cpu_us_per_pairing: perPairing(peerjs.serverUs, peerjs),
      signaling_peerjs_client_cpu_us_per_pairing: perPairing(peerjs.clientUs, peerjs),
      signaling_peerjs_bytes_per_idle_conn: Math.round((peerAfter.heapUsed - peerBefore.heapUsed) / sockets.length),
      signaling_vs_peerjs: round2(rate(single) / rate(peerjs)),
      signaling_vs_peerjs_whole_slices: round2(sliceRate(single) / sliceRate(peerjs)),
      ...roundsAhead(single, peerjs, 'signaling_vs_peerjs'),
      signaling_pairings_per_s_redis_2inst: rate(cross),
      signaling_redis_2inst_server_cpu_us_per_pairing: perPairing(cross.serverUs, cross),
      signaling_redis_2inst_redis_cpu_us_per_pairing: perPairing(cross.redisUs, cross),
      signaling_redis_2inst_client_cpu_us_per_pairing: perPairing(cross.clientUs, cross),
      signaling_redis_2inst_vs_single: round2(rate(cross) / rate(single)),
      ...cappedFigures,
      ...relay,
    };
  } finally {
    await Promise.all(children.map(stopChild));
    for (const c of caps) if (typeof c !== 'string') c.remove();
    await redis.stop();
  }
}

/** Kills a server process and waits (bounded) for its exit, so that its CPU cap can be removed. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(done, 5_000);
    child.once('exit', () => { clearTimeout(timer); done(); });
    child.kill();
  });
}

/**
 * Our server against the PeerJS server with the same share of a core each (`CAP_CORES`), interleaved
 * like the uncapped sides. Uncapped, the load generator (one thread, ~0.9 of a core, more CPU per
 * pairing than either server) sets both rates, so they compare the two protocols' client work; capped,
 * each server runs at its cap and the rate is what that much of a core pairs: the figure of a
 * deployment, where clients are not on the server's machine. `_cap_use` (the server's CPU over its
 * cap, ~1 when the cap binds) and `_client_busy` (the load generator's share of a core, well under 1)
 * show which bound the run measured. Skipped, and said so, where no cgroup can be made (not root).
 */
async function measureCapped(children: readonly ChildProcess[], ready: ReadonlyArray<Extract<ChildReply, { kind: 'ready' }>>, caps: ReadonlyArray<CpuCap | string>): Promise<Record<string, number>> {
  const [oursChild, peerChild] = children;
  const [oursCap, peerCap] = caps;
  const wsUrl = ready[0]?.wsUrl;
  const port = ready[1]?.port;
  if (oursChild === undefined || peerChild === undefined || wsUrl === undefined || port === undefined || typeof oursCap !== 'object' || typeof peerCap !== 'object') {
    const why = caps.find((c) => typeof c === 'string') ?? 'no server';
    console.log(`signaling capped comparison: skipped (${why})`);
    return {};
  }
  oursCap.add(oursChild.pid ?? 0);
  peerCap.add(peerChild.pid ?? 0);
  const oursSide = side('ours-capped', () => pairing(wsUrl, wsUrl, 'read'), [oursChild], () => waitForIdle(oursChild));
  const peerSide = side('peerjs-capped', () => peerJsPairing(port), [peerChild], () => waitForPeerJsIdle(peerChild));
  await pairings(() => pairing(wsUrl), WARMUP_PAIRINGS, WARMUP_BUDGET_MS);
  await pairings(() => peerJsPairing(port), WARMUP_PAIRINGS, WARMUP_BUDGET_MS);
  for (const s of [oursSide, peerSide]) await s.idle();
  await measureInterleaved([oursSide, peerSide]);
  // The steady rate times the CPU per pairing (whole slices: a pairing's share of the drains and
  // teardown included), in cores: what the steady part of the run used.
  const capUse = (s: Side, cap: CpuCap): number => round2((rate(s) * s.serverUs) / s.done / 1e6 / cap.cores);
  const clientBusy = (s: Side): number => round2((rate(s) * s.clientUs) / s.done / 1e6);
  return {
    signaling_capped_cores: oursCap.cores,
    signaling_capped_pairings_per_s: rate(oursSide),
    signaling_capped_peerjs_pairings_per_s: rate(peerSide),
    signaling_capped_vs_peerjs: round2(rate(oursSide) / rate(peerSide)),
    ...roundsAhead(oursSide, peerSide, 'signaling_capped_vs_peerjs'),
    signaling_capped_server_cpu_us_per_pairing: perPairing(oursSide.serverUs, oursSide),
    signaling_capped_peerjs_server_cpu_us_per_pairing: perPairing(peerSide.serverUs, peerSide),
    signaling_capped_server_cap_use: capUse(oursSide, oursCap),
    signaling_capped_peerjs_server_cap_use: capUse(peerSide, peerCap),
    signaling_capped_client_busy: clientBusy(oursSide),
    signaling_capped_peerjs_client_busy: clientBusy(peerSide),
  };
}

const thisFile = fileURLToPath(import.meta.url);
if (process.argv.includes(CHILD_FLAG)) {
  await runChild();
} else if (process.argv.includes(PEERJS_CHILD_FLAG)) {
  await runPeerJsChild();
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === thisFile) {
  const figures = await benchSignaling();
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(40)} ${value}`);
  process.exit(0);
}
