/**
 * Replay service settings from the environment (kept apart from `signaling/config.ts`):
 * `DATA_DIR` (default `./data`: the embedded SQLite file lives there), `DATABASE_URL`
 * (`postgres://…` selects PostgreSQL), `REPLAY_MAX_COUNT`, `REPLAY_MAX_AGE_DAYS`,
 * `REPLAY_UPLOADS_PER_MINUTE` (per address) and `REPLAY_MAX_FRAMES`.
 */
import { join, resolve } from 'node:path';
import type { Result } from '../../src/lobby/protocol.ts';

/** Settings of the replay service. */
export interface ReplayConfig {
  /** Where the embedded database lives (ignored when `databaseUrl` is set). */
  readonly dataDir: string;
  /** `postgres://…` or `postgresql://…`; null for the embedded SQLite file. */
  readonly databaseUrl: string | null;
  readonly maxCount: number;
  readonly maxAgeMs: number;
  /** Sustained uploads per minute per address. */
  readonly uploadsPerMinute: number;
  /** Uploads accepted in one burst per address. */
  readonly uploadBurst: number;
  /** Largest upload body. */
  readonly maxBodyBytes: number;
  /** Longest replay verified (frames; 60 per second). */
  readonly maxFrames: number;
  /** Verifications waiting beyond the running one before uploads get 503. */
  readonly maxQueue: number;
  /** Uploads being received or verified at once (bounds the memory held in bodies); more get 503. */
  readonly maxUploadsInFlight: number;
  /** Longest an upload's body may take to arrive (slow senders get 408). */
  readonly bodyTimeoutMs: number;
}

/** Defaults: 10,000 replays for 90 days, 20 uploads a minute per address, 2 MiB, one hour of play. */
export const DEFAULT_REPLAY_CONFIG: ReplayConfig = {
  dataDir: 'data',
  databaseUrl: null,
  maxCount: 10_000,
  maxAgeMs: 90 * 86_400_000,
  uploadsPerMinute: 20,
  uploadBurst: 10,
  maxBodyBytes: 2 * 1024 * 1024,
  maxFrames: 216_000,
  maxQueue: 16,
  maxUploadsInFlight: 32,
  bodyTimeoutMs: 15_000,
};

/** The SQLite file inside `dataDir`. */
export function sqlitePath(config: ReplayConfig): string {
  return join(resolve(config.dataDir), 'replays.sqlite');
}

function positiveInt(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): Result<number> {
  const text = env[name];
  if (text === undefined || text.trim() === '') return { ok: true, value: fallback };
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) return { ok: false, error: `${name}: not a positive integer: ${text}` };
  return { ok: true, value: Number(text) };
}

/** Reads the replay settings; a bad value is an error naming the variable. */
export function replayConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Result<ReplayConfig> {
  const url = env['DATABASE_URL']?.trim() ?? '';
  if (url !== '' && !/^postgres(ql)?:\/\//.test(url)) return { ok: false, error: 'DATABASE_URL: only postgres:// URLs are supported (unset it for the embedded SQLite database)' };
  const count = positiveInt(env, 'REPLAY_MAX_COUNT', DEFAULT_REPLAY_CONFIG.maxCount);
  if (!count.ok) return count;
  const days = positiveInt(env, 'REPLAY_MAX_AGE_DAYS', DEFAULT_REPLAY_CONFIG.maxAgeMs / 86_400_000);
  if (!days.ok) return days;
  const perMinute = positiveInt(env, 'REPLAY_UPLOADS_PER_MINUTE', DEFAULT_REPLAY_CONFIG.uploadsPerMinute);
  if (!perMinute.ok) return perMinute;
  const frames = positiveInt(env, 'REPLAY_MAX_FRAMES', DEFAULT_REPLAY_CONFIG.maxFrames);
  if (!frames.ok) return frames;
  return {
    ok: true,
    value: {
      ...DEFAULT_REPLAY_CONFIG,
      dataDir: env['DATA_DIR']?.trim() || DEFAULT_REPLAY_CONFIG.dataDir,
      databaseUrl: url === '' ? null : url,
      maxCount: count.value,
      maxAgeMs: days.value * 86_400_000,
      uploadsPerMinute: perMinute.value,
      uploadBurst: Math.min(DEFAULT_REPLAY_CONFIG.uploadBurst, perMinute.value),
      maxFrames: frames.value,
    },
  };
}
