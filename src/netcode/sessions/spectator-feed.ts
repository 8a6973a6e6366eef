/**
 * Spectators, the player's side (docs/protocol.md, "Spectators"): a pull-based feed, so a player's work
 * per spectator is bounded by what it answers, never by what it is sent.
 *
 * A spectator the caller admitted (`P2PSession.watch`: the lobby server said it watches) asks with
 * `spectate-request { next }`; the answer is a `spectate-feed`: a transfer (the rejoin payload: the latest
 * final state, its checksum, and every player's final inputs since) when `next` is 0 or older than the
 * inputs this peer still holds, else a batch of *final* inputs of every player from `next` on (at most
 * `LIMITS.maxSpectateFrames`; a departed player's as the departed input). Final inputs can no longer
 * change, so a spectator never rolls back, and a spectator can never touch the players' match: nothing it
 * sends reaches the session's queues.
 *
 * Budget per player: at most `SPECTATOR_LIMITS.maxFed` spectators admitted, at most one reply per
 * spectator per `minReplyMs`, and a byte budget per spectator (a token bucket of `bytesPerSecond`, burst
 * `burstBytes`). A request over budget is dropped and counted, never queued. The transfer is built once
 * per final frame and shared by every spectator that needs one.
 */
import { decodePacket, encodePacket, MAGIC } from '../codec.ts';
import type { InputQueue } from '../input-queue.ts';
import { LIMITS, MessageKind, type SpectateFeedBody } from '../protocol.ts';
import { encodeTransfer, TRANSFER_MAX_INPUTS, type TransferPlayer } from '../rejoin-transfer.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import { NULL_FRAME, SPECTATOR_FEED_DROPS, type Frame, type SpectatorFeedDrop, type SpectatorFeedStats } from '../types.ts';

/** The per-player budget for spectators. */
export const SPECTATOR_LIMITS = {
  /** Spectators one player feeds at most (the lobby admits at most 16 per lobby). */
  maxFed: 16,
  /** At most one reply per spectator this often. */
  minReplyMs: 50,
  /** Bytes per second one spectator may cost a player (16 kbit/s), whatever it asks. */
  bytesPerSecond: 2000,
  /** Burst of that budget: one transfer and a batch. */
  burstBytes: 4600,
  /** When nothing is new, an empty batch at most this often (the spectator knows its feeder lives). */
  keepAliveMs: 250,
  /** A `next` farther ahead of our final frame than this (10 s) cannot be honest. */
  aheadFrames: 600,
} as const;


/** What the feed needs of its session. */
export interface FeedHost {
  readonly players: number;
  readonly sessionId: number;
  readonly socket: PeerSocket;
  readonly queues: readonly InputQueue[];
  /** Last input frame final here. */
  finalFrame(): Frame;
  /** The serialized state of `frame` and its checksum, if still saved (and the game can serialize). */
  savedState(frame: Frame): { readonly bytes: Uint8Array; readonly checksum: number } | undefined;
}

interface Watcher {
  lastReplyMs: number;
  tokens: number;
  tokensAtMs: number;
}

/** The spectators one player feeds. */
export class SpectatorFeed {
  private readonly watchers = new Map<PeerId, Watcher>();
  private readonly counts = { replies: 0, transfers: 0, bytesOut: 0 };
  private readonly dropped = Object.fromEntries(SPECTATOR_FEED_DROPS.map((r) => [r, 0])) as Record<SpectatorFeedDrop, number>;
  private cached: { readonly final: Frame; readonly payload: Uint8Array } | undefined;

  constructor(private readonly host: FeedHost) {}

  /** Admits `peer` (idempotent); false, counted, when `maxFed` spectators are admitted already. */
  watch(peer: PeerId, nowMs: number): boolean {
    if (this.watchers.has(peer)) return true;
    if (this.watchers.size >= SPECTATOR_LIMITS.maxFed) {
      this.dropped.capacity++;
      return false;
    }
    this.watchers.set(peer, { lastReplyMs: Number.NEGATIVE_INFINITY, tokens: SPECTATOR_LIMITS.burstBytes, tokensAtMs: nowMs });
    return true;
  }

  unwatch(peer: PeerId): void {
    this.watchers.delete(peer);
  }

  /** Whether `peer` is an admitted spectator. */
  admitted(peer: PeerId): boolean {
    return this.watchers.size > 0 && this.watchers.has(peer);
  }

  /** A datagram of a peer that is neither a player nor admitted: a spectator's request is counted. */
  stranger(bytes: Uint8Array): void {
    if (bytes[0] === MAGIC && bytes[2] === MessageKind.spectateRequest) this.dropped['not-admitted']++;
  }

