/**
 * Match configuration: part of the game state's header, so a state (and a replay) is self-contained.
 * All fields are integers; distances are arena units, speeds are units per frame.
 */

/** Version of the game rules; bumped whenever `step` changes its results (replays record it). */
export const GAME_VERSION = 1;

/** How a match is set up. */
export interface MatchConfig {
  /** Players 2..4; player i defends side i (0 left, 1 right, 2 top, 3 bottom); other sides are walls. */
  readonly players: number;
  /** The first player to reach this score alone wins. */
  readonly pointsToWin: number;
  /** Width and height of the square arena, in units. */
  readonly arenaSize: number;
  /** Ball speed at each serve, in units per frame. */
  readonly ballSpeed: number;
  /** Paddle length, in units. */
  readonly paddleLength: number;
  /** Paddle speed, in units per frame. */
  readonly paddleSpeed: number;
  /** Seed of the match's random generator (uint32). */
  readonly seed: number;
}

/** Defaults for fields a caller leaves out. */
export const DEFAULT_CONFIG: MatchConfig = {
  players: 2,
  pointsToWin: 5,
  arenaSize: 1000,
  ballSpeed: 7,
  paddleLength: 160,
  paddleSpeed: 12,
  seed: 1,
};

/** Accepted range of every field (inclusive). */
export const CONFIG_RANGES: { readonly [K in keyof MatchConfig]: readonly [number, number] } = {
  players: [2, 4],
  pointsToWin: [1, 99],
  arenaSize: [200, 4000],
  ballSpeed: [1, 40],
  paddleLength: [20, 1000],
  paddleSpeed: [1, 100],
  seed: [0, 0xffff_ffff],
};

/** Result of validating a config. */
export type ConfigResult = { readonly ok: true; readonly config: MatchConfig } | { readonly ok: false; readonly error: string };

const CONFIG_KEYS = Object.keys(CONFIG_RANGES) as (keyof MatchConfig)[];

/** Builds a config from untrusted data: missing fields take defaults; anything else out of range is an error. */
export function parseConfig(input: unknown): ConfigResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'config must be an object' };
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) return { ok: false, error: `unknown config field "${key}"` };
  }
  const out: Record<string, number> = {};
  for (const key of CONFIG_KEYS) {
    const value = record[key] ?? DEFAULT_CONFIG[key];
    const [lo, hi] = CONFIG_RANGES[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
      return { ok: false, error: `config.${key} must be an integer in ${lo}..${hi}, got ${JSON.stringify(value)}` };
    }
    out[key] = value;
  }
  const config = out as unknown as MatchConfig;
  if (config.paddleLength > config.arenaSize / 2) return { ok: false, error: 'config.paddleLength must be at most half the arena' };
  return { ok: true, config };
}

/** Like `parseConfig` for trusted code: throws on a bad config (a programming error). */
export function makeConfig(partial: Partial<MatchConfig> = {}): MatchConfig {
  const r = parseConfig({ ...DEFAULT_CONFIG, ...partial });
  if (!r.ok) throw new RangeError(r.error);
  return r.config;
}
