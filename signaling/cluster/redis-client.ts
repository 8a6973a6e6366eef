/**
 * The Redis connections of an instance, on node-redis (its core package, `@redis/client`): how
 * `REDIS_URL` becomes a client, plain commands, and the scripts of redis-scripts.ts (loaded on every
 * connect by `loadScripts`, run by `EVALSHA`; `EVAL` only if Redis forgot one since, e.g. `SCRIPT FLUSH`).
 *
 * node-redis and not ioredis: in the cross-instance signaling bench, ioredis's command path (a
 * pipeline object per tick, argument flattening, two promises per command) cost the two instances
 * about 500 µs of CPU per pairing more than this one (docs/performance.md, "Sixth look").
 */
import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import { SCRIPTS } from './redis-scripts.ts';

/** A node-redis client as `redisClient` makes it (RESP2, no modules). */
export type RedisClient = ReturnType<typeof redisClient>;
/** A command argument (numbers are sent as their decimal text). */
export type RedisArg = string | number;
export type ScriptName = keyof typeof SCRIPTS;

/** Reconnect delays: 50 ms, 100 ms, ... up to 1 s between tries, for as long as it takes. */
const reconnectStrategy = (retries: number): number => Math.min(50 * (retries + 1), 1_000);

/**
 * A client for `url` (`redis://`, `rediss://` or a Unix socket path), not yet connected; errors
 * are swallowed here (callers follow the connection through `ready`, `reconnecting` and `end`).
 * Without `offlineQueue`, a command while the connection is down fails at once instead of waiting.
 */
export function redisClient(url: string, options: { offlineQueue: boolean; commandTimeoutMs?: number }) {
  const socket = { reconnectStrategy, connectTimeout: 2_000 };
  const client = createClient({
    ...(url.startsWith('/') ? { socket: { ...socket, path: url } } : { url, socket }),
    disableOfflineQueue: !options.offlineQueue,
    ...(options.commandTimeoutMs === undefined ? {} : { commandOptions: { timeout: options.commandTimeoutMs } }),
  });
  client.on('error', () => {});
  return client;
}

/** Sends one command (node-redis pipelines the commands of one tick into one write). */
export function command(client: RedisClient, args: readonly RedisArg[]): Promise<unknown> {
  return client.sendCommand(args.map(String));
}

const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([name, s]) => [name, createHash('sha1').update(s.lua).digest('hex')])) as Record<ScriptName, string>;

/** Runs script `name` with its keys then its arguments, as redis-scripts.ts lists them. */
export async function runScript(client: RedisClient, name: ScriptName, args: readonly RedisArg[]): Promise<unknown> {
  const rest = [String(SCRIPTS[name].numberOfKeys), ...args.map(String)];
  try {
    return await client.sendCommand(['EVALSHA', SHAS[name], ...rest]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', SCRIPTS[name].lua, ...rest]);
  }
}

/** Loads every script into Redis's script cache (after a connect: a restarted Redis has none). */
export async function loadScripts(client: RedisClient): Promise<void> {
  await Promise.all(Object.values(SCRIPTS).map((s) => client.sendCommand(['SCRIPT', 'LOAD', s.lua])));
}

/** Closes `client` now (pending commands fail); nothing if it is closed already. */
export function destroyClient(client: RedisClient): void {
  if (client.isOpen) client.destroy();
}
