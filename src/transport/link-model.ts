/**
 * The model of one directed network link's conditions, shared by the seeded network simulator
 * (`sim-network.ts`) and the lag-injector decorator (`lag-injector.ts`).
 *
 * For each packet, `LinkModel.schedule(nowMs, size)` decides its fate with a fixed number of draws
 * from a seeded mulberry32 stream (so changing one knob does not reshuffle the others' draws):
 * 1. Burst loss, Gilbert–Elliott in its simple (Gilbert) form: a two-state Markov chain stepped once
 *    per packet; GOOD -> BAD with probability `enter`, BAD -> GOOD with probability `exit`. Every
 *    packet seen in BAD is lost. Mean burst length 1/exit; stationary BAD share enter/(enter+exit).
 * 2. Random (independent) loss with probability `loss`, applied to packets that survived step 1.
 * 3. Bandwidth (optional): a FIFO serializer; a packet of `size` bytes occupies the link for
 *    size*8/bandwidth ms; a packet that would wait more than `BANDWIDTH_QUEUE_LIMIT_MS` is tail-dropped.
 * 4. Delay: latency + uniform jitter in [-jitter, +jitter], clamped so it is never negative.
 * 5. Reorder: with probability `reorder`, an extra delay of 2*jitter + uniform[20, 50) ms, so the
 *    packet lands after those sent up to ~20 ms later whatever their own jitter.
 * 6. Duplicate: with probability `duplicate`, a second copy with its own independent jitter.
 * References: E. N. Gilbert, "Capacity of a burst-noise channel" (1960); netem(8).
 */
import * as v from 'valibot';
import { SeededRandom } from './seeded-random.ts';

/**
 * The accepted range of every knob, defined once: the schema, `validateLinkConditions`, the URL
 * parameters and the lag panel all read it.
 */
export const LINK_RANGES = {
  /** One-way base delay, ms. */
  latencyMs: { min: 0, max: 10_000, unit: ' ms' },
  /** Uniform jitter, ms: each packet's delay is latency + U[-jitter, +jitter], floored at 0. */
  jitterMs: { min: 0, max: 5_000, unit: ' ms' },
  /** Independent loss probability per packet. */
  loss: { min: 0, max: 1, unit: '' },
  /** Probability that a delivered packet arrives twice. */
  duplicate: { min: 0, max: 1, unit: '' },
  /** Probability that a packet is held back by 2*jitter + U[20, 50) ms extra. */
  reorder: { min: 0, max: 1, unit: '' },
  /** Burst loss: P(GOOD -> BAD) and P(BAD -> GOOD) per packet. */
  burstEnter: { min: 0, max: 1, unit: '' },
  burstExit: { min: 0, max: 1, unit: '' },
  /** Link capacity, kbit/s (1 kbit/s = 1 bit/ms). */
  bandwidth: { min: 1, max: 10_000_000, unit: ' kbit/s' },
} as const;

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

/** A knob: a finite number in its range, with the messages a tester can act on. */
const knob = (name: string, r: { readonly min: number; readonly max: number; readonly unit: string }) =>
  v.pipe(
    v.number((i) => (typeof i.input === 'number' ? `${name} must be a finite number, got ${describeValue(i.input)}` : `${name} must be a number, got ${describeValue(i.input)}`)),
    v.finite((i) => `${name} must be a finite number, got ${describeValue(i.input)}`),
    v.minValue(r.min, (i) => `${name} must be between ${r.min} and ${r.max}${r.unit}, got ${describeValue(i.input)}`),
    v.maxValue(r.max, (i) => `${name} must be between ${r.min} and ${r.max}${r.unit}, got ${describeValue(i.input)}`),
  );

/** Gilbert–Elliott burst loss: per-packet transition probabilities between GOOD and BAD. */
export const BurstLossSchema = v.pipe(
  v.object(
    {
      /** P(GOOD -> BAD) per packet, 0..1. */
      enter: knob('burstLoss.enter', LINK_RANGES.burstEnter),
      /** P(BAD -> GOOD) per packet, (0..1]; the mean burst is 1/exit packets. */
      exit: knob('burstLoss.exit', LINK_RANGES.burstExit),
    },
    // A missing key is reported on the object with `expected` naming the key.
    (i) => (i.expected?.startsWith('"') === true ? `burstLoss.${i.expected.slice(1, -1)} must be a finite number, got undefined` : `burstLoss must be an object { enter, exit }, got ${describeValue(i.input)}`),
  ),
  v.check((b) => !(b.exit === 0 && b.enter > 0), 'burstLoss.exit must be above 0 (at 0 the first burst never ends; use an outage instead)'),
  v.readonly(),
);
/** Gilbert–Elliott burst loss. */
export type BurstLoss = v.InferOutput<typeof BurstLossSchema>;

