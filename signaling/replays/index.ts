/**
 * The replay service: a store (embedded SQLite under `DATA_DIR`, or PostgreSQL from `DATABASE_URL`),
 * the verify worker pool and the HTTP API, opened and closed together.
 */
import { createReplayApi, type ReplayApi } from './api.ts';
import { sqlitePath, type ReplayConfig } from './config.ts';
import type { ReplayStore } from './store.ts';
import { createVerifyPool } from './verify-pool.ts';

export { DEFAULT_REPLAY_CONFIG, replayConfigFromEnv, sqlitePath } from './config.ts';
export type { ReplayConfig } from './config.ts';
export type { ReplayApi } from './api.ts';
export type { ReplayRecord, ReplayStore, Retention } from './store.ts';

/** A running replay service. */
export interface ReplayService {
  readonly api: ReplayApi;
  readonly store: ReplayStore;
  /** Stops the workers and closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the store named by `config` and starts the verify worker. The database driver is loaded here,
 * only the one in use (a native module that fails to load rejects this promise instead of breaking every
 * import of the server).
 */
export async function openReplayService(config: ReplayConfig, options: { readonly onError?: (message: string) => void } = {}): Promise<ReplayService> {
  const store = config.databaseUrl === null
    ? (await import('./sqlite-store.ts')).openSqliteStore(sqlitePath(config))
    : await (await import('./postgres-store.ts')).openPostgresStore(config.databaseUrl);
  const pool = createVerifyPool({ maxFrames: config.maxFrames, maxQueue: config.maxQueue });
  const api = createReplayApi({ store, pool, config, ...(options.onError === undefined ? {} : { onError: options.onError }) });
  let closing: Promise<void> | null = null;
  return {
    api,
    store,
    close: () => (closing ??= pool.close().then(() => store.close())),
  };
}
