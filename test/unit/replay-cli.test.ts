import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/game/config.ts';
import { buildReplay, encodeReplay, parseReplay, verifyReplay } from '../../src/game/replay.ts';
import { randomInputs, runCli, USAGE, type CliIo } from '../../scripts/replay.ts';
import { runTsx, type CliRun } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
const okFile = join(dir, 'ok.json');
const mismatchFile = join(dir, 'mismatch.json');
const malformedFile = join(dir, 'malformed.json');
const missingFile = join(dir, 'missing.json');

const okReplay = buildReplay(makeConfig({ players: 2, seed: 5, pointsToWin: 99 }), randomInputs(2, 300, 5));
const okText = encodeReplay(okReplay);
// Same inputs, but the second recorded checksum (frame 120) is wrong.
const mismatchText = okText.replace(/\[120,"[0-9a-f]{8}"\]/, '[120,"00000000"]');
writeFileSync(okFile, okText);
writeFileSync(mismatchFile, mismatchText);
writeFileSync(malformedFile, okText.slice(0, 200));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An in-memory IO port: files in a map, output lines captured. */
function memoryIo(files: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[]; files: Map<string, string> } {
  const store = new Map(Object.entries(files));
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    files: store,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    readFile: (path) => {
      const text = store.get(path);
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    writeFile: (path, text) => {
      if (path.startsWith('/readonly/')) throw new Error('EACCES: permission denied');
      store.set(path, text);
    },
  };
}

