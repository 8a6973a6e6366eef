/**
 * Time synchronization: keeps peers on the same frame at the same wall-clock moment.
 *
 * Each peer estimates the remote's current frame as its last reported frame plus the time since then,
 * plus half the RTT (one way), in frames of the configured tick rate — GGPO used the full RTT, which
 * overstates the lead. `localAdvantage = localFrame - remoteEstimate`. The remote computes the same about
 * us and reports it; averaging `(local - remote) / 2` over a window of frames cancels most estimation
 * error. A peer that is ahead runs its tick a few percent slower (a factor the caller applies to its
 * frame clock) instead of freezing whole frames, so the correction is invisible to the player.
 */

/** Window of frames averaged by default (GGPO/GGRS use 30-40). */
export const TIME_SYNC_WINDOW = 32;
/** Below this many frames ahead, no correction. */
const DEAD_ZONE_FRAMES = 0.5;
/** Slow-down per frame ahead. */
const SLOWDOWN_PER_FRAME = 0.02;
/** Largest slow-down (6 %). */
const MAX_SLOWDOWN = 0.06;

/** Averages frame advantages against one peer. */
export class TimeSync {
  private readonly local: Float64Array;
  private readonly remote: Float64Array;
  private index = 0;
  private filled = 0;

  constructor(readonly window = TIME_SYNC_WINDOW) {
    this.local = new Float64Array(window);
    this.remote = new Float64Array(window);
  }

  /** Records this frame's local advantage and the peer's last reported advantage. */
  record(localAdvantage: number, remoteAdvantage: number): void {
    this.local[this.index] = localAdvantage;
    this.remote[this.index] = remoteAdvantage;
    this.index = (this.index + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  /** Average number of frames we are ahead of the peer (negative: behind). 0 before any record. */
  get framesAhead(): number {
    if (this.filled === 0) return 0;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += ((this.local[i] ?? 0) - (this.remote[i] ?? 0)) / 2;
    return sum / this.filled;
  }
}

/** Tick-rate factor for being `framesAhead` frames ahead: 1 when in sync or behind, down to 0.94. */
export function tickRateFactor(framesAhead: number): number {
  if (framesAhead <= DEAD_ZONE_FRAMES) return 1;
  return 1 - Math.min(MAX_SLOWDOWN, (framesAhead - DEAD_ZONE_FRAMES) * SLOWDOWN_PER_FRAME);
}

/** Estimates a peer's frame now from its last reported frame, when that arrived, and the RTT. */
export function estimateRemoteFrame(reportedFrame: number, receivedAtMs: number, nowMs: number, rttMs: number, tickMs: number): number {
  return reportedFrame + (nowMs - receivedAtMs + rttMs / 2) / tickMs;
}

/** What `framesAheadOfPeers` reads of a peer endpoint. */
export interface TimeSyncPeer {
  readonly state: string;
  readonly remoteFrame: number;
  readonly remoteAdvantage: number;
  readonly timeSync: TimeSync;
  localAdvantage(localFrame: number, nowMs: number, tickMs: number): number;
}

/**
 * Records this frame's advantage against every running peer that reported a frame; returns how many
 * frames we are ahead of the peer we are most ahead of (0 when none).
 */
export function framesAheadOfPeers(peers: readonly TimeSyncPeer[], frame: number, nowMs: number, tickMs: number): number {
  let ahead = -Infinity;
  for (const e of peers) {
    if (e.state !== 'running' || e.remoteFrame === -1) continue;
    e.timeSync.record(e.localAdvantage(frame, nowMs, tickMs), e.remoteAdvantage);
    ahead = Math.max(ahead, e.timeSync.framesAhead);
  }
  return ahead === -Infinity ? 0 : ahead;
}
