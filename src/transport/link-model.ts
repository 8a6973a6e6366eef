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
import { SeededRandom } from './seeded-random.ts';

/** Gilbert–Elliott burst loss: per-packet transition probabilities between GOOD and BAD. */
export interface BurstLoss {
  /** P(GOOD -> BAD) per packet, 0..1. */
  readonly enter: number;
  /** P(BAD -> GOOD) per packet, (0..1]; the mean burst is 1/exit packets. */
  readonly exit: number;
}

/** Conditions of one directed link. All knobs at 0 (see `PERFECT_LINK`) is a perfect link. */
export interface LinkConditions {
  /** One-way base delay in ms, 0..10000. */
  readonly latencyMs: number;
  /** Uniform jitter in ms: each packet's delay is latency + U[-jitter, +jitter], floored at 0. 0..5000. */
  readonly jitterMs: number;
  /** Independent loss probability per packet, 0..1. */
  readonly loss: number;
  /** Burst loss on top of `loss`; absent means none. */
  readonly burstLoss?: BurstLoss | undefined;
  /** Probability that a delivered packet arrives twice, 0..1. */
  readonly duplicate: number;
  /** Probability that a packet is held back by 2*jitter + U[20, 50) ms extra, 0..1. */
  readonly reorder: number;
  /** Link capacity in kbit/s (1 kbit/s = 1 bit/ms); absent means unlimited. 1..10^7. */
  readonly bandwidth?: number | undefined;
}

/** The perfect link: no delay, no loss. */
export const PERFECT_LINK: LinkConditions = Object.freeze({ latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 });

/** Accepted ranges of the knobs. */
export const LINK_LIMITS = {
  maxLatencyMs: 10_000,
  maxJitterMs: 5_000,
  minBandwidth: 1,
  maxBandwidth: 10_000_000,
} as const;

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

function checkRange(errors: string[], name: string, value: unknown, min: number, max: number, unit: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.push(`${name} must be a finite number, got ${describeValue(value)}`);
  } else if (value < min || value > max) {
    errors.push(`${name} must be between ${min} and ${max}${unit}, got ${value}`);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

/** Every problem with the conditions (empty when valid), in words a tester can act on. */
export function validateLinkConditions(c: LinkConditions): string[] {
  const errors: string[] = [];
  checkRange(errors, 'latencyMs', c.latencyMs, 0, LINK_LIMITS.maxLatencyMs, ' ms');
  checkRange(errors, 'jitterMs', c.jitterMs, 0, LINK_LIMITS.maxJitterMs, ' ms');
  checkRange(errors, 'loss', c.loss, 0, 1, '');
  checkRange(errors, 'duplicate', c.duplicate, 0, 1, '');
  checkRange(errors, 'reorder', c.reorder, 0, 1, '');
  if (c.burstLoss !== undefined) {
    checkRange(errors, 'burstLoss.enter', c.burstLoss.enter, 0, 1, '');
    checkRange(errors, 'burstLoss.exit', c.burstLoss.exit, 0, 1, '');
    if (c.burstLoss.exit === 0 && c.burstLoss.enter > 0) {
      errors.push('burstLoss.exit must be above 0 (at 0 the first burst never ends; use an outage instead)');
    }
  }
  if (c.bandwidth !== undefined) {
    checkRange(errors, 'bandwidth', c.bandwidth, LINK_LIMITS.minBandwidth, LINK_LIMITS.maxBandwidth, ' kbit/s');
  }
  return errors;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(['latencyMs', 'jitterMs', 'loss', 'burstLoss', 'duplicate', 'reorder', 'bandwidth']);

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Conditions from untrusted structured input (JSON, a saved panel state). Missing knobs are 0;
 * `burstLoss` and `bandwidth` may be absent or null. Unknown keys are errors (typos must not pass).
 */
export function parseLinkConditions(input: unknown): LinkConditionsResult {
  if (!isRecord(input)) return { ok: false, error: `link conditions must be an object, got ${describeValue(input)}` };
  const errors: string[] = [];
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) errors.push(`unknown link condition ${JSON.stringify(key)}`);
  }
  const num = (key: string): number => {
    const v = input[key];
    if (v === undefined) return 0;
    return typeof v === 'number' ? v : Number.NaN;
  };
  const rawBurst = input['burstLoss'];
  let burstLoss: BurstLoss | undefined;
  if (rawBurst !== undefined && rawBurst !== null) {
    if (!isRecord(rawBurst)) {
      errors.push(`burstLoss must be an object { enter, exit }, got ${describeValue(rawBurst)}`);
    } else {
      const enter = rawBurst['enter'];
      const exit = rawBurst['exit'];
      burstLoss = { enter: typeof enter === 'number' ? enter : Number.NaN, exit: typeof exit === 'number' ? exit : Number.NaN };
    }
  }
  const rawBandwidth = input['bandwidth'];
  const bandwidth = rawBandwidth === undefined || rawBandwidth === null ? undefined : num('bandwidth');
  const value = makeLinkConditions({
    latencyMs: num('latencyMs'), jitterMs: num('jitterMs'), loss: num('loss'),
    duplicate: num('duplicate'), reorder: num('reorder'), burstLoss, bandwidth,
  });
  // Report the raw non-number inputs by name rather than as NaN.
  for (const key of ['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder', 'bandwidth']) {
    const v = input[key];
    if (v !== undefined && v !== null && typeof v !== 'number') errors.push(`${key} must be a number, got ${describeValue(v)}`);
  }
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  const problems = validateLinkConditions(value);
  return problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true, value };
}

/** URL parameter names, as typed by a tester: `?lag=120&jitter=30&loss=0.05`. */
export const LINK_SEARCH_PARAMS = ['lag', 'jitter', 'loss', 'dup', 'reorder', 'burst', 'bw'] as const;

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
