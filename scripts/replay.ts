/**
 * Replay command-line tool: records seeded matches (random or ball-tracking players), verifies replay files by re-simulating them,
 * and prints their headers. Run with `npm run replay -- <command>` (see `USAGE`).
 *
 * The logic lives in `runCli`, which takes its arguments and an IO port and returns the exit code, so
 * tests can drive it in-process; only the last lines wire it to `process`. Exit codes: 0 ok, 1 a replay
 * did not reproduce, 2 usage errors and unreadable or malformed files (with several files, the worst).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildReplay,
  CHECKSUM_INTERVAL,
  encodeReplay,
  formatChecksum,
  initialState,
  InputBits,
  MAX_REPLAY_FRAMES,
  parseConfig,
  parseReplay,
  REPLAY_FORMAT,
  REPLAY_VERSION,
  RULES_VERSION,
  step,
  verifyReplay,
  type MatchConfig,
  type Replay,
} from '../src/game/index.ts';
import { RandomBot, TrackerBot } from '../src/sim/bot.ts';
import { parseFlags } from './cli-args.ts';

/** Frames a tracker recording goes on after the winning point (the final state stays in the file). */
export const TRACKER_TAIL_FRAMES = 60;

/** Help text printed by `--help` and after a usage error. */
export const USAGE = `Usage: npm run replay -- <command> [options]

Commands:
  record --players P --frames N --seed S --out FILE [--points K] [--interval I] [--bot random|tracker]
         [--rules 1|2] [--away P:FROM[-TO],...] [--forfeit F]
      Record a match driven by seeded players. --bot random (the default): each player holds a random
      input 0..3 for 1..30 frames. --bot tracker: each player tracks the ball with seeded aim errors
      (long rallies, edge hits, misses); the match ends ${TRACKER_TAIL_FRAMES} frames after someone wins, or at N
      frames. P is 2..4, S is 0..4294967295, K (points to win) defaults to 99, I (frames between
      checksums) defaults to ${CHECKSUM_INTERVAL}. --rules picks the rule set (default ${RULES_VERSION}). --away (rules 2) makes
      player P absent (it left) from frame FROM up to, not including, TO (or to the end), e.g.
      --away 1:600-1200,2:3000; --forfeit sets the frames a lone player waits before winning.
  verify FILE...
      Re-simulate each replay and compare every recorded checksum. Prints
      "ok FILE frames=N checksum=XXXXXXXX" or "mismatch FILE frame=F expected=XXXXXXXX actual=XXXXXXXX"
      or "error FILE: <reason>". Exit code: 0 all ok, 1 a mismatch, 2 an unreadable or malformed file.
  info FILE...
      Print the header of each replay (does not re-simulate).

Options:
  -h, --help   Show this help.
`;

/** Where the CLI reads and writes; `nodeIo` is the real one, tests pass fakes. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
}

/** The process's stdout/stderr and file system. */
export const nodeIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, text) => writeFileSync(path, text),
};

/** Exit codes, ordered so that "the worst of several" is their maximum. */
export const ExitCode = { ok: 0, mismatch: 1, error: 2 } as const;
/** One of the CLI's exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Inputs of a seeded random match: `inputs[frame][player]`. Each player holds a random input 0..3 for
 * a random 1..30 frames, then draws again (`RandomBot`, seeded xorshift32, never `Math.random`), so one
 * seed always gives the same inputs.
 */
export function randomInputs(players: number, frames: number, seed: number, away: readonly AwaySpan[] = []): number[][] {
  // One scripted player per seat, the same generator the simulator and the tests use.
  const bots = Array.from({ length: players }, (_, p) => new RandomBot(seed * 4 + p));
  return Array.from({ length: frames }, (_, f) => markAway(bots.map((b) => b.next()), f, away));
}

/** Frames in which a player is absent (`--away`): from `from` up to, not including, `to`. */
export interface AwaySpan {
  readonly player: number;
  readonly from: number;
  readonly to: number;
}

/** Parses `P:FROM[-TO],...` (see `--away`), or returns an error message. */
export function parseAway(text: string, players: number): AwaySpan[] | string {
  const out: AwaySpan[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d):(\d{1,7})(?:-(\d{1,7}))?$/.exec(part);
    const player = Number(m?.[1]);
    const from = Number(m?.[2]);
    const to = m?.[3] === undefined ? MAX_REPLAY_FRAMES : Number(m[3]);
    if (m === null || player >= players || to <= from) return `--away must be P:FROM[-TO],... with P < ${players} and FROM < TO, got ${JSON.stringify(part)}`;
    out.push({ player, from, to });
  }
  return out;
}