describe('runCli (in process)', () => {
  it('record writes a replay that verifies, and says what it wrote', () => {
    const io = memoryIo();
    expect(runCli(['record', '--players', '3', '--frames', '500', '--seed', '42', '--out', 'r.json', '--points', '7', '--interval=25'], io)).toBe(0);
    const parsed = parseReplay(io.files.get('r.json') ?? '');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.replay.config).toMatchObject({ players: 3, seed: 42, pointsToWin: 7 });
    expect(parsed.replay.frames).toBe(500);
    expect(parsed.replay.checksumInterval).toBe(25);
    expect(verifyReplay(parsed.replay).ok).toBe(true);
    expect(io.lines).toEqual([expect.stringMatching(/^recorded r\.json players=3 frames=500 seed=42 checksum=[0-9a-f]{8} scores=\d+,\d+,\d+ winner=-?\d+$/)]);
  });

  it('record is deterministic in its seed and defaults points to win to 99', () => {
    const a = memoryIo();
    const b = memoryIo();
    runCli(['record', '--players', '2', '--frames', '200', '--seed', '9', '--out', 'x'], a);
    runCli(['record', '--players', '2', '--frames', '200', '--seed', '9', '--out', 'x'], b);
    expect(a.files.get('x')).toBe(b.files.get('x'));
    const parsed = parseReplay(a.files.get('x') ?? '');
    expect(parsed.ok && parsed.replay.config.pointsToWin).toBe(99);
  });

  it('randomInputs holds each input 0..3 for 1..30 frames', () => {
    const inputs = randomInputs(4, 3000, 1);
    expect(inputs).toHaveLength(3000);
    for (let p = 0; p < 4; p++) {
      const column = inputs.map((row) => row[p] ?? -1);
      expect(new Set(column)).toEqual(new Set([0, 1, 2, 3]));
      // A run of one value can be longer than 30 frames only when the same value was drawn twice.
      let runs = 1;
      for (let f = 1; f < column.length; f++) if (column[f] !== column[f - 1]) runs++;
      expect(runs).toBeGreaterThan(3000 / 30);
    }
    expect(randomInputs(4, 100, 1)).toEqual(inputs.slice(0, 100));
    expect(randomInputs(4, 100, 2)).not.toEqual(inputs.slice(0, 100));
  });

  it('verify: ok, mismatch and error lines, and the worst exit code', () => {
    const io = memoryIo({ ok: okText, bad: mismatchText, broken: '{' });
    expect(runCli(['verify', 'ok'], io)).toBe(0);
    expect(runCli(['verify', 'ok', 'bad'], io)).toBe(1);
    expect(runCli(['verify', 'bad', 'broken', 'ok'], io)).toBe(2);
    expect(runCli(['verify', 'nope'], io)).toBe(2);
    const ok = `ok ok frames=300 checksum=${okReplay.finalChecksum.toString(16).padStart(8, '0')}`;
    const mismatch = expect.stringMatching(/^mismatch bad frame=120 expected=00000000 actual=[0-9a-f]{8}$/);
    expect(io.lines).toEqual([
      ok,
      ok,
      mismatch,
      mismatch,
      expect.stringMatching(/^error broken: not JSON \(/),
      ok,
      "error nope: cannot read file (ENOENT: no such file or directory, open 'nope')",
    ]);
  });

  it('record --away marks the player absent in exactly those frames (rules 2, the default); --rules 1 records the old rules', () => {
    const io = memoryIo();
    expect(runCli(['record', '--players', '3', '--frames', '400', '--seed', '9', '--out', 'a.json', '--away', '1:100-200,2:300', '--forfeit', '50'], io)).toBe(0);
    const parsed = parseReplay(io.files.get('a.json') ?? '');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.replay.config).toMatchObject({ rules: 2, forfeitFrames: 50 });
    parsed.replay.inputs.forEach((row, f) => {
      expect(((row[1] ?? 0) & 0x80) !== 0, `frame ${f}`).toBe(f >= 100 && f < 200);
      expect(((row[2] ?? 0) & 0x80) !== 0, `frame ${f}`).toBe(f >= 300);
      expect((row[0] ?? 0) & 0x80).toBe(0);
    });
    expect(verifyReplay(parsed.replay).ok).toBe(true);
    expect(runCli(['record', '--players', '2', '--frames', '10', '--seed', '9', '--out', 'b.json', '--rules', '1'], io)).toBe(0);
    const old = parseReplay(io.files.get('b.json') ?? '');
    expect(old.ok && old.replay.config.rules).toBe(1);
  });

  it('info prints the header without re-simulating', () => {
    const io = memoryIo({ r: okText });
    expect(runCli(['info', 'r'], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/players\s+2/);
    expect(text).toMatch(/seed\s+5/);
    expect(text).toMatch(/frames\s+300 \(5\.0 s at 60 Hz\)/);
    expect(text).toMatch(/checksums\s+5 \(every 60 frames\), final [0-9a-f]{8}/);
    expect(runCli(['info', 'missing'], io)).toBe(2);
  });

  it.each<[string, string[], number, RegExp]>([
    ['no command', [], 2, /missing command/],
    ['unknown command', ['replay'], 2, /unknown command "replay"/],
    ['unknown flag', ['verify', '--fast', 'x'], 2, /unknown option "--fast"/],
    ['record without --out', ['record', '--players', '2', '--frames', '10', '--seed', '1'], 2, /missing --out/],
    ['record with 5 players', ['record', '--players', '5', '--frames', '10', '--seed', '1', '--out', 'x'], 2, /--players must be an integer in 2\.\.4, got 5/],
    ['record with a bad seed', ['record', '--players', '2', '--frames', '10', '--seed', '-3', '--out', 'x'], 2, /--seed must be an integer/],
    ['record with a flag value missing', ['record', '--players'], 2, /--players needs a value/],
    ['record with a flag twice', ['record', '--seed', '1', '--seed', '2'], 2, /given twice/],
    ['verify without files', ['verify'], 2, /verify needs at least one FILE/],
    ['record with a bad --away', ['record', '--players', '2', '--frames', '10', '--seed', '1', '--out', 'x', '--away', '2:5'], 2, /--away must be P:FROM\[-TO\]/],
    ['record with an empty --away span', ['record', '--players', '2', '--frames', '10', '--seed', '1', '--out', 'x', '--away', '1:5-5'], 2, /--away must be/],
    ['record --away under rules 1', ['record', '--players', '2', '--frames', '10', '--seed', '1', '--out', 'x', '--rules', '1', '--away', '1:5'], 2, /--away needs --rules 2/],
    ['record with rules 3', ['record', '--players', '2', '--frames', '10', '--seed', '1', '--out', 'x', '--rules', '3'], 2, /--rules must be an integer in 1\.\.2/],
  ])('%s -> usage and exit 2', (_name, argv, code, message) => {
    const io = memoryIo();
    expect(runCli(argv, io)).toBe(code);
    expect(io.errors[0]).toMatch(message);
    expect(io.errors[1]).toBe(USAGE);
  });

  it('--help prints the usage and exits 0', () => {
    for (const argv of [['--help'], ['-h'], ['record', '--help'], ['verify', '--help']]) {
      const io = memoryIo();
      expect(runCli(argv, io)).toBe(0);
      expect(io.lines).toEqual([USAGE]);
    }
  });

  it('record reports an unwritable output as an error (exit 2)', () => {
    const io = memoryIo();
    expect(runCli(['record', '--players', '2', '--frames', '10', '--seed', '1', '--out', '/readonly/x.json'], io)).toBe(2);
    expect(io.lines).toEqual(['error /readonly/x.json: cannot write file (EACCES: permission denied)']);
  });
});

