// The hand-written check of Redis state events (`stateOf`, what instances read for every lobby change)
// against the valibot schema it stands in for: whatever it accepts, the schema accepts with the same
// output in the same key order; every state event the schema accepts, it accepts; and the entry parser
// built on it gives exactly what JSON.parse and the schema give.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parseStreamMessage, stateOf, StreamMessageSchema } from '../../signaling/cluster/redis-messages.ts';
import { LOBBY_LIMITS, SETTINGS_RANGES } from '../../src/lobby/protocol.ts';
import { asJsonText } from '../support/json-text.ts';

const ALNUM = 'aZ09_-';
const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
/** Ids around the rules: valid, empty, 64 and 65 long, a bad character, and non-strings. */
const idLike = fc.oneof(
  chars(ALNUM, 1, 8), fc.constant(''), fc.constant('x'.repeat(64)), fc.constant('x'.repeat(65)), fc.constant('a b'), fc.constant('é'),
  fc.integer(), fc.constant(null), fc.boolean(), fc.constant(undefined),
);
const codeLike = fc.oneof(chars(ALNUM, 22, 22), chars(ALNUM, 21, 21), chars(ALNUM, 23, 23), fc.constant(`${'a'.repeat(21)}!`), fc.integer());
const peerIdLike = fc.oneof(fc.constant(''), chars('aZ09', 1, 6), fc.constant('ab cd'), fc.constant('ab  cd'), fc.constant(' ab'), fc.constant('a'.repeat(65)), fc.integer());
const seqLike = fc.oneof(fc.nat({ max: 100 }), fc.constant(-1), fc.constant(1.5), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant(Number.NaN), fc.constant('1'));
const textLike = (max: number): fc.Arbitrary<unknown> => fc.oneof(fc.string({ maxLength: 5 }), fc.constant('n'.repeat(max)), fc.constant('n'.repeat(max + 1)), fc.integer(), fc.constant(null));
const boolLike = fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(0), fc.constant(null));
const extra = fc.jsonValue({ maxDepth: 1 });

const settingsLike = fc.oneof(
  fc.record(Object.fromEntries(Object.entries(SETTINGS_RANGES).map(([k, r]) => [k, fc.oneof(fc.integer({ min: r.min, max: r.max }), fc.constant(r.min - 1), fc.constant(r.max + 1), fc.constant(r.min + 0.5), fc.constant(String(r.min)))])), { requiredKeys: [] }),
  fc.constant(null), fc.constant([]), fc.integer(),
);
const metaLike = fc.oneof(
  fc.record({ hostId: fc.oneof(idLike, fc.constant(null)), started: boolLike, seq: seqLike, settings: settingsLike, x: extra }, { requiredKeys: [] }),
  fc.constant(null), fc.constant('meta'),
);
const memberLike = fc.oneof(
  fc.record({
    id: idLike, name: textLike(4 * LOBBY_LIMITS.maxNameChars), key: textLike(16 * LOBBY_LIMITS.maxNameChars), ready: boolLike,
    peerId: peerIdLike, inst: idLike, seq: seqLike, x: extra,
  }, { requiredKeys: [] }),
  fc.constant(null), fc.integer(),
);
/** Members that are valid (so that whole events pass often enough), or near misses. */
const goodMember = fc.record({ id: chars(ALNUM, 1, 6), name: fc.string({ maxLength: 6 }), key: fc.string({ maxLength: 6 }), ready: fc.boolean(), peerId: chars('aZ09', 0, 6), inst: chars(ALNUM, 1, 6), seq: fc.nat({ max: 9 }) });
const goodMeta = fc.record({
  hostId: fc.oneof(chars(ALNUM, 1, 6), fc.constant(null)), started: fc.boolean(), seq: fc.nat({ max: 9 }),
  settings: fc.record(Object.fromEntries(Object.entries(SETTINGS_RANGES).map(([k, r]) => [k, fc.integer({ min: r.min, max: r.max })]))),
});
/** `good` with one key deleted or given a near miss from `misses` (or an extra key). */
function oneMiss(good: fc.Arbitrary<Record<string, unknown>>, misses: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(misses);
  return fc.tuple(good, fc.constantFrom(...keys), fc.boolean()).chain(([value, key, drop]) => (misses[key] ?? extra).map((miss) => {
    const out: Record<string, unknown> = { ...value };
    if (drop) delete out[key];
    else out[key] = miss;
    return out;
  }));
}
const settingsMiss = Object.fromEntries(Object.entries(SETTINGS_RANGES).map(([k, r]) => [k, fc.constantFrom(r.min - 1, r.max + 1, r.min + 0.5, String(r.min), undefined)]));
const metaMiss = oneMiss(goodMeta, {
  hostId: idLike, started: boolLike, seq: seqLike,
  settings: oneMiss(goodMeta.map((m) => m.settings as Record<string, unknown>), settingsMiss), x: extra,
});
const memberMiss = oneMiss(goodMember, {
  id: idLike, name: textLike(4 * LOBBY_LIMITS.maxNameChars), key: textLike(16 * LOBBY_LIMITS.maxNameChars), ready: boolLike,
  peerId: peerIdLike, inst: idLike, seq: seqLike, x: extra,
});
/** A valid event: required keys valid, each optional key absent or valid. */
const goodState = fc.record({
  t: fc.constant('s'),
  c: chars(ALNUM, 22, 22),
  meta: goodMeta,
  members: fc.array(goodMember, { maxLength: 4 }),
  e: fc.constantFrom('joined', 'left', 'ready', 'started', 'reopened', 'restored'),
  id: chars(ALNUM, 1, 6),
  reason: fc.constantFrom('left', 'disconnected'),
  k: chars(ALNUM, 1, 6),
  rejoined: fc.constant(true),
  replaced: fc.constant(true),
}, { requiredKeys: ['t', 'c', 'meta', 'members', 'e'] });
/** Near misses of each key (a wrong value, or undefined: present but unset). */
const nearMiss: Record<string, fc.Arbitrary<unknown>> = {
  t: fc.constantFrom('S', 'h', 'p', undefined),
  c: codeLike,
  meta: fc.oneof(metaLike, metaMiss, metaMiss),
  members: fc.oneof(fc.array(fc.oneof(goodMember, memberLike, memberMiss), { minLength: 1, maxLength: 5 }), fc.array(goodMember, { minLength: 5, maxLength: 5 }), fc.constant({}), fc.constant(null)),
  e: fc.oneof(fc.constant('gone'), fc.integer(), fc.constant(undefined)),
  id: idLike,
  reason: fc.oneof(fc.constant('kicked'), fc.constant(null), fc.constant(undefined)),
  k: idLike,
  rejoined: fc.oneof(fc.constant(false), fc.constant(1), fc.constant(undefined)),
  replaced: fc.oneof(fc.constant(false), fc.constant('true'), fc.constant(undefined)),
  x: extra,
};
/** A valid event with one or two keys deleted or given a near miss (or an extra key). */
const mutated = fc.tuple(goodState, fc.array(fc.tuple(fc.constantFrom(...Object.keys(nearMiss)), fc.boolean()), { minLength: 1, maxLength: 2 }))
  .chain(([state, edits]) => fc.tuple(...edits.map(([key]) => nearMiss[key] ?? extra)).map((values) => {
    const out: Record<string, unknown> = { ...state };
    edits.forEach(([key, drop], i) => {
      if (drop) delete out[key];
      else out[key] = values[i];
    });
    return out;
  }));
