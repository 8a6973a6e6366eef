/**
 * Replay files: a recorded match that re-simulates to identical checksums (see docs/replay-format.md).
 *
 * A replay is UTF-8 JSON: a header (format name and version, game version, config with seed and player
 * count), the inputs of each player run-length encoded as `[value, count]` pairs, the checksum of the
 * state after every `checksumInterval`-th frame, and the final frame's checksum. Parsing validates every
 * field against `ReplayFileSchema` (valibot) and never throws, whatever the text: a bad file gets a
 * clear error naming the field; verification re-runs `step` and reports the first frame that differs.
 */
import * as v from 'valibot';
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
const nat = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));
const hex8 = v.pipe(v.string(), v.regex(HEX8));
// Control characters other than tab, lone surrogates, and format characters other than the zero-width
// joiner (bidi overrides): a name is shown in the replay viewer and must not reorder or hide text.
const UNPRINTABLE = /(?!\t)\p{Cc}|\p{Cs}|(?!\u200d)\p{Cf}/u;

/** Longest replay text accepted, characters (a full-length 4-player replay of changing inputs is ~40 MB). */
export const MAX_REPLAY_CHARS = 64 * 1024 * 1024;

/**
 * The replay file, field by field (valibot; the file type is inferred from it). `config` is checked by
 * `parseConfig`, the match-config schema's owner. Each field carries the message a player sees when it
 * is wrong; the checks that relate fields (runs covering `frames`, checksum frames) follow in `parseReplay`.
 */
export const ReplayFileSchema = v.looseObject({
  format: v.literal(REPLAY_FORMAT),
  version: v.literal(REPLAY_VERSION),
  gameVersion: v.literal(GAME_VERSION),
  players: v.optional(v.number()),
  seed: v.optional(v.number()),
  config: v.unknown(),
  frames: nat(MAX_REPLAY_FRAMES),
  checksumInterval: v.pipe(nat(MAX_REPLAY_FRAMES), v.minValue(1)),
  names: v.optional(v.array(v.pipe(v.string(), v.maxLength(64), v.check((n) => !UNPRINTABLE.test(n))))),
  inputs: v.array(v.unknown()),
  checksums: v.array(v.unknown()),
  final: v.looseObject({ frame: nat(MAX_REPLAY_FRAMES), checksum: hex8, scores: v.optional(v.unknown()), winner: v.optional(v.unknown()) }),
});
/** A replay file as parsed by `ReplayFileSchema`. */
export type ReplayFile = v.InferOutput<typeof ReplayFileSchema>;

/** One `[value, count]` input run. */
const RunSchema = v.tuple([nat(255), v.pipe(nat(MAX_REPLAY_FRAMES), v.minValue(1))]);
/** One `[frame, "hex"]` checksum. */
const ChecksumSchema = v.tuple([nat(MAX_REPLAY_FRAMES), hex8]);
const ScoresSchema = v.array(nat(1_000_000));

/**
 * A bad value as an error message shows it: a number, or a short plain word, as itself; a pair of
 * those (a run, a checksum entry) as `[a,b]`; anything else by its type only. Never the file's text
 * (it could be a deep nest that overflows the stack, or words meant for the reader's screen).
 */
function describeValue(x: unknown, depth = 0): string {
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return /^[\w.-]{0,16}$/.test(x) ? `"${x}"` : 'a string';
  if (x === null || typeof x === 'boolean') return String(x);
  if (Array.isArray(x)) return depth === 0 && x.length <= 2 ? `[${x.map((e) => describeValue(e, 1)).join(',')}]` : 'a list';
  return typeof x === 'object' ? 'an object' : typeof x;
}

/** The message for a wrong top-level field, in the order the fields are checked. */
const FIELD_ERRORS: readonly [string & keyof ReplayFile, (r: Record<string, unknown>) => string][] = [
  ['format', (r) => `not a replay (format is ${describeValue(r['format'])}, expected "${REPLAY_FORMAT}")`],
  ['version', (r) => `unsupported replay version ${describeValue(r['version'])} (this build reads ${REPLAY_VERSION})`],
  ['gameVersion', (r) => `replay is for game version ${describeValue(r['gameVersion'])}, this build is ${GAME_VERSION}`],
  ['frames', () => `frames must be an integer in 0..${MAX_REPLAY_FRAMES}`],
  ['checksumInterval', () => 'checksumInterval must be a positive integer'],
  ['names', () => 'names must be a list of at most one short printable string per player'],
  ['inputs', (r) => `inputs must hold one run list per player (${describeValue((r['config'] as { players?: unknown } | null)?.players ?? '?')})`],
  ['checksums', () => 'checksums must be a list of [frame, "hex"] pairs'],
  ['final', () => 'final must be {frame: <frames>, checksum: "<8 hex digits>", ...}'],
];

