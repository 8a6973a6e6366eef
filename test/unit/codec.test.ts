import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, encodePacketInto, HEADER_BYTES, MAGIC } from '../../src/netcode/codec.ts';
import { LIMITS, MessageKind, PROTOCOL_VERSION } from '../../src/netcode/protocol.ts';
import type { DecodeError, InputMessage, Message, Packet } from '../../src/netcode/protocol.ts';
import { message, packet } from './codec-arbitraries.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const errorOf = (bytes: Uint8Array): DecodeError | 'ok' => {
  const r = decodePacket(bytes);
  return r.ok ? 'ok' : r.error;
};

/** The steady-state packet of a 2-player match (docs/protocol.md, "Worked example"). */
const steadyInput: InputMessage = {
  kind: 'input',
  player: 1,
  startFrame: 1000,
  inputs: [5, 5, 5, 5],
  ackFrame: 998,
  senderFrame: 1005,
  senderTimeMs: 123_456,
  status: [
    { disconnected: false, lastFrame: 998 },
    { disconnected: false, lastFrame: 1003 },
  ],
};

describe('round trip', () => {
  it('decodes every encoded packet to a deep-equal packet', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const bytes = encodePacket(p);
        expect(bytes.length).toBeLessThanOrEqual(p.message.kind === 'rejoin-transfer' ? LIMITS.maxTransferDatagramBytes : LIMITS.maxDatagramBytes);
        expect(decodePacket(bytes)).toEqual({ ok: true, packet: p });
      }),
      { numRuns: 3000 },
    );
  });

  it('covers every message kind with a kind byte of its own', () => {
    const kinds = new Map<string, number>();
    for (const m of fc.sample(message, { numRuns: 2000, seed: 7 })) kinds.set(m.kind, encodePacket({ sessionId: 0, message: m })[2] ?? -1);
    const wire = Object.values(MessageKind); // 13 kinds: byte 4 (version 1's input-ack) is reserved
    expect(kinds.size).toBe(wire.length);
    expect([...new Set(kinds.values())].sort((a, b) => a - b)).toEqual([...wire].sort((a, b) => a - b));
  });

  it('encodePacketInto writes the same bytes at an offset', () => {
    fc.assert(
      fc.property(packet, fc.integer({ min: 0, max: 16 }), (p, offset) => {
        const target = new Uint8Array(offset + LIMITS.maxDatagramBytes);
        const length = encodePacketInto(p, target, offset);
        expect(target.subarray(offset, offset + length)).toEqual(encodePacket(p));
      }),
      { numRuns: 300 },
    );
  });

  it('returns state-reply bytes as a copy that outlives the datagram buffer', () => {
    const bytes = encodePacket({ sessionId: 9, message: { kind: 'state-reply', frame: 60, state: Uint8Array.of(1, 2, 3) } });
    const r = decodePacket(bytes);
    bytes.fill(0);
    expect(r.ok && r.packet.message.kind === 'state-reply' ? [...r.packet.message.state] : null).toEqual([1, 2, 3]);
  });

  it('decodes a Node Buffer (as transports deliver) into plain, unaliased data', () => {
    const buffer = Buffer.from(encodePacket({ sessionId: 9, message: { kind: 'state-reply', frame: 60, state: Uint8Array.of(1, 2, 3) } }));
    const r = decodePacket(buffer);
    buffer.fill(0);
    expect(r).toEqual({ ok: true, packet: { sessionId: 9, message: { kind: 'state-reply', frame: 60, state: Uint8Array.of(1, 2, 3) } } });
    expect(r.ok && r.packet.message.kind === 'state-reply' && Object.getPrototypeOf(r.packet.message.state)).toBe(Uint8Array.prototype);
  });
});

