// `normalizeAddress` and `addressKey` keep their last answer (they run several times per connection):
// whatever the order of the calls, each answer is the one for its own input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressKey, normalizeAddress } from '../../signaling/address-limits.ts';

const CASES: readonly (readonly [string | undefined, string, string])[] = [
  ['127.0.0.1', '127.0.0.1', '127.0.0.1'],
  ['::ffff:127.0.0.1', '127.0.0.1', '127.0.0.1'],
  ['::FFFF:7f00:2', '127.0.0.2', '127.0.0.2'],
  ['2001:DB8::7:1', '2001:db8:0:0:0:0:7:1', '2001:db8:0:0::/64'],
  ['2001:db8:0:0:0:0:7:2', '2001:db8:0:0:0:0:7:2', '2001:db8:0:0::/64'],
  ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1', 'fe80:0:0:0::/64'],
  [' 10.0.0.1 ', '10.0.0.1', '10.0.0.1'],
  [undefined, '', ''],
  ['', '', ''],
];

describe('address keys', () => {
  it('answer each input with its own normal form and key, in any order of calls (repeats included)', () => {
    fc.assert(fc.property(fc.array(fc.nat(CASES.length - 1), { maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 40 }), (order, which) => {
      order.forEach((i, n) => {
        const [input, normal, key] = CASES[i] ?? CASES[0]!;
        if (which[n] === true) expect(addressKey(input)).toBe(key);
        else expect(normalizeAddress(input)).toBe(normal);
      });
    }));
  });
});
