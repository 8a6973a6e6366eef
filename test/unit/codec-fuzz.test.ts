/**
 * Fuzz of the wire decoder: 150,000 datagrams (random bytes, random bodies behind a valid header,
 * and valid encodings with bits flipped, bytes changed, inserted or deleted, truncated or extended).
 * The decoder must never throw, and every accepted datagram must be canonical: it re-encodes to the
 * very same bytes, which decode to a deep-equal packet. A seeded generator keeps runs repeatable.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, HEADER_BYTES, MAGIC } from '../../src/netcode/codec.ts';
import { LIMITS, PROTOCOL_VERSION } from '../../src/netcode/protocol.ts';
import type { DecodeError } from '../../src/netcode/protocol.ts';
import { packet } from './codec-arbitraries.ts';

/** mulberry32: a tiny seeded PRNG, plenty for choosing mutations. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

const RANDOM = 30_000;
const RANDOM_BODIES = 30_000;
const MUTATED = 90_000;

describe('decoder fuzz', () => {
  it(`never throws and only accepts canonical encodings (${RANDOM + RANDOM_BODIES + MUTATED} datagrams)`, () => {
    const next = rng(0x5eed_c0de);
    const randomBytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => next(256));
    const corpus = fc.sample(packet, { numRuns: 3000, seed: 42 }).map((p) => encodePacket(p));

    function mutate(valid: Uint8Array): Uint8Array {
      const out = valid.slice();
      const at = next(out.length);
      switch (next(8)) {
        case 0: // flip one bit
          out[at] = (out[at] ?? 0) ^ (1 << next(8));
          return out;
        case 1: // replace a byte
          out[at] = next(256);
          return out;
        case 2: // several random changes, mostly in the body
          for (let i = next(4) + 2; i > 0; i--) out[HEADER_BYTES + next(Math.max(1, out.length - HEADER_BYTES))] = next(256);
          return out;
        case 3: // truncate
          return out.subarray(0, next(out.length));
        case 4: // extend
          return Uint8Array.from([...out, ...randomBytes(next(8) + 1)]);
        case 5: // insert a byte
          return Uint8Array.from([...out.subarray(0, at), next(256), ...out.subarray(at)]);
        case 6: // delete a byte
          return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1)]);
        default: // set a byte to a boundary value
          out[at] = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xff][next(6)] ?? 0;
          return out;
      }
    }

    const errors = new Map<DecodeError, number>();
    const failures: string[] = [];
    let accepted = 0;
    const check = (bytes: Uint8Array): void => {
      const r = decodePacket(bytes);
      if (!r.ok) {
        errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
        return;
      }
      accepted++;
      const again = encodePacket(r.packet);
      const same = again.length === bytes.length && again.every((b, i) => b === bytes[i]);
      const redecoded = decodePacket(again);
      if ((!same || !isDeepStrictEqual(redecoded, r)) && failures.length < 5) failures.push(Buffer.from(bytes).toString('hex'));
    };

    for (let i = 0; i < RANDOM; i++) {
      // Mostly short datagrams, some up to past the size limit.
      check(randomBytes(next(4) === 0 ? next(LIMITS.maxDatagramBytes + 100) : next(48)));
    }
    for (let i = 0; i < RANDOM_BODIES; i++) {
      const head = [MAGIC, PROTOCOL_VERSION, next(12), next(256), next(256), next(256), next(256)];
      check(Uint8Array.from([...head, ...randomBytes(next(40))]));
    }
    for (let i = 0; i < MUTATED; i++) {
      const valid = corpus[next(corpus.length)] ?? new Uint8Array(0);
      check(mutate(valid));
    }

    expect(failures).toEqual([]);
    // The fuzz reached every rejection path and accepted a fair share of mutated datagrams.
    const reasons: DecodeError[] = ['too-short', 'too-long', 'bad-magic', 'bad-version', 'unknown-kind', 'truncated', 'out-of-range', 'trailing-bytes'];
    for (const reason of reasons) expect(errors.get(reason) ?? 0, reason).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(10_000);
  });
});
