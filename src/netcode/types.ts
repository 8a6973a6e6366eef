/**
 * Shared vocabulary of the rollback core: frames, requests returned to the caller, events, stats.
 * The core is generic over the game state `S`: it never looks inside a state, it only stores the
 * references and checksums the caller hands back through `save` requests.
 */
import type { RejectReason } from './protocol.ts';
import type { PeerId } from './socket.ts';

/** A frame number (0 = the initial state). */
export type Frame = number;
/** "No frame" marker. */
export const NULL_FRAME: Frame = -1;

/** Where the caller stores a state when asked to save it (a ring slot, reused; never retain it). */
export interface StateCell<S> {
  save(frame: Frame, state: S, checksum: number): void;
}

/**
 * Work the session returns from `advanceFrame`, to be executed by the caller in order:
 * - `save`: store the current state (and its checksum) into `cell`;
 * - `load`: replace the current state by `state` (a rollback);
 * - `advance`: step the current state once with `inputs` (one bitfield per player).
 */
export type SessionRequest<S> =
  | { readonly kind: 'save'; readonly frame: Frame; readonly cell: StateCell<S> }
  | { readonly kind: 'load'; readonly frame: Frame; readonly state: S }
  | { readonly kind: 'advance'; readonly frame: Frame; readonly inputs: readonly number[] };

/** What the core needs to know about a game to run sessions and sync tests on it. */
export interface GameAdapter<S> {
  step(state: S, inputs: readonly number[]): S;
  checksum(state: S): number;
}

/** A desync: two peers (or a re-simulation) disagree on a confirmed frame's checksum. */
export interface DesyncReport {
  readonly frame: Frame;
  readonly localChecksum: number;
  readonly remoteChecksum: number;
  /** Which peer disagreed (undefined in a sync test). */
  readonly peer?: PeerId;
  /** Field-level differences, when the states were available. */
  readonly diff?: readonly FieldDiff[];
  /**
   * The player blamed: the one whose checksum disagrees with the others (majority, in 3-4 player
   * matches), or the other peer with 2 players; may be the local player when the others agree against it.
   */
  readonly culprit?: number;
}

/**
 * How a cheater was caught (the notary's input records, docs/protocol.md "Hostile peers"):
 * - `conflicting-records`: two notarised records of one player disagree on a frame (seen identically by
 *   every peer, since the notary sends the same bytes to all);
 * - `contradicts-record`: the player's direct inputs to this peer differ from its own notarised record;
 * - `unrecoverable`: such a correction came too late to roll back (this peer has diverged because of it).
 */
export const CHEAT_REASONS = ['conflicting-records', 'contradicts-record', 'unrecoverable'] as const;
/** One of `CHEAT_REASONS`. */
export type CheatReason = (typeof CHEAT_REASONS)[number];

/**
 * Why a player is gone: it said goodbye (`left`), fell silent or lost the lobby server (`lost`), or was
 * expelled for publishing two conflicting input records (`expelled`: seen identically by every member).
 */
export type DepartureReason = 'left' | 'lost' | 'expelled';

/**
 * Why a state needed for a rollback was no longer held (`state-lost`): an input of a frame older than
 * the saved states changed, because the peers agreed on a departure at that earlier frame
 * (`departure`: the player's input is neutral from there), or because a notarised record corrected it
 * (`record`: with a direct input that contradicted it, `cheating` `unrecoverable` names the sender).
 */
export type StateLostReason = 'departure' | 'record';

/** Events drained from a session with `drainEvents()`. */
export type SessionEvent =
  | { readonly kind: 'synchronized'; readonly peer: PeerId }
  | { readonly kind: 'network-interrupted'; readonly peer: PeerId; readonly silentForMs: number }
  | { readonly kind: 'network-resumed'; readonly peer: PeerId }
  /**
   * A player is gone from `frame` on (its input neutral), agreed by every remaining peer. `left`: this
   * peer heard the player say goodbye (its own notice, or the lobby server); `lost`: it fell silent.
   */
  | { readonly kind: 'disconnected'; readonly peer: PeerId; readonly player: number; readonly frame: Frame; readonly reason: DepartureReason }
  | { readonly kind: 'desync'; readonly report: DesyncReport }
  /**
   * This peer can no longer correct its game: `player`'s input of `frame` changed after the state of
   * that frame left the ring of saved states (see `StateLostReason`), so nothing can be rolled back and
   * no checksum compared for it. Its game has diverged from the others' from `frame` on (if the change
   * mattered; later checksum comparisons then report a `desync`). Raised once per player.
   */
  | { readonly kind: 'state-lost'; readonly peer: PeerId; readonly player: number; readonly frame: Frame; readonly reason: StateLostReason }
  | { readonly kind: 'stall'; readonly frame: Frame; readonly waitingFor: readonly number[] }
  | { readonly kind: 'desync-diff'; readonly peer: PeerId; readonly frame: Frame; readonly diff: readonly FieldDiff[] }
  /** Never raised any more: another peer's word that we are gone is not believed (kept for old callers). */
  | { readonly kind: 'local-disconnected'; readonly frame: Frame }
  /** `player` (peer `peer`) cheated; the notarised records decide its inputs (see `CheatReason`). */
  | { readonly kind: 'cheating'; readonly player: number; readonly peer: PeerId; readonly reason: CheatReason; readonly frame: Frame }
  /**
   * Finality (which frames' checksums are compared) has been held back by `player` for longer than the
   * bound (its notarised records, or its gossip, lag): raised once per player; `frame` is the final frame.
   */
  | { readonly kind: 'finality-withheld'; readonly player: number; readonly peer: PeerId; readonly frame: Frame }
  /**
   * A departed player is back: every remaining peer agreed that its input counts again from `frame`
   * (sessions/rejoins.ts). Raised by the remaining peers; the returning one resumes at that frame.
   */
  | { readonly kind: 'rejoined'; readonly peer: PeerId; readonly player: number; readonly frame: Frame };

