/**
 * Signaling server options, their defaults, and parsing from environment variables (one valibot
 * schema: `EnvSchema`; every limit has a variable, listed in docs/lobby-protocol.md).
 */
import { isIP } from 'node:net';
import * as v from 'valibot';
import { LOBBY_LIMITS } from '../src/lobby/protocol.ts';
import { IceServersSchema, parseBoundedJson } from '../src/lobby/protocol-schema.ts';
import type { IceServer, Result } from '../src/lobby/protocol.ts';
import { normalizeAddress } from './address-limits.ts';
import { TURN_TTL_DEFAULT_S, TURN_TTL_MAX_S, TURN_TTL_MIN_S } from './turn.ts';
import type { TurnOptions } from './turn.ts';

/** One structured log record: an event name plus flat fields. */
export interface LogRecord {
  readonly event: string;
  readonly [field: string]: string | number | boolean;
}

/** Receives one record per lobby/connection event. */
export type SignalingLogger = (record: LogRecord) => void;

/** Drops every record (the default: tests stay quiet). */
export const silentLogger: SignalingLogger = () => {};

/** Writes one JSON line per record, with an ISO timestamp, to `write` (default: stdout). */
export function jsonLineLogger(write: (line: string) => void = (line) => process.stdout.write(line)): SignalingLogger {
  return (record) => write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

/** Options of `startSignalingServer`; every field is optional. */
export interface SignalingServerOptions {
  /** TCP port; 0 picks an ephemeral one (default 0; `main.ts` uses PORT or 8080). */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`; `main.ts` reads HOST). */
  readonly host?: string;
  /** Directory of the built client, served with an SPA fallback; null serves nothing (default null). */
  readonly staticDir?: string | null;
  /** ICE servers handed to every member in `joined` (default none: host candidates only). */
  readonly iceServers?: readonly IceServer[];
  /** Allowed `Origin` values for WebSocket upgrades; empty allows all (default empty). */
  readonly allowedOrigins?: readonly string[];
  /** Largest accepted message in bytes (default 16 KiB); frames above 4x this close the socket (1009). */
  readonly maxMessageBytes?: number;
  /** Sustained messages per second per connection (token bucket refill; default 50). */
  readonly messagesPerSecond?: number;
  /** Token bucket size: messages accepted in one burst (default 100). */
  readonly messageBurst?: number;
  /** Lobbies that may exist at once (default 10,000). */
  readonly maxLobbies?: number;
  /** Open WebSockets (signaling + PeerJS) at once (default 10,000). */
  readonly maxConnections?: number;
  /** Open WebSockets (signaling + PeerJS) from one address (default 32). */
  readonly maxConnectionsPerAddress?: number;
  /**
   * TCP sockets from one address (HTTP requests, upgrades in progress, WebSockets), counted as each
   * connects, before any byte is read; the excess is destroyed. Trusted proxies are not counted.
   * At least `maxConnectionsPerAddress` (default twice it: 64).
   */
  readonly maxSocketsPerAddress?: number;
  /** Lobbies one address may hold, empty ones awaiting expiry included (default 8). */
  readonly maxLobbiesPerAddress?: number;
  /** Lobby creations per address per minute, sustained (default 6). */
  readonly lobbyCreatesPerMinute?: number;
  /** Lobby creations per address in one burst (default 6). */
  readonly lobbyCreateBurst?: number;
  /** Proxy addresses whose `X-Forwarded-For` is believed (default none: the TCP peer's address counts). */
  readonly trustProxy?: readonly string[];
  /** A lobby socket that has not created or joined a lobby this long after opening (or leaving) is closed, 4010 (default 15 s). */
  readonly joinTimeoutMs?: number;
  /**
   * Bytes a socket may have waiting to be sent (default 1 MiB). Traffic relayed from other members is
   * dropped once half of it is used; a reader that cannot take the server's own messages within it
   * is closed, 4009.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Bytes one member may relay (signals, chat, records) to one other member per second, sustained
   * (token bucket refill; default 64 KiB); the excess is dropped with one `rate-limited` error.
   */
  readonly relayBytesPerSecond?: number;
  /** That budget's burst, in bytes (default 256 KiB; at least twice `maxMessageBytes`). */
  readonly relayBurstBytes?: number;
  /** `record` messages per second per member, sustained (default 10). */
  readonly recordsPerSecond?: number;
  /** `record` messages per member in one burst (default 20). */
  readonly recordBurst?: number;
  /** PeerJS messages held for one peer that has not connected yet (default 32). */
  readonly peerQueueMessages?: number;
  /** Bytes of PeerJS messages held for one peer that has not connected yet (default 64 KiB). */
  readonly peerQueueBytes?: number;
  /** WebSocket ping interval; a socket that sends nothing back (no pong) by the next ping is dropped (default 10 s: dead within 20 s). */
  readonly heartbeatMs?: number;
  /** An empty lobby expires this long after its last member left (default 2 min). */
  readonly emptyLobbyTtlMs?: number;
  /** Mount a PeerJS server under `/peerjs` (default true). */
  readonly peerjs?: boolean;
  /** On close(), how long sockets get to finish their close handshake before being cut (default 1 s). */
  readonly shutdownGraceMs?: number;
  /**
   * How long a WebSocket the server closed (lobby or PeerJS) waits for the client's close frame before
   * its TCP connection is cut (ws's `closeTimeout`; default 5 s, ws's own is 30 s): a client that never
   * answers must not hold the socket, its buffered bytes and its address's counts that long.
   */
  readonly closeTimeoutMs?: number;
  /** Structured event sink (default silent; `main.ts` writes JSON lines to stdout). */
  readonly logger?: SignalingLogger;
  /**
   * A TURN relay (coturn `use-auth-secret`): every member gets, in `joined`, its own time-limited
   * credential for these URLs beside `iceServers` (default null: none).
   */
  readonly turn?: TurnOptions | null;
  /** Redis link state for `/metrics` (`rollback_pong_redis_up`); default always 'off' (no Redis). */
  readonly redisStatus?: () => RedisStatus;
  /** With a token, `GET /metrics` needs `Authorization: Bearer <token>` (default null: open). */
  readonly metricsToken?: string | null;
  /**
   * Redis URL (`redis://`, `rediss://`, or a unix socket path): lobbies shared with every instance on
   * the same Redis (signaling/cluster/). Null keeps them in this process (default null).
   */
  readonly redisUrl?: string | null;
  /**
   * With Redis: whether this instance tells the others (its presence key) that it reads relay entries
   * holding several relays (default true). False makes the others write to it as to an instance of
   * the previous version, one relay an entry: the rolling-upgrade path, for tests.
   */
  readonly redisRelayBatches?: boolean;
}

/** What `redisStatus` reports. */
export type RedisStatus = 'off' | 'up' | 'down';

/** Options with every default filled in. */
export type ResolvedOptions = { readonly [K in keyof SignalingServerOptions]-?: Exclude<SignalingServerOptions[K], undefined> };

/** The defaults, as documented on `SignalingServerOptions`. */
export const DEFAULT_OPTIONS: ResolvedOptions = {
  port: 0,
  host: '127.0.0.1',
  staticDir: null,
  iceServers: [],
  allowedOrigins: [],
  maxMessageBytes: LOBBY_LIMITS.maxMessageBytes,
  messagesPerSecond: 50,
  messageBurst: 100,
  maxLobbies: 10_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 32,
  maxSocketsPerAddress: 64,
  maxLobbiesPerAddress: 8,
  lobbyCreatesPerMinute: 6,
  lobbyCreateBurst: 6,
  trustProxy: [],
  joinTimeoutMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  relayBytesPerSecond: 64 * 1024,
  relayBurstBytes: 256 * 1024,
  recordsPerSecond: 10,
  recordBurst: 20,
  peerQueueMessages: 32,
  peerQueueBytes: 64 * 1024,
  heartbeatMs: 10_000,
  emptyLobbyTtlMs: 120_000,
  peerjs: true,
  shutdownGraceMs: 1_000,
  closeTimeoutMs: 5_000,
  logger: silentLogger,
  turn: null,
  redisStatus: () => 'off',
  metricsToken: null,
  redisUrl: null,
  redisRelayBatches: true,
};

/** Fills in defaults and checks numeric options (a bad option is a programming error: throws). */
export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    ...DEFAULT_OPTIONS,
    ...options,
    maxSocketsPerAddress: options.maxSocketsPerAddress ?? 2 * (options.maxConnectionsPerAddress ?? DEFAULT_OPTIONS.maxConnectionsPerAddress),
  };
  const positive = [
    'maxMessageBytes', 'messagesPerSecond', 'messageBurst', 'maxLobbies', 'maxConnections', 'heartbeatMs', 'emptyLobbyTtlMs',
    'maxConnectionsPerAddress', 'maxSocketsPerAddress', 'maxLobbiesPerAddress', 'lobbyCreatesPerMinute', 'lobbyCreateBurst', 'joinTimeoutMs',
    'maxBufferedBytes', 'relayBytesPerSecond', 'relayBurstBytes', 'recordsPerSecond', 'recordBurst', 'peerQueueMessages', 'peerQueueBytes',
    'closeTimeoutMs',
  ] as const;
  for (const key of positive) {
    if (!(resolved[key] > 0)) throw new RangeError(`signaling option ${key} must be > 0`);
  }
  if (resolved.maxSocketsPerAddress < resolved.maxConnectionsPerAddress) {
    throw new RangeError('signaling option maxSocketsPerAddress must be >= maxConnectionsPerAddress');
  }
  if (resolved.relayBurstBytes < 2 * resolved.maxMessageBytes) {
    throw new RangeError('signaling option relayBurstBytes must be >= 2 * maxMessageBytes');
  }
  const turn = resolved.turn;
  if (turn !== null) {
    if (turn.secret === '' || turn.urls.length === 0) throw new RangeError('signaling option turn needs a secret and at least one URL');
    if (!Number.isInteger(turn.ttlS) || turn.ttlS < 1 || turn.ttlS > TURN_TTL_MAX_S) throw new RangeError(`signaling option turn.ttlS must be 1..${TURN_TTL_MAX_S}`);
    if (resolved.iceServers.length >= LOBBY_LIMITS.maxIceServers) throw new RangeError(`signaling option iceServers: at most ${LOBBY_LIMITS.maxIceServers - 1} beside TURN`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) throw new RangeError('bad port');
  return resolved;
}

