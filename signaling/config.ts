/**
 * Signaling server options, their defaults, and parsing from environment variables.
 */
import { LOBBY_LIMITS } from '../src/lobby/protocol.ts';
import { parseIceServers } from '../src/lobby/protocol-guards.ts';
import type { IceServer, Result } from '../src/lobby/protocol.ts';

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
  /** WebSocket ping interval; a socket that sends nothing back (no pong) by the next ping is dropped (default 10 s: dead within 20 s). */
  readonly heartbeatMs?: number;
  /** An empty lobby expires this long after its last member left (default 2 min). */
  readonly emptyLobbyTtlMs?: number;
  /** Mount a PeerJS server under `/peerjs` (default true). */
  readonly peerjs?: boolean;
  /** On close(), how long sockets get to finish their close handshake before being cut (default 1 s). */
  readonly shutdownGraceMs?: number;
  /** Structured event sink (default silent; `main.ts` writes JSON lines to stdout). */
  readonly logger?: SignalingLogger;
}

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
  heartbeatMs: 10_000,
  emptyLobbyTtlMs: 120_000,
  peerjs: true,
  shutdownGraceMs: 1_000,
  logger: silentLogger,
};

/** Fills in defaults and checks numeric options (a bad option is a programming error: throws). */
export function resolveOptions(options: SignalingServerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS, ...options };
  const positive = ['maxMessageBytes', 'messagesPerSecond', 'messageBurst', 'maxLobbies', 'maxConnections', 'heartbeatMs', 'emptyLobbyTtlMs'] as const;
  for (const key of positive) {
    if (!(resolved[key] > 0)) throw new RangeError(`signaling option ${key} must be > 0`);
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

/** Reads PORT (default 8080), HOST, ICE_SERVERS, ALLOWED_ORIGINS and STATIC_DIR (default `dist`). */
export function optionsFromEnv(env: Readonly<Record<string, string | undefined>>): Result<SignalingServerOptions> {
  const portText = env['PORT'] ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) return { ok: false, error: `PORT: not a port number: ${portText}` };
  let iceServers: IceServer[] = [];
  const iceText = env['ICE_SERVERS'];
  if (iceText !== undefined && iceText.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(iceText);
    } catch {
      return { ok: false, error: 'ICE_SERVERS: not JSON' };
    }
    const parsed = parseIceServers(json);
    if (!parsed.ok) return { ok: false, error: `ICE_SERVERS: ${parsed.error}` };
    iceServers = parsed.value;
  }
  const origins = parseAllowedOrigins(env['ALLOWED_ORIGINS'] ?? '');
  if (!origins.ok) return origins;
  return {
    ok: true,
    value: {
      port,
      host: env['HOST'] ?? DEFAULT_OPTIONS.host,
      // An empty STATIC_DIR serves no files (npm run dev: vite serves the client).
      staticDir: env['STATIC_DIR'] === '' ? null : (env['STATIC_DIR'] ?? 'dist'),
      iceServers,
      allowedOrigins: origins.value,
    },
  };
}
