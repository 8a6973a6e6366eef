/**
 * Replay files: a recorded match that re-simulates to identical checksums (see docs/replay-format.md).
 *
 * A replay is UTF-8 JSON: a header (format name and version, game version, config with seed and player
 * count), the inputs of each player run-length encoded as `[value, count]` pairs, the checksum of the
 * state after every `checksumInterval`-th frame, and the final frame's checksum. Parsing validates every
 * field and never throws; verification re-runs `step` and reports the first frame that differs.
 */
import { checksum, formatChecksum } from './checksum.ts';
import { GAME_VERSION, parseConfig, type MatchConfig } from './config.ts';
import { initialState, type GameState } from './state.ts';
import { step } from './step.ts';

/** The `format` field of every replay file. */
export const REPLAY_FORMAT = 'rollback-pong-replay';
/** Current replay format version. */
export const REPLAY_VERSION = 1;
/** Default frames between two recorded checksums. */
export const CHECKSUM_INTERVAL = 60;
/** Longest replay accepted (about 5.5 hours at 60 Hz). */
export const MAX_REPLAY_FRAMES = 1_200_000;

/** A decoded replay. */
export interface Replay {
  readonly gameVersion: number;
  readonly config: MatchConfig;
  /** Number of frames (inputs per player). */
  readonly frames: number;
  /** Player names, when known (display only). */
  readonly names: readonly string[];
  /** `inputs[frame][player]`. */
  readonly inputs: readonly (readonly number[])[];
  readonly checksumInterval: number;
  /** `[frame, checksum]`: the checksum of the state after `frame` steps. */
  readonly checksums: readonly (readonly [number, number])[];
  readonly finalChecksum: number;
  readonly finalScores: readonly number[];
  readonly winner: number;
}

/** Outcome of parsing a replay file. */
export type ReplayParse = { readonly ok: true; readonly replay: Replay } | { readonly ok: false; readonly error: string };

/** Outcome of re-simulating a replay. */
export type ReplayVerdict =
  | { readonly ok: true; readonly frames: number; readonly checksum: number; readonly state: GameState }
  | { readonly ok: false; readonly frame: number; readonly expected: number; readonly actual: number };

/** Simulates `inputs` from the config's initial state and builds the replay with its checksums. */
export function buildReplay(
  config: MatchConfig,
  inputs: readonly (readonly number[])[],
  options: { readonly names?: readonly string[]; readonly checksumInterval?: number } = {},
): Replay {
  const interval = options.checksumInterval ?? CHECKSUM_INTERVAL;
  const checksums: [number, number][] = [];
  let state = initialState(config);
  for (let f = 0; f < inputs.length; f++) {
    state = step(state, inputs[f] ?? []);
    if (state.frame % interval === 0) checksums.push([state.frame, checksum(state)]);
  }
  return {
    gameVersion: GAME_VERSION,
    config,
    frames: inputs.length,
    names: options.names ?? [],
    inputs: inputs.map((row) => Array.from({ length: config.players }, (_, p) => row[p] ?? 0)),
    checksumInterval: interval,
    checksums,
    finalChecksum: checksum(state),
    finalScores: state.scores,
    winner: state.winner,
  };
}

/** Re-simulates a replay and compares every recorded checksum; stops at the first mismatch. */
export function verifyReplay(replay: Replay): ReplayVerdict {
  let state = initialState(replay.config);
  let next = 0;
  for (let f = 0; f < replay.frames; f++) {
    state = step(state, replay.inputs[f] ?? []);
    const expected = replay.checksums[next];
    if (expected !== undefined && expected[0] === state.frame) {
      next++;
      const actual = checksum(state);
      if (actual !== expected[1]) return { ok: false, frame: state.frame, expected: expected[1], actual };
    }
  }
  const actual = checksum(state);
  if (actual !== replay.finalChecksum) return { ok: false, frame: state.frame, expected: replay.finalChecksum, actual };
  return { ok: true, frames: replay.frames, checksum: actual, state };
}

/** Serializes a replay to its JSON text. */
export function encodeReplay(replay: Replay): string {
  const perPlayer: [number, number][][] = [];
  for (let p = 0; p < replay.config.players; p++) {
    const runs: [number, number][] = [];
    for (let f = 0; f < replay.frames; f++) {
      const v = replay.inputs[f]?.[p] ?? 0;
      const last = runs[runs.length - 1];
      if (last !== undefined && last[0] === v) last[1] += 1;
      else runs.push([v, 1]);
    }
    perPlayer.push(runs);
  }
  const body = {
    format: REPLAY_FORMAT,
    version: REPLAY_VERSION,
    gameVersion: replay.gameVersion,
    players: replay.config.players,
    seed: replay.config.seed,
    config: replay.config,
    names: replay.names,
    frames: replay.frames,
    checksumInterval: replay.checksumInterval,
    checksums: replay.checksums.map(([f, c]) => [f, formatChecksum(c)]),
    final: { frame: replay.frames, checksum: formatChecksum(replay.finalChecksum), scores: replay.finalScores, winner: replay.winner },
    inputs: perPlayer,
  };
  // One line per input run and per checksum keeps files diffable without bloating them. The patterns
  // require the newlines that JSON.stringify puts between array items, which never occur inside a JSON
  // string, so a player name such as "[ 1, 2 ]" is left alone.
  return JSON.stringify(body, null, 1).replace(/\[\n\s*(-?\d+),\n\s*(-?\d+)\n\s*\]/g, '[$1,$2]').replace(/\[\n\s*(\d+),\n\s*"([0-9a-f]{8})"\n\s*\]/g, '[$1,"$2"]') + '\n';
}