const stateLike = fc.oneof(goodState, mutated, mutated);
const anyValue = fc.oneof(stateLike, stateLike, fc.jsonValue({ maxDepth: 2 }), fc.constant(null), fc.constant(undefined));

describe('stateOf: the hand check of state events equals the schema', () => {
  it('every value it accepts the schema accepts with the same output (key order included), and every state event the schema accepts it accepts', () => {
    let accepted = 0;
    fc.assert(fc.property(anyValue, (value) => {
      const fast = stateOf(value);
      const slow = v.safeParse(StreamMessageSchema, value);
      if (fast !== undefined) {
        accepted += 1;
        expect(slow.success).toBe(true);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.output));
        expect(fast).toEqual(slow.output);
      } else {
        expect(slow.success && slow.output.t === 's').toBe(false);
      }
    }), { numRuns: 20_000 });
    // The generators reach valid events often enough for the first half to mean something.
    expect(accepted).toBeGreaterThan(500);
  });

  it('the entry parser gives what JSON.parse and the schema give', () => {
    fc.assert(fc.property(anyValue, (value) => {
      const json = asJsonText(value);
      if (json === undefined) return;
      const { text, parsed } = json;
      const r = parseStreamMessage(text);
      const slow = v.safeParse(StreamMessageSchema, parsed);
      expect(r.ok).toBe(slow.success);
      if (r.ok && slow.success) expect(JSON.stringify(r.value)).toBe(JSON.stringify(slow.output));
    }), { numRuns: 5000 });
  });

  it('refuses the near misses the schema refuses', () => {
    const code = 'a'.repeat(22);
    const settings = { capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };
    const member = { id: 'm1', name: 'Ann', key: 'ann', ready: false, peerId: '', inst: 'i1', seq: 0 };
    const good = { t: 's', c: code, meta: { hostId: 'm1', started: false, seq: 1, settings }, members: [member], e: 'joined' };
    expect(stateOf(good)).toEqual(good);
    for (const bad of [
      { ...good, c: 'a'.repeat(21) },
      { ...good, e: 'kicked' },
      { ...good, meta: { ...good.meta, settings: { ...settings, capacity: 5 } } },
      { ...good, meta: { ...good.meta, settings: { ...settings, inputDelay: 1.5 } } },
      { ...good, meta: { hostId: 'm1', started: false, settings } },
      { ...good, members: [{ ...member, ready: 'no' }] },
      { ...good, members: [{ ...member, peerId: 'a  b' }] },
      { ...good, members: [member, member, member, member, member] },
      { ...good, id: '' },
      { ...good, reason: 'kicked' },
      { ...good, rejoined: false },
      { ...good, k: undefined },
    ]) {
      expect(stateOf(bad)).toBeUndefined();
      expect(v.safeParse(StreamMessageSchema, bad).success).toBe(false);
    }
  });
});
