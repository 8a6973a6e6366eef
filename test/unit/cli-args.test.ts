import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../../scripts/cli-args.ts';
import { runTsx, type CliRun } from '../support/cli.ts';

const SPEC = { seed: 'string', out: 'string', json: 'boolean' } as const;

describe('parseFlags (node:util parseArgs)', () => {
  it('reads --seed 7 and --seed=7 alike, with switches and positionals', () => {
    for (const args of [['--seed', '7', 'a', '--json'], ['--seed=7', 'a', '--json']]) {
      const r = parseFlags(args, SPEC);
      expect(r).toMatchObject({ ok: true, positionals: ['a'], help: false });
      if (!r.ok) continue;
      expect(r.values.get('seed')).toBe('7');
      expect(r.switches.has('json')).toBe(true);
    }
  });

  it('passes a value with one leading dash to the caller, and treats everything after -- as positional', () => {
    const r = parseFlags(['--seed', '-3', '--', '--json'], SPEC);
    expect(r.ok && r.values.get('seed')).toBe('-3');
    expect(r.ok && [...r.switches]).toEqual([]);
    expect(r.ok && r.positionals).toEqual(['--json']);
  });

  it('-h and --help set help', () => {
    expect(parseFlags(['-h'], SPEC)).toMatchObject({ ok: true, help: true });
    expect(parseFlags(['--help'], {})).toMatchObject({ ok: true, help: true });
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown long flag', ['--fast'], /^unknown option "--fast"$/],
    ['an unknown short flag', ['-x'], /^unknown option "-x"$/],
    ['an unknown flag with a value', ['--speed=3'], /^unknown option "--speed"$/],
    ['a flag without its value at the end', ['--seed'], /^option --seed needs a value$/],
    ['a flag followed by another flag', ['--seed', '--out', 'x'], /^option --seed needs a value$/],
    ['a flag given twice', ['--seed', '1', '--seed=2'], /^option --seed given twice$/],
    ['a switch with a value', ['--json=yes'], /^option --json takes no value, got "yes"$/],
    ['a name from Object.prototype', ['--constructor', 'x'], /^unknown option "--constructor"$/],
  ])('refuses %s with a clear message', (_name, args, message) => {
    const r = parseFlags(args, SPEC);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

type Run = CliRun;
const tsx = runTsx;

describe('the CLIs as processes', () => {
  let runs: Record<string, Run> = {};
  const sim = ['--matches', '1', '--frames', '60', '--players', '2', '--json'];

  beforeAll(async () => {
    // All at once: each child pays tsx's start-up.
    const entries = await Promise.all(
      Object.entries({
        benchUnknownSection: ['bench/run.ts', ['no-such-section']],
        benchUnknownFlag: ['bench/run.ts', ['--fast']],
        simSpaced: ['scripts/simulate.ts', [...sim, '--seed', '7']],
        simInline: ['scripts/simulate.ts', [...sim, '--seed=7']],
        simBadInline: ['scripts/simulate.ts', [...sim, '--seed=-1']],
        simUnknown: ['scripts/simulate.ts', ['--matchs', '3']],
      } satisfies Record<string, [string, string[]]>).map(async ([name, [script, args]]) => [name, await tsx(script, args)] as const),
    );
    runs = Object.fromEntries(entries);
  }, 60_000);

  it('npm run bench -- <unknown section> fails (exit 2) naming it and the known sections, printing no figures', () => {
    const r = runs['benchUnknownSection'];
    expect(r?.code).toBe(2);
    expect(r?.stderr).toMatch(/unknown bench section: no-such-section \(known: game, codec, /);
    expect(r?.stdout).toBe('');
  });

  it('npm run bench -- --fast fails (exit 2) with the usage', () => {
    expect(runs['benchUnknownFlag']?.code).toBe(2);
    expect(runs['benchUnknownFlag']?.stderr).toMatch(/unknown option "--fast"\nusage: npm run bench/);
  });

  it('simulate reads --seed 7 and --seed=7 as the same seed', () => {
    const last = (r: Run | undefined) => JSON.parse(r?.stdout.trim().split('\n').at(-1) ?? 'null') as Record<string, unknown>;
    for (const name of ['simSpaced', 'simInline']) expect(runs[name]?.code, runs[name]?.stderr).toBe(0);
    const { seconds: _a, ...spaced } = last(runs['simSpaced']);
    const { seconds: _b, ...inline } = last(runs['simInline']);
    expect(spaced).toMatchObject({ matches: 1, completed: 1 });
    expect(inline).toEqual(spaced);
    // The inline value reaches the range check (it is not dropped in favour of the default seed).
    expect(runs['simBadInline']?.code).toBe(2);
    expect(runs['simBadInline']?.stderr).toMatch(/--seed must be MIN-MAX within 0\.\.4294967295, got "-1"/);
  });

  it('simulate refuses an unknown flag (exit 2) instead of ignoring it', () => {
    expect(runs['simUnknown']?.code).toBe(2);
    expect(runs['simUnknown']?.stderr).toMatch(/^simulate: unknown option "--matchs"\nusage:/);
  });
});
