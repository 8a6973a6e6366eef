import { describe, expect, it } from 'vitest';
import { StateRing } from '../../src/netcode/state-ring.ts';

describe('StateRing', () => {
  it('returns what was saved through the cell handed out for a frame', () => {
    const ring = new StateRing<{ readonly v: number }>(4);
    const state = { v: 1 };
    ring.cellFor(5).save(5, state, 0xdead);
    const got = ring.get(5);
    expect(got?.frame).toBe(5);
    expect(got?.state).toBe(state); // a stored reference, never a copy
    expect(got?.checksum).toBe(0xdead);
  });

  it('has nothing for frames never saved', () => {
    const ring = new StateRing<number>(4);
    expect(ring.get(0)).toBeUndefined();
    expect(ring.get(3)).toBeUndefined();
    ring.cellFor(1).save(1, 10, 1);
    expect(ring.get(5)).toBeUndefined(); // same slot, other frame
  });

  it('reuses one slot per frame modulo the capacity, and a newer save overwrites an older frame', () => {
    const ring = new StateRing<number>(3);
    expect(ring.cellFor(2)).toBe(ring.cellFor(5));
    expect(ring.cellFor(2)).not.toBe(ring.cellFor(3));
    for (let f = 0; f < 6; f++) ring.cellFor(f).save(f, f * 10, f);
    for (let f = 0; f < 3; f++) expect(ring.get(f)).toBeUndefined();
    for (let f = 3; f < 6; f++) expect(ring.get(f)?.state).toBe(f * 10);
    ring.cellFor(4).save(4, 99, 7); // re-saved after a rollback
    expect(ring.get(4)?.state).toBe(99);
    expect(ring.get(4)?.checksum).toBe(7);
  });

  it('holds exactly `capacity` consecutive frames', () => {
    const ring = new StateRing<number>(9);
    for (let f = 0; f < 100; f++) ring.cellFor(f).save(f, f, f);
    const held = Array.from({ length: 100 }, (_, f) => f).filter((f) => ring.get(f) !== undefined);
    expect(held).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });

  it('rejects a capacity below 2 or not an integer', () => {
    expect(() => new StateRing(1)).toThrow(RangeError);
    expect(() => new StateRing(0)).toThrow(RangeError);
    expect(() => new StateRing(2.5)).toThrow(RangeError);
    expect(new StateRing(2).capacity).toBe(2);
  });
});