const HEX8 = /^[0-9a-f]{8}$/;
const isNat = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** Parses and validates replay JSON text. Never throws; says what is wrong. */
export function parseReplay(text: string): ReplayParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${e instanceof Error ? e.message : 'parse error'})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'replay must be a JSON object' };
  const r = raw as Record<string, unknown>;
  if (r.format !== REPLAY_FORMAT) return { ok: false, error: `not a replay (format is ${JSON.stringify(r.format)}, expected "${REPLAY_FORMAT}")` };
  if (r.version !== REPLAY_VERSION) return { ok: false, error: `unsupported replay version ${JSON.stringify(r.version)} (this build reads ${REPLAY_VERSION})` };
  if (r.gameVersion !== GAME_VERSION) return { ok: false, error: `replay is for game version ${JSON.stringify(r.gameVersion)}, this build is ${GAME_VERSION}` };
  const cfg = parseConfig(r.config);
  if (!cfg.ok) return { ok: false, error: cfg.error };
  const config = cfg.config;
  if (r.players !== undefined && r.players !== config.players) return { ok: false, error: 'header players differs from config.players' };
  if (r.seed !== undefined && r.seed !== config.seed) return { ok: false, error: 'header seed differs from config.seed' };
  if (!isNat(r.frames, MAX_REPLAY_FRAMES)) return { ok: false, error: `frames must be an integer in 0..${MAX_REPLAY_FRAMES}` };
  const frames = r.frames;
  if (!isNat(r.checksumInterval, MAX_REPLAY_FRAMES) || r.checksumInterval === 0) return { ok: false, error: 'checksumInterval must be a positive integer' };
  const names = r.names ?? [];
  if (!Array.isArray(names) || names.length > config.players || !names.every((n) => typeof n === 'string' && n.length <= 64)) {
    return { ok: false, error: 'names must be a list of at most one short string per player' };
  }
  const inputs = decodeInputs(r.inputs, config.players, frames);
  if (typeof inputs === 'string') return { ok: false, error: inputs };
  const checksums = decodeChecksums(r.checksums, frames);
  if (typeof checksums === 'string') return { ok: false, error: checksums };
  const final = r.final as Record<string, unknown> | null | undefined;
  if (typeof final !== 'object' || final === null || final.frame !== frames || typeof final.checksum !== 'string' || !HEX8.test(final.checksum)) {
    return { ok: false, error: 'final must be {frame: <frames>, checksum: "<8 hex digits>", ...}' };
  }
  const scores = Array.isArray(final.scores) && final.scores.every((s) => isNat(s, 1_000_000)) ? (final.scores as number[]) : [];
  const winner = typeof final.winner === 'number' && Number.isInteger(final.winner) ? final.winner : -1;
  return {
    ok: true,
    replay: {
      gameVersion: GAME_VERSION,
      config,
      frames,
      names: names as string[],
      inputs,
      checksumInterval: r.checksumInterval,
      checksums,
      finalChecksum: parseInt(final.checksum, 16),
      finalScores: scores,
      winner,
    },
  };
}

function decodeInputs(raw: unknown, players: number, frames: number): number[][] | string {
  if (!Array.isArray(raw) || raw.length !== players) return `inputs must hold one run list per player (${players})`;
  const out: number[][] = Array.from({ length: frames }, () => new Array<number>(players).fill(0));
  for (let p = 0; p < players; p++) {
    const runs: unknown = raw[p];
    if (!Array.isArray(runs)) return `inputs[${p}] must be a list of [value, count] runs`;
    let f = 0;
    for (const run of runs) {
      if (!Array.isArray(run) || run.length !== 2 || !isNat(run[0], 255) || !isNat(run[1], frames) || run[1] === 0) {
        return `inputs[${p}] has a bad run ${JSON.stringify(run)} (expected [0..255, count >= 1])`;
      }
      if (f + run[1] > frames) return `inputs[${p}] covers more than ${frames} frames`;
      for (let i = 0; i < run[1]; i++) (out[f + i] as number[])[p] = run[0];
      f += run[1];
    }
    if (f !== frames) return `inputs[${p}] covers ${f} frames, expected ${frames}`;
  }
  return out;
}

function decodeChecksums(raw: unknown, frames: number): [number, number][] | string {
  if (!Array.isArray(raw)) return 'checksums must be a list of [frame, "hex"] pairs';
  const out: [number, number][] = [];
  let previous = 0;
  for (const entry of raw) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isNat(entry[0], frames) || typeof entry[1] !== 'string' || !HEX8.test(entry[1])) {
      return `bad checksum entry ${JSON.stringify(entry)}`;
    }
    if (entry[0] <= previous) return 'checksum frames must increase';
    previous = entry[0];
    out.push([entry[0], parseInt(entry[1], 16)]);
  }
  return out;
}