describe('golden vectors (hand-computed in docs/protocol.md)', () => {
  const vectors: readonly (readonly [string, Packet, string])[] = [
    ['keep-alive', { sessionId: 0x01020304, message: { kind: 'keep-alive' } }, 'b7 02 07 01 02 03 04'],
    ['steady input', { sessionId: 0xdeadbeef, message: steadyInput }, 'b7 02 03 de ad be ef 29 e8 07 03 05 03 0a 00 01 e2 40 06 0c'],
    [
      'input, 8 runs (escape)',
      {
        sessionId: 0,
        message: { kind: 'input', player: 0, startFrame: 0, inputs: [0, 1, 0, 1, 0, 1, 0, 1], ackFrame: -1, senderFrame: 7, senderTimeMs: 0, status: [] },
      },
      'b7 02 03 00 00 00 00 e0 01 00 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 01 01 0e 00 00 00 00',
    ],
    [
      'input, empty, player gone',
      {
        sessionId: 0,
        message: { kind: 'input', player: 3, startFrame: 0, inputs: [], ackFrame: -1, senderFrame: 0, senderTimeMs: 0xffffffff, status: [{ disconnected: true, lastFrame: -1 }] },
      },
      'b7 02 03 00 00 00 00 07 00 01 00 ff ff ff ff 03',
    ],
    [
      'sync-reply',
      { sessionId: 1, message: { kind: 'sync-reply', nonce: 7, t0: 1.5, t1: 2, t2: 1000.25 } },
      'b7 02 02 00 00 00 01 00 00 00 07 3f f8 00 00 00 00 00 00 40 00 00 00 00 00 00 00 40 8f 42 00 00 00 00 00',
    ],
    ['quality-report', { sessionId: 1, message: { kind: 'quality-report', frameAdvantage: -3, senderFrame: 127 } }, 'b7 02 05 00 00 00 01 fd 7f'],
    ['spectate-request 300', { sessionId: 1, message: { kind: 'spectate-request', next: 300 } }, 'b7 02 0d 00 00 00 01 ac 02'],
    [
      'spectate-feed batch',
      { sessionId: 1, message: { kind: 'spectate-feed', body: { kind: 'inputs', startFrame: 300, finalFrame: 302, inputs: [[1, 0], [1, 0]] } } },
      'b7 02 0e 00 00 00 01 01 ac 02 01 02 02 01 01 01 01 01 00',
    ],
    ['spectate-feed keep-alive', { sessionId: 1, message: { kind: 'spectate-feed', body: { kind: 'inputs', startFrame: 300, finalFrame: 299, inputs: [] } } }, 'b7 02 0e 00 00 00 01 01 ac 02 00 00'],
    [
      'checksum-report',
      {
        sessionId: 1,
        message: {
          kind: 'checksum-report',
          entries: [
            { frame: 120, checksum: 0xcafebabe },
            { frame: 180, checksum: 1 },
          ],
        },
      },
      'b7 02 06 00 00 00 01 02 78 ca fe ba be b4 01 00 00 00 01',
    ],
    ['disconnect-notice', { sessionId: 1, message: { kind: 'disconnect-notice', player: 2, frame: 5000 } }, 'b7 02 08 00 00 00 01 02 88 27'],
    ['state-request', { sessionId: 1, message: { kind: 'state-request', frame: LIMITS.maxFrame } }, 'b7 02 09 00 00 00 01 ff ff ff 0f'],
    ['state-reply', { sessionId: 1, message: { kind: 'state-reply', frame: 60, state: Uint8Array.of(1, 2, 3) } }, 'b7 02 0a 00 00 00 01 3c 03 01 02 03'],
  ];
  it.each(vectors)('%s', (_name, p, expected) => {
    expect(hex(encodePacket(p))).toBe(expected);
    expect(decodePacket(fromHex(expected))).toEqual({ ok: true, packet: p });
  });
});

