import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputBits } from '../../../src/game/index.ts';
import { KEY_DIRECTIONS, directionBits, heldDirection, keyDirection, movesVertically, touchDirection } from '../../../src/ui/input.ts';

describe('input mapping', () => {
  it('maps W/A/Up/Left to negative and S/D/Down/Right to positive; other keys do nothing', () => {
    for (const k of ['KeyW', 'KeyA', 'ArrowUp', 'ArrowLeft']) expect(directionBits(keyDirection(k))).toBe(InputBits.negative);
    for (const k of ['KeyS', 'KeyD', 'ArrowDown', 'ArrowRight']) expect(directionBits(keyDirection(k))).toBe(InputBits.positive);
    for (const k of ['KeyH', 'Space', 'F3', 'Enter', '']) expect(keyDirection(k)).toBe(0);
    expect(directionBits(0)).toBe(0);
    expect(Object.keys(KEY_DIRECTIONS)).toHaveLength(8);
  });

  it('lets the most recently pressed steering key win while both directions are held', () => {
    expect(heldDirection([])).toBe(0);
    expect(heldDirection(['KeyW'])).toBe(-1);
    expect(heldDirection(['KeyW', 'ArrowDown'])).toBe(1);
    expect(heldDirection(['ArrowDown', 'KeyW'])).toBe(-1);
    expect(heldDirection(['KeyS', 'ShiftLeft'])).toBe(1); // non-steering keys are skipped
  });

  it('steers a touch toward the finger, with a dead zone around the paddle centre', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (pointer, paddle, dead) => {
        const d = touchDirection(pointer, paddle, dead);
        if (Math.abs(pointer - paddle) <= dead) expect(d).toBe(0);
        else expect(d).toBe(pointer > paddle ? 1 : -1);
        // Symmetric: mirroring both positions mirrors the direction.
        expect(touchDirection(-pointer, -paddle, dead)).toBe(d === 0 ? 0 : -d);
      }),
    );
  });

  it('knows which sides move vertically', () => {
    expect([0, 1, 2, 3].map(movesVertically)).toEqual([true, true, false, false]);
  });
});
