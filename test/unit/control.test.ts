// Control messages on the reliable channel: parsing never throws on hostile bytes, every valid message
// round-trips, oversize and malformed messages are rejected, the setup hash, and ControlChannel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControlChannel, encodeControlMessage, hashSetup, MAX_CLOCK_MS, MAX_CONTROL_BYTES, parseControlMessage, type ControlMessage, type MatchSetup } from '../../src/lobby/control.ts';
import { ABORT_CODES } from '../../src/lobby/handshake-abort.ts';
import { validateChat } from '../../src/lobby/protocol.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const TAGS = ['hs-sync-req', 'hs-sync-rep', 'hs-ready', 'hs-start', 'hs-ack', 'hs-abort', 'hs-round', 'chat', 'ping', 'pong'] as const;

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
/** A finite clock reading within the wire bound, without -0 (JSON turns -0 into 0). */
const time = fc.double({ min: -MAX_CLOCK_MS, max: MAX_CLOCK_MS, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const setup: fc.Arbitrary<MatchSetup> = fc.record({
  players: fc.integer({ min: 2, max: 4 }),
  pointsToWin: fc.integer({ min: 1, max: 99 }),
  inputDelay: fc.integer({ min: 0, max: 10 }),
  maxPrediction: fc.integer({ min: 1, max: 16 }),
});
/**
 * Text up to `maxLength` UTF-16 units (the parser's measure): ASCII up to the limit, or any Unicode
 * (multi-byte UTF-8, astral characters, control characters that JSON escapes) up to half of it.
 */
const text = (minLength: number, maxLength: number) =>
  fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength: Math.floor(maxLength / 2) }));
const id = fc.string({ minLength: 1, maxLength: 64 });

/** Every valid control message. */
const message: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.record({ t: fc.constant('hs-sync-req' as const), round: u32, nonce: u32, t0: time }),
  fc.record({ t: fc.constant('hs-sync-rep' as const), round: u32, nonce: u32, t0: time, t1: time, t2: time }),
  fc.record({
    t: fc.constant('hs-ready' as const),
    round: u32,
    ready: fc.boolean(),
    protocolVersion: u32,
    gameVersion: u32,
    configHash: fc.integer({ min: 0, max: 0xffff_ffff }).map((h) => h.toString(16).padStart(8, '0')),
    setup,
    rttMs: fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  }),
  fc.record({ t: fc.constant('hs-start' as const), round: u32, seed: u32, sessionId: u32, order: fc.array(id, { minLength: 2, maxLength: 4 }), startAt: time, setup }),
  fc.record({ t: fc.constant('hs-ack' as const), round: u32, sessionId: u32 }),
  fc.record({ t: fc.constant('hs-abort' as const), round: u32, code: fc.constantFrom(...ABORT_CODES), about: fc.array(id, { maxLength: 4 }) }),
  fc.record({ t: fc.constant('hs-round' as const), round: u32, yours: u32 }),
  fc.record({ t: fc.constant('chat' as const), text: text(1, 280).filter((t) => {
    const r = validateChat(t);
    return r.ok && r.value === t;
  }) }),
  fc.record({ t: fc.constantFrom('ping' as const, 'pong' as const), nonce: u32, t0: time }),
);

