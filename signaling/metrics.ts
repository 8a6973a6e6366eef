/**
 * `GET /metrics` in the Prometheus text format (prom-client, one registry per server).
 *
 * Why plain numbers on the hot path: prom-client's `inc(labels)` hashes the label object on every call
 * (a string and an object per message). Instead every message bumps a field of a fixed-shape object
 * (`TrafficCounters`, created once per server, shared by all connections: no per-connection memory),
 * and the metrics copy those numbers in their `collect()` when Prometheus scrapes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { ErrorCode } from '../src/lobby/protocol.ts';
import type { ClientMessageKind, ServerMessageKind } from '../src/lobby/protocol.ts';
import type { RedisStatus } from './config.ts';

/**
 * Every client message kind (a missing one is a type error), plus `unparsed`: frames dropped before
 * parsing (rate limit, oversize, binary) or not a valid message.
 */
const IN_KINDS = {
  create: 0, join: 0, leave: 0, signal: 0, chat: 0, 'set-ready': 0, 'start-notice': 0, reopen: 0, ping: 0, record: 0, report: 0, 'take-seat': 0, unparsed: 0,
} satisfies Record<ClientMessageKind | 'unparsed', 0>;
/** Every server message kind, most frequent first (the order `outKind` tries them in), plus `other`. */
const OUT_KINDS = {
  signal: 0, pong: 0, record: 0, chat: 0, 'member-updated': 0, 'member-joined': 0, 'member-left': 0, joined: 0, 'host-changed': 0,
  error: 0, 'lobby-started': 0, 'lobby-reopened': 0, 'watcher-joined': 0, 'watcher-left': 0, other: 0,
} satisfies Record<ServerMessageKind | 'other', 0>;

/** Why a message was refused or dropped: its error code, or a relay/record dropped without one. */
export type RejectReason = ErrorCode | 'relay-dropped' | 'record-dropped';

/** Message counts by kind and rejections by reason (plain fields: bumped per message, read per scrape). */
export interface TrafficCounters {
  readonly messagesIn: Record<keyof typeof IN_KINDS, number>;
  readonly messagesOut: Record<keyof typeof OUT_KINDS, number>;
  readonly rejected: Record<RejectReason, number>;
}

/** Fresh zeroed counters. */
export function createTrafficCounters(): TrafficCounters {
  const rejected = { 'relay-dropped': 0, 'record-dropped': 0 } as Record<RejectReason, number>;
  for (const code of Object.values(ErrorCode)) rejected[code] = 0;
  return { messagesIn: { ...IN_KINDS }, messagesOut: { ...OUT_KINDS }, rejected };
}

const OUT_PREFIXES = (Object.keys(OUT_KINDS) as (keyof typeof OUT_KINDS)[])
  .filter((k) => k !== 'other')
  .map((kind) => [kind, `{"kind":"${kind}"`] as const);

/**
 * The kind of an encoded server message, from its first bytes (`encodeMessage` writes `kind` first):
 * a dozen `startsWith` calls, no allocation. `other` for anything else.
 */
export function outKind(text: string): keyof typeof OUT_KINDS {
  for (const [kind, prefix] of OUT_PREFIXES) if (text.startsWith(prefix)) return kind;
  return 'other';
}

/** What the metrics read at scrape time. */
export interface MetricsSources {
  readonly traffic: TrafficCounters;
  readonly lobbies: () => number;
  readonly connections: () => { readonly lobby: number; readonly peerjs: number };
  /** Closed connections by reason (cumulative). */
  readonly closed: () => Readonly<Record<string, number>>;
  /** PeerJS gate rejections by reason (cumulative). */
  readonly peerRejected: () => Readonly<Record<string, number>>;
  readonly turnCredentialsIssued: () => number;
  readonly redisStatus: () => RedisStatus;
}

/** A server's metrics: its registry and the `/metrics` request handler. */
export interface ServerMetrics {
  readonly registry: Registry;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const PREFIX = 'rollback_pong_';

function copyInto(counter: Counter<string>, label: string, values: Readonly<Record<string, number>>): void {
  counter.reset();
  for (const [key, value] of Object.entries(values)) counter.inc({ [label]: key }, value);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Builds the metrics of one server; `token` (if any) must come as `Authorization: Bearer <token>`. */
export function createServerMetrics(sources: MetricsSources, token: string | null): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const { traffic } = sources;
  new Gauge({
    name: `${PREFIX}connections`, help: 'Open WebSockets by kind (lobby socket, PeerJS socket).', labelNames: ['transport'], registers,
    collect() {
      const c = sources.connections();
      this.set({ transport: 'lobby' }, c.lobby);
      this.set({ transport: 'peerjs' }, c.peerjs);
    },
  });
  new Gauge({ name: `${PREFIX}lobbies`, help: 'Lobbies that exist now (empty ones awaiting expiry included).', registers, collect() { this.set(sources.lobbies()); } });
  new Counter({ name: `${PREFIX}messages_in_total`, help: 'Lobby messages received, by kind (unparsed: rate-limited, oversize, binary or malformed).', labelNames: ['kind'], registers, collect() { copyInto(this, 'kind', traffic.messagesIn); } });
  new Counter({ name: `${PREFIX}messages_out_total`, help: 'Lobby messages sent (relayed ones included), by kind.', labelNames: ['kind'], registers, collect() { copyInto(this, 'kind', traffic.messagesOut); } });
  new Counter({
    name: `${PREFIX}messages_rejected_total`, help: 'Messages refused or dropped, by reason (error code; relay/record dropped; PeerJS gate).', labelNames: ['reason'], registers,
    collect() {
      copyInto(this, 'reason', traffic.rejected);
      for (const [reason, n] of Object.entries(sources.peerRejected())) this.inc({ reason }, n);
    },
  });
  new Counter({ name: `${PREFIX}connections_closed_total`, help: 'Connections the server closed, by reason.', labelNames: ['reason'], registers, collect() { copyInto(this, 'reason', sources.closed()); } });
  new Counter({
    name: `${PREFIX}turn_credentials_issued_total`, help: 'Time-limited TURN credentials handed out (one per admitted member).', registers,
    collect() {
      this.reset();
      this.inc(sources.turnCredentialsIssued());
    },
  });
  new Gauge({ name: `${PREFIX}redis_enabled`, help: '1 when the server is configured with Redis.', registers, collect() { this.set(sources.redisStatus() === 'off' ? 0 : 1); } });
  new Gauge({ name: `${PREFIX}redis_up`, help: '1 while the Redis connection is up (0 when down or without Redis: see redis_enabled).', registers, collect() { this.set(sources.redisStatus() === 'up' ? 1 : 0); } });

  const expected = token === null ? null : digest(`Bearer ${token}`);
  return {
    registry,
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      if (expected !== null && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
        res.end('unauthorized');
        return;
      }
      registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      }, () => {
        res.writeHead(500);
        res.end();
      });
    },
  };
}