/** Parses `ALLOWED_ORIGINS`: a comma-separated list of origins such as `https://pong.example`. */
export function parseAllowedOrigins(text: string): Result<string[]> {
  const out: string[] = [];
  for (const item of text.split(',')) {
    const origin = item.trim();
    if (origin === '') continue;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return { ok: false, error: `ALLOWED_ORIGINS: not an origin: ${origin}` };
    }
    if (parsed.origin === 'null' || parsed.origin !== origin.replace(/\/$/, '')) {
      return { ok: false, error: `ALLOWED_ORIGINS: not a bare origin (scheme://host[:port]): ${origin}` };
    }
    out.push(parsed.origin);
  }
  return { ok: true, value: out };
}

/** Numeric options settable from the environment: variable, option, bounds. */
const NUMERIC_ENV = [
  ['MAX_MESSAGE_BYTES', 'maxMessageBytes', 256, 1024 * 1024],
  ['MESSAGES_PER_SECOND', 'messagesPerSecond', 1, 100_000],
  ['MESSAGE_BURST', 'messageBurst', 1, 100_000],
  ['MAX_LOBBIES', 'maxLobbies', 1, 10_000_000],
  ['MAX_CONNECTIONS', 'maxConnections', 1, 10_000_000],
  ['MAX_CONNECTIONS_PER_ADDRESS', 'maxConnectionsPerAddress', 1, 10_000_000],
  ['MAX_SOCKETS_PER_ADDRESS', 'maxSocketsPerAddress', 1, 10_000_000],
  ['MAX_LOBBIES_PER_ADDRESS', 'maxLobbiesPerAddress', 1, 10_000_000],
  ['LOBBY_CREATES_PER_MINUTE', 'lobbyCreatesPerMinute', 1, 1_000_000],
  ['LOBBY_CREATE_BURST', 'lobbyCreateBurst', 1, 1_000_000],
  ['JOIN_TIMEOUT_MS', 'joinTimeoutMs', 100, 3_600_000],
  ['MAX_BUFFERED_BYTES', 'maxBufferedBytes', 16 * 1024, 1024 * 1024 * 1024],
  ['RELAY_BYTES_PER_SECOND', 'relayBytesPerSecond', 1024, 1024 * 1024 * 1024],
  ['RELAY_BURST_BYTES', 'relayBurstBytes', 32 * 1024, 1024 * 1024 * 1024],
  ['RECORDS_PER_SECOND', 'recordsPerSecond', 1, 10_000],
  ['RECORD_BURST', 'recordBurst', 1, 10_000],
  ['PEER_QUEUE_MESSAGES', 'peerQueueMessages', 1, 100_000],
  ['PEER_QUEUE_BYTES', 'peerQueueBytes', 1024, 1024 * 1024 * 1024],
  ['HEARTBEAT_MS', 'heartbeatMs', 100, 3_600_000],
  ['EMPTY_LOBBY_TTL_MS', 'emptyLobbyTtlMs', 100, 86_400_000],
  ['CLOSE_TIMEOUT_MS', 'closeTimeoutMs', 100, 60_000],
] as const;

