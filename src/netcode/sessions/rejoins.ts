/**
 * Rejoin, the remaining peers' side: a departed player comes back and every remaining peer agrees on
 * the frame from which its input counts again — the departure agreement in reverse (docs/protocol.md,
 * "Rejoin").
 *
 * 1. The caller learns from the lobby server that the player is back and, once the link to it is open,
 *    calls `P2PSession.rejoin`. This peer then *holds* it: its (departed) input is no longer final from
 *    `hold` on, where `hold` is this peer's frame (or final frame + 1) plus `HOLD_FRAMES`. The hold goes
 *    out as a notarised record, so every member gets every hold, the same bytes, in the server's order.
 * 2. Once every present player (its record stream not closed) has a hold for this return (`epoch`),
 *    the resume frame is the largest hold received. Every peer computes the same value: a hold from a
 *    player who has since left was relayed before its departure, so it reached everyone before it.
 *    From that frame the player's input is its own again (predicted, as the departed input, until it
 *    arrives); before it, the departed input, final.
 * 3. Meanwhile the returning player asks each peer (`rejoin-request`) for the match: the latest final
 *    state with its checksum, and every player's confirmed inputs since (`rejoin-transfer`), re-sent
 *    with the resume frame once it is agreed. It checks the state's checksum before using it.
 *
 * The returning player's word decides nothing here: the frame comes from the remaining peers' holds.
 * An attempt ends when the lobby server says the player left again (`cancel`), in the same order for
 * everyone. A player expelled for conflicting records cannot return.
 */
import { encodeHold, type RejoinHold } from '../input-record.ts';
import type { InputQueue } from '../input-queue.ts';
import { encodeTransfer, TRANSFER_MAX_INPUTS, type TransferPlayer } from '../rejoin-transfer.ts';
import { NULL_FRAME, type Frame } from '../types.ts';

/** How far past this peer's frame a hold reaches: the returning player's time to fetch the match. */
export const HOLD_FRAMES = 30;
/** A returning player gets a transfer at most this often from one peer. */
const TRANSFER_EVERY_MS = 100;

/** What the rejoins need of their session. */
export interface RejoinHost {
  readonly players: number;
  readonly localPlayer: number;
  readonly sessionId: number;
  readonly queues: readonly InputQueue[];
  frame(): Frame;
  /** Last input frame final here. */
  finalFrame(): Frame;
  notaryUp(): boolean;
  /** The player's record stream is over (departed for good, unless it returns). */
  closed(player: number): boolean;
  expelled(player: number): boolean;
  /** Last frame of the player's notarised records. */
  coverage(player: number): Frame;
  /** A covered frame's record value its input queue does not hold yet (see `Notary.settle`). */
  pendingInput(player: number, frame: Frame): number | undefined;
  /** Queues a notarised record of ours. */
  publish(record: Uint8Array): void;
  /** The serialized final state of `frame` and its checksum, if still saved. */
  savedState(frame: Frame): { readonly bytes: Uint8Array; readonly checksum: number } | undefined;
  /** The peers agreed: `player`'s input counts again from `frame`. */
  reopen(player: number, frame: Frame): void;
}

interface Attempt {
  readonly epoch: number;
  /** Holds received, by player (ours included once `begin` was called). */
  readonly holds: Map<number, Frame>;
  /** Our own hold, once we hold the player. */
  local: Frame | undefined;
  /** The agreed resume frame, once every present player held. */
  resume: Frame | undefined;
  lastTransferMs: number;
}

/** Rejoin bookkeeping of one session. */
export class Rejoins {
  /** Completed returns per player (the epoch of its next return). */
  private readonly returns: Uint8Array;
  private readonly attempts = new Map<number, Attempt>();

  constructor(private readonly host: RejoinHost) {
    this.returns = new Uint8Array(host.players);
  }

  /** The epoch of `player`'s next (or current) return. */
  epoch(player: number): number {
    return this.returns[player] ?? 0;
  }

  /**
   * The player is back (the lobby server said so, and our link to it is open): hold it, and publish the
   * hold. False when it cannot return: not departed for good, expelled, or the notary is down.
   */
  begin(player: number): boolean {
    const h = this.host;
    if (player === h.localPlayer || !this.returnable(player) || !h.notaryUp()) return false;
    const a = this.attempt(player);
    if (a.local !== undefined) return true;
    a.local = Math.max(h.frame(), h.finalFrame() + 1) + HOLD_FRAMES;
    a.holds.set(h.localPlayer, a.local);
    h.publish(encodeHold({ sessionId: h.sessionId, player: h.localPlayer, target: player, epoch: a.epoch, frame: a.local }));
    this.check(player);
    return true;
  }

