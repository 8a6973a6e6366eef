/**
 * Agreement on departed players in a 2-4 player mesh.
 *
 * Every input packet gossips, per player, whether the sender considers that player gone and the last
 * frame of that player's input it holds. A player is dropped only on this peer's own word: its own
 * silence, its own goodbye, or the lobby server's (`P2PSession.peerLeft`). Gossip never drops anyone
 * (and "you are gone" about us is ignored): it only serves to agree on the frame. Once this peer dropped
 * a player, it lowers that player's last frame to the minimum a remaining peer claims (never below what
 * is already final here: such a claim is rejected before it gets here), so all remaining peers simulate
 * the same inputs (rolling back if they had used later real ones). The `disconnected` event is raised
 * once the remaining peers agree on the frame. The same gossip tells which input frames every peer
 * holds, i.e. which states are final for desync detection.
 */
import type { PeerEndpoint } from '../endpoint.ts';
import type { InputQueue } from '../input-queue.ts';
import type { PlayerStatus } from '../protocol.ts';
import { NULL_FRAME, type DepartureReason, type Frame, type SessionEvent } from '../types.ts';

/** Departure bookkeeping of one session. */
export class Departures {
  /** Players whose departure was announced with a `disconnected` event. */
  private readonly announced = new Set<number>();
  /** Players this peer heard say goodbye (the rest were lost). */
  private readonly saidGoodbye = new Set<number>();

  constructor(
    private readonly localPlayer: number,
    private readonly queues: readonly InputQueue[],
    private readonly endpoints: readonly PeerEndpoint[],
    private readonly events: SessionEvent[],
  ) {}

  /** What we gossip about every player. */
  status(): PlayerStatus[] {
    return this.queues.map((q) => ({ disconnected: q.isDisconnected, lastFrame: q.lastReceivedFrame }));
  }

  /** Neutralises a player's input after `lastFrame` (no event yet: see `announce`). */
  drop(e: PeerEndpoint, lastFrame: Frame, reason: DepartureReason): void {
    if (reason === 'left') this.saidGoodbye.add(e.player);
    this.queue(e.player).disconnectAfter(lastFrame);
    e.state = 'disconnected';
  }

  /** This peer heard `player` say goodbye after dropping it for another reason: it `left`, if not yet announced. */
  heardGoodbye(player: number): void {
    this.saidGoodbye.add(player);
  }

  /**
   * For players this peer dropped itself, converges on the earliest frame a remaining peer reports.
   * Claims about players we still hear, and about us, change nothing.
   */
  applyGossip(status: readonly PlayerStatus[], floor: ((player: number) => Frame) | undefined): void {
    for (let p = 0; p < this.queues.length; p++) {
      const s = status[p];
      if (s === undefined || !s.disconnected || p === this.localPlayer) continue;
      const q = this.queue(p);
      // With the notary up, a player's notarised inputs are never cut off by anyone's claim.
      const frame = floor !== undefined ? Math.max(s.lastFrame, floor(p)) : s.lastFrame;
      if (q.isDisconnected && frame < q.lastReceivedFrame) q.disconnectAfter(frame);
    }
  }

  /** Raises `disconnected` once per departed player, when every remaining peer names the same frame. */
  announce(): void {
    const connected = this.connected();
    for (const e of this.endpoints) {
      const q = this.queue(e.player);
      if (!q.isDisconnected || this.announced.has(e.player) || !this.agreed(e.player, connected)) continue;
      this.announced.add(e.player);
      const reason: DepartureReason = this.saidGoodbye.has(e.player) ? 'left' : 'lost';
      this.events.push({ kind: 'disconnected', peer: e.peer, player: e.player, frame: q.lastReceivedFrame + 1, reason });
    }
  }

  /**
   * Last input frame final here (capped by `currentFrame - 1`), and the player holding it back (undefined
   * when only the current frame does). Without the notary (`coverage` undefined): the last frame every
   * connected peer holds for every player, from the gossip; the holder is the claimant whose claim is
   * lowest, or the player itself when that claim says it is gone or this peer holds the least of it.
   * With the notary up: for a present remote player, the last frame of its notarised records (gossip
   * plays no part, so a peer cannot withhold finality by lying in it); for a departed player, the
   * agreed departure frame, or at least its record coverage while the remaining peers disagree.
   */
  finality(currentFrame: Frame, coverage: ((player: number) => Frame) | undefined): { frame: Frame; holder: number | undefined } {
    let final = currentFrame - 1;
    let holder: number | undefined;
    const connected = this.connected();
    const bound = (frame: Frame, who: number): void => {
      if (frame < final) {
        final = frame;
        holder = who;
      }
    };
    for (let p = 0; p < this.queues.length; p++) {
      const q = this.queue(p);
      if (q.isDisconnected) {
        // Final only where every connected peer agrees on the departure frame.
        if (this.agreed(p, connected)) continue;
        let low = q.lastReceivedFrame;
        for (const e of connected) low = Math.min(low, e.remoteStatus[p]?.lastFrame ?? NULL_FRAME);
        bound(coverage !== undefined ? Math.max(low, coverage(p)) : low, p);
        continue;
      }
      if (coverage !== undefined) {
        bound(p === this.localPlayer ? q.lastReceivedFrame : coverage(p), p);
        continue;
      }
      bound(q.lastReceivedFrame, p);
      for (const e of connected) {
        const s = e.remoteStatus[p];
        bound(s?.lastFrame ?? NULL_FRAME, s?.disconnected === true ? p : e.player);
      }
    }
    return { frame: final, holder };
  }

  /** True when every connected peer reports player `p` gone with the same last frame as ours. */
  private agreed(p: number, connected: readonly PeerEndpoint[]): boolean {
    const mine = this.queue(p).lastReceivedFrame;
    return connected.every((e) => e.remoteStatus[p]?.disconnected === true && e.remoteStatus[p]?.lastFrame === mine);
  }

  private connected(): PeerEndpoint[] {
    return this.endpoints.filter((e) => e.state !== 'disconnected');
  }

  private queue(p: number): InputQueue {
    return this.queues[p] as InputQueue;
  }
}
