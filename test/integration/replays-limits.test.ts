/**
 * The replay service's resource limits, on a real server with the embedded database: slow bodies get
 * 408, uploads beyond the in-flight cap get 503 before their body is read, a full verify queue answers
 * `busy` at once, and a job over its time budget is cut (`timeout`) with its worker replaced so the
 * next job still verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPLAY_CONFIG, openReplayService, type ReplayService } from '../../signaling/replays/index.ts';
import { createVerifyPool } from '../../signaling/replays/verify-pool.ts';
import { startSignalingServer, type SignalingServer } from '../../signaling/server.ts';
import { makeReplayText } from '../support/replay-files.ts';

/** Opens a raw connection, sends the request head and `partial` body bytes, and resolves the status line when one arrives. */
function partialUpload(port: number, partial: string, declared: number): { socket: Socket; status: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(`POST /api/replays HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${declared}\r\n\r\n${partial}`);
  let data = '';
  const status = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      const line = data.split('\r\n')[0];
      if (line !== undefined && data.includes('\r\n')) resolve(line);
    });
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? 'closed'));
    socket.on('error', () => undefined);
  });
  return { socket, status };
}

describe('replay service limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replays-limits-'));
  let service: ReplayService | undefined;
  let server: SignalingServer | undefined;
  beforeAll(async () => {
    service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir: dir, bodyTimeoutMs: 300, maxUploadsInFlight: 2 });
    server = await startSignalingServer({ peerjs: false, replays: service.api });
  });
  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 408 to a body that does not arrive in time, and 503 beyond the in-flight cap', async () => {
    const port = server?.port ?? 0;
    const a = partialUpload(port, '{"format":', 5000);
    const b = partialUpload(port, '{"format":', 5000);
    // Both are now being received (and stall); a third is refused at once, before its body.
    await new Promise((r) => setTimeout(r, 50));
    const c = partialUpload(port, '', 5000);
    expect(await c.status).toBe('HTTP/1.1 503 Service Unavailable');
    expect(await a.status).toBe('HTTP/1.1 408 Request Timeout');
    expect(await b.status).toBe('HTTP/1.1 408 Request Timeout');
    for (const s of [a, b, c]) s.socket.destroy();
    // The slots are free again.
    const ok = await fetch(`${server?.url ?? ''}/api/replays`, { method: 'POST', body: makeReplayText({ frames: 120 }) });
    expect(ok.status).toBe(201);
  });
});

describe('verification off the event loop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replays-offloop-'));
  let service: ReplayService | undefined;
  let server: SignalingServer | undefined;
  beforeAll(async () => {
    service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir: dir });
    server = await startSignalingServer({ peerjs: false, replays: service.api });
  });
  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz while a long replay is being re-simulated', async () => {
    const base = server?.url ?? '';
    // Warm the worker, so that the long upload below spends its time simulating.
    expect((await fetch(`${base}/api/replays`, { method: 'POST', body: makeReplayText({ frames: 120 }) })).status).toBe(201);
    const long = makeReplayText({ frames: 216_000, players: 4, seed: 5 });
    const order: string[] = [];
    const upload = fetch(`${base}/api/replays`, { method: 'POST', body: long }).then((r) => {
      order.push('upload');
      return r.status;
    });
    // Probe until the upload is answered: with verification on the event loop, no probe could be answered first.
    let answered = 0;
    while (order.length === 0 && answered < 500) {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200 && order.length === 0) answered++;
      await new Promise((done) => setTimeout(done, 5));
    }
    expect(await upload).toBe(201);
    expect(answered).toBeGreaterThan(3);
  }, 30_000);
});

describe('verify pool', () => {
  const small = makeReplayText({ frames: 120 });
  const long = makeReplayText({ frames: 216_000, players: 4 });

  it('answers busy at once when the worker runs and the queue is full', async () => {
    const pool = createVerifyPool({ maxFrames: 216_000, maxQueue: 0 });
    try {
      const first = pool.submit(small);
      expect(await pool.submit(small)).toEqual({ kind: 'busy' });
      expect((await first).kind).toBe('verified');
    } finally {
      await pool.close();
    }
  });

  it('cuts a job past its time budget and verifies the next one on a fresh worker', async () => {
    const pool = createVerifyPool({ maxFrames: 216_000, jobTimeoutMs: 50 });
    try {
      expect(await pool.submit(long)).toEqual({ kind: 'timeout' });
      const next = await pool.submit(small);
      expect(next.kind).toBe('verified');
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('refuses replays longer than the server accepts before simulating them', async () => {
    const pool = createVerifyPool({ maxFrames: 1000 });
    try {
      const r = await pool.submit(makeReplayText({ frames: 1001 }));
      expect(r).toMatchObject({ kind: 'invalid', error: expect.stringContaining('at most 1000') as unknown });
    } finally {
      await pool.close();
    }
  });
});
