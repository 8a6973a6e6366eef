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

/** What departures need of the notary (see notary.ts). */
export interface RecordStream {
  readonly up: boolean;
  /** Last frame of the player's notarised records. */
  coverage(player: number): Frame;
  /** Last covered frame whose record value its input queue does not hold yet (`NULL_FRAME` when none). */
  pendingTo(player: number): Frame;
}


/** Departure bookkeeping of one session. */
export class Departures {
  /**
   * With the notary up, a dropped player's record stream stays open (its records still extend its
   * input, identically for everyone) until it is closed by a word every member gets in the same order:
   * its final record (it left) or the lobby server's (which relays records in order) that it left.
   */
  private readonly streamClosed = new Set<number>();
  /** Players whose departure was announced with a `disconnected` event. */
  private readonly announced = new Set<number>();
  /** Players this peer heard say goodbye (the rest were lost). */
  private readonly saidGoodbye = new Set<number>();
  /** Players expelled for conflicting records (see `closeStream`). */
  private readonly expelled = new Set<number>();
  /** Players dropped while the notary was down (see `notaryBack`). */
  private readonly droppedWhileDown = new Set<number>();
  /** What `status` returns, reused (see there). */
  private readonly statusScratch: { disconnected: boolean; lastFrame: Frame }[] = [];

  constructor(
    private readonly localPlayer: number,
    private readonly queues: readonly InputQueue[],
    private readonly endpoints: readonly PeerEndpoint[],
    private readonly events: SessionEvent[],
    private readonly records: RecordStream,
  ) {}

  /** What we gossip about every player. */
  status(): readonly PlayerStatus[] {
    // Sent every frame and only encoded (never kept): one array, refreshed in place.
    const out = this.statusScratch;
    for (let p = 0; p < this.queues.length; p++) {
      const q = this.queue(p);
      const s = out[p];
      if (s === undefined) out.push({ disconnected: q.isDisconnected, lastFrame: q.lastReceivedFrame });
      else {
        s.disconnected = q.isDisconnected;
        s.lastFrame = q.lastReceivedFrame;
      }
    }
    return out;
  }

  /**
   * Neutralises a player's input after `lastFrame` (no event yet: see `announce`). With the notary up,
   * after its last notarised frame instead: the record stream, identical for everyone, decides.
   */
  drop(e: PeerEndpoint, lastFrame: Frame, reason: DepartureReason): void {
    if (reason === 'left') this.saidGoodbye.add(e.player);
    if (reason === 'expelled') this.expelled.add(e.player);
    if (!this.records.up) this.droppedWhileDown.add(e.player);
    this.queue(e.player).disconnectAfter(this.records.up ? this.records.coverage(e.player) : lastFrame);
    e.state = 'disconnected';
  }

  /**
   * The notary is back. A player dropped while it was down left at the frame gossip agreed on, and its
   * records stopped reaching us with the lobby socket: its stream ends there (else it would hold the
   * finality, which now needs every open stream, for good; and it could not return, see rejoins.ts).
   */
  notaryBack(): void {
    for (const player of this.droppedWhileDown) {
      const e = this.endpoints.find((x) => x.player === player);
      if (e !== undefined && e.state === 'disconnected') this.streamClosed.add(player);
    }
    this.droppedWhileDown.clear();
  }

  /**
   * `player`'s record stream is over, by a word every member gets in the same order: the lobby server
   * said it left or lost its socket (after relaying its last record), its final record arrived (its own
   * goodbye, through the notary), or it published two conflicting records (`expelled`). Drops it if not
   * dropped yet; its input ends after its last notarised frame, identically for everyone.
   */
  closeStream(e: PeerEndpoint, reason: DepartureReason = 'left'): void {
    this.streamClosed.add(e.player);
    if (reason === 'expelled') this.expelled.add(e.player);
    if (e.state !== 'disconnected') this.drop(e, this.queue(e.player).lastReceivedFrame, reason);
    else if (reason === 'left') this.heardGoodbye(e.player);
  }

  /** A dropped player whose records can no longer extend its input. */
  closed(player: number): boolean {
    return this.streamClosed.has(player);
  }

  /** Expelled for conflicting records (it may not return). */
  wasExpelled(player: number): boolean {
    return this.expelled.has(player);
  }

  /** A departed player is back (rejoins.ts): its stream is open again and a new departure will be announced. */
  reopen(player: number): void {
    this.streamClosed.delete(player);
    this.announced.delete(player);
    this.saidGoodbye.delete(player);
  }

