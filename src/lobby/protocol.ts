/**
 * Lobby signaling protocol, shared by the signaling server (`signaling/`) and the browser/Node client.
 *
 * JSON text messages over one WebSocket, each an object tagged by `kind` (see `docs/lobby-protocol.md`).
 * The server only runs lobbies and relays opaque SDP/ICE payloads between members of one lobby; all game
 * traffic is peer to peer. This file holds the vocabulary (messages, limits, codes, value validators);
 * `protocol-guards.ts` checks every incoming message against it (`parseClientMessage` /
 * `parseServerMessage`): a `JSON.parse` result is never used unchecked, and malformed input is a
 * value, never an exception.
 */

/** Path of the signaling WebSocket on the server. */
export const SIGNALING_PATH = '/ws';
/** Path the PeerJS server is mounted on (PeerJS client option `path`). */
export const PEERJS_PATH = '/peerjs';
/** PeerJS API key (PeerJS client option `key`; the `peer` package's default). */
export const PEERJS_KEY = 'peerjs';
/** Prefix of shareable lobby links: `/lobby/<code>`. */
export const LOBBY_LINK_PREFIX = '/lobby/';

/** Bounds enforced by the guards and the server. */
export const LOBBY_LIMITS = {
  maxMessageBytes: 16 * 1024, // largest message either side accepts, UTF-8 bytes (SDP offers: 1-6 KiB)
  maxNameChars: 20, // player name, code points after trimming
  maxChatChars: 280, // chat line, code points after trimming
  maxIdChars: 64, // longest id (member, peer, lobby code) the guards accept
  maxMembers: 4, // members listed in one message
  maxIceServers: 16, // ICE servers in a `joined` message
} as const;

/** Lobby settings chosen by the creator. All integers. */
export interface LobbySettings {
  /** Players the lobby holds (2-4). */
  readonly capacity: number;
  /** Points that win a match (1-99). */
  readonly pointsToWin: number;
  /** Frames of input delay (0-10). */
  readonly inputDelay: number;
  /** Frames the simulation may run ahead of confirmed input (1-16). */
  readonly maxPrediction: number;
}

/** Inclusive integer range of each setting. */
export const SETTINGS_RANGES = {
  capacity: { min: 2, max: 4 },
  pointsToWin: { min: 1, max: 99 },
  inputDelay: { min: 0, max: 10 },
  maxPrediction: { min: 1, max: 16 },
} as const satisfies Record<keyof LobbySettings, { min: number; max: number }>;

/** Settings used for any field a `create` message leaves out. */
export const DEFAULT_SETTINGS: LobbySettings = { capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };

