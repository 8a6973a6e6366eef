// Relay entries between Redis instances (signaling/cluster/redis-relays.ts): `readRelays` against a
// simple reference, on arbitrary mixes of good and bad relays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRelays } from '../../signaling/cluster/redis-relays.ts';

const CODE = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/);
const ID = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

/** One relay's four fields, and whether a reader must deliver it (the reference). */
const relay = fc.oneof(
  fc.record({ code: CODE, to: ID, text: fc.string({ maxLength: 40 }) }).map(({ code, to, text }) => ({ fields: ['r', `${code}/${to}`, 'x', text], good: true })),
  fc.tuple(fc.constantFrom('r', 'm', 'x', ''), fc.string({ maxLength: 30 }), fc.constantFrom('x', 'y', 'r'), fc.string({ maxLength: 10 }))
    .map((fields) => ({ fields, good: fields[0] === 'r' && fields[2] === 'x' && /^[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{1,64}$/.test(fields[1]) })),
);

describe('readRelays', () => {
  it('delivers exactly the well-formed relays, in order, and counts every other one', () => {
    fc.assert(fc.property(fc.array(relay, { minLength: 1, maxLength: 64 }), fc.integer({ min: 0, max: 20 }), (relays, refusedAt) => {
      const fields = relays.flatMap((r) => r.fields);
      const delivered: string[][] = [];
      let offered = 0;
      // `deliver` refuses its refusedAt-th offer (a relay that makes no sense here) and throws on the
      // one after: both count as bad, and the rest of the entry is still delivered.
      const bad = readRelays(fields, (code, to, text) => {
        offered += 1;
        if (offered - 1 === refusedAt) return false;
        if (offered - 1 === refusedAt + 1) throw new Error('a fault in one relay');
        delivered.push([code, to, text]);
        return true;
      });
      const good = relays.filter((r) => r.good).map((r) => [...(r.fields[1] ?? '').split('/'), r.fields[3] ?? '']);
      const expected = good.filter((_, i) => i !== refusedAt && i !== refusedAt + 1);
      expect(delivered).toEqual(expected);
      expect(bad).toBe(relays.length - expected.length);
    }));
  });

  it('an entry of more relays than any instance writes (64) counts once and delivers nothing', () => {
    const one = ['r', `${'c'.repeat(22)}/member`, 'x', '{}'];
    let delivered = 0;
    const deliver = (): boolean => { delivered += 1; return true; };
    expect(readRelays(Array.from({ length: 64 }, () => one).flat(), deliver)).toBe(0);
    expect(delivered).toBe(64);
    expect(readRelays(Array.from({ length: 65 }, () => one).flat(), deliver)).toBe(1);
    expect(readRelays(Array.from({ length: 100_000 }, () => one).flat(), deliver)).toBe(1);
    expect(delivered).toBe(64);
  });

  it('an entry that is no whole number of relays counts once and delivers nothing', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 30 }).filter((f) => (f.length + 1) % 4 !== 0), (tail) => {
      let delivered = 0;
      expect(readRelays(['r', ...tail], () => { delivered += 1; return true; })).toBe(1);
      expect(delivered).toBe(0);
    }));
  });
});
