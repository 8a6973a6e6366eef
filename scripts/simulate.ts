/**
 * `npm run simulate -- --matches N --seed S [--players 2-4] [--rtt MIN-MAX] [--jitter MIN-MAX]
 *  [--loss MIN-MAX] [--dup P] [--reorder P] [--suspend P] [--frames N] [--notary] [--rejoin P] [--spectators N] [--save-failures DIR] [--json]`
 *
 * Runs full matches between in-process peers over the seeded network simulator and prints a summary.
 * Each match draws its player count, RTT, jitter and loss from the given ranges with a generator seeded
 * by `--seed` and the match index, so any match can be re-run alone. Failing matches can be saved as
 * replays (the confirmed inputs of the first remaining peer). With `--notary` every match runs with a
 * trusted in-memory notary relaying input records (20-150 ms latency, drawn per match) and record
 * finality. With `--rejoin P` a match, with probability P, has a player whose page closes and who opens
 * the link again 1-4 s later, rejoining by state transfer (implies `--notary`); the summary reports the
 * rejoin times (virtual ms from the link reopened to playing again) and transfer sizes. With
 * `--spectators N` (0-16) N spectators join every match a third of the way in and must end on the
 * players' confirmed states; the summary reports their catch-up time and feed rate.
 * With `--json` the last line is a JSON object.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeReplay } from '../src/game/index.ts';
import { runSimMatch, type SimMatchResult } from '../src/sim/match-harness.ts';
import { makeLinkConditions } from '../src/transport/link-model.ts';
import { SeededRandom, deriveSeed } from '../src/transport/seeded-random.ts';
import { parseFlags, type FlagSpec } from './cli-args.ts';
import { quantileOfSorted } from '../src/shared/quantile.ts';

interface Args {
  matches: number;
  seed: number;
  players: [number, number];
  rtt: [number, number];
  jitter: [number, number];
  loss: [number, number];
  dup: number;
  reorder: number;
  suspend: number;
  frames: number;
  saveFailures: string | undefined;
  json: boolean;
  notary: boolean;
  rejoin: number;
  spectators: number;
}

const USAGE = `usage: npm run simulate -- [--matches N] [--seed S] [--players 2-4] [--rtt 0-250] [--jitter 0-50]
                        [--loss 0-0.2] [--dup P] [--reorder P] [--suspend P] [--frames N]
                        [--notary] [--rejoin P] [--spectators N] [--save-failures DIR] [--json]
  ranges are MIN-MAX (or one value); rtt and jitter in ms, loss/dup/reorder/suspend as probabilities 0..1`;

function fail(message: string): never {
  console.error(`simulate: ${message}\n${USAGE}`);
  process.exit(2);
}

function range(name: string, v: string, lo: number, hi: number, integer: boolean): [number, number] {
  const texts = v.split('-');
  const parts = texts.map(Number);
  const [a, b = a] = parts;
  // An empty part ("-1", "1-") is not a number: Number('') would read it as 0.
  if (parts.length > 2 || texts.includes('') || a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a > b || a < lo || b > hi || (integer && (!Number.isInteger(a) || !Number.isInteger(b)))) {
    fail(`--${name} must be MIN-MAX within ${lo}..${hi}, got "${v}"`);
  }
  return [a, b];
}

/** The flags `simulate` accepts (see `USAGE`). */
const FLAGS = {
  matches: 'string', seed: 'string', players: 'string', rtt: 'string', jitter: 'string', loss: 'string', dup: 'string',
  reorder: 'string', suspend: 'string', rejoin: 'string', spectators: 'string', frames: 'string', 'save-failures': 'string',
  json: 'boolean', notary: 'boolean',
} as const satisfies FlagSpec;