/** Error codes carried by `{ kind: 'error' }`. */
export const ErrorCode = {
  lobbyFull: 'lobby-full',
  unknownLobby: 'unknown-lobby',
  expiredLobby: 'expired-lobby',
  nameTaken: 'name-taken',
  badName: 'bad-name',
  badSettings: 'bad-settings',
  badMessage: 'bad-message',
  tooLarge: 'too-large',
  rateLimited: 'rate-limited',
  notMember: 'not-member',
  notInLobby: 'not-in-lobby',
  alreadyInLobby: 'already-in-lobby',
  serverFull: 'server-full',
  originDenied: 'origin-denied',
  inProgress: 'in-progress',
  notHost: 'not-host',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes the server uses (the close reason is the matching error code, if any). */
export const CloseCode = {
  normal: 1000, // also: the PeerJS socket of a member who left its lobby
  goingAway: 1001, // server shutting down
  messageTooBig: 1009, // frame above 4 x maxMessageBytes (smaller oversize messages get `too-large`)
  internalError: 1011, // unexpected server fault on this connection
  originDenied: 4003, // `Origin` not in the server's allow-list
  rateLimited: 4008, // kept flooding after a `rate-limited` error
  serverFull: 4013, // connection limit reached
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** A lobby member's id, unique within its lobby, assigned by the server. */
export type MemberId = string;

/** RTCIceServer subset the server hands out (from the `ICE_SERVERS` environment variable). */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** A member as every member of the lobby sees it. */
export interface MemberInfo {
  readonly id: MemberId;
  readonly name: string;
  /** Informational: the real ready handshake runs peer to peer. */
  readonly ready: boolean;
  /** The member's PeerJS id (empty string when the server runs without PeerJS). */
  readonly peerId: string;
}

/** PeerJS credentials for `new Peer(id, { path, key, token })`; only the owner learns `token`. */
export interface PeerCredentials {
  readonly id: string;
  readonly token: string;
  readonly path: string;
  readonly key: string;
}

/** Messages a client sends. */
export type ClientMessage =
  | { readonly kind: 'create'; readonly name: string; readonly settings?: Partial<LobbySettings> }
  | { readonly kind: 'join'; readonly code: string; readonly name: string }
  | { readonly kind: 'leave' }
  /** `data` is an opaque JSON value (SDP or ICE candidate), relayed as is. */
  | { readonly kind: 'signal'; readonly to: MemberId; readonly data: unknown }
  | { readonly kind: 'chat'; readonly text: string }
  | { readonly kind: 'set-ready'; readonly ready: boolean }
  /** Host only: the match starts; the lobby takes no more joins. */
  | { readonly kind: 'start-notice' }
  /** Host only: un-start the lobby for a rematch (joins open again, ready flags reset). */
  | { readonly kind: 'reopen' }
  | { readonly kind: 'ping'; readonly nonce: number };
export type ClientMessageKind = ClientMessage['kind'];

/** Messages the server sends. */
export type ServerMessage =
  | {
      readonly kind: 'joined';
      readonly memberId: MemberId;
      readonly code: string;
      readonly linkPath: string;
      readonly members: readonly MemberInfo[];
      readonly hostId: MemberId;
      readonly settings: LobbySettings;
      readonly started: boolean;
      readonly iceServers: readonly IceServer[];
      /** Null when the server runs without a PeerJS mount. */
      readonly peer: PeerCredentials | null;
    }
  | { readonly kind: 'member-joined'; readonly member: MemberInfo }
  | { readonly kind: 'member-left'; readonly memberId: MemberId; readonly reason: 'left' | 'disconnected' }
  | { readonly kind: 'member-updated'; readonly member: MemberInfo }
  | { readonly kind: 'host-changed'; readonly hostId: MemberId }
  /** `from` is set by the server from the sender's connection, never taken from the client. */
  | { readonly kind: 'signal'; readonly from: MemberId; readonly data: unknown }
  | { readonly kind: 'chat'; readonly from: MemberId; readonly text: string }
  | { readonly kind: 'error'; readonly code: ErrorCode; readonly message: string }
  | { readonly kind: 'lobby-started' }
  | { readonly kind: 'lobby-reopened' }
  | { readonly kind: 'pong'; readonly nonce: number };
export type ServerMessageKind = ServerMessage['kind'];

/** A value or an expected failure. */
export type Result<T, E = string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** A successful `Result`. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
/** A failed `Result`. */
export const fail = (error: string): Result<never> => ({ ok: false, error });

/** Link path of a lobby code. */
export function lobbyLinkPath(code: string): string {
  return LOBBY_LINK_PREFIX + code;
}

/** Lobby codes are base64url of 16 random bytes: 22 characters. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** Whether `code` has the shape of a lobby code (it may still be unknown to the server). */
export function isLobbyCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

/** The lobby code in a `/lobby/<code>` path, or null. */
export function lobbyCodeFromPath(path: string): string | null {
  if (!path.startsWith(LOBBY_LINK_PREFIX)) return null;
  const code = path.slice(LOBBY_LINK_PREFIX.length).replace(/\/$/, '');
  return isLobbyCode(code) ? code : null;
}

// Control, unassigned, private-use and lone-surrogate code points, and format characters other than
// the zero-width joiner (emoji sequences): they render invisibly or reorder text (bidi overrides).
const UNPRINTABLE = /[\p{Cc}\p{Cn}\p{Co}\p{Cs}]|(?!\u200d)\p{Cf}/u;

/** Trims a player name and checks it: 1..20 printable code points. */
export function validateName(raw: string): Result<string> {
  const name = raw.trim();
  const length = [...name].length;
  if (length < 1 || length > LOBBY_LIMITS.maxNameChars) return fail(`a name has 1 to ${LOBBY_LIMITS.maxNameChars} characters`);
  if (UNPRINTABLE.test(name)) return fail('a name may only contain printable characters');
  return ok(name);
}

/** The key two names clash on (unique per lobby, case-insensitive). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Trims a chat line and checks it: 1..280 printable code points. */
export function validateChat(raw: string): Result<string> {
  const text = raw.trim();
  const length = [...text].length;
  if (length < 1 || length > LOBBY_LIMITS.maxChatChars) return fail(`a chat line has 1 to ${LOBBY_LIMITS.maxChatChars} characters`);
  if (UNPRINTABLE.test(text)) return fail('a chat line may only contain printable characters');
  return ok(text);
}

/** Fills defaults into partial settings and checks every range. */
export function validateSettings(partial: Partial<LobbySettings>): Result<LobbySettings> {
  const settings = { ...DEFAULT_SETTINGS, ...partial };
  for (const key of Object.keys(SETTINGS_RANGES) as (keyof LobbySettings)[]) {
    const { min, max } = SETTINGS_RANGES[key];
    const value = settings[key];
    if (!Number.isInteger(value) || value < min || value > max) return fail(`${key} must be an integer in ${min}..${max}`);
  }
  return ok(settings);
}
