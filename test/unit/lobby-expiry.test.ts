/**
 * Empty-lobby expiry (`LobbyRegistry`): one queue and one timer for every empty lobby. Property test
 * against a reference that gives each lobby its own deadline (`emptied + ttl`, cancelled by a join):
 * at every step the lobbies the registry still holds are the reference's, a join of an expired code
 * gets `expired-lobby`, and one of a lobby still waiting gets in.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../signaling/config.ts';
import { LobbyRegistry } from '../../signaling/lobbies.ts';
import type { MemberSink, Membership } from '../../signaling/lobby-model.ts';
import { ErrorCode } from '../../src/lobby/protocol.ts';

const TTL_MS = 1_000;

const sink = (): MemberSink => ({ deliver: () => {}, dropByPeers: () => {}, relayTo: () => true, replaced: () => {} });

const registry = (): LobbyRegistry => new LobbyRegistry({
  emptyLobbyTtlMs: TTL_MS, maxLobbies: 1_000, iceServers: [], peerjs: false, logger: silentLogger,
  onMemberRemoved: () => {}, reserveLobby: () => null, releaseLobby: () => {},
});

type Op =
  | { readonly kind: 'leave'; readonly lobby: number }
  | { readonly kind: 'join'; readonly lobby: number }
  | { readonly kind: 'wait'; readonly ms: number };

const LOBBIES = 3;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('leave' as const), lobby: fc.nat(LOBBIES - 1) }),
  fc.record({ kind: fc.constant('join' as const), lobby: fc.nat(LOBBIES - 1) }),
  // Mostly short (a lobby emptied, joined and emptied again within one TTL), some past it, the exact
  // boundary included.
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 1_500 }), weight: 1 },
    { arbitrary: fc.constantFrom(1, TTL_MS - 1, TTL_MS), weight: 1 },
  ) }),
);

/** The reference: a lobby is held (with its member), waiting since a time, or expired. */
type Ref = { held: true } | { held: false; emptiedMs: number } | 'expired';

describe('empty-lobby expiry', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); });
  afterEach(() => { vi.useRealTimers(); });

  it('expires each empty lobby TTL after it emptied, unless joined again meanwhile (against a per-lobby reference)', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
      vi.setSystemTime(0);
      const r = registry();
      const codes: string[] = [];
      const members: (Membership | null)[] = [];
      const ref: Ref[] = [];
      for (let i = 0; i < LOBBIES; i++) {
        const created = r.create(sink(), `Host${i}`, {}, 'owner');
        if (!created.ok) throw new Error('create refused');
        codes.push(created.value.lobby.code);
        members.push(created.value);
        ref.push({ held: true });
      }
      const expireDue = (): void => {
        for (let i = 0; i < LOBBIES; i++) {
          const s = ref[i];
          if (s !== undefined && s !== 'expired' && !s.held && Date.now() >= s.emptiedMs + TTL_MS) ref[i] = 'expired';
        }
      };
      for (const o of ops) {
        if (o.kind === 'wait') {
          vi.advanceTimersByTime(o.ms);
          expireDue();
        } else if (o.kind === 'leave') {
          const m = members[o.lobby];
          if (m === null || m === undefined) continue;
          r.leave(m, 'left', Date.now());
          members[o.lobby] = null;
          ref[o.lobby] = { held: false, emptiedMs: Date.now() };
        } else {
          if (members[o.lobby] !== null) continue; // held: a second member would change nothing here
          const joined = r.join(sink(), codes[o.lobby] ?? '', 'Joiner', Date.now());
          if (ref[o.lobby] === 'expired') {
            expect(joined).toEqual({ ok: false, error: { code: ErrorCode.expiredLobby } });
          } else {
            expect(joined.ok).toBe(true);
            if (joined.ok) members[o.lobby] = joined.value;
            ref[o.lobby] = { held: true };
          }
        }
        expect(r.size).toBe(ref.filter((s) => s !== 'expired').length);
      }
      r.close();
    }), { numRuns: 500 });
  });

  it('a lobby emptied again after a join waits a whole TTL from its second emptying', () => {
    const r = registry();
    const created = r.create(sink(), 'Host', {}, 'owner');
    if (!created.ok) throw new Error('create refused');
    const code = created.value.lobby.code;
    r.leave(created.value, 'left', Date.now());
    vi.advanceTimersByTime(TTL_MS - 100);
    const back = r.join(sink(), code, 'Back', Date.now());
    if (!back.ok) throw new Error('join refused');
    vi.advanceTimersByTime(50);
    r.leave(back.value, 'left', Date.now());
    vi.advanceTimersByTime(TTL_MS - 1); // past the first deadline, 1 ms short of the second
    expect(r.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(r.size).toBe(0);
    expect(r.join(sink(), code, 'Late', Date.now())).toEqual({ ok: false, error: { code: ErrorCode.expiredLobby } });
  });

  it('holds one timer for any number of empty lobbies, and none after close', () => {
    const r = registry();
    for (let i = 0; i < 200; i++) {
      const created = r.create(sink(), `H${i}`, {}, 'owner');
      if (!created.ok) throw new Error('create refused');
      r.leave(created.value, 'left', Date.now());
      vi.advanceTimersByTime(1);
    }
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(TTL_MS - 100);
    expect(r.size).toBe(99); // emptied at 0..199 ms, now 1,100: deadlines 1,000..1,100 passed
    expect(vi.getTimerCount()).toBe(1);
    r.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