function parseSimulateArgs(argv: readonly string[]): Args {
  const a: Args = { matches: 100, seed: 1, players: [2, 4], rtt: [0, 250], jitter: [0, 50], loss: [0, 0.2], dup: 0.02, reorder: 0.05, suspend: 0.1, frames: 600, saveFailures: undefined, json: false, notary: false, rejoin: 0, spectators: 0 };
  const flags = parseFlags(argv, FLAGS);
  if (!flags.ok) fail(flags.error);
  if (flags.help) { console.log(USAGE); process.exit(0); }
  if (flags.positionals.length > 0) fail(`unexpected argument ${JSON.stringify(flags.positionals[0])}`);
  a.json = flags.switches.has('json');
  a.notary = flags.switches.has('notary');
  for (const [flag, v] of flags.values) {
    switch (flag) {
      case 'matches': a.matches = range('matches', v, 1, 100_000, true)[0]; break;
      case 'seed': a.seed = range('seed', v, 0, 0xffff_ffff, true)[0]; break;
      case 'players': a.players = range('players', v, 2, 4, true); break;
      case 'rtt': a.rtt = range('rtt', v, 0, 2000, false); break;
      case 'jitter': a.jitter = range('jitter', v, 0, 500, false); break;
      case 'loss': a.loss = range('loss', v, 0, 0.9, false); break;
      case 'dup': a.dup = range('dup', v, 0, 1, false)[0]; break;
      case 'reorder': a.reorder = range('reorder', v, 0, 1, false)[0]; break;
      case 'suspend': a.suspend = range('suspend', v, 0, 1, false)[0]; break;
      case 'rejoin': a.rejoin = range('rejoin', v, 0, 1, false)[0]; a.notary = true; break;
      case 'spectators': a.spectators = range('spectators', v, 0, 16, true)[0]; break;
      case 'frames': a.frames = range('frames', v, 60, 1_000_000, true)[0]; break;
      case 'save-failures': a.saveFailures = v; break;
      default: fail(`unknown option --${flag}`);
    }
  }
  return a;
}

/** The parameters of match `index`, reproducible from the seed alone. */
export function matchParams(args: Args, index: number) {
  const rng = new SeededRandom(deriveSeed(args.seed, 'match', index));
  const players = args.players[0] + Math.floor(rng.next() * (args.players[1] - args.players[0] + 1));
  const rtt = rng.between(args.rtt[0], args.rtt[1]);
  const jitterMs = rng.between(args.jitter[0], args.jitter[1]);
  const loss = rng.between(args.loss[0], args.loss[1]);
  const duplicate = rng.chance(0.5) ? args.dup : 0;
  const reorder = rng.chance(0.5) ? args.reorder : 0;
  const suspend = rng.chance(args.suspend) ? { player: Math.floor(rng.next() * players), atMs: 2000 + Math.floor(rng.next() * 3000), durationMs: 2000 } : undefined;
  // Drawn from its own generator, so that the other parameters are the same with and without the notary.
  const notaryLatencyMs = 20 + (deriveSeed(args.seed, 'notary', index) % 131);
  const r = new SeededRandom(deriveSeed(args.seed, 'rejoin', index));
  const rejoin = r.chance(args.rejoin)
    ? { player: Math.floor(r.next() * players), atFrame: 120 + Math.floor(r.next() * Math.max(1, args.frames / 3)), awayMs: 1000 + Math.floor(r.next() * 3000), times: r.chance(0.3) ? 2 : 1 }
    : undefined;
  return { players, link: makeLinkConditions({ latencyMs: rtt / 2, jitterMs, loss, duplicate, reorder }), suspend, seed: deriveSeed(args.seed, 'game', index), notaryLatencyMs, rejoin };
}

const percentile = (sorted: readonly number[], q: number): number => quantileOfSorted(sorted, q, 0);

