/**
 * `render_frame_ms`: the wall time spent inside one `render()` call, kept in a fixed ring buffer so
 * that measuring costs no allocation per frame. A benchmark reads `summary()` (or subscribes with
 * `onSample`) to report p50/p99.
 */

/** Summary of the recorded `render_frame_ms` samples. */
export interface TimingSummary {
  /** Samples recorded since creation or the last `reset()` (the ring keeps the latest `capacity`). */
  readonly count: number;
  readonly lastMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A ring buffer of durations in ms. */
export class RenderTiming {
  private readonly samples: Float64Array;
  private written = 0;
  private last = 0;
  private listener: ((ms: number) => void) | undefined;

  /** @param capacity how many of the latest samples the summary covers */
  constructor(readonly capacity = 600) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.samples = new Float64Array(capacity);
  }

  /** Records one sample (ms). */
  record(ms: number): void {
    this.samples[this.written % this.capacity] = ms;
    this.written++;
    this.last = ms;
    this.listener?.(ms);
  }

  /** Calls `fn` with every new sample (one listener; `undefined` removes it). */
  onSample(fn: ((ms: number) => void) | undefined): void {
    this.listener = fn;
  }

  /** Forgets every sample. */
  reset(): void {
    this.written = 0;
    this.last = 0;
  }

  /** Copy of the retained samples, oldest first. */
  values(): number[] {
    const n = Math.min(this.written, this.capacity);
    const start = this.written - n;
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.samples[(start + i) % this.capacity] ?? 0);
    return out;
  }

  /** Count, last, mean, p50, p95, p99 (nearest rank) and max of the retained samples. */
  summary(): TimingSummary {
    const v = this.values().sort((a, b) => a - b);
    if (v.length === 0) return { count: this.written, lastMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
    const rank = (q: number): number => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? 0;
    const sum = v.reduce((a, b) => a + b, 0);
    return { count: this.written, lastMs: this.last, meanMs: sum / v.length, p50Ms: rank(0.5), p95Ms: rank(0.95), p99Ms: rank(0.99), maxMs: v[v.length - 1] ?? 0 };
  }
}
