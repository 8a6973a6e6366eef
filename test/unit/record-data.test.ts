/**
 * Notary records cross the lobby server as base64 text: any bytes round-trip, and whatever a hostile
 * member or a broken server sends as `data` either decodes to bytes (which the netcode then validates)
 * or is `undefined` — never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOBBY_LIMITS } from '../../src/lobby/protocol.ts';
import { recordFromData, recordToData } from '../../src/lobby/record-data.ts';

describe('record data (base64)', () => {
  it('round-trips any record-sized bytes, in base64 and base64url', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 1000 }), (bytes) => {
      const data = recordToData(bytes);
      expect(recordFromData(data)).toEqual(bytes);
      expect(recordFromData(data.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toEqual(bytes);
    }), { numRuns: 300 });
  });

  it('never throws on hostile text: not base64, empty, over the size bound', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => {
      const r = recordFromData(text);
      expect(r === undefined || r instanceof Uint8Array).toBe(true);
    }), { numRuns: 500 });
    expect(recordFromData('')).toBeUndefined();
    expect(recordFromData('not base64!')).toBeUndefined();
    expect(recordFromData('A'.repeat(LOBBY_LIMITS.maxRecordChars + 4))).toBeUndefined();
  });
});