function main(): void {
  const args = parseSimulateArgs(process.argv.slice(2));
  let completed = 0, desyncs = 0, falseDesyncReports = 0, falseAccusations = 0, stalls = 0, maxRollback = 0, failures = 0;
  const depthHistogram: number[] = [];
  const payload: number[] = [];
  const rejoinMs: number[] = [];
  const transferBytes: number[] = [];
  const catchupMs: number[] = [];
  const spectatorKbps: number[] = [];
  let spectatorFailures = 0;
  const started = Date.now();
  const joinAtMs = Math.round((args.frames * 1000) / 60 / 3);
  for (let i = 0; i < args.matches; i++) {
    const p = matchParams(args, i);
    const r: SimMatchResult = runSimMatch({ players: p.players, seed: p.seed, frames: args.frames, link: p.link, ...(p.suspend ? { suspend: p.suspend } : {}), ...(args.notary ? { notary: { latencyMs: p.notaryLatencyMs } } : {}), ...(p.rejoin ? { rejoin: p.rejoin, timeLimitMs: args.frames * 70 + 60_000 } : {}), ...(args.spectators > 0 ? { spectators: { count: args.spectators, joinAtMs } } : {}) });
    for (const s of r.spectators) {
      if (s.catchupMs !== undefined) catchupMs.push(s.catchupMs);
      spectatorKbps.push((s.stats.bytesIn * 8) / Math.max(1, r.virtualMs - joinAtMs));
    }
    if (!r.spectatorsInSync) spectatorFailures++;
    for (const x of r.rejoins) {
      rejoinMs.push(x.ms);
      transferBytes.push(x.transferBytes);
    }
    const missingRejoins = r.completed && r.rejoins.length !== r.rejoinDrops;
    if (r.completed) completed++;
    if (r.completed && !r.inSync) desyncs++;
    falseDesyncReports += r.falseDesyncReports;
    // Every peer is honest here: any cheating or finality-withheld event is a false accusation.
    const accusations = r.peers.reduce((n, peer) => n + peer.events.filter((e) => e.kind === 'cheating' || e.kind === 'finality-withheld').length, 0);
    falseAccusations += accusations;
    for (const peer of r.peers) {
      stalls += peer.stats.stalls;
      maxRollback = Math.max(maxRollback, peer.stats.maxRollbackFrames);
      peer.stats.rollbackHistogram.forEach((n, d) => (depthHistogram[d] = (depthHistogram[d] ?? 0) + n));
    }
    if (i < 50) payload.push(...r.inputPacketBytes.slice(0, 2000));
    const ok = r.completed && r.inSync && r.replaysVerify && r.falseDesyncReports === 0 && accusations === 0 && !missingRejoins && r.spectatorsInSync;
    if (!ok) {
      failures++;
      console.log(`match ${i} FAILED (players=${p.players} link=${JSON.stringify(p.link)} suspend=${JSON.stringify(p.suspend)}): ${r.failure ?? (accusations > 0 ? 'false accusation' : missingRejoins ? 'a rejoin did not happen' : !r.spectatorsInSync ? 'a spectator differs' : 'false desync report')}`);
      const first = r.peers[0];
      if (args.saveFailures !== undefined && first !== undefined) {
        mkdirSync(args.saveFailures, { recursive: true });
        const file = join(args.saveFailures, `match-${args.seed}-${i}.json`);
        writeFileSync(file, encodeReplay(first.replay));
        console.log(`  saved ${file}`);
      }
    } else if (!args.json && (i + 1) % 50 === 0) console.log(`${i + 1}/${args.matches} matches ok`);
  }
  const depths: number[] = [];
  depthHistogram.forEach((n, d) => { for (let k = 0; k < (n ?? 0) && depths.length < 1e6; k++) depths.push(d); });
  payload.sort((a, b) => a - b);
  rejoinMs.sort((a, b) => a - b);
  transferBytes.sort((a, b) => a - b);
  catchupMs.sort((a, b) => a - b);
  spectatorKbps.sort((a, b) => a - b);
  const summary = {
    matches: args.matches,
    completed,
    desyncs,
    falseDesyncReports,
    falseAccusations,
    notary: args.notary,
    failures,
    maxRollbackFrames: maxRollback,
    p50RollbackFrames: percentile(depths, 0.5),
    p99RollbackFrames: percentile(depths, 0.99),
    rollbacks: depths.length,
    stalls,
    inputPayloadBytesP50: percentile(payload, 0.5),
    rejoins: rejoinMs.length,
    rejoinMsP50: percentile(rejoinMs, 0.5),
    rejoinMsMax: rejoinMs[rejoinMs.length - 1] ?? 0,
    transferBytesMax: transferBytes[transferBytes.length - 1] ?? 0,
    spectators: args.spectators,
    spectatorFailures,
    spectatorCatchupMsP50: percentile(catchupMs, 0.5),
    spectatorCatchupMsMax: catchupMs[catchupMs.length - 1] ?? 0,
    spectatorKbpsMax: Math.round((spectatorKbps[spectatorKbps.length - 1] ?? 0) * 100) / 100,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  console.log(`${summary.completed}/${summary.matches} matches completed, ${summary.desyncs} desyncs, ${summary.falseDesyncReports} false desync reports, ${summary.falseAccusations} false accusations${args.notary ? ' (notary)' : ''}, ` +
    `rollback depth p50 ${summary.p50RollbackFrames} max ${summary.maxRollbackFrames}, ${summary.stalls} stalls, input packet p50 ${summary.inputPayloadBytesP50} B, ` +
    (summary.rejoins > 0 ? `${summary.rejoins} rejoins (p50 ${summary.rejoinMsP50} ms, max ${summary.rejoinMsMax} ms, transfer ≤ ${summary.transferBytesMax} B), ` : '') +
    (args.spectators > 0 ? `${args.spectators} spectators a match (${spectatorFailures} matches where one differs; catch-up p50 ${summary.spectatorCatchupMsP50} ms, max ${summary.spectatorCatchupMsMax} ms; feed ≤ ${summary.spectatorKbpsMax} kbit/s), ` : '') + `${summary.seconds} s`);
  if (args.json) console.log(JSON.stringify(summary));
  process.exit(failures === 0 ? 0 : 1);
}

main();
