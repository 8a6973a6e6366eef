/**
 * The ready handshake's bounds (`HANDSHAKE_LIMITS`), options, events and start info (`handshake.ts`
 * runs one round; these are re-exported from there).
 */
import type { PeerId } from '../netcode/socket.ts';
import type { ControlMessage, MatchSetup } from './control.ts';
import type { AbortInfo } from './handshake-abort.ts';

/** Bounds on what a peer can make this handshake do. */
export const HANDSHAKE_LIMITS = {
  /** Largest RTT a vote may claim, ms; a larger claim counts as this (the lead stays bounded). */
  maxVoteRttMs: 1000,
  /** Clock-offset error tolerated on top of the largest honest lead before a START is refused, ms. */
  startSlackMs: 1000,
  /** A ready non-host still without clock sync after this long in the round aborts (`host-timeout`), ms. */
  syncTimeoutMs: 5000,
  /** A non-host that sees everyone ready and gets no START within this long aborts (`host-timeout`), ms. */
  startWaitMs: 3000,
  /** Clock probes remembered for matching replies. */
  probesKept: 16,
  /**
   * The host's cutoff before frame 0 is this plus the slowest member's RTT (from the clamped votes):
   * until then it takes a member's abort (or its own Not ready) and gives up on missing
   * acknowledgements, so its abort, sent no later, reaches every member before that member's frame 0
   * (with clock offsets estimated NTP-style, a member's frame 0 lies at most RTT/2 before the host's,
   * and the abort takes at most the one-way delay, so RTT/2 + jitter is needed; the full RTT plus this
   * margin is the headroom).
   */
  abortMarginMs: 100,
} as const;

/** What both versions a peer runs. */
export interface Versions {
  readonly protocol: number;
  readonly game: number;
}

/** Everything a peer needs to begin the match. */
export interface StartInfo {
  readonly round: number;
  readonly seed: number;
  readonly sessionId: number;
  /** Member ids in player order (index = player). */
  readonly order: readonly PeerId[];
  readonly localPlayer: number;
  readonly setup: MatchSetup;
  /** Start time on the host's clock. */
  readonly startAtHostMs: number;
  /** The same moment on this peer's clock: begin frame 0 then. */
  readonly localStartMs: number;
  /** This peer's estimate of host clock minus local clock. */
  readonly clockOffsetMs: number;
}

/** Events drained with `drainEvents`. */
export type HandshakeEvent =
  | { readonly kind: 'clock-synced'; readonly offsetMs: number; readonly rttMs: number }
  | { readonly kind: 'ready-changed'; readonly peer: PeerId; readonly ready: boolean }
  | { readonly kind: 'committed'; readonly start: StartInfo }
  | ({ readonly kind: 'aborted' } & AbortInfo);

/** Where the handshake is. */
export type HandshakePhase = 'syncing' | 'voting' | 'committing' | 'committed' | 'aborted';

/** Configuration of one handshake round. */
export interface HandshakeOptions {
  readonly localId: PeerId;
  readonly hostId: PeerId;
  /** Every member of the match, in player order (the lobby's join order). */
  readonly members: readonly PeerId[];
  readonly round: number;
  readonly versions: Versions;
  readonly setup: MatchSetup;
  readonly send: (to: PeerId, message: ControlMessage) => void;
  /** A uint32 from a random source (seed and session id; injected so tests are repeatable). */
  readonly random: () => number;
  /** Names for messages (defaults to ids). */
  readonly nameOf?: (id: PeerId) => string;
  readonly syncRounds?: number;
  readonly syncIntervalMs?: number;
  /** Least time between START and frame 0, plus 3 x the slowest RTT. */
  readonly minLeadMs?: number;
  /** Extra lead for a visible countdown. */
  readonly countdownMs?: number;
  readonly retransmitMs?: number;
}

/** The largest lead an honest host picks with these options (the START bound is this plus slack). */
export function maxLeadMs(o: Pick<HandshakeOptions, 'minLeadMs' | 'countdownMs'>): number {
  return (o.minLeadMs ?? 300) + 3 * HANDSHAKE_LIMITS.maxVoteRttMs + (o.countdownMs ?? 0);
}