/** One differing field between two states (see the game's diff helper). */
export interface FieldDiff {
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
}

/** Network figures for one remote peer. */
export interface PeerStats {
  readonly peer: PeerId;
  readonly player: number;
  /** Round-trip time, ms (smoothed mean). */
  readonly pingMs: number;
  /** Mean deviation of the RTT, ms. */
  readonly jitterMs: number;
  /** Estimated fraction of our packets lost on the way (0..1), from acknowledgements. */
  readonly loss: number;
  /** Estimated `remoteClock - localClock`, ms (NTP-style). */
  readonly clockOffsetMs: number;
  readonly kbpsIn: number;
  readonly kbpsOut: number;
  readonly packetsPerSecondIn: number;
  readonly packetsPerSecondOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  /** Packets dropped by the decoder or session filter (the sum of `rejected`). */
  readonly packetsRejected: number;
  /** Packets (and notarised records) of this peer dropped, per reason (always set by a session). */
  readonly rejected?: Readonly<Record<RejectReason, number>>;
  /** How many frames we are ahead of this peer (negative: behind). */
  readonly framesAhead: number;
  /** Last frame of this peer's input we hold. */
  readonly lastReceivedFrame: Frame;
  readonly state: 'running' | 'interrupted' | 'disconnected';
}

/** Session-wide figures. */
export interface SessionStats {
  readonly frame: Frame;
  readonly confirmedFrame: Frame;
  readonly rollbacks: number;
  /** `histogram[d]` = rollbacks of depth d frames (index 0 unused). */
  readonly rollbackHistogram: readonly number[];
  readonly maxRollbackFrames: number;
  /** Frames simulated on a prediction (at least one remote input guessed). */
  readonly predictedFrames: number;
  readonly stalls: number;
  /** Frames re-simulated because of rollbacks. */
  readonly resimulatedFrames: number;
  /** Current time-sync factor applied to the tick rate (1 = normal; < 1 = slowing down). */
  readonly tickRateFactor: number;
  readonly framesAhead: number;
  readonly inputDelay: number;
  /** Packets dropped per reason, over every peer (always set by a session). */
  readonly rejected?: Readonly<Record<RejectReason, number>>;
  /** Packets from peer ids that are not in the session (always set by a session). */
  readonly unknownPeerPackets?: number;
  readonly peers: readonly PeerStats[];
  /** The spectators this player feeds (always set by a session). */
  readonly spectators?: SpectatorFeedStats;
}

/**
 * Why a spectator's datagram got no answer from a player (sessions/spectator-feed.ts): a request from a
 * peer not admitted, a `watch` beyond `maxFed`, undecodable, another session, not a request, within
 * `minReplyMs` of the last reply, over the byte budget, `next` far ahead of the final frame, no state saved.
 */
export const SPECTATOR_FEED_DROPS = ['not-admitted', 'capacity', 'decode', 'session', 'kind', 'rate', 'budget', 'ahead', 'no-state'] as const;
/** One of `SPECTATOR_FEED_DROPS`. */
export type SpectatorFeedDrop = (typeof SPECTATOR_FEED_DROPS)[number];

/** What a player's spectator feed did. */
export interface SpectatorFeedStats {
  /** Spectators admitted now. */
  readonly watching: number;
  /** Feeds sent (transfers and batches). */
  readonly replies: number;
  readonly transfers: number;
  /** Bytes of every feed datagram sent. */
  readonly bytesOut: number;
  readonly dropped: Readonly<Record<SpectatorFeedDrop, number>>;
}
