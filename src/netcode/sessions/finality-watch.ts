/**
 * Bounds how long finality may lag: a peer that withholds it (never sends its notarised records, or
 * never lets gossip confirm frames) stops checksums from being compared, so honest peers could diverge
 * unseen. `finality-withheld` names the player holding finality back (once per player) when the final
 * frame lags the current one by more than `boundFrames`, or has not moved for `boundMs` while behind
 * (so a peer cannot withhold the last frames of a match, when nobody advances any more). Our own pauses
 * (calls `LOCAL_PAUSE_MS` or more apart) do not count as time.
 */
import type { PeerId } from '../socket.ts';
import type { Frame, SessionEvent } from '../types.ts';
import { LOCAL_PAUSE_MS } from './silence-watch.ts';

/** The largest honest lags. */
export interface FinalityBound {
  readonly frames: number;
  readonly ms: number;
}

export class FinalityWatch {
  private readonly named = new Set<number>();
  private lastFinal: Frame = -1;
  /** Time finality has been stuck for, not counting our own pauses. */
  private stuckMs = 0;
  private lastCallMs: number | undefined;

  constructor(
    private readonly localPlayer: number,
    private readonly events: SessionEvent[],
    private readonly peerOf: (player: number) => PeerId | undefined,
  ) {}

  /** Runs once per call with the final frame and its holder (`Departures.finality`). */
  check(nowMs: number, currentFrame: Frame, final: Frame, holder: number | undefined, bound: FinalityBound): void {
    const dt = nowMs - (this.lastCallMs ?? nowMs);
    this.lastCallMs = nowMs;
    if (final !== this.lastFinal || final >= currentFrame - 1) {
      this.lastFinal = final;
      this.stuckMs = 0;
    } else if (dt < LOCAL_PAUSE_MS) this.stuckMs += dt;
    const late = currentFrame - final > bound.frames || this.stuckMs > bound.ms;
    if (!late || holder === undefined || holder === this.localPlayer || this.named.has(holder)) return;
    const peer = this.peerOf(holder);
    if (peer === undefined) return;
    this.named.add(holder);
    this.events.push({ kind: 'finality-withheld', player: holder, peer, frame: final });
  }
}
