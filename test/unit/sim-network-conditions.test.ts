import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  describeLinkConditions,
  isPerfectLink,
  linkConditionsFromSearchParams,
  linkConditionsToSearchParams,
  makeLinkConditions,
  parseLinkConditions,
  PERFECT_LINK,
  type LinkConditionsResult,
} from '../../src/transport/link-model.ts';

const fromQuery = (query: string): LinkConditionsResult => linkConditionsFromSearchParams(new URLSearchParams(query));

function errorOf(r: LinkConditionsResult): string {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('linkConditionsFromSearchParams', () => {
  it('reads the documented example', () => {
    expect(fromQuery('?lag=120&jitter=30&loss=0.05')).toEqual({
      ok: true,
      value: { latencyMs: 120, jitterMs: 30, loss: 0.05, duplicate: 0, reorder: 0 },
    });
  });

  it('reads every knob, percentages, and ignores unrelated parameters', () => {
    const r = fromQuery('lobby=abc&lag=80&jitter=12.5&loss=2%25&dup=0.01&reorder=3%25&burst=0.02,0.25&bw=512&name=x');
    expect(r).toEqual({
      ok: true,
      value: {
        latencyMs: 80, jitterMs: 12.5, loss: 0.02, duplicate: 0.01, reorder: 0.03,
        burstLoss: { enter: 0.02, exit: 0.25 }, bandwidth: 512,
      },
    });
  });

  it('gives the perfect link when no knob is present, and burst=0 means no burst', () => {
    expect(fromQuery('lobby=abc')).toEqual({ ok: true, value: PERFECT_LINK });
    expect(fromQuery('lag=1e2&loss=5e-2')).toEqual({ ok: true, value: makeLinkConditions({ latencyMs: 100, loss: 0.05 }) });
    const r = fromQuery('burst=0');
    expect(r.ok && isPerfectLink(r.value)).toBe(true);
  });

  it.each([
    ['lag=abc', /lag must be a number, got "abc"/],
    ['lag=', /lag must be a number, got ""/],
    ['lag=0x10', /lag must be a number/],
    ['lag=1e', /lag must be a number/],
    ['lag=Infinity', /lag must be a number/],
    ['lag=-5', /lag must be between 0 and 10000 ms, got -5/],
    ['lag=20000', /lag must be between 0 and 10000 ms/],
    ['jitter=9999', /jitter must be between 0 and 5000 ms/],
    ['loss=5', /loss must be a probability between 0 and 1 \(write 5% for a percentage\), got 5/],
    ['loss=-0.1', /loss must be a probability between 0 and 1, got -0.1/],
    ['loss=half', /loss must be a probability such as 0.05 or 5%, got "half"/],
    ['dup=150%25', /dup must be a probability between 0 and 1/],
    ['reorder=2', /reorder must be a probability/],
    ['burst=0.1', /burst must be "enter,exit"/],
    ['burst=0.1,x', /burst exit must be a probability such as/],
    ['burst=0.1,0', /burst exit must be above 0/],
    ['burst=2,0.5', /burst enter must be a probability between 0 and 1/],
    ['bw=0', /bw must be between 1 and 10000000 kbit\/s/],
    ['lag=10&lag=20', /lag is given 2 times/],
  ])('rejects %s with a clear error', (query, message) => {
    expect(errorOf(fromQuery(query))).toMatch(message);
  });

  it('reports every problem at once', () => {
    const error = errorOf(fromQuery('lag=x&loss=7&dup=-1'));
    expect(error).toMatch(/lag/);
    expect(error).toMatch(/loss/);
    expect(error).toMatch(/dup/);
  });

  it('round-trips through linkConditionsToSearchParams', () => {
    const probability = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({
          latencyMs: fc.integer({ min: 0, max: 10_000 }),
          jitterMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
          loss: probability,
          duplicate: probability,
          reorder: probability,
          burst: fc.option(fc.record({ enter: fc.double({ min: 0.0001, max: 1, noNaN: true }), exit: fc.double({ min: 0.0001, max: 1, noNaN: true }) }), { nil: undefined }),
          bandwidth: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
        }),
        (c) => {
          const conditions = makeLinkConditions({
            latencyMs: c.latencyMs, jitterMs: c.jitterMs, loss: c.loss, duplicate: c.duplicate, reorder: c.reorder,
            burstLoss: c.burst, bandwidth: c.bandwidth,
          });
          const query = linkConditionsToSearchParams(conditions).toString();
          expect(fromQuery(query)).toEqual({ ok: true, value: conditions });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseLinkConditions (untrusted structured input)', () => {
  it('accepts a full or partial object, defaulting missing knobs to 0', () => {
    expect(parseLinkConditions({ latencyMs: 50, loss: 0.1 })).toEqual({
      ok: true, value: { latencyMs: 50, jitterMs: 0, loss: 0.1, duplicate: 0, reorder: 0 },
    });
    expect(parseLinkConditions({ burstLoss: { enter: 0.1, exit: 0.5 }, bandwidth: null })).toEqual({
      ok: true, value: { ...PERFECT_LINK, burstLoss: { enter: 0.1, exit: 0.5 } },
    });
  });

  it.each([
    [null, /must be an object, got null/],
    ['lag=5', /must be an object, got "lag=5"/],
    [[1, 2], /must be an object/],
    [{ lag: 5 }, /unknown link condition "lag"/],
    [{ latencyMs: '5' }, /latencyMs must be a number, got "5"/],
    [{ loss: Number.NaN }, /loss must be a finite number, got NaN/],
    [{ jitterMs: -1 }, /jitterMs must be between 0 and 5000 ms, got -1/],
    [{ burstLoss: 0.5 }, /burstLoss must be an object \{ enter, exit \}/],
    [{ burstLoss: { enter: 0.5 } }, /burstLoss.exit must be a finite number/],
    [{ bandwidth: 0.5 }, /bandwidth must be between 1/],
  ])('rejects %j', (input, message) => {
    expect(errorOf(parseLinkConditions(input))).toMatch(message);
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      const r = parseLinkConditions(input);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 500 });
  });
});

describe('describeLinkConditions / isPerfectLink', () => {
  it('summarises the knobs for a HUD', () => {
    expect(describeLinkConditions(makeLinkConditions({ latencyMs: 120, jitterMs: 30, loss: 0.05, duplicate: 0.01 })))
      .toBe('120±30 ms, loss 5%, dup 1%');
    expect(describeLinkConditions(PERFECT_LINK)).toBe('0 ms');
  });

  it('knows the perfect link', () => {
    expect(isPerfectLink(PERFECT_LINK)).toBe(true);
    expect(isPerfectLink(makeLinkConditions({ reorder: 0.01 }))).toBe(false);
    expect(isPerfectLink(makeLinkConditions({ bandwidth: 1000 }))).toBe(false);
  });
});
