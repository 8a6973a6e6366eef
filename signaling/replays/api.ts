/**
 * The replay HTTP API, mounted by the signaling server under `/api/replays`:
 *
 * - `POST /api/replays` (replay JSON): 201 with the verified summary, 400 malformed or wrong schema,
 *   413 over the body limit (counted while streaming; reading stops), 422 not reproducing (first bad
 *   frame), 429 rate-limited per client address, 503 when the verify queue is full.
 * - `GET /api/replays` recent replays; `GET /api/replays/:id` metadata, verification and cross-check;
 *   `GET /api/replays/:id/file` the file. Unknown ids 404.
 *
 * Bodies are read as bytes and handed to the verify worker; the event loop only counts and routes.
 *
 * The upload rate limit and the uploader identity (duplicates, the cross-check's distinct uploaders) are
 * keyed on the client address the mounting server hands to `handle`: the signaling server's
 * `AddressBook.clientAddress`, the same key as its other per-address limits (the forwarded client behind a
 * trusted proxy, an IPv6 address by its /64).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressKey } from '../address-limits.ts';
import { createBucket, takeToken, type TokenBucket } from '../rate-limit.ts';
import type { ReplayConfig } from './config.ts';
import { crossCheck } from './cross-check.ts';
import type { VerifyPool } from './verify-pool.ts';
import type { ReplayRecord, ReplayStore } from './store.ts';
import { assertNever } from '../../src/shared/assert-never.ts';

/** The API's path prefix. */
export const REPLAYS_API = '/api/replays';
/** Ids: base64url of 12 random bytes (96 bits). */
const ID = /^[A-Za-z0-9_-]{16}$/;
/** Lobby codes as the signaling server makes them (`?lobby=` tags an upload with its lobby). */
const LOBBY = /^[A-Za-z0-9_-]{1,64}$/;
/** Most uploads of one lobby read for its history. */
const LOBBY_LIMIT = 500;
/** Most uploads of one match compared by the cross-check. */
const MATCH_LIMIT = 16;
/** Most rate-limit buckets kept (one per address); full buckets are dropped first. */
const MAX_BUCKETS = 10_000;

/** The key a request's client is counted under (the signaling server's `AddressBook.clientAddress`). */
export type ClientAddress = (req: IncomingMessage) => string;

/**
 * The key without a server's: the TCP peer's address, an IPv6 one by its /64 (`addressKey`).
 * No `X-Forwarded-For` is believed (which proxies to trust is the server's configuration).
 */
export const peerAddress: ClientAddress = (req) => addressKey(req.socket.remoteAddress);

/** Dependencies of the API. */
export interface ReplayApiDeps {
  readonly store: ReplayStore;
  readonly pool: VerifyPool;
  readonly config: ReplayConfig;
  readonly nowMs?: () => number;
  readonly onError?: (message: string) => void;
}

/** Counters for monitoring and tests. */
export interface ReplayApiStats {
  uploads: number;
  verified: number;
  rejected: number;
  rateLimited: number;
  busy: number;
}

/** The mounted API. */
export interface ReplayApi {
  /**
   * Handles the request when `pathname` is under `/api/replays`; false when it is not ours.
   * `clientAddress` keys the upload rate limit and the uploader: the mounting server's own (its trusted
   * proxies, IPv6 by /64); `peerAddress` when not given.
   */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string, clientAddress?: ClientAddress): boolean;
  readonly stats: ReplayApiStats;
}

/** A fresh unguessable id. */
export function newReplayId(): string {
  return randomBytes(12).toString('base64url');
}

