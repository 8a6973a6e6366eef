// The hand-written check of `signal` messages (`signalOf`, the hot path of both parsers) against the
// valibot schema it stands in for: for any value, parsing with it gives exactly what the schema gives
// (the same success, the same output); and the parsers built on it agree with `v.safeParse` on text.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ClientMessageSchema, parseClientMessage, parseServerMessage, ServerMessageSchema, signalOf } from '../../src/lobby/protocol-schema.ts';
import { LOBBY_LIMITS } from '../../src/lobby/protocol.ts';
import { asJsonText } from '../support/json-text.ts';

/** Ids around the schema's bounds: empty, 1, the maximum, one over, and non-strings. */
const idLike = fc.oneof(
  fc.string({ minLength: 0, maxLength: 3 }),
  fc.constant('x'.repeat(LOBBY_LIMITS.maxIdChars)),
  fc.constant('x'.repeat(LOBBY_LIMITS.maxIdChars + 1)),
  fc.constant('é'.repeat(LOBBY_LIMITS.maxIdChars)),
  fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }),
);
const dataLike = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(null), fc.constant(0), fc.constant(''), fc.constant(false));
/** Objects that are signals, nearly signals, or other messages, with any of their keys missing or extra. */
const messageLike = fc.record(
  {
    kind: fc.oneof(fc.constant('signal'), fc.constant('chat'), fc.constant('Signal'), fc.constant(' signal'), fc.integer()),
    to: idLike,
    from: idLike,
    data: dataLike,
    text: fc.string({ maxLength: 4 }),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
const anyValue = fc.oneof(messageLike, fc.jsonValue({ maxDepth: 2 }), fc.constant(null), fc.constant(undefined));

function viaSchema(schema: typeof ClientMessageSchema | typeof ServerMessageSchema, value: unknown): { ok: boolean; out?: unknown } {
  const r = v.safeParse(schema, value);
  return r.success ? { ok: true, out: r.output } : { ok: false };
}

describe('signalOf: the hand check of signals equals the schema', () => {
  it.each([['to', ClientMessageSchema], ['from', ServerMessageSchema]] as const)('for %s: every value it accepts the schema accepts with the same output, and every signal the schema accepts it accepts', (key, schema) => {
    fc.assert(fc.property(anyValue, (value) => {
      const fast = signalOf(value, key);
      const slow = viaSchema(schema, value);
      const schemaSignal = slow.ok && (slow.out as { kind: string }).kind === 'signal';
      if (fast !== undefined) {
        expect(slow.ok).toBe(true);
        expect(fast).toEqual(slow.out);
        expect(Object.keys(fast)).toEqual(Object.keys(slow.out as object));
      } else {
        expect(schemaSignal).toBe(false);
      }
    }), { numRuns: 5000 });
  });

  it('the text parsers give what JSON.parse and the schema give, for signals and the rest', () => {
    fc.assert(fc.property(anyValue, (value) => {
      const json = asJsonText(value);
      if (json === undefined) return;
      const { text, parsed } = json;
      for (const [parse, schema] of [[parseClientMessage, ClientMessageSchema], [parseServerMessage, ServerMessageSchema]] as const) {
        const r = parse(text);
        const slow = viaSchema(schema, parsed);
        expect(r.ok).toBe(slow.ok);
        if (r.ok) expect(r.value).toEqual(slow.out);
      }
    }), { numRuns: 3000 });
  });

  it('refuses the near misses the schema refuses', () => {
    for (const bad of [
      { kind: 'signal', to: '', data: {} },
      { kind: 'signal', to: 'x'.repeat(LOBBY_LIMITS.maxIdChars + 1), data: {} },
      { kind: 'signal', to: 7, data: {} },
      { kind: 'signal', to: 'm1', data: null },
      { kind: 'signal', to: 'm1' },
      { kind: 'signal', from: 'm1', data: {} },
    ]) {
      expect(signalOf(bad, 'to')).toBeUndefined();
      expect(parseClientMessage(JSON.stringify(bad)).ok).toBe(false);
    }
    expect(parseClientMessage(JSON.stringify({ kind: 'signal', to: 'm1', data: { sdp: 'x' }, from: 'evil', extra: 1 }))).toEqual({ ok: true, value: { kind: 'signal', to: 'm1', data: { sdp: 'x' } } });
  });
});