  /** A datagram of an admitted spectator: answered within the budget, or dropped and counted. */
  datagram(peer: PeerId, bytes: Uint8Array, nowMs: number): void {
    const w = this.watchers.get(peer);
    if (w === undefined) return this.stranger(bytes);
    const r = decodePacket(bytes);
    if (!r.ok) return this.drop('decode');
    if (r.packet.sessionId !== this.host.sessionId) return this.drop('session');
    const m = r.packet.message;
    if (m.kind !== 'spectate-request') return this.drop('kind');
    if (nowMs - w.lastReplyMs < SPECTATOR_LIMITS.minReplyMs) return this.drop('rate');
    const body = this.answer(m.next, nowMs - w.lastReplyMs >= SPECTATOR_LIMITS.keepAliveMs);
    if (body === undefined) return;
    if (body === 'ahead' || body === 'no-state') return this.drop(body);
    const out = encodePacket({ sessionId: this.host.sessionId, message: { kind: 'spectate-feed', body } });
    // Token bucket: refilled with time, spent by what we send; an answer that does not fit is not sent.
    w.tokens = Math.min(SPECTATOR_LIMITS.burstBytes, w.tokens + ((nowMs - w.tokensAtMs) * SPECTATOR_LIMITS.bytesPerSecond) / 1000);
    w.tokensAtMs = nowMs;
    // Over budget or not, the next attempt waits `minReplyMs`: a flood costs at most one encode per slot.
    w.lastReplyMs = nowMs;
    if (out.length > w.tokens) return this.drop('budget');
    w.tokens -= out.length;
    this.counts.replies++;
    this.counts.bytesOut += out.length;
    if (body.kind === 'transfer') this.counts.transfers++;
    this.host.socket.send(peer, out);
  }

  /** Counters (the session's `stats().spectators`). */
  stats(): SpectatorFeedStats {
    return { watching: this.watchers.size, ...this.counts, dropped: { ...this.dropped } };
  }

  private drop(reason: SpectatorFeedDrop): void {
    this.dropped[reason]++;
  }

  /** The answer to `next`: a body, a drop reason, or undefined (nothing new, no keep-alive due). */
  private answer(next: Frame, keepAlive: boolean): SpectateFeedBody | 'ahead' | 'no-state' | undefined {
    const h = this.host;
    const final = h.finalFrame();
    if (next > final + 1) return next > final + 1 + SPECTATOR_LIMITS.aheadFrames ? 'ahead' : undefined;
    if (next === final + 1) return keepAlive ? { kind: 'inputs', startFrame: next, finalFrame: final, inputs: [] } : undefined;
    const inputs: number[][] = [];
    const last = Math.min(final, next + LIMITS.maxSpectateFrames - 1);
    if (next > 0) {
      for (let f = next; f <= last; f++) {
        const row = this.finalInputs(f);
        if (row === undefined) break;
        inputs.push(row);
      }
    }
    if (inputs.length > 0) return { kind: 'inputs', startFrame: next, finalFrame: final, inputs };
    // Nothing (next = 0) or no longer held: the latest final state.
    const payload = this.transfer(final);
    return payload === undefined ? 'no-state' : { kind: 'transfer', payload };
  }

  private finalInputs(frame: Frame): number[] | undefined {
    const row: number[] = [];
    for (const q of this.host.queues) {
      const v = q.confirmedInput(frame);
      if (v === undefined) return undefined;
      row.push(v);
    }
    return row;
  }

  /** The transfer of the latest final state still saved, built once per final frame. */
  private transfer(final: Frame): Uint8Array | undefined {
    if (this.cached?.final === final) return this.cached.payload;
    const h = this.host;
    let frame = final + 1;
    let saved = h.savedState(frame);
    // At the end of a match the current state is never saved: look a few frames back.
    for (let back = 1; saved === undefined && back <= 8 && frame > 0; back++) saved = h.savedState(--frame);
    if (saved === undefined) return undefined;
    const players: TransferPlayer[] = [];
    for (const q of h.queues) {
      const inputs: number[] = [];
      for (let f = frame; f <= final && inputs.length < TRANSFER_MAX_INPUTS; f++) {
        const v = q.confirmedInput(f);
        if (v === undefined) break;
        inputs.push(v);
      }
      players.push({ departedAfter: q.isDisconnected ? q.lastReceivedFrame : NULL_FRAME, coverage: NULL_FRAME, inputs });
    }
    const payload = encodeTransfer({ sessionId: h.sessionId, epoch: 0, frame, resumeFrame: 0, checksum: saved.checksum, state: saved.bytes, players });
    if (payload !== undefined) this.cached = { final, payload };
    return payload;
  }
}
