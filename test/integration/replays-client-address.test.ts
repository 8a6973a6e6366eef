/**
 * The replay API keys its upload rate limit and its uploader identity on the signaling server's client
 * address (`AddressBook.clientAddress`), like every other per-address limit: behind a trusted proxy
 * (`TRUST_PROXY`) the forwarded client, not the proxy; over IPv6 the /64. A real server on loopback with
 * the embedded database and the real verify worker; the direct-IPv6 case drives the API's handler with
 * request objects carrying IPv6 peer addresses (loopback has one IPv6 address, not a /64 of them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPLAY_CONFIG, openReplayService, type ReplayService } from '../../signaling/replays/index.ts';
import { startSignalingServer, type SignalingServer } from '../../signaling/server.ts';
import { makeReplayText } from '../support/replay-files.ts';

interface Reply {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** One POST to the server from loopback address `from`, with `X-Forwarded-For: xff` when given. */
function post(url: string, body: string, o: { readonly xff?: string; readonly from?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = o.xff === undefined ? {} : { 'x-forwarded-for': o.xff };
    const req = request(url, { method: 'POST', localAddress: o.from ?? '127.0.0.1', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Burst of the upload rate limit (10): the 11th quick upload of one address gets 429. */
const BURST = DEFAULT_REPLAY_CONFIG.uploadBurst;

describe('replay API behind a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replays-client-address-'));
  let service: ReplayService | undefined;
  let server: SignalingServer | undefined;
  let url = '';
  beforeAll(async () => {
    service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir: dir });
    server = await startSignalingServer({ port: 0, host: '127.0.0.1', peerjs: false, trustProxy: ['127.0.0.1'], replays: service.api });
    url = `${server.url}/api/replays`;
  });
  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives each forwarded client its own upload budget: an attacker's burst of junk does not 429 the victim", async () => {
    const attacker: number[] = [];
    for (let i = 0; i <= BURST; i++) attacker.push((await post(url, '{}', { xff: '203.0.113.7' })).status);
    expect(attacker).toEqual([...new Array<number>(BURST).fill(400), 429]);
    const victim = await post(url, makeReplayText({ players: 2, frames: 300, seed: 77 }), { xff: '198.51.100.9' });
    expect(victim.status).toBe(201);
  }, 30_000);

  it('counts two forwarded clients uploading one match as two uploaders (confirmed by 2)', async () => {
    const match = makeReplayText({ players: 2, frames: 300, seed: 78 });
    const p1 = await post(url, match, { xff: '198.51.100.1' });
    expect(p1.status).toBe(201);
    expect(p1.json['crossCheck']).toMatchObject({ status: 'single' });
    const p2 = await post(url, match, { xff: '198.51.100.2' });
    expect(p2.status).toBe(201);
    expect(p2.json['id']).not.toBe(p1.json['id']);
    expect(p2.json['crossCheck']).toMatchObject({ status: 'confirmed', confirmedBy: 2 });
    // The same player again is still one uploader: its earlier record, nothing new.
    const again = await post(url, match, { xff: '198.51.100.2' });
    expect(again.status).toBe(200);
    expect(again.json['id']).toBe(p2.json['id']);
  }, 30_000);

  it('believes X-Forwarded-For only from the proxy: a direct client forging it keeps one budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= BURST; i++) statuses.push((await post(url, '{}', { from: '127.0.0.2', xff: `192.0.2.${i + 1}` })).status);
    expect(statuses).toEqual([...new Array<number>(BURST).fill(400), 429]);
  }, 30_000);

  it('keys forwarded IPv6 clients by /64: one budget and one uploader per /64', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= BURST; i++) statuses.push((await post(url, '{}', { xff: `2001:db8:1:2::${(i + 1).toString(16)}` })).status);
    expect(statuses).toEqual([...new Array<number>(BURST).fill(400), 429]);
    // Another /64 has its own budget.
    expect((await post(url, '{}', { xff: '2001:db8:1:3::1' })).status).toBe(400);
    const match = makeReplayText({ players: 2, frames: 300, seed: 79 });
    const first = await post(url, match, { xff: '2001:db8:5:6::1' });
    expect(first.status).toBe(201);
    const sameHost = await post(url, match, { xff: '2001:db8:5:6::2' });
    expect(sameHost.status).toBe(200);
    expect(sameHost.json['id']).toBe(first.json['id']);
    const other = await post(url, match, { xff: '2001:db8:5:7::1' });
    expect(other.status).toBe(201);
    expect(other.json['crossCheck']).toMatchObject({ status: 'confirmed', confirmedBy: 2 });
  }, 30_000);
});

describe('replay API over direct IPv6 (no proxy): the peer address keyed by /64', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replays-client-address-v6-'));
  let service: ReplayService | undefined;
  beforeAll(async () => {
    service = await openReplayService({ ...DEFAULT_REPLAY_CONFIG, dataDir: dir });
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Hands `body` to the API's handler as a POST from TCP peer `remoteAddress` and resolves its answer. */
  const upload = (remoteAddress: string, body: string): Promise<Reply> => new Promise((resolve, reject) => {
    const socket = { remoteAddress, end: () => undefined, destroy: () => undefined };
    const req = Object.assign(Readable.from([Buffer.from(body)]), { method: 'POST', url: '/api/replays', headers: {}, socket });
    let status = 0;
    const res = {
      headersSent: false,
      setHeader: () => undefined,
      on: () => undefined,
      writeHead: (s: number) => {
        status = s;
      },
      end: (text?: string) => resolve({ status, json: parse(text ?? '') }),
      destroy: () => reject(new Error('response destroyed')),
    };
    const handled = service?.api.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, '/api/replays');
    if (handled !== true) reject(new Error('not handled'));
  });

  it('rate-limits one /64 as one address, whatever its host part', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= BURST; i++) statuses.push((await upload(`2001:db8:1:2::${(i + 1).toString(16)}`, '{}')).status);
    expect(statuses).toEqual([...new Array<number>(BURST).fill(400), 429]);
    expect((await upload('2001:db8:1:3::1', '{}')).status).toBe(400);
  });

  it('counts one /64 as one uploader: it cannot confirm its own match', async () => {
    const match = makeReplayText({ players: 2, frames: 300, seed: 80 });
    const first = await upload('2001:db8:9:9::1', match);
    expect(first.status).toBe(201);
    const sameHost = await upload('2001:db8:9:9:aaaa::2', match);
    expect(sameHost.status).toBe(200);
    expect(sameHost.json['id']).toBe(first.json['id']);
    expect(sameHost.json['crossCheck']).toMatchObject({ status: 'single' });
  }, 30_000);
});