/** Parses and validates replay JSON text. Never throws; says what is wrong. */
export function parseReplay(text: string): ReplayParse {
  if (text.length > MAX_REPLAY_CHARS) return { ok: false, error: `replay is too large (over ${MAX_REPLAY_CHARS} characters)` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${e instanceof Error ? e.message : 'parse error'})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'replay must be a JSON object' };
  const r = raw as Record<string, unknown>;
  const parsed = v.safeParse(ReplayFileSchema, raw);
  if (!parsed.success) {
    const bad = new Set(parsed.issues.map((i) => String(i.path?.[0]?.key ?? '')));
    const cfgFirst = !bad.has('format') && !bad.has('version') && !bad.has('gameVersion');
    const cfg = parseConfig(r['config']);
    if (cfgFirst && !cfg.ok) return { ok: false, error: cfg.error };
    for (const [field, message] of FIELD_ERRORS) if (bad.has(field)) return { ok: false, error: message(r) };
    return { ok: false, error: parsed.issues[0].message };
  }
  const file = parsed.output;
  const cfg = parseConfig(file.config);
  if (!cfg.ok) return { ok: false, error: cfg.error };
  const config = cfg.config;
  if (file.players !== undefined && file.players !== config.players) return { ok: false, error: 'header players differs from config.players' };
  if (file.seed !== undefined && file.seed !== config.seed) return { ok: false, error: 'header seed differs from config.seed' };
  const { frames } = file;
  const names = file.names ?? [];
  if (names.length > config.players) return { ok: false, error: 'names must be a list of at most one short printable string per player' };
  const inputs = decodeInputs(file.inputs, config.players, frames);
  if (typeof inputs === 'string') return { ok: false, error: inputs };
  const checksums = decodeChecksums(file.checksums, frames);
  if (typeof checksums === 'string') return { ok: false, error: checksums };
  if (file.final.frame !== frames) return { ok: false, error: 'final must be {frame: <frames>, checksum: "<8 hex digits>", ...}' };
  const scores = v.safeParse(ScoresSchema, file.final.scores);
  const winner = typeof file.final.winner === 'number' && Number.isInteger(file.final.winner) ? file.final.winner : -1;
  return {
    ok: true,
    replay: {
      gameVersion: GAME_VERSION,
      config,
      frames,
      names,
      inputs,
      checksumInterval: file.checksumInterval,
      checksums,
      finalChecksum: parseInt(file.final.checksum, 16),
      finalScores: scores.success ? scores.output : [],
      winner,
    },
  };
}

function decodeInputs(raw: readonly unknown[], players: number, frames: number): number[][] | string {
  if (raw.length !== players) return `inputs must hold one run list per player (${players})`;
  // Check every run and its coverage before allocating `frames` rows: a short file cannot make us
  // allocate for a million frames it does not hold.
  const lists: (readonly [number, number])[][] = [];
  for (let p = 0; p < players; p++) {
    const runs: unknown = raw[p];
    if (!Array.isArray(runs)) return `inputs[${p}] must be a list of [value, count] runs`;
    const list: (readonly [number, number])[] = [];
    let f = 0;
    for (const run of runs) {
      const parsed = v.safeParse(RunSchema, run);
      if (!parsed.success) return `inputs[${p}] has a bad run ${describeValue(run)} (expected [0..255, count >= 1])`;
      if (f + parsed.output[1] > frames) return `inputs[${p}] covers more than ${frames} frames`;
      f += parsed.output[1];
      list.push(parsed.output);
    }
    if (f !== frames) return `inputs[${p}] covers ${f} frames, expected ${frames}`;
    lists.push(list);
  }
  const out: number[][] = Array.from({ length: frames }, () => new Array<number>(players).fill(0));
  lists.forEach((list, p) => {
    let f = 0;
    for (const [value, count] of list) for (let i = 0; i < count; i++) (out[f++] as number[])[p] = value;
  });
  return out;
}

function decodeChecksums(raw: readonly unknown[], frames: number): [number, number][] | string {
  const out: [number, number][] = [];
  let previous = 0;
  for (const entry of raw) {
    const parsed = v.safeParse(ChecksumSchema, entry);
    if (!parsed.success || parsed.output[0] > frames) return `bad checksum entry ${describeValue(entry)}`;
    if (parsed.output[0] <= previous) return 'checksum frames must increase';
    previous = parsed.output[0];
    out.push([parsed.output[0], parseInt(parsed.output[1], 16)]);
  }
  return out;
}