/** `row` with the absent bit set for every player away at `frame`. */
function markAway(row: number[], frame: number, away: readonly AwaySpan[]): number[] {
  for (const a of away) if (frame >= a.from && frame < a.to) row[a.player] = (row[a.player] ?? 0) | InputBits.absent;
  return row;
}

/**
 * Inputs of a match between ball-tracking players (`TrackerBot`, seeded with `seed * 4 + player`): the
 * players react to the simulated state, so the match is simulated while the inputs are drawn. Stops
 * `TRACKER_TAIL_FRAMES` after a player has won, or at `maxFrames`.
 */
export function trackerInputs(config: MatchConfig, maxFrames: number, away: readonly AwaySpan[] = []): number[][] {
  const bots = Array.from({ length: config.players }, (_, p) => new TrackerBot(config.seed * 4 + p, p));
  const inputs: number[][] = [];
  let state = initialState(config);
  let tail = TRACKER_TAIL_FRAMES;
  while (inputs.length < maxFrames && tail > 0) {
    const row = markAway(bots.map((b) => b.next(state)), inputs.length, away);
    inputs.push(row);
    state = step(state, row);
    if (state.winner >= 0) tail--;
  }
  return inputs;
}

/** A decimal integer flag in `lo..hi`, or an error message. */
function intFlag(values: ReadonlyMap<string, string>, name: string, lo: number, hi: number, fallback?: number): number | string {
  const text = values.get(name);
  if (text === undefined) return fallback ?? `missing --${name}`;
  if (!/^\d+$/.test(text)) return `--${name} must be an integer in ${lo}..${hi}, got ${JSON.stringify(text)}`;
  const n = Number(text);
  if (n < lo || n > hi) return `--${name} must be an integer in ${lo}..${hi}, got ${text}`;
  return n;
}

function usageError(io: CliIo, message: string): ExitCode {
  io.err(`replay: ${message}`);
  io.err(USAGE);
  return ExitCode.error;
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Reads and parses one replay file; an unreadable file is a parse failure with the OS's reason. */
function load(io: CliIo, file: string): ReturnType<typeof parseReplay> {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    return { ok: false, error: `cannot read file (${reasonOf(e)})` };
  }
  return parseReplay(text);
}

function record(io: CliIo, args: readonly string[]): ExitCode {
  const flags = parseFlags(args, { players: 'string', frames: 'string', seed: 'string', out: 'string', points: 'string', interval: 'string', bot: 'string', rules: 'string', away: 'string', forfeit: 'string' });
  if (!flags.ok) return usageError(io, flags.error);
  if (flags.help) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  if (flags.positionals.length > 0) return usageError(io, `record takes no positional arguments, got ${JSON.stringify(flags.positionals[0])}`);
  const v = flags.values;
  const players = intFlag(v, 'players', 2, 4);
  const frames = intFlag(v, 'frames', 0, MAX_REPLAY_FRAMES);
  const seed = intFlag(v, 'seed', 0, 0xffff_ffff);
  const points = intFlag(v, 'points', 1, 99, 99);
  const interval = intFlag(v, 'interval', 1, MAX_REPLAY_FRAMES, CHECKSUM_INTERVAL);
  const rules = intFlag(v, 'rules', 1, RULES_VERSION, RULES_VERSION);
  const forfeit = intFlag(v, 'forfeit', 1, 360_000, 3600);
  const out = v.get('out');
  for (const r of [players, frames, seed, points, interval, rules, forfeit]) if (typeof r === 'string') return usageError(io, r);
  const awayText = v.get('away');
  const away = awayText === undefined ? [] : parseAway(awayText, players as number);
  if (typeof away === 'string') return usageError(io, away);
  if (away.length > 0 && rules === 1) return usageError(io, '--away needs --rules 2 (rules 1 has no departures)');
  if (out === undefined || out === '') return usageError(io, 'missing --out');
  const bot = v.get('bot') ?? 'random';
  if (bot !== 'random' && bot !== 'tracker') return usageError(io, `--bot must be random or tracker, got ${JSON.stringify(bot)}`);
  const cfg = parseConfig({ players, seed, pointsToWin: points, rules, forfeitFrames: forfeit });
  if (!cfg.ok) return usageError(io, cfg.error);
  const inputs = bot === 'tracker' ? trackerInputs(cfg.config, frames as number, away) : randomInputs(cfg.config.players, frames as number, cfg.config.seed, away);
  const replay = buildReplay(cfg.config, inputs, { checksumInterval: interval as number });
  try {
    io.writeFile(out, encodeReplay(replay));
  } catch (e) {
    io.out(`error ${out}: cannot write file (${reasonOf(e)})`);
    return ExitCode.error;
  }
  io.out(
    `recorded ${out} players=${replay.config.players} frames=${replay.frames} seed=${replay.config.seed} ` +
      `checksum=${formatChecksum(replay.finalChecksum)} scores=${replay.finalScores.join(',')} winner=${replay.winner}`,
  );
  return ExitCode.ok;
}

