// Runtime guards of the lobby protocol: random input never throws, valid messages round-trip, and the
// name/settings/ICE validators accept exactly what the protocol document says.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS, ErrorCode, isLobbyCode, LOBBY_LIMITS, lobbyLinkPath, nameKey, SETTINGS_RANGES,
  validateChat, validateName,
} from '../../src/lobby/protocol.ts';
import * as v from 'valibot';
import {
  ClientMessageSchema, encodeMessage, jsonDepthWithin, parseClientMessage, parseIceServers, parseServerMessage, ServerMessageSchema,
  validateSettings, variantParser,
} from '../../src/lobby/protocol-schema.ts';
import type { ClientMessage, LobbySettings, ServerMessage } from '../../src/lobby/protocol.ts';
import { parseRoute } from '../../src/ui/router.ts';

const CLIENT_KINDS = ['create', 'join', 'leave', 'signal', 'chat', 'set-ready', 'start-notice', 'reopen', 'ping', 'record', 'take-seat'] as const;
const SERVER_KINDS = [
  'joined', 'member-joined', 'member-left', 'member-updated', 'host-changed', 'signal', 'chat', 'error', 'lobby-started',
  'lobby-reopened', 'pong', 'record', 'watcher-joined', 'watcher-left',
] as const;
const FIELDS = ['name', 'code', 'settings', 'to', 'data', 'text', 'ready', 'nonce', 'member', 'members', 'memberId', 'reason',
  'hostId', 'from', 'message', 'linkPath', 'started', 'iceServers', 'peer', 'capacity', 'watch', 'watchers', 'watcher', 'watcherId',
  'seated', 'role', 'watchersOnly'] as const;

/** Objects with a known kind and random (mostly wrong) fields: they reach every validator. */
const nearMessage = (kinds: readonly string[]) =>
  fc.tuple(fc.constantFrom(...kinds), fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }))
    .map(([kind, fields]) => JSON.stringify({ ...fields, kind }));

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const name = fc.string({ unit: fc.constantFrom(...'abcXYZ019 _-éß🏓'), minLength: 1, maxLength: 20 })
  .filter((s) => s === s.trim() && validateName(s).ok);
const chatText = fc.string({ unit: fc.constantFrom(...'hello wORLD!?😀'), minLength: 1, maxLength: 60 })
  .filter((s) => s === s.trim() && validateChat(s).ok);
// JSON has no -0: normalise through JSON so that the generated value is what a peer can send.
const nonNullJson = fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const settings: fc.Arbitrary<LobbySettings> = fc.record({
  capacity: fc.integer({ min: 2, max: 4 }), pointsToWin: fc.integer({ min: 1, max: 99 }),
  inputDelay: fc.integer({ min: 0, max: 10 }), maxPrediction: fc.integer({ min: 1, max: 16 }),
});
const recordData = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 1000 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ minLength: 1, maxLength: 1000 }).map((b) => Buffer.from(b).toString('base64url')),
);
const watcher = fc.record({ id, name, peerId: fc.stringMatching(/^[0-9a-f]{0,32}$/) });
const member = fc.record({ id, name, ready: fc.boolean(), peerId: fc.stringMatching(/^[0-9a-f]{0,32}$/) });

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), name: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('create' as const), name, settings: fc.record({ capacity: fc.integer(), pointsToWin: fc.integer({ min: -1e6, max: 1e6 }) }, { requiredKeys: [] }) }),
  fc.record({ kind: fc.constant('join' as const), code: id, name: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('join' as const), code: id, name: fc.string({ maxLength: 40 }), watch: fc.boolean() }),
  fc.constant({ kind: 'take-seat' as const }),
  fc.record({ kind: fc.constant('chat' as const), text: fc.string({ maxLength: 280 }), watchersOnly: fc.boolean() }),
  fc.constantFrom({ kind: 'leave' as const }, { kind: 'start-notice' as const }, { kind: 'reopen' as const }),
  fc.record({ kind: fc.constant('signal' as const), to: id, data: nonNullJson }),
  fc.record({ kind: fc.constant('chat' as const), text: fc.string({ maxLength: 280 }) }),
  fc.record({ kind: fc.constant('set-ready' as const), ready: fc.boolean() }),
  fc.record({ kind: fc.constant('ping' as const), nonce: fc.maxSafeInteger() }),
  fc.record({ kind: fc.constant('record' as const), data: recordData }),
);