/**
 * Conditions of one directed link, from untrusted structured input (JSON, a saved panel state):
 * missing knobs are 0, `burstLoss` and `bandwidth` may be absent or null, unknown keys are errors.
 */
export const LinkConditionsSchema = v.pipe(
  v.strictObject(
    {
      latencyMs: v.optional(knob('latencyMs', LINK_RANGES.latencyMs), 0),
      jitterMs: v.optional(knob('jitterMs', LINK_RANGES.jitterMs), 0),
      loss: v.optional(knob('loss', LINK_RANGES.loss), 0),
      /** Burst loss on top of `loss`; absent means none. */
      burstLoss: v.optional(v.pipe(v.nullable(BurstLossSchema), v.transform((b) => b ?? undefined))),
      duplicate: v.optional(knob('duplicate', LINK_RANGES.duplicate), 0),
      reorder: v.optional(knob('reorder', LINK_RANGES.reorder), 0),
      /** Link capacity in kbit/s; absent means unlimited. */
      bandwidth: v.optional(v.pipe(v.nullable(knob('bandwidth', LINK_RANGES.bandwidth)), v.transform((b) => b ?? undefined))),
    },
    (i) => (i.expected === 'never' ? `unknown link condition ${JSON.stringify(String(i.path?.at(-1)?.key))}` : `link conditions must be an object, got ${describeValue(i.input)}`),
  ),
  v.readonly(),
);

/** Conditions of one directed link. All knobs at 0 (see `PERFECT_LINK`) is a perfect link. */
export type LinkConditions = v.InferOutput<typeof LinkConditionsSchema>;

/** The perfect link: no delay, no loss. */
export const PERFECT_LINK: LinkConditions = Object.freeze({ latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 });

/** Extra delay of a reordered packet: `2 * jitterMs + U[minMs, maxMs)`. */
export const REORDER_EXTRA = { minMs: 20, maxMs: 50 } as const;

/** With a bandwidth limit, a packet that would queue longer than this is dropped (tail drop). */
export const BANDWIDTH_QUEUE_LIMIT_MS = 1_000;

/** Result of parsing untrusted conditions. `error` lists every problem, separated by "; ". */
export type LinkConditionsResult =
  | { readonly ok: true; readonly value: LinkConditions }
  | { readonly ok: false; readonly error: string };

/** Conditions from a partial description; missing knobs are 0 (perfect). Does not validate. */
export function makeLinkConditions(partial: Partial<LinkConditions>): LinkConditions {
  const { burstLoss, bandwidth, ...rest } = partial;
  return {
    ...PERFECT_LINK,
    ...rest,
    ...(burstLoss === undefined ? {} : { burstLoss }),
    ...(bandwidth === undefined ? {} : { bandwidth }),
  };
}

/** True when the conditions change nothing (no delay, loss, duplication, reordering or cap). */
export function isPerfectLink(c: LinkConditions): boolean {
  return c.latencyMs === 0 && c.jitterMs === 0 && c.loss === 0 && c.duplicate === 0 && c.reorder === 0 &&
    (c.burstLoss === undefined || c.burstLoss.enter === 0) && c.bandwidth === undefined;
}

/** Every problem with the conditions (empty when valid), in words a tester can act on. */
export function validateLinkConditions(c: LinkConditions): string[] {
  const r = v.safeParse(LinkConditionsSchema, c);
  return r.success ? [] : r.issues.map((i) => i.message);
}

/**
 * Conditions from untrusted structured input (JSON, a saved panel state), by `LinkConditionsSchema`.
 * Never throws; `error` lists every problem.
 */
