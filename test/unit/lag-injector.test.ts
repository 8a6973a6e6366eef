import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Datagram, PeerSocket } from '../../src/netcode/socket.ts';
import { LagInjector, type LagInjectorOptions } from '../../src/transport/lag-injector.ts';
import { LINK_RANGES, linkConditionsFromSearchParams, makeLinkConditions, parseLinkConditions, validateLinkConditions, type LinkConditions } from '../../src/transport/link-model.ts';
import { settingFromShown } from '../../src/ui/lag-panel.ts';
import { createLoopbackMesh, createLoopbackPair } from '../../src/transport/loopback.ts';

/** A manual clock: tests move time explicitly, never sleep. */
function manualClock(): { now: () => number; set: (ms: number) => void } {
  let t = 0;
  return { now: () => t, set: (ms) => { t = ms; } };
}

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const values = (s: PeerSocket): number[] => s.receiveAll().map((d) => d.bytes[0] ?? -1);

/** Peer a sends raw over the loopback; peer b hears it through a lag injector. */
function setup(conditions: LinkConditions, extra: Partial<LagInjectorOptions> = {}) {
  const clock = manualClock();
  const [a, rawB] = createLoopbackPair('a', 'b');
  const b = new LagInjector(rawB, { now: clock.now, seed: 42, conditions, ...extra });
  return { clock, a, b };
}

describe('createLoopbackMesh', () => {
  it('delivers instantly, once, in send order, with copied bytes', () => {
    const mesh = createLoopbackMesh(['a', 'b', 'c']);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => mesh.get(id));
    if (a === undefined || b === undefined || c === undefined) throw new Error('missing socket');
    const buffer = bytes(1);
    a.send('c', buffer);
    buffer[0] = 2;
    b.send('c', buffer);
    a.send('c', bytes(3));
    expect(c.receiveAll()).toEqual([{ from: 'a', bytes: bytes(1) }, { from: 'b', bytes: bytes(2) }, { from: 'a', bytes: bytes(3) }]);
    expect(c.receiveAll()).toEqual([]);
    expect(b.receiveAll()).toEqual([]);
  });

  it('drops sends to unknown ids and to oneself; rejects repeated ids', () => {
    const [a, b] = createLoopbackPair();
    a.send('zed', bytes(1));
    a.send('a', bytes(1));
    expect(a.receiveAll()).toEqual([]);
    expect(b.receiveAll()).toEqual([]);
    expect(() => createLoopbackMesh(['x', 'x'])).toThrow(/duplicate/);
  });
});