  /** This peer heard `player` say goodbye after dropping it for another reason: it `left`, if not yet announced. */
  heardGoodbye(player: number): void {
    this.saidGoodbye.add(player);
  }

  /**
   * For players this peer dropped itself, converges on the earliest frame a remaining peer reports.
   * Claims about players we still hear, and about us, change nothing.
   */
  applyGossip(status: readonly PlayerStatus[], finalInputFrame: Frame): number {
    // With the notary up the records alone decide a departure frame: gossip plays no part.
    if (this.records.up) return 0;
    let ignored = 0;
    for (let p = 0; p < this.queues.length; p++) {
      const s = status[p];
      if (s === undefined || !s.disconnected || p === this.localPlayer) continue;
      const q = this.queue(p);
      if (!q.isDisconnected || s.lastFrame >= q.lastReceivedFrame) continue;
      // Never below what is final here (an honest peer never claims that: the claim is counted).
      if (s.lastFrame < finalInputFrame) ignored++;
      const frame = Math.max(s.lastFrame, finalInputFrame);
      if (frame < q.lastReceivedFrame) q.disconnectAfter(frame);
    }
    return ignored;
  }

  /** Raises `disconnected` once per departed player, when every remaining peer names the same frame. */
  announce(): void {
    for (const e of this.endpoints) {
      const q = this.queue(e.player);
      // Cheap tests first: the agreement scan runs only for a departed player not yet announced.
      if (!q.isDisconnected || this.announced.has(e.player)) continue;
      const settled = this.records.up ? this.closed(e.player) : this.agreed(e.player);
      if (!settled) continue;
      this.announced.add(e.player);
      const reason: DepartureReason = this.expelled.has(e.player) ? 'expelled' : this.saidGoodbye.has(e.player) ? 'left' : 'lost';
      // Covered frames whose record values the queue does not hold yet count (see `Notary.settle`).
      const last = Math.max(q.lastReceivedFrame, this.records.pendingTo(e.player));
      this.events.push({ kind: 'disconnected', peer: e.peer, player: e.player, frame: last + 1, reason });
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
  finality(currentFrame: Frame, coverage: ((player: number) => Frame) | undefined, held?: (player: number) => Frame | undefined): { frame: Frame; holder: number | undefined } {
    // Runs every frame: plain loops, no closures or filtered copies (young-generation garbage, docs/performance.md).
    let final = currentFrame - 1;
    let holder: number | undefined;
    for (let p = 0; p < this.queues.length; p++) {
      const q = this.queue(p);
      let low = q.lastReceivedFrame;
      let who = p;
      if (q.isDisconnected) {
        if (coverage !== undefined) {
          // Its records decide; final past them once no more can come — unless it is coming back and we
          // hold it (rejoins.ts): then not past our hold until the peers agree when it counts again.
          if (this.closed(p)) {
            const cap = held?.(p);
            if (cap === undefined) continue;
            low = Math.max(low, cap);
          }
        } else {
          // Final only where every connected peer agrees on the departure frame.
          if (this.agreed(p)) continue;
          for (const e of this.endpoints) if (e.state !== 'disconnected') low = Math.min(low, e.remoteStatus[p]?.lastFrame ?? NULL_FRAME);
        }
      } else if (coverage !== undefined) {
        if (p !== this.localPlayer) low = coverage(p);
      } else {
        for (const e of this.endpoints) {
          if (e.state === 'disconnected') continue;
          const s = e.remoteStatus[p];
          const frame = s?.lastFrame ?? NULL_FRAME;
          // Same order as one bound per claim: a claim replaces the holder only when strictly lower.
          if (frame < low) {
            low = frame;
            who = s?.disconnected === true ? p : e.player;
          }
        }
      }
      if (low < final) {
        final = low;
        holder = who;
      }
    }
    return { frame: final, holder };
  }

  /** True when every connected peer reports player `p` gone with the same last frame as ours. */
  private agreed(p: number): boolean {
    const mine = this.queue(p).lastReceivedFrame;
    for (const e of this.endpoints) {
      if (e.state === 'disconnected') continue;
      const s = e.remoteStatus[p];
      if (s?.disconnected !== true || s.lastFrame !== mine) return false;
    }
    return true;
  }

  private queue(p: number): InputQueue {
    return this.queues[p] as InputQueue;
  }
}
