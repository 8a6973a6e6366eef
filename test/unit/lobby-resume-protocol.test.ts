// The resume fields of the lobby protocol's schemas (issue #11): `join.rejoin` / `join.replace`,
// `leave.keepSeat`, `joined.rejoinToken`, `member-joined.rejoined`. Exactly 43 base64url characters
// pass as a token; random values in those fields never throw and never pass as anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOBBY_LIMITS } from '../../src/lobby/protocol.ts';
import { parseClientMessage, parseServerMessage } from '../../src/lobby/protocol-schema.ts';

const CODE = 'q3Zb1xk0n7Tg8Xb2wLcY5A';
const TOKEN = 'A'.repeat(21) + '-_' + 'z9'.repeat(10);
const join = (fields: Record<string, unknown>): string => JSON.stringify({ kind: 'join', code: CODE, name: 'Bob', ...fields });

describe('resume fields of the lobby schemas', () => {
  it('a rejoin token is exactly 43 base64url characters', () => {
    expect(TOKEN).toHaveLength(LOBBY_LIMITS.rejoinTokenChars);
    expect(parseClientMessage(join({ rejoin: TOKEN }))).toEqual({ ok: true, value: { kind: 'join', code: CODE, name: 'Bob', rejoin: TOKEN } });
    expect(parseClientMessage(join({ rejoin: TOKEN, replace: false }))).toMatchObject({ ok: true, value: { replace: false } });
    expect(parseClientMessage(join({}))).toEqual({ ok: true, value: { kind: 'join', code: CODE, name: 'Bob' } });
    for (const bad of [TOKEN.slice(1), `${TOKEN}A`, `${TOKEN.slice(1)}=`, `${TOKEN.slice(1)}+`, `${TOKEN.slice(1)}/`, `${TOKEN.slice(1)} `, '', null, 42, [TOKEN], { TOKEN }]) {
      expect(parseClientMessage(join({ rejoin: bad })).ok, JSON.stringify(bad)).toBe(false);
    }
    for (const bad of ['false', 0, null, [], {}]) expect(parseClientMessage(join({ rejoin: TOKEN, replace: bad })).ok).toBe(false);
  });

  it('leave takes an optional boolean keepSeat', () => {
    expect(parseClientMessage('{"kind":"leave"}')).toEqual({ ok: true, value: { kind: 'leave' } });
    expect(parseClientMessage('{"kind":"leave","keepSeat":true}')).toEqual({ ok: true, value: { kind: 'leave', keepSeat: true } });
    for (const bad of ['"yes"', '1', 'null', '[]']) expect(parseClientMessage(`{"kind":"leave","keepSeat":${bad}}`).ok).toBe(false);
  });

  it('random values in the resume fields never throw, and only real tokens pass', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 2 }), (rejoin, replace) => {
      const parsed = parseClientMessage(join({ rejoin, replace }));
      const valid = typeof rejoin === 'string' && /^[A-Za-z0-9_-]{43}$/.test(rejoin) && typeof replace === 'boolean';
      expect(parsed.ok).toBe(valid);
    }), { numRuns: 500 });
  });

  it('server side: joined carries rejoinToken (optional in the schema), member-joined an optional rejoined flag', () => {
    const joined = {
      kind: 'joined', memberId: 'm2', code: CODE, linkPath: `/lobby/${CODE}`, members: [], hostId: 'm1',
      settings: { capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, started: true, iceServers: [], peer: null,
    };
    expect(parseServerMessage(JSON.stringify({ ...joined, rejoinToken: TOKEN }))).toMatchObject({ ok: true, value: { rejoinToken: TOKEN } });
    expect(parseServerMessage(JSON.stringify(joined)).ok).toBe(true);
    expect(parseServerMessage(JSON.stringify({ ...joined, rejoinToken: 'short' })).ok).toBe(false);
    const member = { id: 'm2', name: 'Bob', ready: false, peerId: '' };
    expect(parseServerMessage(JSON.stringify({ kind: 'member-joined', member, rejoined: true }))).toEqual({ ok: true, value: { kind: 'member-joined', member, rejoined: true } });
    expect(parseServerMessage(JSON.stringify({ kind: 'member-joined', member, rejoined: 'yes' })).ok).toBe(false);
  });
});