const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({
    kind: fc.constant('joined' as const), memberId: id, code: id, linkPath: fc.string({ maxLength: 40 }),
    members: fc.array(member, { maxLength: 4 }), hostId: id, settings, started: fc.boolean(),
    iceServers: fc.array(fc.oneof(
      fc.record({ urls: fc.constant('stun:127.0.0.1:3478') }),
      fc.record({ urls: fc.constant(['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example:5349']), username: fc.string(), credential: fc.string() }),
    ), { maxLength: 3 }),
    peer: fc.option(fc.record({ id, token: id, path: fc.constant('/peerjs'), key: fc.constant('peerjs') }), { nil: null }),
    role: fc.constantFrom('member' as const, 'watcher' as const),
    watchers: fc.array(watcher, { maxLength: LOBBY_LIMITS.maxWatchers }),
  }, { requiredKeys: ['kind', 'memberId', 'code', 'linkPath', 'members', 'hostId', 'settings', 'started', 'iceServers', 'peer'] }),
  fc.record({ kind: fc.constant('watcher-joined' as const), watcher }),
  fc.record({ kind: fc.constant('watcher-left' as const), watcherId: id, seated: fc.constant(true) }, { requiredKeys: ['kind', 'watcherId'] }),
  fc.record({ kind: fc.constantFrom('member-joined' as const, 'member-updated' as const), member }),
  fc.record({ kind: fc.constant('member-left' as const), memberId: id, reason: fc.constantFrom('left' as const, 'disconnected' as const) }),
  fc.record({ kind: fc.constant('host-changed' as const), hostId: id }),
  fc.record({ kind: fc.constant('signal' as const), from: id, data: nonNullJson }),
  fc.record({ kind: fc.constant('chat' as const), from: id, text: chatText }),
  fc.record({ kind: fc.constant('error' as const), code: fc.constantFrom(...Object.values(ErrorCode)), message: fc.string({ maxLength: 100 }) }),
  fc.constantFrom({ kind: 'lobby-started' as const }, { kind: 'lobby-reopened' as const }),
  fc.record({ kind: fc.constant('pong' as const), nonce: fc.maxSafeInteger() }),
  fc.record({ kind: fc.constant('record' as const), from: id, data: recordData }),
);

describe('lobby protocol guards', () => {
  it('never throw on random text, random JSON or near-miss messages', () => {
    const input = fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), nearMessage(CLIENT_KINDS), nearMessage(SERVER_KINDS));
    fc.assert(fc.property(input, (text) => {
      const client = parseClientMessage(text);
      const server = parseServerMessage(text);
      expect(typeof client.ok).toBe('boolean');
      expect(typeof server.ok).toBe('boolean');
    }), { numRuns: 2000 });
  });

  it('pick the variant option by its kind, with exactly the result (output or issues) of the whole variant', () => {
    const fast = { client: variantParser(ClientMessageSchema), server: variantParser(ServerMessageSchema) };
    const input = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }), clientMessage, serverMessage,
      nearMessage([...CLIENT_KINDS, ...SERVER_KINDS, 'report', 'toString', '__proto__']).map((text) => JSON.parse(text) as unknown),
    );
    fc.assert(fc.property(input, (value) => {
      for (const [side, schema] of [['client', ClientMessageSchema], ['server', ServerMessageSchema]] as const) {
        const expected = v.safeParse(schema, value);
        const got = fast[side](value);
        expect(got.success).toBe(expected.success);
        if (expected.success) expect(got.output).toEqual(expected.output);
        else expect(got.issues?.map((i) => [v.getDotPath(i), i.message])).toEqual(expected.issues?.map((i) => [v.getDotPath(i), i.message]));
      }
    }), { numRuns: 3000 });
  });

  it('round-trip every valid client message', () => {
    fc.assert(fc.property(clientMessage, (message) => {
      expect(parseClientMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
    }), { numRuns: 1000 });
  });

  it('bound the watcher list of `joined` to LOBBY_LIMITS.maxWatchers', () => {
    const w = (i: number) => ({ id: `w${i}`, name: `W${i}`, peerId: '' });
    const joined = (n: number) => encodeMessage({
      kind: 'joined', memberId: 'w0', code: 'c', linkPath: '/lobby/c', members: [], hostId: 'h', settings: DEFAULT_SETTINGS,
      started: true, iceServers: [], peer: null, role: 'watcher', watchers: Array.from({ length: n }, (_, i) => w(i)),
    });
    expect(parseServerMessage(joined(LOBBY_LIMITS.maxWatchers)).ok).toBe(true);
    expect(parseServerMessage(joined(LOBBY_LIMITS.maxWatchers + 1)).ok).toBe(false);
  });

  it('round-trip every valid server message', () => {
    fc.assert(fc.property(serverMessage, (message) => {
      expect(parseServerMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
    }), { numRuns: 1000 });
  });

  it('reject wrong field types with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['{"kind":"join","code":"abc"}', /name/],
      ['{"kind":"signal","to":"m1"}', /data/],
      ['{"kind":"signal","to":"m1","data":null}', /data/],
      ['{"kind":"set-ready","ready":"yes"}', /ready/],
      ['{"kind":"ping","nonce":1.5}', /nonce/],
      ['{"kind":"create","name":"a","settings":{"capacity":"4"}}', /capacity/],
      ['{"kind":"create","name":"a","settings":[]}', /settings/],
      [`{"kind":"join","code":"${'x'.repeat(65)}","name":"a"}`, /code/],
      ['{"kind":"__proto__"}', /kind/],
      ['{"kind":"record","data":""}', /data/],
      ['{"kind":"record","data":"not base64!"}', /data/],
      [`{"kind":"record","data":"${'A'.repeat(1401)}"}`, /data/],
      ['{"kind":"record","data":{"toString":1}}', /data/],
      ['{"kind":"record","data":"ab+_"}', /data/], // two alphabets in one string
      ['{"kind":"join","code":"abc","name":"a","watch":"yes"}', /watch/],
      ['{"kind":"chat","text":"hi","watchersOnly":1}', /watchersOnly/],
    ];
    for (const [text, pattern] of cases) {
      const result = parseClientMessage(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.error, text).toMatch(pattern);
    }
  });
});

