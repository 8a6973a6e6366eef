/**
 * Round-trip time and clock offset estimation from NTP-style probes.
 *
 * A probe sent at local time t0 is received by the peer at its time t1, answered at t2, and the answer
 * arrives back at t3. Then RTT = (t3 - t0) - (t2 - t1) and offset = ((t1 - t0) + (t2 - t3)) / 2 is the
 * peer's clock minus ours (Mills, RFC 5905). Queueing delay only ever adds to the RTT, so the offset of
 * the sample with the smallest RTT in a recent window is the most trustworthy; RTT itself is smoothed
 * with the TCP estimator (RFC 6298: srtt, rttvar) for ping and jitter figures.
 */

/** One completed probe. */
export interface ClockSample {
  readonly rttMs: number;
  readonly offsetMs: number;
}

/** Computes a sample from the four timestamps (ms). */
export function clockSample(t0: number, t1: number, t2: number, t3: number): ClockSample {
  const rttMs = Math.max(0, t3 - t0 - (t2 - t1));
  return { rttMs, offsetMs: (t1 - t0 + (t2 - t3)) / 2 };
}

/** Keeps RTT statistics and the best clock offset estimate for one peer. */
export class ClockSync {
  private readonly window: ClockSample[] = [];
  private srtt = 0;
  private rttvar = 0;
  private count = 0;

  constructor(private readonly windowSize = 16) {}

  /** Adds a sample. */
  add(sample: ClockSample): void {
    if (this.count === 0) {
      this.srtt = sample.rttMs;
      this.rttvar = sample.rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - sample.rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * sample.rttMs;
    }
    this.count++;
    this.window.push(sample);
    if (this.window.length > this.windowSize) this.window.shift();
  }

  /** Number of samples seen. */
  get samples(): number {
    return this.count;
  }

  /** Smoothed RTT, ms (0 before any sample). */
  get rttMs(): number {
    return this.srtt;
  }

  /** RTT mean deviation (jitter), ms. */
  get jitterMs(): number {
    return this.rttvar;
  }

  /** Peer clock minus local clock, ms, from the lowest-RTT sample of the window (0 before any). */
  get offsetMs(): number {
    let best: ClockSample | undefined;
    for (const s of this.window) if (best === undefined || s.rttMs < best.rttMs) best = s;
    return best?.offsetMs ?? 0;
  }
}
