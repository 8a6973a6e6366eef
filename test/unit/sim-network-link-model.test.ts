import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BANDWIDTH_QUEUE_LIMIT_MS,
  LinkModel,
  makeLinkConditions,
  REORDER_EXTRA,
  type LinkConditions,
} from '../../src/transport/link-model.ts';
import { deriveSeed, SeededRandom } from '../../src/transport/seeded-random.ts';

/** Schedules `count` packets, one every `intervalMs`, and returns each one's delivery times. */
function run(conditions: LinkConditions, seed: number, count: number, intervalMs = 1000 / 60, size = 20): number[][] {
  const model = new LinkModel(conditions, seed);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) out.push(model.schedule(i * intervalMs, size));
  return out;
}

/** Lengths of the runs of consecutive lost packets. */
function lossRuns(fates: readonly number[][]): number[] {
  const runs: number[] = [];
  let current = 0;
  for (const f of fates) {
    if (f.length === 0) current++;
    else if (current > 0) {
      runs.push(current);
      current = 0;
    }
  }
  if (current > 0) runs.push(current);
  return runs;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('SeededRandom (mulberry32)', () => {
  it('matches the canonical mulberry32 snippet', () => {
    const canonical = (seed: number): (() => number) => {
      let a = seed;
      return () => {
        let t = (a += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    for (const seed of [0, 1, 42, 0xdeadbeef | 0, 123456789]) {
      const ref = canonical(seed);
      const ours = new SeededRandom(seed);
      for (let i = 0; i < 100; i++) expect(ours.next()).toBe(ref());
    }
  });

  it('is uniform enough: mean of 20k draws near 0.5, all in [0, 1)', () => {
    const r = new SeededRandom(7);
    const xs = Array.from({ length: 20_000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.01);
  });

  it('derives distinct, stable sub-seeds with unambiguous label boundaries', () => {
    expect(deriveSeed(1, 'link', 'a', 'b')).toBe(deriveSeed(1, 'link', 'a', 'b'));
    expect(deriveSeed(1, 'ab', 'c')).not.toBe(deriveSeed(1, 'a', 'bc'));
    expect(deriveSeed(1, 'link', 'a', 'b')).not.toBe(deriveSeed(1, 'link', 'b', 'a'));
    expect(deriveSeed(1, 'x')).not.toBe(deriveSeed(2, 'x'));
  });
});

describe('LinkModel statistics (fixed seeds, 20k packets)', () => {
  it('loses packets at the configured rate', () => {
    for (const seed of [1, 2, 3]) {
      const fates = run(makeLinkConditions({ latencyMs: 50, loss: 0.05 }), seed, 20_000);
      const rate = fates.filter((f) => f.length === 0).length / fates.length;
      expect(Math.abs(rate - 0.05)).toBeLessThan(0.0065); // ~4 standard deviations
    }
  });

  it('keeps delays within latency ± jitter, spread over the whole range, centred on latency', () => {
    const fates = run(makeLinkConditions({ latencyMs: 100, jitterMs: 30 }), 11, 20_000);
    const delays = fates.map((f, i) => (f[0] ?? Number.NaN) - (i * 1000) / 60);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...delays)).toBeLessThanOrEqual(130);
    expect(Math.min(...delays)).toBeLessThan(71);
    expect(Math.max(...delays)).toBeGreaterThan(129);
    expect(Math.abs(mean(delays) - 100)).toBeLessThan(1);
  });

  it('floors delays at zero when jitter exceeds latency', () => {
    const fates = run(makeLinkConditions({ latencyMs: 10, jitterMs: 30 }), 5, 20_000, 0);
    const delays = fates.map((f) => f[0] ?? Number.NaN);
    expect(Math.min(...delays)).toBe(0);
    const zeroShare = delays.filter((d) => d === 0).length / delays.length;
    expect(Math.abs(zeroShare - 20 / 60)).toBeLessThan(0.02);
  });

  it('duplicates packets at the configured rate, each copy within the jitter bounds', () => {
    const fates = run(makeLinkConditions({ latencyMs: 40, jitterMs: 10, duplicate: 0.1 }), 9, 20_000, 0);
    const dupRate = fates.filter((f) => f.length === 2).length / fates.length;
    expect(Math.abs(dupRate - 0.1)).toBeLessThan(0.01);
    for (const f of fates) for (const t of f) expect(t >= 30 && t <= 50).toBe(true);
  });

  it('reordering makes packets arrive after later ones; without it a fixed delay keeps order', () => {
    const order = (c: LinkConditions): number[] => {
      const fates = run(c, 21, 2_000);
      return fates
        .map((f, seq) => ({ seq, at: f[0] ?? Number.NaN }))
        .sort((a, b) => a.at - b.at || a.seq - b.seq)
        .map((p) => p.seq);
    };
    const inversions = (seqs: number[]): number => seqs.filter((s, i) => i > 0 && s < (seqs[i - 1] ?? 0)).length;
    expect(inversions(order(makeLinkConditions({ latencyMs: 50 })))).toBe(0);
    const reordered = order(makeLinkConditions({ latencyMs: 50, reorder: 0.1 }));
    expect(inversions(reordered)).toBeGreaterThan(100);

    const fates = run(makeLinkConditions({ latencyMs: 50, reorder: 0.1 }), 21, 20_000, 0);
    const extra = fates.map((f) => (f[0] ?? Number.NaN) - 50).filter((d) => d > 0);
    expect(Math.abs(extra.length / fates.length - 0.1)).toBeLessThan(0.01);
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(REORDER_EXTRA.minMs);
    expect(Math.max(...extra)).toBeLessThan(REORDER_EXTRA.maxMs);
  });

  it('Gilbert–Elliott burst loss produces runs of mean length 1/exit, unlike independent loss', () => {
    const burst = run(makeLinkConditions({ burstLoss: { enter: 0.01, exit: 0.25 } }), 3, 50_000);
    const runs = lossRuns(burst);
    expect(mean(runs)).toBeGreaterThan(3.4);
    expect(mean(runs)).toBeLessThan(4.6);
    const share = burst.filter((f) => f.length === 0).length / burst.length;
    expect(Math.abs(share - 0.01 / 0.26)).toBeLessThan(0.008);

    const independent = run(makeLinkConditions({ loss: share }), 3, 50_000);
    expect(mean(lossRuns(independent))).toBeLessThan(1.2);
  });

  it('serializes packets at the bandwidth and tail-drops beyond the queue limit', () => {
    // 100 kbit/s = 100 bits/ms; 125 bytes = 1000 bits = 10 ms on the wire.
    const model = new LinkModel(makeLinkConditions({ latencyMs: 5, bandwidth: 100 }), 1);
    const times = Array.from({ length: 200 }, () => model.schedule(0, 125));
    const accepted = BANDWIDTH_QUEUE_LIMIT_MS / 10 + 1;
    expect(times.slice(0, 3)).toEqual([[15], [25], [35]]);
    expect(times.filter((t) => t.length === 1)).toHaveLength(accepted);
    expect(model.stats.queueDropped).toBe(200 - accepted);
    // Once the queue has drained, packets go straight through again.
    expect(model.schedule(5_000, 125)).toEqual([5_015]);
  });
});

describe('LinkModel determinism and live changes', () => {
  const rough = makeLinkConditions({
    latencyMs: 60, jitterMs: 25, loss: 0.05, duplicate: 0.05, reorder: 0.05, burstLoss: { enter: 0.01, exit: 0.3 },
  });

  it('same seed, same schedule; different seed, different schedule', () => {
    expect(run(rough, 77, 2_000)).toEqual(run(rough, 77, 2_000));
    expect(run(rough, 77, 2_000)).not.toEqual(run(rough, 78, 2_000));
  });

  it('draws a fixed amount per packet, so a knob change does not reshuffle the others', () => {
    const clean = run(makeLinkConditions({ latencyMs: 60, jitterMs: 25 }), 5, 2_000);
    const lossy = run(makeLinkConditions({ latencyMs: 60, jitterMs: 25, loss: 0.5 }), 5, 2_000);
    let compared = 0;
    lossy.forEach((f, i) => {
      if (f.length > 0) {
        expect(f).toEqual(clean[i]);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(800);
  });

  it('applies setConditions to later packets only', () => {
    const model = new LinkModel(makeLinkConditions({ latencyMs: 10 }), 1);
    expect(model.schedule(0)).toEqual([10]);
    model.setConditions(makeLinkConditions({ loss: 1 }));
    expect(Array.from({ length: 50 }, (_, i) => model.schedule(i))).toEqual(Array.from({ length: 50 }, () => []));
    expect(model.stats).toMatchObject({ packets: 51, lost: 50 });
  });

  it('rejects invalid conditions with a RangeError', () => {
    expect(() => new LinkModel(makeLinkConditions({ loss: 2 }), 1)).toThrow(RangeError);
    const model = new LinkModel(makeLinkConditions({}), 1);
    expect(() => model.setConditions(makeLinkConditions({ latencyMs: -1 }))).toThrow(/latencyMs/);
  });

  it('property: delivery times are finite, never before the send time, at most two', () => {
    const probability = fc.double({ min: 0, max: 1, noNaN: true });
    const conditions = fc.record({
      latencyMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
      jitterMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
      loss: probability,
      duplicate: probability,
      reorder: probability,
      burst: fc.option(fc.record({ enter: probability, exit: fc.double({ min: 0.001, max: 1, noNaN: true }) }), { nil: undefined }),
      bandwidth: fc.option(fc.double({ min: 1, max: 1e7, noNaN: true }), { nil: undefined }),
    });
    fc.assert(
      fc.property(conditions, fc.integer(), fc.array(fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.nat(1200)), { maxLength: 50 }),
        (c, seed, packets) => {
          const model = new LinkModel(makeLinkConditions({
            latencyMs: c.latencyMs, jitterMs: c.jitterMs, loss: c.loss, duplicate: c.duplicate, reorder: c.reorder,
            burstLoss: c.burst, bandwidth: c.bandwidth,
          }), seed);
          const sorted = [...packets].sort((a, b) => a[0] - b[0]);
          for (const [now, size] of sorted) {
            const times = model.schedule(now, size);
            expect(times.length).toBeLessThanOrEqual(2);
            for (const t of times) {
              expect(Number.isFinite(t)).toBe(true);
              expect(t).toBeGreaterThanOrEqual(now);
            }
          }
        }),
      { numRuns: 300 },
    );
  });
});