/**
 * Shared by `verify` and `info`: parses FILE arguments, loads each replay (an unreadable or malformed
 * file prints `error FILE: reason`), hands the good ones to `each`, and returns the worst exit code.
 */
function forEachReplay(io: CliIo, args: readonly string[], command: string, each: (file: string, replay: Replay) => ExitCode): ExitCode {
  const flags = parseFlags(args, {});
  if (!flags.ok) return usageError(io, flags.error);
  if (flags.help) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  if (flags.positionals.length === 0) return usageError(io, `${command} needs at least one FILE`);
  let worst: ExitCode = ExitCode.ok;
  for (const file of flags.positionals) {
    const parsed = load(io, file);
    const code = parsed.ok ? each(file, parsed.replay) : (io.out(`error ${file}: ${parsed.error}`), ExitCode.error);
    if (code > worst) worst = code;
  }
  return worst;
}

function verify(io: CliIo, args: readonly string[]): ExitCode {
  return forEachReplay(io, args, 'verify', (file, replay) => {
    const verdict = verifyReplay(replay);
    if (verdict.ok) {
      io.out(`ok ${file} frames=${verdict.frames} checksum=${formatChecksum(verdict.checksum)}`);
      return ExitCode.ok;
    }
    io.out(`mismatch ${file} frame=${verdict.frame} expected=${formatChecksum(verdict.expected)} actual=${formatChecksum(verdict.actual)}`);
    return ExitCode.mismatch;
  });
}

function info(io: CliIo, args: readonly string[]): ExitCode {
  return forEachReplay(io, args, 'info', (file, r) => {
    const c = r.config;
    io.out(file);
    io.out(`  format     ${REPLAY_FORMAT} v${REPLAY_VERSION}, game v${r.gameVersion}`);
    io.out(`  players    ${c.players}${r.names.length > 0 ? ` (${r.names.map((n) => JSON.stringify(n)).join(', ')})` : ''}`);
    io.out(`  seed       ${c.seed}`);
    io.out(`  rules      ${c.rules} pointsToWin=${c.pointsToWin} arenaSize=${c.arenaSize} ballSpeed=${c.ballSpeed} paddleLength=${c.paddleLength} paddleSpeed=${c.paddleSpeed}${c.rules >= 2 ? ` forfeitFrames=${c.forfeitFrames}` : ''}`);
    io.out(`  frames     ${r.frames} (${(r.frames / 60).toFixed(1)} s at 60 Hz)`);
    io.out(`  checksums  ${r.checksums.length} (every ${r.checksumInterval} frames), final ${formatChecksum(r.finalChecksum)}`);
    io.out(`  result     scores ${r.finalScores.join('-') || '?'}, ${r.winner >= 0 ? `winner player ${r.winner}` : 'no winner'}`);
    return ExitCode.ok;
  });
}

/** Runs one CLI invocation (`argv` without the node and script paths) and returns its exit code. */
export function runCli(argv: readonly string[], io: CliIo): ExitCode {
  const [command, ...rest] = argv;
  switch (command) {
    case 'record':
      return record(io, rest);
    case 'verify':
      return verify(io, rest);
    case 'info':
      return info(io, rest);
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return ExitCode.ok;
    case undefined:
      return usageError(io, 'missing command');
    default:
      return usageError(io, `unknown command ${JSON.stringify(command)}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runCli(process.argv.slice(2), nodeIo);
}
