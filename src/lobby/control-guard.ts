/**
 * What the room admits from the control channel beyond the schema: per-peer token buckets for control
 * messages in general (clock probes and pings each cost us a reply) and for in-game chat (the same
 * budget the lobby server gives a connection, so in-game chat is no looser than lobby chat, for our
 * own lines too), and the round window (only the host's messages move our round, compared modulo
 * 2^32, so no member can restart our round or push the counter to overflow; a member's next-round
 * messages wait, bounded, until we get there; the host tells a member out of step its round, a few
 * times a second at most). Everything dropped is counted by reason. Time is
 * passed in, so the limits are exact on a manual clock. The bucket is the algorithm of
 * `signaling/rate-limit.ts`, which the browser bundle cannot import.
 */
import type { PeerId } from '../netcode/socket.ts';
import { isHandshakeMessage, type ControlMessage, type HandshakeMessage } from './control.ts';

/** Rates and bursts, per peer. */
export const CONTROL_RATES = {
  /** In-game chat lines: the lobby server's defaults (`messagesPerSecond` 50, `messageBurst` 100). */
  chat: { perSecond: 50, burst: 100 },
  /** Control messages of any kind from one peer: honest peers send about 25/s (clock probes, pings). */
  control: { perSecond: 200, burst: 400 },
  /**
   * The host's `hs-round` answers to one member's messages of another round (room.ts, "Rounds"): the
   * first at once, then a few a second however many such messages come (a member probes every 50 ms).
   */
  roundTell: { perSecond: 4, burst: 2 },
} as const;

/** A token bucket: `burst` tokens, refilled continuously at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(private readonly rate: { readonly perSecond: number; readonly burst: number }) {
    this.tokens = rate.burst;
  }

  /** Refills for the time elapsed, then takes one token if there is one. */
  take(nowMs: number): boolean {
    if (this.lastMs !== undefined && nowMs > this.lastMs) this.tokens = Math.min(this.rate.burst, this.tokens + ((nowMs - this.lastMs) * this.rate.perSecond) / 1000);
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per peer, created on first use (peers are lobby members: at most a handful). */
export class PeerBuckets {
  private readonly buckets = new Map<PeerId, TokenBucket>();

  constructor(private readonly rate: { readonly perSecond: number; readonly burst: number }) {}

  take(peer: PeerId, nowMs: number): boolean {
    let b = this.buckets.get(peer);
    if (b === undefined) this.buckets.set(peer, (b = new TokenBucket(this.rate)));
    return b.take(nowMs);
  }

  /** Forget a peer that left. */
  delete(peer: PeerId): void {
    this.buckets.delete(peer);
  }
}

/** How many rounds ahead of ours a host's message may be and still move us forward. */
export const MAX_ROUND_AHEAD = 8;

/** Members' messages of the next round held until we get there (all peers together). */
export const MAX_HELD = 16;

/** How far `theirs` is ahead of `ours`, modulo 2^32 (0 = same round; above 2^31 = behind). */
export function roundsAhead(ours: number, theirs: number): number {
  return (theirs - ours) >>> 0;
}

/** The next round number after `round` (wraps at 2^32, like `roundsAhead`). */
export function nextRoundNumber(round: number): number {
  return (round + 1) >>> 0;
}

/** What the room dropped beyond the schema, by reason. */
export interface GuardDrops {
  /** A peer's control messages over its budget. */
  rateLimited: number;
  /** A peer's chat lines over its chat budget. */
  chatRateLimited: number;
  /** Handshake messages of a round behind ours or too far ahead. */
  otherRounds: number;
}

/** The room's admission rules for control messages. */
export class ControlGuard {
  readonly drops: GuardDrops = { rateLimited: 0, chatRateLimited: 0, otherRounds: 0 };
  private readonly control = new PeerBuckets(CONTROL_RATES.control);
  private readonly chat = new PeerBuckets(CONTROL_RATES.chat);
  private readonly ownChat = new TokenBucket(CONTROL_RATES.chat);
  private readonly roundTells = new PeerBuckets(CONTROL_RATES.roundTell);
  private held: { readonly from: PeerId; readonly message: ControlMessage }[] = [];

  /** One control message from `peer`: within its budget? */
  admit(peer: PeerId, nowMs: number): boolean {
    if (this.control.take(peer, nowMs)) return true;
    this.drops.rateLimited++;
    return false;
  }

  /** One chat line from `peer`: within its chat budget? */
  admitChat(peer: PeerId, nowMs: number): boolean {
    if (this.chat.take(peer, nowMs)) return true;
    this.drops.chatRateLimited++;
    return false;
  }

  /** May we (the host) answer `peer`'s message of another round with our round now? */
  tellRound(peer: PeerId, nowMs: number): boolean {
    return this.roundTells.take(peer, nowMs);
  }

  /** One chat line of ours: within the budget the others hold us to? */
  sendChat(nowMs: number): boolean {
    return this.ownChat.take(nowMs);
  }

  /**
   * A handshake message of round `theirs` from `from`: ours, one to move to, one to hold, or one to
   * ignore (counted). Only the host's messages move us (a few rounds forward: we straggled; or far
   * from ours either way: the host's round is the reference). A member's message never moves us, or
   * it could restart our round forever: one of the next round (that member saw an abort before us) is
   * held until we get there ourselves (`takeHeld`), a bounded few; any other is ignored.
   */
  round(ours: number, m: HandshakeMessage, from: PeerId, fromHost: boolean): 'same' | 'move' | 'held' | 'ignore' {
    const ahead = roundsAhead(ours, m.round);
    if (ahead === 0) return 'same';
    if (fromHost && (ahead <= MAX_ROUND_AHEAD || roundsAhead(m.round, ours) > MAX_ROUND_AHEAD)) return 'move';
    if (!fromHost && ahead === 1 && this.held.length < MAX_HELD) {
      this.held.push({ from, message: m });
      return 'held';
    }
    this.drops.otherRounds++;
    return 'ignore';
  }

  /** The held messages of `round` (now ours), in arrival order; every other held message is dropped (counted). */
  takeHeld(round: number): { readonly from: PeerId; readonly message: ControlMessage }[] {
    const all = this.held;
    this.held = [];
    const mine = all.filter((h) => isHandshakeMessage(h.message) && h.message.round === round);
    this.drops.otherRounds += all.length - mine.length;
    return mine;
  }

  /** Forget a peer that left. */
  forget(peer: PeerId): void {
    this.control.delete(peer);
    this.chat.delete(peer);
    this.roundTells.delete(peer);
  }
}
