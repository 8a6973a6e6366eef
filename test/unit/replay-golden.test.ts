import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReplay, verifyReplay } from '../../src/game/replay.ts';
import { expectReplayReproduces } from '../support/replay.ts';

const FIXTURES = 'test/fixtures/replays';
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

describe('golden replays (the determinism regression net)', () => {
  it('the committed set is there: 2, 3 and 4 players, >= 3000 frames, different seeds', () => {
    expect(files).toEqual(expect.arrayContaining(['pong-2p.json', 'pong-3p.json', 'pong-4p.json']));
    const seeds = new Set<number>();
    for (const [file, players] of [['pong-2p.json', 2], ['pong-3p.json', 3], ['pong-4p.json', 4]] as const) {
      const parsed = parseReplay(readFileSync(join(FIXTURES, file), 'utf8'));
      if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
      expect(parsed.replay.config.players).toBe(players);
      expect(parsed.replay.frames).toBeGreaterThanOrEqual(3000);
      seeds.add(parsed.replay.config.seed);
    }
    expect(seeds.size).toBe(3);
  });

  it('rules-1 goldens (recorded before rule sets existed: no `rules` in their config) stay rules 1; the departure goldens are rules 2', () => {
    for (const file of files) {
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const parsed = parseReplay(text);
      if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
      const departures = /-(away|forfeit)\.json$/.test(file);
      expect(parsed.replay.config.rules, file).toBe(departures ? 2 : 1);
      expect(text.includes('"rules"'), file).toBe(departures);
    }
  });

  it.each(files)('%s re-simulates to its recorded checksums', (file) => {
    expectReplayReproduces(join(FIXTURES, file));
  });
});

describe('docs/replay-format.md', () => {
  it('its example file parses and verifies', () => {
    const example = /```json\n([\s\S]*?)```/.exec(readFileSync('docs/replay-format.md', 'utf8'))?.[1] ?? '';
    const parsed = parseReplay(example);
    expect(parsed.ok && verifyReplay(parsed.replay).ok).toBe(true);
  });
});

describe('expectReplayReproduces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = readFileSync(join(FIXTURES, 'pong-2p.json'), 'utf8');

  it('names the first bad frame and both checksums when a replay diverges', () => {
    const path = join(dir, 'diverged.json');
    writeFileSync(path, source.replace(/\[600,"([0-9a-f]{8})"\]/, '[600,"00000000"]'));
    expect(() => expectReplayReproduces(path)).toThrow(
      new RegExp(`^replay ${path} does not reproduce: first mismatch at frame 600, expected checksum 00000000, actual [0-9a-f]{8}$`),
    );
  });

  it('says why a file is malformed or unreadable', () => {
    const path = join(dir, 'truncated.json');
    writeFileSync(path, source.slice(0, 100));
    expect(() => expectReplayReproduces(path)).toThrow(/is malformed: not JSON/);
    expect(() => expectReplayReproduces(join(dir, 'absent.json'))).toThrow(/cannot read file \(ENOENT/);
  });
});
