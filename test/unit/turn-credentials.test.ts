// TURN REST credentials (signaling/turn.ts) against an HMAC-SHA1 reference built here from SHA-1 alone
// (RFC 2104), itself checked on RFC 2202's test vectors; the TURN_* environment variables and their
// errors (signaling/config.ts); the per-member iceServers provider.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv, resolveOptions } from '../../signaling/config.ts';
import { iceServersProvider, turnCredential, TURN_TTL_DEFAULT_S, TURN_TTL_MAX_S } from '../../signaling/turn.ts';
import { IceServersSchema } from '../../src/lobby/protocol-schema.ts';
import * as v from 'valibot';

/** HMAC-SHA1 from RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), 64-byte blocks. */
function referenceHmacSha1(key: Buffer, message: Buffer): Buffer {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha1').update(key).digest() : key).copy(block);
  const pad = (byte: number): Buffer => Buffer.from(block.map((b) => b ^ byte));
  const inner = createHash('sha1').update(pad(0x36)).update(message).digest();
  return createHash('sha1').update(pad(0x5c)).update(inner).digest();
}

describe('TURN REST credentials', () => {
  it('the reference HMAC-SHA1 reproduces RFC 2202 test cases 1, 2 and 6', () => {
    expect(referenceHmacSha1(Buffer.alloc(20, 0x0b), Buffer.from('Hi There')).toString('hex')).toBe('b617318655057264e28bc0b6fb378c8ef146be00');
    expect(referenceHmacSha1(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(referenceHmacSha1(Buffer.alloc(80, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First')).toString('hex')).toBe('aa4ae5e15272d00e95705637ce8a3b55ed402112');
  });

  it('username is "<unix expiry>:<id>" and the credential base64(HMAC-SHA1(secret, username)), for any secret, id, time and ttl', () => {
    fc.assert(fc.property(
      fc.string({ minLength: 1, maxLength: 100 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/), fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: TURN_TTL_MAX_S }),
      (secret, id, nowMs, ttlS) => {
        const c = turnCredential(secret, id, nowMs, ttlS);
        const expiry = Math.floor(nowMs / 1000) + ttlS;
        expect(c.expiresAtS).toBe(expiry);
        expect(c.username).toBe(`${expiry}:${id}`);
        expect(c.credential).toBe(referenceHmacSha1(Buffer.from(secret, 'utf8'), Buffer.from(c.username, 'utf8')).toString('base64'));
      },
    ), { numRuns: 300 });
  });

  it('a credential expires ttl seconds from now, rounded down to the second', () => {
    expect(turnCredential('s', 'm', 1_700_000_000_999, 3600).username).toBe('1700003600:m');
    expect(turnCredential('s', 'm', 1_700_000_001_000, 3600).username).toBe('1700003601:m');
  });

  it('the provider adds one fresh TURN server per member beside the static list, counts it, and fits the joined schema', () => {
    let issued = 0;
    let now = 1_000_000;
    const stun = [{ urls: 'stun:stun.example:3478' }];
    const provide = iceServersProvider(stun, { secret: 'k'.repeat(20), urls: ['turn:t.example:3478', 'turns:t.example:5349'], ttlS: 600 }, () => now, () => { issued += 1; });
    const a = provide('alice');
    now += 5_000;
    const b = provide('bob');
    expect(issued).toBe(2);
    expect(a[0]).toEqual(stun[0]);
    expect(a[1]).toMatchObject({ urls: ['turn:t.example:3478', 'turns:t.example:5349'], username: '1600:alice' });
    expect(b[1]).toMatchObject({ username: '1605:bob' });
    expect(a[1]?.credential).not.toBe(b[1]?.credential);
    expect(v.safeParse(IceServersSchema, a).success).toBe(true);
    // Without TURN: the same static list for everyone, nothing issued.
    const plain = iceServersProvider(stun, null, () => now, () => { issued += 1; });
    expect(plain('x')).toEqual(stun);
    expect(plain('x')).toBe(plain('y'));
    expect(issued).toBe(2);
  });
});

describe('TURN environment variables', () => {
  const secret = 'a-long-random-secret-0123456789';
  it('TURN_SECRET with TURN_URLS gives the turn option, TTL default 3600 and at most 86400', () => {
    expect(optionsFromEnv({ TURN_SECRET: secret, TURN_URLS: 'turn:turn.example:3478, turns:turn.example:5349?transport=tcp' })).toMatchObject({
      ok: true, value: { turn: { secret, urls: ['turn:turn.example:3478', 'turns:turn.example:5349?transport=tcp'], ttlS: TURN_TTL_DEFAULT_S } },
    });
    expect(optionsFromEnv({ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', TURN_TTL_S: '86400' })).toMatchObject({ ok: true, value: { turn: { ttlS: 86_400 } } });
    expect(optionsFromEnv({ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', TURN_TTL_S: '60' })).toMatchObject({ ok: true, value: { turn: { ttlS: 60 } } });
    expect(optionsFromEnv({})).toMatchObject({ ok: true });
    expect((optionsFromEnv({}) as { value: object }).value).not.toHaveProperty('turn');
  });

  it('refuses bad TURN settings with a message naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', TURN_TTL_S: '86401' }, /^TURN_TTL_S: above 86400/],
      [{ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', TURN_TTL_S: '59' }, /^TURN_TTL_S: below 60/],
      [{ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', TURN_TTL_S: '1h' }, /^TURN_TTL_S: not a whole number/],
      [{ TURN_SECRET: 'short', TURN_URLS: 'turn:t:3478' }, /^TURN_SECRET: at least 16 characters/],
      [{ TURN_SECRET: `${secret} x`, TURN_URLS: 'turn:t:3478' }, /^TURN_SECRET: no spaces/],
      [{ TURN_SECRET: secret }, /^TURN_SECRET: needs TURN_URLS/],
      [{ TURN_URLS: 'turn:t:3478' }, /^TURN_URLS: needs TURN_SECRET/],
      [{ TURN_TTL_S: '600' }, /^TURN_TTL_S: needs TURN_SECRET/],
      [{ TURN_SECRET: secret, TURN_URLS: 'stun:t:3478' }, /^TURN_URLS: not a turn: or turns: URL/],
      [{ TURN_SECRET: secret, TURN_URLS: 'https://t' }, /^TURN_URLS: not a turn: or turns: URL/],
      [{ TURN_SECRET: secret, TURN_URLS: ' , ' }, /^TURN_URLS: no turn: or turns: URL/],
      [{ TURN_SECRET: secret, TURN_URLS: Array.from({ length: 9 }, (_, i) => `turn:t${i}:3478`).join(',') }, /^TURN_URLS: at most 8/],
      [{ TURN_SECRET: secret, TURN_URLS: 'turn:t:3478', ICE_SERVERS: JSON.stringify(Array.from({ length: 16 }, () => ({ urls: 'stun:s:3478' }))) }, /^ICE_SERVERS: at most 15/],
    ];
    for (const [env, message] of cases) {
      const r = optionsFromEnv(env);
      expect(r.ok, JSON.stringify(env)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
  });

  it('resolveOptions refuses a turn option without secret or URLs, or with a ttl out of bounds', () => {
    expect(() => resolveOptions({ turn: { secret: '', urls: ['turn:t'], ttlS: 60 } })).toThrow(/turn/);
    expect(() => resolveOptions({ turn: { secret: 's', urls: [], ttlS: 60 } })).toThrow(/turn/);
    expect(() => resolveOptions({ turn: { secret: 's', urls: ['turn:t'], ttlS: 0 } })).toThrow(/ttlS/);
    expect(() => resolveOptions({ turn: { secret: 's', urls: ['turn:t'], ttlS: TURN_TTL_MAX_S + 1 } })).toThrow(/ttlS/);
    expect(resolveOptions({ turn: { secret: 's', urls: ['turn:t'], ttlS: 1 } }).turn?.ttlS).toBe(1);
  });
});