describe('sizes', () => {
  const withFrames = (start: number, count: number, players: number): InputMessage => ({
    ...steadyInput,
    startFrame: start,
    inputs: Array.from({ length: count }, () => 5),
    ackFrame: start - 2,
    senderFrame: start + count + 1,
    status: Array.from({ length: players }, (_, i) => ({ disconnected: false, lastFrame: start + i })),
  });

  it('a steady-state 2-player input packet with 3-4 identical inputs is 20 bytes (frames 128..16383)', () => {
    expect(encodePacket({ sessionId: 0xdeadbeef, message: steadyInput }).length).toBe(20);
    for (const start of [128, 1000, 16_383 - 4]) {
      for (const count of [3, 4]) expect(encodePacket({ sessionId: 1, message: withFrames(start, count, 2) }).length).toBe(20);
    }
  });

  it('grows by one byte per player and per 7 bits of frame number', () => {
    expect(encodePacket({ sessionId: 1, message: withFrames(100, 4, 2) }).length).toBe(19);
    expect(encodePacket({ sessionId: 1, message: withFrames(100_000, 4, 2) }).length).toBe(21);
    expect(encodePacket({ sessionId: 1, message: withFrames(1000, 4, 4) }).length).toBe(22);
  });

  it('costs two bytes per run of identical inputs', () => {
    const base = encodePacket({ sessionId: 1, message: steadyInput }).length;
    const twoRuns = encodePacket({ sessionId: 1, message: { ...steadyInput, inputs: [5, 5, 1, 1] } }).length;
    expect(twoRuns - base).toBe(2);
  });
});