describe('LagInjector over the loopback, manual clock', () => {
  it('passes everything straight through by default', () => {
    const clock = manualClock();
    const [a, rawB] = createLoopbackPair();
    const b = new LagInjector(rawB, { now: clock.now, seed: 1 });
    a.send('b', bytes(5));
    expect(b.receiveAll()).toEqual([{ from: 'a', bytes: bytes(5) }]);
    b.send('a', bytes(6));
    expect(values(a)).toEqual([6]);
    expect(b.stats).toMatchObject({ received: 1, delivered: 1, sent: 1, forwarded: 1, delayed: 0, dropped: 0 });
  });

  it('delays incoming datagrams by the latency, counted from the poll that pulled them', () => {
    const { clock, a, b } = setup(makeLinkConditions({ latencyMs: 100 }));
    a.send('b', bytes(1));
    expect(values(b)).toEqual([]); // stamped at t=0
    clock.set(50);
    a.send('b', bytes(2));
    expect(values(b)).toEqual([]); // stamped at t=50
    clock.set(99.9);
    expect(values(b)).toEqual([]);
    clock.set(100);
    expect(values(b)).toEqual([1]);
    clock.set(150);
    expect(values(b)).toEqual([2]);
    expect(b.stats).toMatchObject({ received: 2, delivered: 2, delayed: 2, pendingIncoming: 0 });
  });

  it('delays a datagram stamped with its arrival (Datagram.at) from then, not from the poll; a stamp off our clock is ignored', () => {
    const clock = manualClock();
    let arriving: Datagram[] = [];
    const inner: PeerSocket = { send: () => {}, receiveAll: () => { const out = arriving; arriving = []; return out; } };
    const b = new LagInjector(inner, { now: clock.now, seed: 42, conditions: makeLinkConditions({ latencyMs: 50 }) });
    clock.set(1000);
    // Arrived at 990 (polled 10 ms later), at 1000, in the future (another clock), 1.5 s ago (another clock).
    arriving = [{ from: 'a', bytes: bytes(1), at: 990 }, { from: 'a', bytes: bytes(2), at: 1000 }, { from: 'a', bytes: bytes(3), at: 5000 }, { from: 'a', bytes: bytes(4), at: -500 }];
    expect(values(b)).toEqual([]);
    clock.set(1039.9);
    expect(values(b)).toEqual([]);
    clock.set(1040);
    expect(values(b)).toEqual([1]);
    clock.set(1050);
    expect(values(b)).toEqual([2, 3, 4]);
    // Already due when polled (a late poll): delivered at once.
    arriving = [{ from: 'a', bytes: bytes(5), at: 1000 }];
    clock.set(1060);
    expect(values(b)).toEqual([5]);
    // After a stall: the oldest stamp is too old (scheduled from now), the next ones are not; they
    // must not overtake it (no reordering was asked for).
    clock.set(3000);
    arriving = [{ from: 'a', bytes: bytes(6), at: 1500 }, { from: 'a', bytes: bytes(7), at: 2500 }, { from: 'a', bytes: bytes(8), at: 2990 }];
    expect(values(b)).toEqual([]);
    clock.set(3049.9);
    expect(values(b)).toEqual([]);
    clock.set(3050);
    expect(values(b)).toEqual([6, 7, 8]);
  });

  it('changes conditions live; held datagrams keep their due time', () => {
    const { clock, a, b } = setup(makeLinkConditions({ latencyMs: 100 }));
    a.send('b', bytes(1));
    expect(values(b)).toEqual([]);
    b.setConditions(makeLinkConditions({}));
    expect(b.conditions.latencyMs).toBe(0);
    clock.set(10);
    a.send('b', bytes(2));
    expect(values(b)).toEqual([2]);
    expect(b.stats.pendingIncoming).toBe(1);
    clock.set(100);
    expect(values(b)).toEqual([1]);
    expect(() => b.setConditions(makeLinkConditions({ loss: 1.5 }))).toThrow(RangeError);
    expect(b.conditions.loss).toBe(0);
  });

  it('drops and duplicates at the configured rates (20k datagrams)', () => {
    const { a, b } = setup(makeLinkConditions({ loss: 0.05, duplicate: 0.1 }));
    let delivered = 0;
    for (let i = 0; i < 20_000; i++) {
      a.send('b', bytes(i & 0xff));
      delivered += b.receiveAll().length;
    }
    const st = b.stats;
    expect(st.received).toBe(20_000);
    expect(Math.abs(st.dropped / 20_000 - 0.05)).toBeLessThan(0.0065);
    // Duplication applies to the survivors: about 0.95 * 0.1.
    expect(Math.abs(st.duplicated / 20_000 - 0.095)).toBeLessThan(0.01);
    expect(delivered).toBe(20_000 - st.dropped + st.duplicated);
    expect(st.delivered).toBe(delivered);
  });

  it('reorders datagrams when asked, and keeps order otherwise', () => {
    const inversions = (reorder: number): number => {
      const { clock, a, b } = setup(makeLinkConditions({ latencyMs: 30, reorder }));
      const got: number[] = [];
      for (let f = 0; f < 600; f++) {
        clock.set((f * 1000) / 60);
        a.send('b', Uint8Array.of(f & 0xff, f >> 8));
        for (const d of b.receiveAll()) got.push((d.bytes[0] ?? 0) | ((d.bytes[1] ?? 0) << 8));
      }
      return got.filter((v, i) => i > 0 && v < (got[i - 1] ?? 0)).length;
    };
    expect(inversions(0)).toBe(0);
    expect(inversions(0.2)).toBeGreaterThan(30);
  });

  it('is deterministic per seed', () => {
    const trace = (seed: number): string[] => {
      const { clock, a, b } = setup(makeLinkConditions({ latencyMs: 40, jitterMs: 20, loss: 0.1, duplicate: 0.05 }), { seed });
      const out: string[] = [];
      for (let f = 0; f < 300; f++) {
        clock.set(f * 16);
        a.send('b', bytes(f & 0xff));
        for (const v of values(b)) out.push(`${f}:${v}`);
      }
      return out;
    };
    expect(trace(7)).toEqual(trace(7));
    expect(trace(7)).not.toEqual(trace(8));
  });

  it('delays outgoing datagrams in outgoing mode, released by the next poll or flush', () => {
    const clock = manualClock();
    const [rawA, b] = createLoopbackPair();
    const a = new LagInjector(rawA, { now: clock.now, seed: 3, direction: 'outgoing', conditions: makeLinkConditions({ latencyMs: 50 }) });
    const buffer = bytes(1);
    a.send('b', buffer);
    buffer[0] = 9; // the held copy is unaffected
    clock.set(49);
    a.flush();
    expect(values(b)).toEqual([]);
    clock.set(50);
    expect(values(b)).toEqual([]); // nobody polled a yet
    a.receiveAll();
    expect(values(b)).toEqual([1]);
    b.send('a', bytes(2));
    expect(values(a)).toEqual([2]); // incoming untouched in outgoing mode
    expect(a.stats).toMatchObject({ sent: 1, forwarded: 1, delayed: 1, pendingOutgoing: 0 });
  });

  it('applies the full conditions each way in both mode', () => {
    const clock = manualClock();
    const [rawA, rawB] = createLoopbackPair();
    const a = new LagInjector(rawA, { now: clock.now, seed: 3, direction: 'both', conditions: makeLinkConditions({ latencyMs: 20 }) });
    a.send('b', bytes(1));
    rawB.send('a', bytes(2));
    clock.set(19);
    expect(values(a)).toEqual([]);
    expect(values(rawB)).toEqual([]);
    clock.set(20);
    expect(values(a)).toEqual([]); // pulled at t=19, due at 39
    expect(values(rawB)).toEqual([1]);
    clock.set(39);
    expect(values(a)).toEqual([2]);
  });

  it('takes conditions straight from URL parameters', () => {
    const parsed = linkConditionsFromSearchParams(new URLSearchParams('?lag=120&jitter=30&loss=0.05'));
    if (!parsed.ok) throw new Error(parsed.error);
    const { clock, a, b } = setup(parsed.value);
    const delivered: number[] = [];
    for (let i = 0; i < 200; i++) {
      a.send('b', bytes(i));
      delivered.push(...values(b));
    }
    expect(delivered).toEqual([]); // at t=0 nothing has waited the 90 ms minimum
    clock.set(89.999);
    expect(b.receiveAll()).toEqual([]);
    clock.set(150);
    const got = b.receiveAll();
    expect(got.length).toBe(200 - b.stats.dropped);
    expect(got.length).toBeGreaterThan(180);
    expect(b.stats.pendingIncoming).toBe(0);
  });
});

describe('link-condition ranges are defined once (schema, URL, lag panel)', () => {
  it('whatever a tester types into the lag panel, the settings it emits pass the schema', () => {
    const keys = ['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.oneof(fc.double(), fc.constantFrom(Infinity, -Infinity, Number.NaN, 1e308)), (key, shown) => {
        const c = makeLinkConditions({ [key]: settingFromShown(key, shown) });
        expect(validateLinkConditions(c)).toEqual([]);
        expect(c[key]).toBeLessThanOrEqual(LINK_RANGES[key].max);
      }),
      { numRuns: 500 },
    );
  });

  it('URL parameters outside the ranges are refused with the range in the message', () => {
    const r = linkConditionsFromSearchParams(new URLSearchParams(`?lag=${LINK_RANGES.latencyMs.max + 1}&jitter=1e400`));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(new RegExp(`lag must be between 0 and ${LINK_RANGES.latencyMs.max} ms`));
    expect(parseLinkConditions({ latencyMs: 1e12 })).toMatchObject({ ok: false });
  });
});