function json(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/**
 * Answers and closes the connection without reading the rest of the body: the socket is paused (unread
 * bytes stay in the kernel, nothing more is buffered here), the answer is sent with `connection: close`,
 * and the socket is cut 2 s later if the client keeps it open — time for the client to read the answer
 * (cutting at once would reset the connection and could lose the answer in flight).
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  req.pause();
  res.on('finish', () => {
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  });
  json(res, status, { error }, true);
}

/** The public view of a stored replay. */
export function describeReplay(r: ReplayRecord, others: readonly ReplayRecord[]): Record<string, unknown> {
  return {
    id: r.id,
    url: `/replay/${r.id}`,
    fileUrl: `${REPLAYS_API}/${r.id}/file`,
    createdAt: new Date(r.createdMs).toISOString(),
    verified: true,
    frames: r.frames,
    finalChecksum: r.finalChecksum,
    players: r.players,
    names: r.names,
    scores: r.scores,
    winner: r.winner,
    crossCheck: crossCheck(r, others),
  };
}

/**
 * A lobby's finished matches in order: one entry per match (its first upload), cross-checked against
 * the lobby's other uploads of it. Only uploads naming the lobby count, and the tag is the uploader's
 * claim: what it can add is a verified match, which the cross-check compares with the other players'.
 */
export function lobbyHistory(uploads: readonly ReplayRecord[]): Record<string, unknown>[] {
  const byMatch = new Map<string, ReplayRecord[]>();
  for (const r of uploads) {
    const list = byMatch.get(r.matchKey);
    if (list === undefined) byMatch.set(r.matchKey, [r]);
    else list.push(r);
  }
  return [...byMatch.values()].map((list) => describeReplay(list[0] as ReplayRecord, list));
}

/** Builds the API over a store and a verify pool. */
export function createReplayApi(deps: ReplayApiDeps): ReplayApi {
  const { store, pool, config } = deps;
  const now = deps.nowMs ?? Date.now;
  const onError = deps.onError ?? (() => {});
  const stats: ReplayApiStats = { uploads: 0, verified: 0, rejected: 0, rateLimited: 0, busy: 0 };
  const buckets = new Map<string, TokenBucket>();

  const allow = (address: string): boolean => {
    const t = now();
    let bucket = buckets.get(address);
    if (bucket === undefined) {
      if (buckets.size >= MAX_BUCKETS) {
        for (const [key, b] of buckets) {
          takeToken(b, t);
          if (b.tokens + 1 >= b.burst) buckets.delete(key);
        }
        if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
      }
      bucket = createBucket(config.uploadsPerMinute / 60, config.uploadBurst, t);
      buckets.set(address, bucket);
    }
    return takeToken(bucket, t);
  };

  const describeWithMatch = async (r: ReplayRecord): Promise<Record<string, unknown>> => describeReplay(r, await store.byMatch(r.matchKey, MATCH_LIMIT));

  let inFlight = 0;
  const upload = async (req: IncomingMessage, res: ServerResponse, lobby: string, address: string): Promise<void> => {
    stats.uploads++;
    if (inFlight >= config.maxUploadsInFlight) {
      stats.busy++;
      res.setHeader('retry-after', '1');
      return refuse(req, res, 503, 'too many uploads in progress; try again shortly');
    }
    inFlight++;
    try {
      await receive(req, res, lobby, address);
    } finally {
      inFlight--;
    }
  };

  /** `address`: the client's key (`ClientAddress`), for the rate limit and the uploader hash. */
  const receive = async (req: IncomingMessage, res: ServerResponse, lobby: string, address: string): Promise<void> => {
    if (!allow(address)) {
      stats.rateLimited++;
      res.setHeader('retry-after', String(Math.ceil(60 / config.uploadsPerMinute)));
      return refuse(req, res, 429, 'too many uploads from this address; try again later');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > config.maxBodyBytes) return refuse(req, res, 413, `replay larger than ${config.maxBodyBytes} bytes`);
    const body = await readBody(req, config.maxBodyBytes, config.bodyTimeoutMs);
    if (body === 'too-large') return refuse(req, res, 413, `replay larger than ${config.maxBodyBytes} bytes`);
    if (body === 'too-slow') return refuse(req, res, 408, `the replay did not arrive within ${config.bodyTimeoutMs} ms`);
    if (body === 'aborted') return;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      stats.rejected++;
      return json(res, 400, { error: 'body is not UTF-8 text' });
    }
    const outcome = await pool.submit(text);
    switch (outcome.kind) {
      case 'busy':
        stats.busy++;
        res.setHeader('retry-after', '1');
        return json(res, 503, { error: 'verification queue is full; try again shortly' });
      case 'timeout':
      case 'error':
        stats.rejected++;
        onError(`replay verification ${outcome.kind}`);
        return json(res, 503, { error: outcome.kind === 'timeout' ? 'verification took too long' : 'verification failed' });
      case 'invalid':
        stats.rejected++;
        return json(res, 400, { error: outcome.error });
      case 'mismatch':
        stats.rejected++;
        return json(res, 422, { error: outcome.error, verified: false, frame: outcome.frame, expected: outcome.expected, actual: outcome.actual });
      case 'verified':
        break;
      default:
        return assertNever(outcome, 'outcome');
    }
    const s = outcome.summary;
    const uploader = createHash('sha256').update(`rollback-pong-uploader:${address}`).digest('hex').slice(0, 32);
    const existing = await store.findDuplicate(s.contentHash, uploader);
    if (existing !== null) {
      stats.verified++;
      return json(res, 200, await describeWithMatch(existing));
    }
    const record: ReplayRecord = { id: newReplayId(), createdMs: now(), uploader, lobby, ...s };
    await store.insert(record, text, { maxCount: config.maxCount, maxAgeMs: config.maxAgeMs }, record.createdMs);
    stats.verified++;
    json(res, 201, await describeWithMatch(record));
  };

  const route = async (req: IncomingMessage, res: ServerResponse, pathname: string, search: string, clientAddress: ClientAddress): Promise<void> => {
    const rest = pathname.slice(REPLAYS_API.length);
    if (rest === '' || rest === '/') {
      const query = new URLSearchParams(search);
      const lobby = query.get('lobby') ?? '';
      if (lobby !== '' && !LOBBY.test(lobby)) return json(res, 400, { error: 'lobby must be a lobby code' });
      if (req.method === 'POST') return upload(req, res, lobby, clientAddress(req));
      if ((req.method === 'GET' || req.method === 'HEAD') && lobby !== '') return json(res, 200, { lobby, matches: lobbyHistory(await store.byLobby(lobby, LOBBY_LIMIT)) });
      if (req.method === 'GET' || req.method === 'HEAD') {
        const limit = Math.min(50, Math.max(1, Number(query.get('limit')) || 20));
        const recent = await store.recent(limit);
        return json(res, 200, { replays: await Promise.all(recent.map(describeWithMatch)) });
      }
      res.setHeader('allow', 'GET, HEAD, POST');
      return json(res, 405, { error: 'method not allowed' });
    }
    const m = /^\/([^/]+)(\/file)?$/.exec(rest);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: 'method not allowed' });
    }
    const id = m?.[1] ?? '';
    if (m === null || !ID.test(id)) return json(res, 404, { error: 'no such replay' });
    if (m[2] !== undefined) {
      const file = await store.file(id);
      if (file === null) return json(res, 404, { error: 'no such replay' });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(file),
        'content-disposition': `inline; filename="rollback-pong-${id}.json"`,
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : file);
      return;
    }
    const record = await store.get(id);
    if (record === null) return json(res, 404, { error: 'no such replay' });
    json(res, 200, await describeWithMatch(record));
  };

  return {
    stats,
    handle(req, res, pathname, clientAddress = peerAddress) {
      if (pathname !== REPLAYS_API && !pathname.startsWith(`${REPLAYS_API}/`)) return false;
      const search = (req.url ?? '').split('?')[1] ?? '';
      route(req, res, pathname, search, clientAddress).catch((error: unknown) => {
        onError(`replay api: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
      });
      return true;
    },
  };
}

/** Reads at most `max` bytes within `timeoutMs`; stops reading (and says why) when the body is larger or slower. */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<Buffer | 'too-large' | 'too-slow' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      cleanup();
      resolve('too-slow');
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = (): void => {
      cleanup();
      resolve('aborted');
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