const wholeNumber = (min: number, max: number) =>
  v.exactOptional(v.pipe(
    v.string(), v.trim(), v.regex(/^\d{1,12}$/, 'not a whole number'), v.transform(Number),
    v.minValue(min, `below ${min}`), v.maxValue(max, `above ${max}`),
  ));

const listOf = <T>(parse: (text: string) => Result<T>) =>
  v.exactOptional(v.pipe(v.string(), v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const result = parse(dataset.value);
    if (result.ok) return result.value;
    addIssue({ message: result.error });
    return NEVER;
  })));

function parseIceServersText(text: string): Result<IceServer[]> {
  if (text.trim() === '') return { ok: true, value: [] };
  const json = parseBoundedJson(text, 64 * 1024, 8);
  if (!json.ok) return { ok: false, error: json.error === 'not-json' ? 'not JSON' : json.error };
  const servers = v.safeParse(IceServersSchema, json.value);
  return servers.success ? { ok: true, value: [...servers.output] } : { ok: false, error: servers.issues[0]?.message ?? 'invalid' };
}

/** Parses `TRUST_PROXY`: a comma-separated list of proxy IP addresses. */
export function parseTrustProxy(text: string): Result<string[]> {
  const out: string[] = [];
  for (const item of text.split(',')) {
    const address = normalizeAddress(item);
    if (address === '') continue;
    if (isIP(address) === 0) return { ok: false, error: `not an IP address: ${address.slice(0, 64)}` };
    out.push(address);
  }
  return { ok: true, value: out };
}