describe('parseControlMessage', () => {
  it('never throws on random bytes, and says why it rejects', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseControlMessage(bytes);
        return r.ok || r.error.length > 0;
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random JSON values, nor on objects with a known tag and random fields', () => {
    const hostile = fc.oneof(
      fc.jsonValue(),
      fc.record({ t: fc.constantFrom(...TAGS) }).chain((base) => fc.dictionary(fc.constantFrom('round', 'nonce', 't0', 't1', 't2', 'ready', 'protocolVersion', 'gameVersion', 'configHash', 'setup', 'rttMs', 'seed', 'sessionId', 'order', 'startAt', 'code', 'about', 'yours', 'text'), fc.jsonValue()).map((d) => ({ ...d, ...base }))),
    );
    fc.assert(
      fc.property(hostile, (value) => {
        const r = parseControlMessage(utf8(JSON.stringify(value) ?? 'null'));
        // Whatever it accepts is a message that encodes back to something it accepts again.
        return !r.ok || parseControlMessage(encodeControlMessage(r.message)).ok;
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips every valid message exactly', () => {
    fc.assert(
      fc.property(message, (m) => {
        const r = parseControlMessage(encodeControlMessage(m));
        expect(r).toEqual({ ok: true, message: m });
      }),
      { numRuns: 1000 },
    );
  });

  it('drops unknown fields (only what it validated reaches the caller)', () => {
    const r = parseControlMessage(utf8(JSON.stringify({ t: 'hs-ack', round: 1, sessionId: 2, __proto__x: 1, evil: { a: 1 } })));
    expect(r).toEqual({ ok: true, message: { t: 'hs-ack', round: 1, sessionId: 2 } });
    const s = parseControlMessage(utf8(JSON.stringify({ t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['a', 'b'], startAt: 5, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8, extra: 1 } })));
    expect(s.ok && s.message.t === 'hs-start' && Object.keys(s.message.setup)).toEqual(['players', 'pointsToWin', 'inputDelay', 'maxPrediction']);
  });

  it(`rejects messages over ${MAX_CONTROL_BYTES} bytes and accepts one of exactly that size`, () => {
    const head = JSON.stringify({ t: 'chat', text: 'hi' });
    const exact = utf8(head + ' '.repeat(MAX_CONTROL_BYTES - head.length));
    expect(exact.length).toBe(MAX_CONTROL_BYTES);
    expect(parseControlMessage(exact)).toEqual({ ok: true, message: { t: 'chat', text: 'hi' } });
    const over = utf8(head + ' '.repeat(MAX_CONTROL_BYTES + 1 - head.length));
    expect(parseControlMessage(over)).toMatchObject({ ok: false, reason: 'oversize' });
    expect(parseControlMessage(new Uint8Array(1 << 20))).toMatchObject({ ok: false, reason: 'oversize', error: expect.stringMatching(/too large/) });
  });

  it.each([
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/],
    ['not JSON', utf8('{t:'), /JSON/],
    ['an array', utf8('[1,2]'), /Invalid type/],
    ['null', utf8('null'), /Invalid type/],
    ['an unknown tag', utf8('{"t":"hs-nope","round":1}'), /bad hs-nope t/],
    ['an empty chat', utf8('{"t":"chat","text":""}'), /bad chat text/],
    ['a 281-character chat', utf8(JSON.stringify({ t: 'chat', text: 'x'.repeat(281) })), /bad chat text/],
    ['a chat with a control character', utf8(JSON.stringify({ t: 'chat', text: 'a\u0007b' })), /bad chat text/],
    ['a chat with a bidi override', utf8(JSON.stringify({ t: 'chat', text: 'abc\u202Egpj.exe' })), /bad chat text/],
    ['a chat with untrimmed spaces', utf8(JSON.stringify({ t: 'chat', text: ' hi ' })), /bad chat text/],
    ['an infinite RTT (1e999)', utf8('{"t":"hs-ready","round":1,"ready":true,"protocolVersion":1,"gameVersion":1,"configHash":"0000abcd","setup":{"players":2,"pointsToWin":5,"inputDelay":2,"maxPrediction":8},"rttMs":1e999}'), /bad hs-ready rttMs/],
    ['a START time beyond the clock bound', utf8(JSON.stringify({ t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['a', 'b'], startAt: 1e300, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } })), /bad hs-start startAt/],
    ['an abort with free text', utf8(JSON.stringify({ t: 'hs-abort', round: 1, reason: 'click evil.example' })), /bad hs-abort/],
    ['an abort with an unknown code', utf8(JSON.stringify({ t: 'hs-abort', round: 1, code: 'you-are-banned', about: [] })), /bad hs-abort code/],
    ['an abort about 5 members', utf8(JSON.stringify({ t: 'hs-abort', round: 1, code: 'left', about: ['a', 'b', 'c', 'd', 'e'] })), /bad hs-abort about/],
    ['a negative round', utf8('{"t":"hs-ack","round":-1,"sessionId":1}'), /round/],
    ['a fractional round', utf8('{"t":"hs-ack","round":1.5,"sessionId":1}'), /round/],
    ['a round above uint32', utf8('{"t":"hs-ack","round":4294967296,"sessionId":1}'), /round/],
    ['a string nonce', utf8('{"t":"ping","nonce":"1","t0":0}'), /bad ping nonce/],
    ['a START for 5 players', utf8(JSON.stringify({ t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['a', 'b', 'c', 'd', 'e'], startAt: 0, setup: { players: 4, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } })), /order/],
    ['a START with a numeric id', utf8(JSON.stringify({ t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['a', 7], startAt: 0, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } })), /order/],
    ['a READY with 5 players', utf8(JSON.stringify({ t: 'hs-ready', round: 1, ready: true, protocolVersion: 1, gameVersion: 1, configHash: '0000abcd', setup: { players: 5, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, rttMs: 1 })), /bad hs-ready setup.players/],
    ['a READY with a negative RTT', utf8(JSON.stringify({ t: 'hs-ready', round: 1, ready: true, protocolVersion: 1, gameVersion: 1, configHash: '0000abcd', setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, rttMs: -1 })), /bad hs-ready rttMs/],
  ])('rejects %s', (_what, bytes, error) => {
    const r = parseControlMessage(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('hashSetup', () => {
  it('is 8 hex digits, ignores key order, and differs for every pair of valid setups', () => {
    const a: MatchSetup = { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };
    const b = { maxPrediction: 8, inputDelay: 2, pointsToWin: 5, players: 2 };
    expect(hashSetup(a)).toMatch(/^[0-9a-f]{8}$/);
    expect(hashSetup(b)).toBe(hashSetup(a));
    // Exhaustive over the valid space (3 x 99 x 11 x 16 = 52,272 setups): no two share a hash.
    const seen = new Set<string>();
    let count = 0;
    for (let players = 2; players <= 4; players++)
      for (let pointsToWin = 1; pointsToWin <= 99; pointsToWin++)
        for (let inputDelay = 0; inputDelay <= 10; inputDelay++)
          for (let maxPrediction = 1; maxPrediction <= 16; maxPrediction++) {
            seen.add(hashSetup({ players, pointsToWin, inputDelay, maxPrediction }));
            count++;
          }
    expect(count).toBe(52_272);
    expect(seen.size).toBe(count);
  });
});

describe('ControlChannel', () => {
  it('delivers valid messages with their sender and counts the invalid ones it drops', () => {
    const [sa, sb] = createLoopbackPair('a', 'b');
    const a = new ControlChannel(sa);
    const b = new ControlChannel(sb);
    a.send('b', { t: 'hs-ack', round: 3, sessionId: 9 });
    sa.send('b', utf8('{"t":"hs-ack"}'));
    sa.send('b', new Uint8Array(MAX_CONTROL_BYTES + 1));
    a.send('b', { t: 'chat', text: 'gg' });
    expect(b.receiveAll()).toEqual([
      { from: 'a', message: { t: 'hs-ack', round: 3, sessionId: 9 } },
      { from: 'a', message: { t: 'chat', text: 'gg' } },
    ]);
    expect(b.rejected).toBe(2);
    expect(b.receiveAll()).toEqual([]);
  });
});

describe('ControlChannel size limit', () => {
  it('counts oversize and malformed drops by reason, and refuses to send an oversize message', () => {
    const [sa, sb] = createLoopbackPair('a', 'b');
    const a = new ControlChannel(sa);
    const b = new ControlChannel(sb);
    sa.send('b', new Uint8Array(256 * 1024));
    sa.send('b', new Uint8Array(1 << 20));
    sa.send('b', utf8('{"t":"chat"}'));
    expect(b.receiveAll()).toEqual([]);
    expect(b.dropped).toEqual({ oversize: 2, malformed: 1 });
    // A message that would encode above the limit never leaves (order ids are at most 64 characters,
    // but a caller bug or a hostile UI could build a bigger one through a cast).
    const huge = { t: 'hs-start', round: 1, seed: 1, sessionId: 1, order: ['x'.repeat(MAX_CONTROL_BYTES), 'b'], startAt: 0, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } } as const;
    expect(a.send('b', huge)).toBe(false);
    expect(a.refused).toBe(1);
    expect(sb.receiveAll()).toEqual([]);
  });

  it('arbitrary bytes of any size never throw and are either a valid message or counted once', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: MAX_CONTROL_BYTES - 2, max: 300_000 }).map((n) => new Uint8Array(n).fill(0x20))), { maxLength: 8 }), (chunks) => {
        const [sa, sb] = createLoopbackPair('a', 'b');
        const b = new ControlChannel(sb);
        for (const c of chunks) sa.send('b', c);
        const ok = b.receiveAll().length;
        expect(ok + b.dropped.oversize + b.dropped.malformed).toBe(chunks.length);
        expect(b.dropped.oversize).toBe(chunks.filter((c) => c.length > MAX_CONTROL_BYTES).length);
      }),
      { numRuns: 200 },
    );
  });
});