export function parseLinkConditions(input: unknown): LinkConditionsResult {
  if (Array.isArray(input)) return { ok: false, error: 'link conditions must be an object, got an array' };
  const r = v.safeParse(LinkConditionsSchema, input);
  if (r.success) return { ok: true, value: makeLinkConditions(r.output) };
  return { ok: false, error: r.issues.map((i) => i.message).join('; ') };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

type ParsedText = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

/** A decimal, optionally with an exponent (no hex, no Infinity); `percent` also accepts "5%" as 0.05. */
function parseDecimal(name: string, text: string, percent: boolean): ParsedText {
  const trimmed = text.trim();
  const isPercent = percent && trimmed.endsWith('%');
  const digits = isPercent ? trimmed.slice(0, -1).trim() : trimmed;
  if (!DECIMAL.test(digits)) {
    return { ok: false, error: `${name} must be a ${percent ? 'probability such as 0.05 or 5%' : 'number'}, got ${JSON.stringify(text)}` };
  }
  const value = Number(digits);
  return { ok: true, value: isPercent ? value / 100 : value };
}

function probabilityError(name: string, value: number): string | undefined {
  if (value >= 0 && value <= 1) return undefined;
  return value > 1 && value <= 100
    ? `${name} must be a probability between 0 and 1 (write ${value}% for a percentage), got ${value}`
    : `${name} must be a probability between 0 and 1, got ${value}`;
}

/**
 * Conditions from URL parameters (the browser: `?lag=120&jitter=30&loss=0.05`). Parameters:
 * `lag` one-way latency ms, `jitter` ms, `loss`, `dup`, `reorder` probabilities (0..1 or "5%"),
 * `burst` as `enter,exit` probabilities (e.g. `0.02,0.25`; `0` = off), `bw` bandwidth kbit/s.
 * Absent parameters are 0; other parameters in the URL are ignored. Every problem is reported.
 */
export function linkConditionsFromSearchParams(params: URLSearchParams): LinkConditionsResult {
  const errors: string[] = [];
  const read = (name: string, percent: boolean): number | undefined => {
    const all = params.getAll(name);
    if (all.length === 0) return undefined;
    if (all.length > 1) {
      errors.push(`${name} is given ${all.length} times; give it once`);
      return undefined;
    }
    const parsed = parseDecimal(name, all[0] ?? '', percent);
    if (!parsed.ok) {
      errors.push(parsed.error);
      return undefined;
    }
    if (percent) {
      const problem = probabilityError(name, parsed.value);
      if (problem !== undefined) errors.push(problem);
    }
    return parsed.value;
  };
  const latencyMs = read('lag', false);
  const jitterMs = read('jitter', false);
  const loss = read('loss', true);
  const duplicate = read('dup', true);
  const reorder = read('reorder', true);
  const bandwidth = read('bw', false);
  let burstLoss: BurstLoss | undefined;
  const burstAll = params.getAll('burst');
  if (burstAll.length > 1) errors.push(`burst is given ${burstAll.length} times; give it once`);
  const burstText = burstAll.length === 1 ? (burstAll[0] ?? '').trim() : undefined;
  if (burstText !== undefined && burstText !== '0') {
    const parts = burstText.split(',');
    if (parts.length !== 2) {
      errors.push(`burst must be "enter,exit" probabilities such as 0.02,0.25 (or 0 for none), got ${JSON.stringify(burstText)}`);
    } else {
      const enter = parseDecimal('burst enter', parts[0] ?? '', true);
      const exit = parseDecimal('burst exit', parts[1] ?? '', true);
      for (const p of [enter, exit]) if (!p.ok) errors.push(p.error);
      if (enter.ok && exit.ok) {
        for (const [n, v] of [['burst enter', enter.value], ['burst exit', exit.value]] as const) {
          const problem = probabilityError(n, v);
          if (problem !== undefined) errors.push(problem);
        }
        burstLoss = { enter: enter.value, exit: exit.value };
      }
    }
  }
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  const value = makeLinkConditions({
    latencyMs: latencyMs ?? 0, jitterMs: jitterMs ?? 0, loss: loss ?? 0,
    duplicate: duplicate ?? 0, reorder: reorder ?? 0, burstLoss, bandwidth,
  });
  const problems = validateLinkConditions(value).map((p) => p
    .replace(/^latencyMs/, 'lag').replace(/^jitterMs/, 'jitter').replace(/^duplicate/, 'dup')
    .replace(/^bandwidth/, 'bw').replace(/^burstLoss\./, 'burst '));
  return problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true, value };
}

/** The URL parameters that `linkConditionsFromSearchParams` reads back as `c` (zero knobs omitted). */
export function linkConditionsToSearchParams(c: LinkConditions): URLSearchParams {
  const params = new URLSearchParams();
  const put = (name: string, v: number | undefined): void => {
    if (v !== undefined && v !== 0) params.set(name, String(v));
  };
  put('lag', c.latencyMs);
  put('jitter', c.jitterMs);
  put('loss', c.loss);
  put('dup', c.duplicate);
  put('reorder', c.reorder);
  if (c.burstLoss !== undefined && c.burstLoss.enter !== 0) params.set('burst', `${c.burstLoss.enter},${c.burstLoss.exit}`);
  put('bw', c.bandwidth);
  return params;
}