describe('bounded JSON and records', () => {
  it('counts nesting depth with a flat scan, ignoring brackets inside strings', () => {
    expect(jsonDepthWithin('[[[]]]', 3)).toBe(true);
    expect(jsonDepthWithin('[[[[]]]]', 3)).toBe(false);
    expect(jsonDepthWithin('{"a":"[[[[[[\\"[["}', 1)).toBe(true);
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
      const text = JSON.stringify(value);
      const depth = (x: unknown): number => (typeof x === 'object' && x !== null ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0);
      expect(jsonDepthWithin(text, max)).toBe(depth(value) <= max);
    }));
  });

  it('refuses a deeply nested message before JSON.parse, in both directions, without throwing', () => {
    const deep = `{"kind":"signal","to":"m1","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(parseClientMessage(deep, Number.MAX_SAFE_INTEGER)).toEqual({ ok: false, error: 'too-deep' });
    expect(parseServerMessage(deep, Number.MAX_SAFE_INTEGER)).toEqual({ ok: false, error: 'too-deep' });
    expect(parseClientMessage('x'.repeat(LOBBY_LIMITS.maxMessageBytes + 1))).toEqual({ ok: false, error: 'too-large' });
  });

  it('accepts base64 and base64url record data of 1..1400 characters', () => {
    for (const data of ['QQ==', 'A', 'ab-_', 'ab+/', 'A'.repeat(1400)]) {
      expect(parseClientMessage(encodeMessage({ kind: 'record', data })), data).toEqual({ ok: true, value: { kind: 'record', data } });
    }
    expect(parseServerMessage(encodeMessage({ kind: 'record', from: 'm1', data: 'QQ' })).ok).toBe(true);
    expect(parseServerMessage('{"kind":"record","data":"QQ"}').ok).toBe(false); // `from` is the server's to set
  });
});

describe('look-alike names', () => {
  it('folds compatibility forms (NFKC) and refuses invisible characters and stacked marks', () => {
    expect(validateName('Ａｌｉｃｅ')).toEqual({ ok: true, value: 'Alice' });
    expect(validateName('a  b')).toEqual({ ok: true, value: 'a b' });
    for (const bad of ['x\u3164', '\u2800', 'a\u034fb', 'a\ufe00b', 'a\u0300\u0301\u0302\u0303', '\u0301a', 'a\u00adb', 'a\u2028b']) {
      expect(validateName(bad).ok, JSON.stringify(bad)).toBe(false);
    }
    expect(validateName('Zoë').ok).toBe(true);
    expect(validateName('👍🏽 Ann').ok).toBe(true);
  });

  it('refuses names mixing scripts, and clashes whole-script look-alikes on their skeleton', () => {
    expect(validateName('\u0410lice').ok).toBe(false); // Cyrillic А + Latin
    expect(validateName('P\u0430ypal').ok).toBe(false);
    for (const ok of ['Алиса', 'Ωμέγα', '山田さん', '김민준', 'Ann 山田', 'R2-D2']) expect(validateName(ok).ok, ok).toBe(true);
    expect(nameKey('\u0410\u0441\u0435')).toBe(nameKey('Ace')); // all-Cyrillic "Асе"
    expect(nameKey('ALICE')).toBe(nameKey('alice'));
    expect(nameKey('AIice')).toBe(nameKey('Alice'));
    expect(nameKey('Alicé')).not.toBe(nameKey('Alice'));
    for (const [spoof, name] of [['Al\u0131ce', 'Alice'], ['\u0251lice', 'Alice'], ['A\u01c0ice', 'Alice'], ['\u0237oe', 'Joe'], ['\u0196van', 'Ivan'], ['rnike', 'Mike']]) {
      expect(validateName(spoof as string).ok).toBe(true); // one script (Latin): only the skeleton catches it
      expect(nameKey(spoof as string), spoof).toBe(nameKey(name as string));
    }
  });

  it('a Latin name with some letters swapped for Cyrillic look-alikes is refused; with all of them, it clashes', () => {
    const cyrillic: Record<string, string> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', k: 'к', m: 'м', t: 'т', h: 'н' };
    const latin = fc.string({ unit: fc.constantFrom(...'acehkmoptxy'), minLength: 1, maxLength: 20 });
    fc.assert(fc.property(latin, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (name, swap) => {
      const spoof = [...name].map((ch, i) => (swap[i] === true ? (cyrillic[ch] ?? ch) : ch)).join('');
      if (spoof === name) return;
      const mixed = [...spoof].some((ch) => /\p{Script=Latin}/u.test(ch));
      expect(validateName(spoof).ok).toBe(!mixed); // a mixed-script spoof is refused outright
      if (!mixed) expect(nameKey(spoof)).toBe(nameKey(name)); // an all-Cyrillic one clashes with the original
    }));
  });

  it('clashes all-Greek and all-Cyrillic capitals with the Latin capitals they look like', () => {
    // Each capital maps to the Latin capital it looks like, not to what its lower case looks like:
    // Greek Η/η look like H/n, Ν/ν like N/v, Υ/υ like Y/u; Μ, Ζ and the palochka Ӏ/ӏ must map too.
    for (const [spoof, name] of [
      ['\u039c\u0399\u039a\u0395', 'MIKE'], // Greek ΜΙΚΕ
      ['\u0397\u039f\u03a4', 'HOT'], // Greek ΗΟΤ
      ['\u039d\u0395\u039f', 'NEO'], // Greek ΝΕΟ
      ['\u03a4\u039f\u039d\u03a5', 'TONY'], // Greek ΤΟΝΥ
      ['\u0396\u0395\u039d\u039f', 'ZENO'], // Greek ΖΕΝΟ
      ['\u0410\u04cf\u0435\u0445', 'Alex'], // Cyrillic Аӏех (small palochka)
      ['\u0410\u04c0\u0415\u0425', 'ALEX'], // Cyrillic АӀЕХ (capital palochka)
      ['\u0422\u041e\u041d\u04ae', 'TOHY'], // Cyrillic ТОНҮ (Н is H; straight U)
    ] as const) {
      expect(validateName(spoof).ok, spoof).toBe(true); // one script: only the skeleton catches it
      expect(nameKey(spoof), spoof).toBe(nameKey(name));
    }
    // Lower case keeps its own look-alikes, and honest names stay apart.
    expect(nameKey('\u03b7\u03bf\u03c4')).toBe(nameKey('not')); // Greek ηοτ
    expect(nameKey('\u03bd\u03b5\u03bf')).toBe(nameKey('veo')); // Greek νεο
    expect(nameKey('\u03a4\u039f\u039d\u03a5')).not.toBe(nameKey('TONU'));
    expect(nameKey('\u0397\u039f\u03a4')).not.toBe(nameKey('NOT'));
    expect(nameKey('\u039d\u0395\u039f')).not.toBe(nameKey('VEO'));
    expect(nameKey('HOT')).not.toBe(nameKey('NOT'));
  });

  it('a Latin capital word spelt all in Greek or all in Cyrillic look-alike capitals clashes with it', () => {
    const greek: Record<string, string> = {
      A: '\u0391', B: '\u0392', E: '\u0395', Z: '\u0396', H: '\u0397', I: '\u0399', K: '\u039a',
      M: '\u039c', N: '\u039d', O: '\u039f', P: '\u03a1', T: '\u03a4', Y: '\u03a5', X: '\u03a7',
    };
    // Cyrillic: Ӏ (palochka) and І both look like I; У and Ү both look like Y.
    const cyrillic: Record<string, readonly string[]> = {
      A: ['\u0410'], B: ['\u0412'], C: ['\u0421'], E: ['\u0415'], H: ['\u041d'], I: ['\u0406', '\u04c0'],
      J: ['\u0408'], K: ['\u041a'], M: ['\u041c'], O: ['\u041e'], P: ['\u0420'], S: ['\u0405'],
      T: ['\u0422'], X: ['\u0425'], Y: ['\u04ae', '\u0423'],
    };
    const word = (letters: string) => fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 20 });
    fc.assert(fc.property(word(Object.keys(greek).join('')), (name) => {
      const spoof = [...name].map((ch) => greek[ch] ?? ch).join('');
      expect(validateName(spoof).ok).toBe(true);
      expect(nameKey(spoof)).toBe(nameKey(name));
    }));
    fc.assert(fc.property(word(Object.keys(cyrillic).join('')), fc.array(fc.nat(), { minLength: 20, maxLength: 20 }), (name, pick) => {
      const spoof = [...name].map((ch, i) => {
        const options = cyrillic[ch] ?? [ch];
        return options[(pick[i] ?? 0) % options.length] ?? ch;
      }).join('');
      expect(validateName(spoof).ok).toBe(true);
      expect(nameKey(spoof)).toBe(nameKey(name));
    }));
  });
});

describe('lobby protocol validators', () => {
  it('accept names of 1..20 printable code points after trimming, and nothing else', () => {
    expect(validateName('  Ann  ')).toEqual({ ok: true, value: 'Ann' });
    expect(validateName('🏓'.repeat(20)).ok).toBe(true); // 20 code points, 40 UTF-16 units
    expect(validateName('👩‍👩‍👧')).toMatchObject({ ok: true }); // zero-width joiners allowed in emoji
    for (const bad of ['', '   ', 'a'.repeat(21), 'a\nb', 'a\u0000', 'x\u202ey', 'x\u200by', '\ud800', 'a\u0085b', '\ue000']) {
      expect(validateName(bad).ok, JSON.stringify(bad)).toBe(false);
    }
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (raw) => {
      const result = validateName(raw);
      if (result.ok) {
        expect(result.value).toBe(raw.normalize('NFKC').trim().replace(/ {2,}/g, ' '));
        expect([...result.value].length).toBeGreaterThanOrEqual(1);
        expect([...result.value].length).toBeLessThanOrEqual(20);
        expect([...result.value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f')).toBe(false);
      }
    }));
  });

  it('accept settings exactly when every field is an integer in range, filling defaults', () => {
    expect(validateSettings({})).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    const field = fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double({ min: -5, max: 120 }));
    fc.assert(fc.property(fc.record({ capacity: field, pointsToWin: field, inputDelay: field, maxPrediction: field }), (raw) => {
      const inRange = (Object.keys(SETTINGS_RANGES) as (keyof LobbySettings)[]).every((key) =>
        Number.isInteger(raw[key]) && raw[key] >= SETTINGS_RANGES[key].min && raw[key] <= SETTINGS_RANGES[key].max);
      expect(validateSettings(raw).ok).toBe(inRange);
    }));
  });

  it('recognise lobby codes and links', () => {
    const code = 'AbCdEfGhIjKlMnOpQrSt-_';
    expect(isLobbyCode(code)).toBe(true);
    // The page reads the code of a lobby link with the router.
    expect(parseRoute(lobbyLinkPath(code))).toEqual({ kind: 'lobby', code });
    expect(parseRoute(`/lobby/${code}/`)).toEqual({ kind: 'lobby', code });
    for (const path of ['/lobby/', `/x/${code}`, '/lobby/AbCdEfGhIjKlMnOpQrSt+/']) expect(parseRoute(path).kind, path).toBe('not-found');
  });

  it('validate ICE servers: schemes, TURN credentials, list size', () => {
    expect(parseIceServers([{ urls: 'stun:stun.l.google.com:19302' }]).ok).toBe(true);
    expect(parseIceServers([{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'p' }]).ok).toBe(true);
    expect(parseIceServers([{ urls: 'turn:127.0.0.1:3478' }])).toMatchObject({ ok: false, error: expect.stringMatching(/username/) });
    expect(parseIceServers([{ urls: 'http://example.com' }]).ok).toBe(false);
    expect(parseIceServers([{ urls: [] }]).ok).toBe(false);
    expect(parseIceServers({ urls: 'stun:x' }).ok).toBe(false);
    expect(parseIceServers(Array.from({ length: 17 }, () => ({ urls: 'stun:x' }))).ok).toBe(false);
  });
});