type Run = CliRun;

/** Runs the real CLI as a child process (the way `npm run replay` does). */
const cli = (...args: string[]): Promise<Run> => runTsx('scripts/replay.ts', args);

describe('the CLI as a process', () => {
  const recorded = join(dir, 'recorded.json');
  let runs: Record<string, Run> = {};

  beforeAll(async () => {
    // All children at once: each pays tsx's start-up, so running them concurrently keeps the file fast.
    const entries = await Promise.all(
      Object.entries({
        record: ['record', '--players', '4', '--frames', '400', '--seed', '11', '--out', recorded],
        ok: ['verify', okFile],
        mismatch: ['verify', mismatchFile],
        malformed: ['verify', malformedFile],
        missing: ['verify', missingFile],
        unknown: ['frobnicate'],
      }).map(async ([name, args]) => [name, await cli(...args)] as const),
    );
    runs = Object.fromEntries(entries);
  });

  it('record writes a verifiable replay (exit 0)', () => {
    expect(runs.record?.code).toBe(0);
    expect(runs.record?.stdout).toMatch(/^recorded .*recorded\.json players=4 frames=400 seed=11 checksum=[0-9a-f]{8}/);
    const parsed = parseReplay(readFileSync(recorded, 'utf8'));
    expect(parsed.ok && verifyReplay(parsed.replay).ok).toBe(true);
  });

  it('verify of a good file prints ok and exits 0', () => {
    expect(runs.ok).toEqual({ code: 0, stdout: `ok ${okFile} frames=300 checksum=${okReplay.finalChecksum.toString(16).padStart(8, '0')}\n`, stderr: '' });
  });

  it('verify of a tampered file prints the mismatch and exits 1', () => {
    expect(runs.mismatch?.code).toBe(1);
    expect(runs.mismatch?.stdout).toMatch(new RegExp(`^mismatch ${mismatchFile} frame=120 expected=00000000 actual=[0-9a-f]{8}\\n$`));
  });

  it('verify of a malformed or missing file prints the reason, no stack trace, and exits 2', () => {
    expect(runs.malformed?.code).toBe(2);
    expect(runs.malformed?.stdout).toMatch(new RegExp(`^error ${malformedFile}: not JSON \\(`));
    expect(runs.missing?.code).toBe(2);
    expect(runs.missing?.stdout).toMatch(new RegExp(`^error ${missingFile}: cannot read file \\(ENOENT`));
    for (const r of [runs.malformed, runs.missing]) expect(`${r?.stdout}${r?.stderr}`).not.toMatch(/\n\s+at /);
  });

  it('an unknown command prints the usage and exits 2', () => {
    expect(runs.unknown?.code).toBe(2);
    expect(runs.unknown?.stderr).toContain('unknown command "frobnicate"');
    expect(runs.unknown?.stderr).toContain('Usage: npm run replay');
  });
});