describe('rejections (each with its precise reason)', () => {
  const steady = encodePacket({ sessionId: 0xdeadbeef, message: steadyInput });
  const header = (kind: number): number[] => [MAGIC, PROTOCOL_VERSION, kind, 0, 0, 0, 1];
  const with_ = (bytes: Uint8Array, index: number, value: number): Uint8Array => {
    const copy = bytes.slice();
    copy[index] = value;
    return copy;
  };
  const cases: readonly (readonly [string, Uint8Array | number[], DecodeError])[] = [
    ['an empty datagram', [], 'too-short'],
    ['a header cut short', steady.subarray(0, HEADER_BYTES - 1), 'too-short'],
    ['more than maxDatagramBytes', new Uint8Array(LIMITS.maxDatagramBytes + 1), 'too-long'],
    ['a rejoin transfer of more than maxTransferDatagramBytes', Uint8Array.from({ length: LIMITS.maxTransferDatagramBytes + 1 }, (_, i) => (i === 2 ? 12 : 0)), 'too-long'],
    ['another magic', with_(steady, 0, 0x7b), 'bad-magic'],
    ['another version', with_(steady, 1, PROTOCOL_VERSION + 1), 'bad-version'],
    ['kind 0', header(0), 'unknown-kind'],
    ['kind 15', header(15), 'unknown-kind'],
    // Version 1's standalone input-ack (never sent): no longer a message; its kind byte is reserved.
    ['kind 4, the old input-ack', [...header(4), 0x00], 'unknown-kind'],
    ['an empty rejoin transfer', [...header(12), 0], 'out-of-range'],
    ['a rejoin transfer past its bound', [...header(12), 0xa1, 0x1f], 'out-of-range'],
    ['an input packet cut short', steady.subarray(0, steady.length - 1), 'truncated'],
    ['a varint cut short', [...header(9), 0x80], 'truncated'],
    ['a float cut short', [...header(1), 0, 0, 0, 1, 0x3f, 0xf8], 'truncated'],
    ['a state shorter than its length', [...header(10), 0, 3, 1, 2], 'truncated'],
    ['one byte after a keep-alive', [...header(7), 0], 'trailing-bytes'],
    ['one byte after an input packet', [...steady, 0], 'trailing-bytes'],
    ['a non-minimal varint', [...header(9), 0x81, 0x00], 'out-of-range'],
    ['a varint of 6 bytes', [...header(9), 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 'out-of-range'],
    ['a frame above maxFrame', [...header(9), 0x80, 0x80, 0x80, 0x10], 'out-of-range'],
    ['player 4 in a disconnect notice', [...header(8), 4, 0], 'out-of-range'],
    ['frame advantage -128', [...header(5), 0x80, 0], 'out-of-range'],
    ['9 checksums', [...header(6), 9, ...Array.from({ length: 45 }, () => 0)], 'out-of-range'],
    ['a state of maxStateBytes + 1', [...header(10), 0, 0x81, 0x08], 'out-of-range'],
    ['a NaN timestamp', [...header(1), 0, 0, 0, 1, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], 'out-of-range'],
    ['an infinite timestamp', [...header(1), 0, 0, 0, 1, 0xff, 0xf0, 0, 0, 0, 0, 0, 0], 'out-of-range'],
    ['5 status entries', [...header(3), 5 << 2, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 'out-of-range'],
    ['two adjacent runs of one value', [...header(3), 2 << 5, 0, 0, 5, 0, 5, 1, 2, 0, 0, 0, 0], 'out-of-range'],
    ['129 inputs', [...header(3), 2 << 5, 0, 127, 5, 0, 6, 1, 2, 0, 0, 0, 0], 'out-of-range'],
    ['a run length byte of 128+', [...header(3), 1 << 5, 0, 128, 5, 1, 2, 0, 0, 0, 0], 'out-of-range'],
    ['an escaped run count above 128', [...header(3), 7 << 5, 128 - 7 + 1], 'out-of-range'],
    ['an ack frame below -1', [...header(3), 0, 0, 3, 0, 0, 0, 0, 0], 'out-of-range'],
    ['a sender frame below 0', [...header(3), 0, 0, 1, 1, 0, 0, 0, 0], 'out-of-range'],
    ['a last input frame above maxFrame', [...header(3), 1 << 5, 0xff, 0xff, 0xff, 0x0f, 1, 0, 1, 0, 0, 0, 0, 0], 'out-of-range'],
    ['a status lastFrame below -1', [...header(3), 1 << 2, 0, 1, 0, 0, 0, 0, 0, 6], 'out-of-range'],
  ];
  it.each(cases)('rejects %s', (_name, bytes, expected) => {
    expect(errorOf(Uint8Array.from(bytes))).toBe(expected);
  });

  it('accepts the frame and state limits themselves', () => {
    expect(errorOf(Uint8Array.from([...header(9), 0xff, 0xff, 0xff, 0x0f]))).toBe('ok');
    expect(errorOf(Uint8Array.from([...header(10), 0, 0x80, 0x08, ...new Uint8Array(1024)]))).toBe('ok');
    expect(errorOf(Uint8Array.from([...header(5), 0x81, 0]))).toBe('ok');
  });
});

describe('encoder invariants (caller bugs throw)', () => {
  const bad: readonly (readonly [string, Message])[] = [
    ['player 4', { ...steadyInput, player: 4 }],
    ['an input of 256', { ...steadyInput, inputs: [256] }],
    ['a fractional input', { ...steadyInput, inputs: [1.5] }],
    ['129 inputs', { ...steadyInput, inputs: new Array<number>(129).fill(0) }],
    ['5 status entries', { ...steadyInput, status: new Array(5).fill({ disconnected: false, lastFrame: 0 }) }],
    ['ackFrame -2', { ...steadyInput, ackFrame: -2 }],
    ['a last input frame above maxFrame', { ...steadyInput, startFrame: LIMITS.maxFrame }],
    ['a negative senderTimeMs', { ...steadyInput, senderTimeMs: -1 }],
    ['a NaN t0', { kind: 'sync-request', nonce: 0, t0: Number.NaN }],
    ['a nonce of 2^32', { kind: 'sync-request', nonce: 2 ** 32, t0: 0 }],
    ['frame advantage 128', { kind: 'quality-report', frameAdvantage: 128, senderFrame: 0 }],
    ['9 checksums', { kind: 'checksum-report', entries: new Array(9).fill({ frame: 0, checksum: 0 }) }],
    ['a state of 1025 bytes', { kind: 'state-reply', frame: 0, state: new Uint8Array(1025) }],
  ];
  it.each(bad)('throws on %s', (_name, m) => {
    expect(() => encodePacket({ sessionId: 1, message: m })).toThrow(RangeError);
  });
  it('throws on a sessionId outside u32', () => {
    expect(() => encodePacket({ sessionId: -1, message: { kind: 'keep-alive' } })).toThrow(RangeError);
  });
});