  /** A hold relayed by the notary from `from` (as the server says). False when it is not acceptable. */
  onHold(from: number, hold: RejoinHold): boolean {
    const h = this.host;
    if (hold.sessionId !== h.sessionId || hold.player !== from || hold.target === h.localPlayer || hold.target >= h.players) return false;
    if (hold.epoch !== this.epoch(hold.target) || !this.returnable(hold.target)) return false;
    const a = this.attempt(hold.target);
    if (a.resume !== undefined || a.holds.has(from)) return false;
    a.holds.set(from, hold.frame);
    this.check(hold.target);
    return true;
  }

  /** The lobby server says `player` left again: a return not agreed yet is off, for everyone alike. */
  cancel(player: number): void {
    const a = this.attempts.get(player);
    if (a !== undefined && a.resume === undefined) this.attempts.delete(player);
  }

  /** A player's stream closed (it left): a return may now have every hold it needs. */
  recheck(): void {
    for (const player of this.attempts.keys()) this.check(player);
  }

  /** While we hold `player`, the last frame of its input that may be final here; undefined otherwise. */
  finalityCap(player: number): Frame | undefined {
    const a = this.attempts.size === 0 ? undefined : this.attempts.get(player);
    return a?.local !== undefined && a.resume === undefined ? a.local - 1 : undefined;
  }

  /** Whether a `rejoin-request` from `player` is expected now. */
  expects(player: number): boolean {
    return this.attempts.get(player)?.local !== undefined;
  }

  /**
   * The transfer for `player` (at most every `TRANSFER_EVERY_MS`), or undefined: no attempt of ours,
   * too soon, or no final state to send.
   */
  transferFor(player: number, nowMs: number): Uint8Array | undefined {
    const a = this.attempts.get(player);
    if (a?.local === undefined || nowMs - a.lastTransferMs < TRANSFER_EVERY_MS) return undefined;
    const h = this.host;
    // The latest final state still saved (at the end of a match the current one is never saved).
    let frame = h.finalFrame() + 1;
    let saved = h.savedState(frame);
    for (let back = 1; saved === undefined && back <= 8 && frame > 0; back++) saved = h.savedState(--frame);
    if (saved === undefined) return undefined;
    a.lastTransferMs = nowMs;
    const players: TransferPlayer[] = [];
    for (let p = 0; p < h.players; p++) {
      const q = h.queues[p] as InputQueue;
      const inputs: number[] = [];
      for (let f = frame; f <= q.lastReceivedFrame && inputs.length < TRANSFER_MAX_INPUTS; f++) {
        const v = q.confirmedInput(f);
        if (v === undefined) break;
        inputs.push(v);
      }
      // Then the covered frames the queue does not hold yet: every member simulates them with these.
      for (let f = frame + inputs.length; inputs.length < TRANSFER_MAX_INPUTS; f++) {
        const v = h.pendingInput(p, f);
        if (v === undefined) break;
        inputs.push(v);
      }
      const departedAfter = q.isDisconnected ? Math.max(q.lastReceivedFrame, frame + inputs.length - 1) : NULL_FRAME;
      players.push({ departedAfter, coverage: h.coverage(p), inputs });
    }
    return encodeTransfer({ sessionId: h.sessionId, epoch: a.epoch, frame, resumeFrame: a.resume ?? 0, checksum: saved.checksum, state: saved.bytes, players });
  }

  /** Completes the attempt for `player` once every present player held it. */
  private check(player: number): void {
    const h = this.host;
    const a = this.attempts.get(player);
    if (a?.local === undefined || a.resume !== undefined) return;
    let resume = 0;
    for (let p = 0; p < h.players; p++) {
      if (p === player) continue;
      const held = a.holds.get(p);
      if (held === undefined) {
        if ((h.queues[p] as InputQueue).isDisconnected && h.closed(p)) continue;
        return;
      }
      resume = Math.max(resume, held);
    }
    // Holds of players who left since still count (see the header): every peer has them.
    for (const held of a.holds.values()) resume = Math.max(resume, held);
    a.resume = resume;
    a.lastTransferMs = Number.NEGATIVE_INFINITY; // the first transfer with the frame goes out at once
    this.returns[player] = (this.returns[player] ?? 0) + 1;
    h.reopen(player, resume);
  }

  private returnable(player: number): boolean {
    const q = this.host.queues[player] as InputQueue | undefined;
    return q !== undefined && q.isDisconnected && this.host.closed(player) && !this.host.expelled(player);
  }

  private attempt(player: number): Attempt {
    let a = this.attempts.get(player);
    if (a === undefined || a.epoch !== this.epoch(player)) {
      a = { epoch: this.epoch(player), holds: new Map(), local: undefined, resume: undefined, lastTransferMs: Number.NEGATIVE_INFINITY };
      this.attempts.set(player, a);
    }
    return a;
  }
}
