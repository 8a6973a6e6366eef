/**
 * Direction table: the unit vector for 64 evenly spaced angles, in Q16.16.
 *
 * `Math.sin`/`Math.cos` are not guaranteed to return the same bits on every JS engine, so the game never
 * calls them: these constants were computed once as `round(cos(2πk/64) * 65536)` and
 * `round(sin(2πk/64) * 65536)` and are committed as integers (a unit test re-derives them). Angles grow
 * clockwise on screen because y points down: index 0 is +x (right), 16 is +y (down), 32 is -x, 48 is -y.
 */

/** Number of directions in a full turn. */
export const DIRECTIONS = 64;

/** Interleaved (cos, sin) pairs: entry k is at [2k] and [2k + 1]. */
export const DIRECTION_TABLE: readonly number[] = [
  65536, 0,
  65220, 6424,
  64277, 12785,
  62714, 19024,
  60547, 25080,
  57798, 30893,
  54491, 36410,
  50660, 41576,
  46341, 46341,
  41576, 50660,
  36410, 54491,
  30893, 57798,
  25080, 60547,
  19024, 62714,
  12785, 64277,
  6424, 65220,
  0, 65536,
  -6424, 65220,
  -12785, 64277,
  -19024, 62714,
  -25080, 60547,
  -30893, 57798,
  -36410, 54491,
  -41576, 50660,
  -46341, 46341,
  -50660, 41576,
  -54491, 36410,
  -57798, 30893,
  -60547, 25080,
  -62714, 19024,
  -64277, 12785,
  -65220, 6424,
  -65536, 0,
  -65220, -6424,
  -64277, -12785,
  -62714, -19024,
  -60547, -25080,
  -57798, -30893,
  -54491, -36410,
  -50660, -41576,
  -46341, -46341,
  -41576, -50660,
  -36410, -54491,
  -30893, -57798,
  -25080, -60547,
  -19024, -62714,
  -12785, -64277,
  -6424, -65220,
  0, -65536,
  6424, -65220,
  12785, -64277,
  19024, -62714,
  25080, -60547,
  30893, -57798,
  36410, -54491,
  41576, -50660,
  46341, -46341,
  50660, -41576,
  54491, -36410,
  57798, -30893,
  60547, -25080,
  62714, -19024,
  64277, -12785,
  65220, -6424
];

/** The unit vector of direction `k` (any integer; taken modulo 64) as Q16.16 `[x, y]`. */
export function direction(k: number): readonly [number, number] {
  const i = ((k % DIRECTIONS) + DIRECTIONS) % DIRECTIONS;
  return [DIRECTION_TABLE[2 * i] ?? 0, DIRECTION_TABLE[2 * i + 1] ?? 0];
}
