/**
 * Bounds how long finality may lag: a peer that withholds it (never sends its notarised records, or
 * never lets gossip confirm frames) stops checksums from being compared, so honest peers could diverge
 * unseen. Once the final frame lags the current one by more than the bound, `finality-withheld` names
 * the player holding it back (once per player). The bound counts frames, not time: while this peer
 * stalls (waiting for inputs) its frame does not move and nothing is reported.
 */
import type { PeerId } from '../socket.ts';
import type { Frame, SessionEvent } from '../types.ts';

export class FinalityWatch {
  private readonly named = new Set<number>();

  constructor(
    private readonly localPlayer: number,
    private readonly events: SessionEvent[],
    private readonly peerOf: (player: number) => PeerId | undefined,
  ) {}

  /**
   * Runs once per frame with the final frame and its holder (`Departures.finality`); `boundFrames` is the
   * largest lag honest peers can cause.
   */
  check(currentFrame: Frame, final: Frame, holder: number | undefined, boundFrames: number): void {
    if (holder === undefined || holder === this.localPlayer || currentFrame - final <= boundFrames || this.named.has(holder)) return;
    const peer = this.peerOf(holder);
    if (peer === undefined) return;
    this.named.add(holder);
    this.events.push({ kind: 'finality-withheld', player: holder, peer, frame: final });
  }
}
