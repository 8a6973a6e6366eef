/**
 * Wire protocol messages exchanged between peers over the unreliable datagram channel.
 *
 * These are the decoded shapes; `codec.ts` turns them into compact bytes and back (see
 * `docs/protocol.md` for the byte layout). Every datagram starts with a header carrying a magic
 * byte, the protocol version, the message kind and the session id, so a packet from another
 * program or an old match is dropped before it reaches a session.
 */

/**
 * Bumped whenever the byte layout changes; peers with another version never talk. 2: kind 4 (the
 * standalone `input-ack`, never sent: acks ride on every input message) is no longer a message.
 */
export const PROTOCOL_VERSION = 2;

/** Upper bounds every decoder enforces, so that no length read from the wire is trusted. */
export const LIMITS = {
  /** Players in a match. */
  maxPlayers: 4,
  /** Inputs carried by one input message (all unacknowledged inputs, with room to spare). */
  maxInputsPerMessage: 128,
  /** Largest frame number accepted (about 6.5 days at 60 Hz; a match never comes close). */
  maxFrame: 0x01ff_ffff,
  /** Checksum entries in one checksum message. */
  maxChecksums: 8,
  /** Bytes of a serialized state in a state reply. */
  maxStateBytes: 1024,
  /** Largest datagram the decoder accepts (a rejoin transfer excepted). */
  maxDatagramBytes: 1200,
  /** Bytes of a rejoin transfer's payload (state and inputs, see rejoin-transfer.ts). */
  maxTransferBytes: 4000,
  /** Largest rejoin-transfer datagram (the only kind allowed past `maxDatagramBytes`). */
  maxTransferDatagramBytes: 4096,
  /** Frames of final inputs in one `spectate-feed` batch. */
  maxSpectateFrames: 64,
} as const;

