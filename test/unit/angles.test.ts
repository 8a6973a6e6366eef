import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { direction, DIRECTION_TABLE, DIRECTIONS } from '../../src/game/angles.ts';

// Float trig is fine here: the test re-derives the committed integer table; the game never calls it.
const expected = (k: number): [number, number] => [
  Math.round(Math.cos((2 * Math.PI * k) / 64) * 65536) + 0, // `+ 0` turns Math.round's -0 into 0
  Math.round(Math.sin((2 * Math.PI * k) / 64) * 65536) + 0,
];

describe('DIRECTION_TABLE', () => {
  it('has one (cos, sin) pair per direction', () => {
    expect(DIRECTIONS).toBe(64);
    expect(DIRECTION_TABLE).toHaveLength(2 * DIRECTIONS);
    expect(DIRECTION_TABLE.every((v) => Number.isInteger(v))).toBe(true);
  });

  it('equals round(cos/sin(2πk/64) * 65536) for every k', () => {
    for (let k = 0; k < DIRECTIONS; k++) {
      expect([DIRECTION_TABLE[2 * k], DIRECTION_TABLE[2 * k + 1]], `direction ${k}`).toEqual(expected(k));
    }
  });

  it('holds unit vectors (length within rounding of 1.0)', () => {
    for (let k = 0; k < DIRECTIONS; k++) {
      const [x, y] = direction(k);
      expect(Math.abs(Math.hypot(x, y) - 65536)).toBeLessThan(1);
    }
  });

  it('points right, down, left, up at the quarter turns (y grows downward)', () => {
    expect(direction(0)).toEqual([65536, 0]);
    expect(direction(16)).toEqual([0, 65536]);
    expect(direction(32)).toEqual([-65536, 0]);
    expect(direction(48)).toEqual([0, -65536]);
  });
});

describe('direction', () => {
  it('takes any integer modulo 64, negatives included', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (k) => {
        const i = ((k % 64) + 64) % 64;
        expect(direction(k)).toEqual(expected(i));
        expect(direction(k)).toEqual(direction(k + 64));
      }),
      { numRuns: 10_000 },
    );
    expect(direction(-1)).toEqual(direction(63));
    expect(direction(64)).toEqual(direction(0));
    expect(direction(-64)).toEqual(direction(0));
    expect(direction(64 * 1000 + 5)).toEqual(direction(5));
  });

  it('is symmetric: k and -k mirror across the x axis, k + 32 is the opposite vector', () => {
    for (let k = 0; k < DIRECTIONS; k++) {
      const [x, y] = direction(k);
      expect(direction(-k)).toEqual([x, -y + 0]);
      expect(direction(k + 32)).toEqual([-x + 0, -y + 0]);
    }
  });
});
