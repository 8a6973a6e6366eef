import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_RANGES, DEFAULT_CONFIG, makeConfig, parseConfig, type MatchConfig } from '../../src/game/config.ts';

const KEYS = Object.keys(CONFIG_RANGES) as (keyof MatchConfig)[];
const errorOf = (input: unknown): string => {
  const r = parseConfig(input);
  return r.ok ? 'ok' : r.error;
};

describe('parseConfig', () => {
  it('fills every missing field with its default, except a missing rules: 1 (a config from before rule sets)', () => {
    expect(parseConfig({})).toEqual({ ok: true, config: { ...DEFAULT_CONFIG, rules: 1 } });
    expect(parseConfig({ players: 4, seed: 9 })).toEqual({ ok: true, config: { ...DEFAULT_CONFIG, players: 4, seed: 9, rules: 1 } });
    expect(parseConfig({ rules: 2 })).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG).toMatchObject({ rules: 2, forfeitFrames: 3600 });
    expect(makeConfig({ players: 3 }).rules).toBe(2);
  });

  it('accepts the defaults and every field at both ends of its range', () => {
    expect(parseConfig(DEFAULT_CONFIG).ok).toBe(true);
    for (const key of KEYS) {
      for (const value of CONFIG_RANGES[key]) {
        // paddleLength's upper end needs an arena at least twice as long.
        const extra = key === 'paddleLength' ? { arenaSize: Math.max(2 * value, 200) } : key === 'arenaSize' && value < 2 * DEFAULT_CONFIG.paddleLength ? { paddleLength: 20 } : {};
        expect(parseConfig({ ...extra, [key]: value }), `${key}=${value}`).toMatchObject({ ok: true });
      }
    }
  });

  it('rejects non-objects', () => {
    for (const input of [null, undefined, 5, 'players=2', [], [2]]) expect(errorOf(input)).toBe('config must be an object');
  });

  it('rejects unknown fields by name', () => {
    expect(errorOf({ player: 2 })).toBe('unknown config field "player"');
  });

  it('rejects out-of-range and non-integer values, naming the field, its range and the value', () => {
    expect(errorOf({ players: 1 })).toBe('config.players must be an integer in 2..4, got 1');
    expect(errorOf({ players: 5 })).toBe('config.players must be an integer in 2..4, got 5');
    expect(errorOf({ players: 2.5 })).toMatch(/^config\.players must be an integer/);
    expect(errorOf({ players: '2' })).toBe('config.players must be an integer in 2..4, got "2"');
    expect(errorOf({ pointsToWin: 0 })).toMatch(/^config\.pointsToWin /);
    expect(errorOf({ seed: -1 })).toMatch(/^config\.seed must be an integer in 0\.\.4294967295/);
    expect(errorOf({ seed: 2 ** 32 })).toMatch(/^config\.seed /);
    expect(errorOf({ ballSpeed: Number.NaN })).toMatch(/^config\.ballSpeed /);
    expect(errorOf({ paddleSpeed: Number.POSITIVE_INFINITY })).toMatch(/^config\.paddleSpeed /);
  });

  it('rejects a paddle longer than half the arena', () => {
    expect(errorOf({ arenaSize: 300, paddleLength: 151 })).toBe('config.paddleLength must be at most half the arena');
    expect(errorOf({ arenaSize: 300, paddleLength: 150 })).toBe('ok');
  });

  it('rejects any value outside a field\'s range (property)', () => {
    const bad = fc.constantFrom(...KEYS).chain((key) => {
      const [lo, hi] = CONFIG_RANGES[key];
      return fc.tuple(
        fc.constant(key),
        fc.oneof(fc.integer({ min: -1e9, max: lo - 1 }), fc.integer({ min: hi + 1, max: hi + 1e9 }), fc.double().filter((v) => !Number.isInteger(v)), fc.string(), fc.boolean()),
      );
    });
    fc.assert(
      fc.property(bad, ([key, value]) => {
        expect(errorOf({ [key]: value })).toMatch(new RegExp(`^config\\.${key} must be an integer in`));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON-like input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...KEYS, 'x'), fc.jsonValue())), (input) => {
        const r = parseConfig(input);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('makeConfig', () => {
  it('merges a partial config over the defaults', () => {
    expect(makeConfig({ players: 3 })).toEqual({ ...DEFAULT_CONFIG, players: 3 });
    expect(makeConfig()).toEqual(DEFAULT_CONFIG);
  });

  it('throws RangeError with the validation message for a bad config (a programming error)', () => {
    expect(() => makeConfig({ players: 7 })).toThrow(new RangeError('config.players must be an integer in 2..4, got 7'));
  });
});