/** Parses `TURN_URLS`: a comma-separated list of `turn:`/`turns:` URLs (at most 8). */
export function parseTurnUrls(text: string): Result<string[]> {
  const out: string[] = [];
  for (const item of text.split(',')) {
    const url = item.trim();
    if (url === '') continue;
    if (url.length > 512 || !/^turns?:[^\s,]+$/.test(url)) return { ok: false, error: `not a turn: or turns: URL: ${url.slice(0, 64)}` };
    out.push(url);
  }
  if (out.length === 0) return { ok: false, error: 'no turn: or turns: URL' };
  if (out.length > 8) return { ok: false, error: 'at most 8 URLs' };
  return { ok: true, value: out };
}

/** The environment variables the server reads, each checked and converted. */
export const EnvSchema = v.object({
  PORT: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'not a port number'), v.transform(Number), v.maxValue(65_535, 'not a port number')), '8080'),
  HOST: v.exactOptional(v.pipe(v.string(), v.minLength(1))),
  STATIC_DIR: v.exactOptional(v.string()),
  ICE_SERVERS: listOf(parseIceServersText),
  ALLOWED_ORIGINS: listOf(parseAllowedOrigins),
  TRUST_PROXY: listOf(parseTrustProxy),
  // The TURN secret is coturn's static-auth-secret: long and random, or credentials can be guessed.
  TURN_SECRET: v.exactOptional(v.pipe(v.string(), v.regex(/^\S*$/, 'no spaces'), v.minLength(16, 'at least 16 characters (use a long random secret)'), v.maxLength(512, 'at most 512 characters'))),
  TURN_URLS: listOf(parseTurnUrls),
  TURN_TTL_S: wholeNumber(TURN_TTL_MIN_S, TURN_TTL_MAX_S),
  METRICS_TOKEN: v.exactOptional(v.pipe(v.string(), v.trim(), v.minLength(16, 'at least 16 characters'), v.maxLength(512, 'at most 512 characters'))),
  REDIS_URL: v.exactOptional(v.pipe(v.string(), v.trim(), v.regex(/^(?:$|rediss?:\/\/|\/)/, 'not a redis:// or rediss:// URL or a socket path'), v.maxLength(2048))),
  ...(Object.fromEntries(NUMERIC_ENV.map(([name, , min, max]) => [name, wholeNumber(min, max)])) as Record<(typeof NUMERIC_ENV)[number][0], ReturnType<typeof wholeNumber>>),
});

