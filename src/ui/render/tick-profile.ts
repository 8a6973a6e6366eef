/**
 * Where a page's tick spends its time, phase by phase (`?profile=1`): the game view marks the end of
 * each phase (input + session, bookkeeping, HUD, drawing, the test hook's checksum) and every phase
 * keeps a `RenderTiming` ring, so a bench or a developer reads p50/p95/mean per phase from
 * `window.rollbackPong.extra.tickProfile()`. Off by default: no clock reads when absent.
 */
import { RenderTiming, type TimingSummary } from './timing.ts';

/** True for `?profile=1`. */
export function profileFromSearch(search: string): boolean {
  return new URLSearchParams(search).get('profile') === '1';
}

/** Per-phase timings of ticks. */
export class TickProfile {
  private readonly phases = new Map<string, RenderTiming>();
  private readonly total: RenderTiming;
  private tickStart = 0;
  private mark = 0;

  constructor(private readonly now: () => number, private readonly capacity = 600) {
    this.total = new RenderTiming(capacity);
  }

  /** Starts a tick. */
  begin(): void {
    this.tickStart = this.now();
    this.mark = this.tickStart;
  }

  /** Ends phase `name` (it ran since `begin` or the previous `end`). */
  end(name: string): void {
    const t = this.now();
    let ring = this.phases.get(name);
    if (ring === undefined) {
      ring = new RenderTiming(this.capacity);
      this.phases.set(name, ring);
    }
    ring.record(t - this.mark);
    this.mark = t;
  }

  /** Ends the tick (its whole duration goes to `total`). */
  finish(): void {
    this.total.record(this.now() - this.tickStart);
  }

  /** Summary per phase, plus `total`. */
  summary(): Record<string, TimingSummary> {
    const out: Record<string, TimingSummary> = {};
    for (const [name, ring] of this.phases) out[name] = ring.summary();
    out.total = this.total.summary();
    return out;
  }
}
