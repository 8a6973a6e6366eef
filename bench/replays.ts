/**
 * Replay service bench, loopback only and bounded: `replay_verify_ms` (median parse + re-simulation of
 * a 3,600-frame 4-player replay on this thread), `replay_uploads_per_s` (uploads answered 201 by a real
 * signaling server with the embedded SQLite database, 4 clients at once, every upload a full verify in
 * the worker plus an insert) and `healthz_p99_ms_during_uploads` (a `/healthz` probe every 10 ms while
 * the uploads run: verification must never block the event loop), and `replay_uploads_per_s_postgres`, the
 * same uploads on a throw-away PostgreSQL server when one can be started here. Run alone:
 * `npx tsx bench/replays.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REPLAY_CONFIG, openReplayService } from '../signaling/replays/index.ts';
import { verifyUpload } from '../signaling/replays/verify.ts';
import { startSignalingServer } from '../signaling/server.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { makeReplayText } from '../test/support/replay-files.ts';
import { quantile } from '../src/shared/quantile.ts';

const DISTINCT_REPLAYS = 20;
const ADDRESSES = 10; // uploaders: 127.0.0.10 .. 127.0.0.19, so every (file, address) pair is stored
const CLIENTS = 4;
const DEADLINE_MS = 60_000;

function post(url: string, body: string, from: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', localAddress: from, agent: false, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const percentile = (xs: number[], p: number): number => quantile(xs, p / 100);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** The figures (the PostgreSQL upload rate only where a server can be started here). */
export async function benchReplays(): Promise<Record<string, number>> {
  const replays = Array.from({ length: DISTINCT_REPLAYS }, (_, i) => makeReplayText({ players: 4, frames: 3600, seed: 1000 + i, inputSeed: i + 1 }));
  const first = replays[0] ?? '';
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    if (verifyUpload(first, 216_000).kind !== 'verified') throw new Error('bench replay does not verify');
    times.push(performance.now() - t);
  }
  const sqlite = await uploads(replays, null);
  const figures: Record<string, number> = {
    replay_verify_ms: round(percentile(times, 50), 2),
    replay_uploads_per_s: sqlite.perS,
    healthz_p99_ms_during_uploads: sqlite.healthzP99,
    replay_file_bytes_3600f_4p: Buffer.byteLength(first),
  };
  const pg = await startPostgres();
  if (pg.ok) {
    try {
      figures['replay_uploads_per_s_postgres'] = (await uploads(replays, pg.server.url)).perS;
    } finally {
      await pg.server.stop();
    }
  }
  return figures;
}

/** Uploads every replay from every address through a real server on the given store. */
async function uploads(replays: readonly string[], databaseUrl: string | null): Promise<{ perS: number; healthzP99: number }> {
  const first = replays[0] ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'bench-replays-'));
  const service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir: dir, databaseUrl, uploadsPerMinute: 1e9, uploadBurst: 1e9, maxQueue: 64 });
  const server = await startSignalingServer({ peerjs: false, replays: service.api });
  try {
    // Warm the worker (first verification compiles the simulation).
    await post(`${server.url}/api/replays`, first, '127.0.0.9');
    const jobs: { text: string; from: string }[] = [];
    for (let a = 0; a < ADDRESSES; a++) for (const text of replays) jobs.push({ text, from: `127.0.0.${10 + a}` });
    let created = 0;
    let failed = 0;
    let done = false;
    const probe: number[] = [];
    const deadline = Date.now() + DEADLINE_MS;
    const prober = (async () => {
      while (!done && Date.now() < deadline) {
        const t = performance.now();
        await get(`${server.url}/healthz`);
        probe.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < jobs.length && Date.now() < deadline) {
        const job = jobs[next++];
        if (job === undefined) break;
        if ((await post(`${server.url}/api/replays`, job.text, job.from)) === 201) created++;
        else failed++;
      }
    }));
    const elapsedS = (performance.now() - started) / 1000;
    done = true;
    await prober;
    if (failed > 0) throw new Error(`${failed} uploads failed`);
    return { perS: round(created / elapsedS), healthzP99: round(percentile(probe, 99), 2) };
  } finally {
    await server.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchReplays());