/**
 * Reads PORT (default 8080), HOST, ICE_SERVERS, ALLOWED_ORIGINS, STATIC_DIR (default `dist`),
 * TRUST_PROXY, TURN_SECRET / TURN_URLS / TURN_TTL_S (together), METRICS_TOKEN, REDIS_URL and the limit variables of `NUMERIC_ENV`; limits not set keep their defaults.
 */
export function optionsFromEnv(env: Readonly<Record<string, string | undefined>>): Result<SignalingServerOptions> {
  const known: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.entries)) {
    const value = env[key];
    if (value !== undefined) known[key] = value;
  }
  const parsed = v.safeParse(EnvSchema, known);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const name = v.getDotPath(issue) ?? 'environment';
    return { ok: false, error: issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}` };
  }
  const e = parsed.output;
  if ((e.TURN_SECRET === undefined) !== (e.TURN_URLS === undefined)) {
    return { ok: false, error: e.TURN_SECRET === undefined ? 'TURN_URLS: needs TURN_SECRET too' : 'TURN_SECRET: needs TURN_URLS too' };
  }
  if (e.TURN_TTL_S !== undefined && e.TURN_SECRET === undefined) return { ok: false, error: 'TURN_TTL_S: needs TURN_SECRET and TURN_URLS' };
  const iceServers = e.ICE_SERVERS ?? [];
  if (e.TURN_SECRET !== undefined && iceServers.length >= LOBBY_LIMITS.maxIceServers) {
    return { ok: false, error: `ICE_SERVERS: at most ${LOBBY_LIMITS.maxIceServers - 1} servers beside TURN_URLS` };
  }
  const limits: Record<string, number> = {};
  for (const [name, option] of NUMERIC_ENV) {
    const value = e[name];
    if (value !== undefined) limits[option] = value;
  }
  return {
    ok: true,
    value: {
      port: e.PORT,
      host: e.HOST ?? DEFAULT_OPTIONS.host,
      // An empty STATIC_DIR serves no files (npm run dev: vite serves the client).
      staticDir: e.STATIC_DIR === '' ? null : (e.STATIC_DIR ?? 'dist'),
      iceServers,
      allowedOrigins: e.ALLOWED_ORIGINS ?? [],
      ...(e.TURN_SECRET === undefined || e.TURN_URLS === undefined
        ? {}
        : { turn: { secret: e.TURN_SECRET, urls: e.TURN_URLS, ttlS: e.TURN_TTL_S ?? TURN_TTL_DEFAULT_S } }),
      ...(e.METRICS_TOKEN === undefined ? {} : { metricsToken: e.METRICS_TOKEN }),
      ...(e.TRUST_PROXY === undefined ? {} : { trustProxy: e.TRUST_PROXY }),
      ...(e.REDIS_URL === undefined || e.REDIS_URL === '' ? {} : { redisUrl: e.REDIS_URL }),
      ...limits,
    },
  };
}