/** A short human summary, e.g. "120±30 ms, loss 5%, dup 1%". */
export function describeLinkConditions(c: LinkConditions): string {
  const pct = (p: number): string => `${Math.round(p * 1000) / 10}%`;
  const parts = [c.jitterMs > 0 ? `${c.latencyMs}±${c.jitterMs} ms` : `${c.latencyMs} ms`];
  if (c.loss > 0) parts.push(`loss ${pct(c.loss)}`);
  if (c.burstLoss !== undefined && c.burstLoss.enter > 0) parts.push(`burst ${c.burstLoss.enter}/${c.burstLoss.exit}`);
  if (c.duplicate > 0) parts.push(`dup ${pct(c.duplicate)}`);
  if (c.reorder > 0) parts.push(`reorder ${pct(c.reorder)}`);
  if (c.bandwidth !== undefined) parts.push(`${c.bandwidth} kbit/s`);
  return parts.join(', ');
}

/** Packet counts of one `LinkModel` since it was made. */
export interface LinkModelStats {
  /** Packets offered to `schedule`. */
  packets: number;
  /** Lost to independent loss. */
  lost: number;
  /** Lost in a Gilbert–Elliott burst. */
  burstLost: number;
  /** Tail-dropped by the bandwidth queue. */
  queueDropped: number;
  /** Delivered twice. */
  duplicated: number;
  /** Given the reorder extra delay. */
  reordered: number;
}

/** One directed link: decides each packet's delivery times from a seeded stream. */
export class LinkModel {
  private current: LinkConditions;
  private readonly random: SeededRandom;
  private bad = false;
  private busyUntilMs = Number.NEGATIVE_INFINITY;
  private readonly counts: LinkModelStats = { packets: 0, lost: 0, burstLost: 0, queueDropped: 0, duplicated: 0, reordered: 0 };

  /**
   * @param conditions validated conditions (throws RangeError otherwise: validate untrusted input first).
   * @param seed a 32-bit seed, or a stream to draw from.
   */
  constructor(conditions: LinkConditions, seed: number | SeededRandom) {
    this.current = checked(conditions);
    this.random = typeof seed === 'number' ? new SeededRandom(seed) : seed;
  }

  /** The conditions applied to packets scheduled from now on. */
  get conditions(): LinkConditions {
    return this.current;
  }

  /** Change the conditions live; packets already scheduled keep their times. Throws RangeError if invalid. */
  setConditions(conditions: LinkConditions): void {
    this.current = checked(conditions);
    if (conditions.burstLoss === undefined) this.bad = false;
    if (conditions.bandwidth === undefined) this.busyUntilMs = Number.NEGATIVE_INFINITY;
  }

  /** True while the Gilbert–Elliott chain is in its BAD (losing) state. */
  get inBurst(): boolean {
    return this.bad;
  }

  /** Counters since construction (a live view; copy it to keep a snapshot). */
  get stats(): Readonly<LinkModelStats> {
    return this.counts;
  }

  /**
   * Delivery times (ms, >= nowMs, ascending only if not duplicated) for a packet of `sizeBytes` sent
   * at `nowMs`: empty if lost, two entries if duplicated. Draws exactly 7 numbers per call.
   */
  schedule(nowMs: number, sizeBytes = 0): number[] {
    const r = this.random;
    const uBurst = r.next();
    const uLoss = r.next();
    const uJitter = r.next();
    const uReorder = r.next();
    const uExtra = r.next();
    const uDup = r.next();
    const uDupJitter = r.next();
    const c = this.current;
    this.counts.packets++;
    const burst = c.burstLoss;
    if (burst !== undefined) {
      this.bad = this.bad ? !(uBurst < burst.exit) : uBurst < burst.enter;
      if (this.bad) {
        this.counts.burstLost++;
        return [];
      }
    }
    if (uLoss < c.loss) {
      this.counts.lost++;
      return [];
    }
    let departMs = nowMs;
    if (c.bandwidth !== undefined) {
      const startMs = Math.max(nowMs, this.busyUntilMs);
      if (startMs - nowMs > BANDWIDTH_QUEUE_LIMIT_MS) {
        this.counts.queueDropped++;
        return [];
      }
      this.busyUntilMs = startMs + (sizeBytes * 8) / c.bandwidth;
      departMs = this.busyUntilMs;
    }
    const baseMs = departMs + c.latencyMs;
    let atMs = Math.max(departMs, baseMs + (2 * uJitter - 1) * c.jitterMs);
    if (uReorder < c.reorder) {
      atMs += 2 * c.jitterMs + REORDER_EXTRA.minMs + (REORDER_EXTRA.maxMs - REORDER_EXTRA.minMs) * uExtra;
      this.counts.reordered++;
    }
    if (uDup < c.duplicate) {
      this.counts.duplicated++;
      return [atMs, Math.max(departMs, baseMs + (2 * uDupJitter - 1) * c.jitterMs)];
    }
    return [atMs];
  }
}

function checked(c: LinkConditions): LinkConditions {
  const problems = validateLinkConditions(c);
  if (problems.length > 0) throw new RangeError(`invalid link conditions: ${problems.join('; ')}`);
  return c;
}
