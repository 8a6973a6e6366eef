/**
 * Match configuration: part of the game state's header, so a state (and a replay) is self-contained.
 * All fields are integers; distances are arena units, speeds are units per frame.
 */

/** Version of the game code; bumped whenever `step` changes its results for an existing config (replays record it). */
export const GAME_VERSION = 1;

/**
 * Rule sets `step` implements (`MatchConfig.rules`). 1: the original rules (an untouched ball out scores
 * for every other player, a tie at the top plays on, no departures; kept bit-exact for old replays).
 * 2: departures (input bit `InputBits.absent`), one point per rally to the ball's owner, first to
 * `pointsToWin`, forfeit after `forfeitFrames` alone (docs/architecture.md, "Game rules").
 */
export const RULES_VERSION = 2;
/** What a config without a `rules` field means: it was written before rule sets existed. */
export const LEGACY_RULES = 1;

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
  /** Rule set (see `RULES_VERSION`); a config without it is rules 1 (`LEGACY_RULES`), new matches use 2. */
  readonly rules: number;
  /** Rules 2: frames a player alone in the match waits for someone to return before winning (default 60 s). */
  readonly forfeitFrames: number;
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
  rules: RULES_VERSION,
  forfeitFrames: 3600,
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
  rules: [1, RULES_VERSION],
  forfeitFrames: [1, 360_000],
};

/** Result of validating a config. */
export type ConfigResult = { readonly ok: true; readonly config: MatchConfig } | { readonly ok: false; readonly error: string };

const CONFIG_KEYS = Object.keys(CONFIG_RANGES) as (keyof MatchConfig)[];

/**
 * Builds a config from untrusted data: missing fields take defaults (a missing `rules` is `LEGACY_RULES`:
 * such a config predates rule sets); anything else out of range is an error.
 */
export function parseConfig(input: unknown): ConfigResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'config must be an object' };
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) return { ok: false, error: `unknown config field "${key}"` };
  }
  const out: Record<string, number> = {};
  for (const key of CONFIG_KEYS) {
    const value = record[key] ?? (key === 'rules' ? LEGACY_RULES : DEFAULT_CONFIG[key]);
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