/** Message kinds, as sent on the wire (one byte). */
export const MessageKind = {
  syncRequest: 1,
  syncReply: 2,
  input: 3,
  // 4 was the standalone input-ack (protocol version 1; never sent): reserved, decoded as unknown.
  qualityReport: 5,
  checksumReport: 6,
  keepAlive: 7,
  disconnectNotice: 8,
  stateRequest: 9,
  stateReply: 10,
  rejoinRequest: 11,
  rejoinTransfer: 12,
  spectateRequest: 13,
  spectateFeed: 14,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** Per-player connection status as the sender sees it (gossiped so all peers agree on departures). */
export interface PlayerStatus {
  /** The sender considers this player gone. */
  readonly disconnected: boolean;
  /** Last frame of this player's input the sender holds confirmed (-1 when none). */
  readonly lastFrame: number;
}

/** Clock sync probe (NTP-style): `t0` is the sender's clock when sent, in ms. */
export interface SyncRequest {
  readonly kind: 'sync-request';
  readonly nonce: number;
  readonly t0: number;
}
/** Clock sync answer: echoes `t0`, adds the replier's receive time `t1` and send time `t2`. */
export interface SyncReply {
  readonly kind: 'sync-reply';
  readonly nonce: number;
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
}
/**
 * Inputs of the sender's local player for frames `startFrame .. startFrame + inputs.length - 1`:
 * every input the receiver has not acknowledged yet, so one lost packet costs nothing.
 * Timestamped with the sender's current frame and clock. Also acknowledges the receiver's inputs
 * up to `ackFrame` and gossips what the sender knows of every player's connection.
 */
export interface InputMessage {
  readonly kind: 'input';
  /** Player index (0..3) these inputs belong to. */
  readonly player: number;
  readonly startFrame: number;
  /** One input bitfield (0..255) per frame. May be empty (pure ack/status). */
  readonly inputs: readonly number[];
  /** Last frame of the receiver's inputs the sender has received contiguously (-1 none). */
  readonly ackFrame: number;
  /** The sender's current (local) frame when sending. */
  readonly senderFrame: number;
  /** The sender's clock in ms, truncated to an unsigned 32-bit integer. */
  readonly senderTimeMs: number;
  /** One entry per player of the match. */
  readonly status: readonly PlayerStatus[];
}
/** How far ahead the sender thinks it is, for time sync. */
export interface QualityReport {
  readonly kind: 'quality-report';
  /** Local frame advantage over the receiver, in frames (signed, clamped to ±127). */
  readonly frameAdvantage: number;
  readonly senderFrame: number;
}
/** Checksums of confirmed frames. */
export interface ChecksumReport {
  readonly kind: 'checksum-report';
  readonly entries: readonly { readonly frame: number; readonly checksum: number }[];
}
/** Nothing to say, but still alive. */
export interface KeepAlive {
  readonly kind: 'keep-alive';
}
/** The sender is leaving the match (or declares `player` gone, when it is not itself). */
export interface DisconnectNotice {
  readonly kind: 'disconnect-notice';
  readonly player: number;
  /** From this frame on the player's input is neutral. */
  readonly frame: number;
}
/** Ask for a serialized copy of the sender's state at `frame` (desync forensics). */
export interface StateRequest {
  readonly kind: 'state-request';
  readonly frame: number;
}
/** A serialized state, opaque to the netcode (the game encodes and decodes it). */
export interface StateReply {
  readonly kind: 'state-reply';
  readonly frame: number;
  readonly state: Uint8Array;
}

/** A player coming back asks a peer for the match (its state and inputs): see sessions/rejoins.ts. */
export interface RejoinRequest {
  readonly kind: 'rejoin-request';
}
/** The answer: an opaque payload the netcode encodes and decodes itself (rejoin-transfer.ts). */
export interface RejoinTransfer {
  readonly kind: 'rejoin-transfer';
  readonly payload: Uint8Array;
}

/**
 * A spectator asks a player for the match (sessions/spectator-session.ts): `next` is the first input
 * frame it still needs, 0 when it has nothing yet (then the answer is a transfer). Repeated every
 * ~100 ms and right after each feed (the ack).
 */
export interface SpectateRequest {
  readonly kind: 'spectate-request';
  readonly next: number;
}
/** What a player feeds a spectator: a transfer (the rejoin payload) or a batch of final inputs. */
export type SpectateFeedBody =
  | { readonly kind: 'transfer'; readonly payload: Uint8Array }
  | {
      readonly kind: 'inputs';
      /** Frame of `inputs[0]` (the spectator's `next`). */
      readonly startFrame: number;
      /** Last input frame final at the feeder (≥ the batch's last frame): how far the spectator may go. */
      readonly finalFrame: number;
      /** Per frame, every player's final input (0..255); 0..`LIMITS.maxSpectateFrames` frames. */
      readonly inputs: readonly (readonly number[])[];
    };
/** The feed (sessions/spectator-feed.ts): only frames final at the feeder, so a spectator never rolls back. */
export interface SpectateFeed {
  readonly kind: 'spectate-feed';
  readonly body: SpectateFeedBody;
}

/** Every message body. */
export type Message =
  | SyncRequest
  | SyncReply
  | InputMessage
  | QualityReport
  | ChecksumReport
  | KeepAlive
  | DisconnectNotice
  | StateRequest
  | StateReply
  | RejoinRequest
  | RejoinTransfer
  | SpectateRequest
  | SpectateFeed;

/** A message with its header fields. */
export interface Packet {
  /** Random per match, agreed in the handshake; packets of another session are dropped. */
  readonly sessionId: number;
  readonly message: Message;
}

/** Why a datagram was rejected; counted per reason by the endpoint. */
export type DecodeError =
  | 'too-short'
  | 'too-long'
  | 'bad-magic'
  | 'bad-version'
  | 'unknown-kind'
  | 'truncated'
  | 'out-of-range'
  | 'trailing-bytes';

/** Decoding result: a value, never an exception. */
export type DecodeResult = { readonly ok: true; readonly packet: Packet } | { readonly ok: false; readonly error: DecodeError };

/**
 * Why a session dropped a datagram (or a notarised input record) from a peer; counted per reason in
 * `PeerStats.rejected` and `SessionStats.rejected` (docs/protocol.md, "Drop rules").
 */
export const REJECT_REASONS = [
  /** The codec refused the bytes (any `DecodeError`). */
  'decode',
  /** Another match's session id. */
  'session',
  /** From a peer this session already dropped. */
  'departed',
  /** A player index that is not the sender's (inputs, a goodbye for someone else). */
  'wrong-player',
  /** A status list whose length is not the match's player count. */
  'status-length',
  /** An acknowledgement of inputs this peer never sent. */
  'ack-ahead',
  /** Input or sender frames farther ahead of ours than any honest peer can be. */
  'frame-ahead',
  /** Gossip claiming a player's input frame below what is already final here. */
  'gossip-below-final',
  /** A confirmed input re-sent with another value (the first value stays). */
  'input-changed',
  /** Checksums of frames this session never compares (not tracked, or far ahead). */
  'checksum-frame',
  /** A state reply nobody asked for. */
  'unsolicited',
  /** A state request past what a peer may ask of us (each final frame once, a few frames a match). */
  'state-request-excess',
  /** A clock-probe reply echoing another send time than its probe's. */
  'sync-mismatch',
  /** A notarised record that does not decode, or names another player or session. */
  'record-invalid',
  /** A record that does not continue the player's record stream (a gap), or lies far ahead. */
  'record-gap',
  /** A rejoin request, transfer or hold out of turn (nobody held for a return, another epoch, a second hold). */
  'rejoin-unexpected',
  /** A spectator's message from a player of the match (players neither watch nor feed each other). */
  'spectate-unexpected',
] as const;
/** One of `REJECT_REASONS`. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A zeroed counter per reject reason. */
export function emptyRejectCounts(): Record<RejectReason, number> {
  const out = {} as Record<RejectReason, number>;
  for (const r of REJECT_REASONS) out[r] = 0;
  return out;
}

/** The tree's one exhaustiveness guard (src/shared), re-exported for the netcode's switches. */
export { assertNever } from '../shared/assert-never.ts';
