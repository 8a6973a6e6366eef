/**
 * Lobby signaling protocol, shared by the signaling server (`signaling/`) and the browser/Node client.
 *
 * JSON text messages over one WebSocket, each an object tagged by `kind` (see `docs/lobby-protocol.md`).
 * The server only runs lobbies and relays opaque SDP/ICE payloads between members of one lobby; all game
 * traffic is peer to peer. This file holds the vocabulary (limits, codes, paths, value validators);
 * `protocol-schema.ts` holds the valibot schemas every message is parsed with in both directions, and
 * the message types are inferred from them: a message, a setting or a limit is defined once.
 */
import { MAX_NAME_CHARS } from './names.ts';
import type { LobbySettings } from './protocol-schema.ts';

export { nameKey, validateName } from './names.ts';
export type {
  ClientMessage, ClientMessageKind, IceServer, LobbySettings, MemberId, MemberInfo, PeerCredentials, ServerMessage,
  ServerMessageKind, WatcherInfo,
} from './protocol-schema.ts';

/** Path of the signaling WebSocket on the server. */
export const SIGNALING_PATH = '/ws';
/** Path the PeerJS server is mounted on (PeerJS client option `path`). */
export const PEERJS_PATH = '/peerjs';
/** PeerJS API key (PeerJS client option `key`; the `peer` package's default). */
export const PEERJS_KEY = 'peerjs';
/** Prefix of shareable lobby links: `/lobby/<code>`. */
export const LOBBY_LINK_PREFIX = '/lobby/';

/** Bounds enforced by the schemas and the server (server-side values can be lowered by options). */
export const LOBBY_LIMITS = {
  maxMessageBytes: 16 * 1024, // largest message either side accepts, UTF-8 bytes (SDP offers: 1-6 KiB)
  maxJsonDepth: 16, // deepest nesting of arrays/objects in a message, checked before JSON.parse
  maxNameChars: MAX_NAME_CHARS, // player name, code points after folding and trimming
  maxChatChars: 280, // chat line, code points after trimming
  maxIdChars: 64, // longest id (member, peer, lobby code) the schemas accept
  maxMembers: 4, // members listed in one message
  maxWatchers: 16, // watchers (spectators) one lobby admits and lists
  maxIceServers: 16, // ICE servers in a `joined` message
  maxRecordChars: 1400, // `record` data: base64 or base64url characters
  rejoinTokenChars: 43, // `joined.rejoinToken` / `join.rejoin`: base64url of 32 random bytes
} as const;

/** Inclusive integer range of each lobby setting: the one definition (the schema is built from it). */
export const SETTINGS_RANGES = {
  /** Players the lobby holds. */
  capacity: { min: 2, max: 4 },
  /** Points that win a match. */
  pointsToWin: { min: 1, max: 99 },
  /** Frames of input delay. */
  inputDelay: { min: 0, max: 10 },
  /** Frames the simulation may run ahead of confirmed input. */
  maxPrediction: { min: 1, max: 16 },
} as const;

/** Settings used for any field a `create` message leaves out. */
export const DEFAULT_SETTINGS: LobbySettings = { capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };

/** Error codes carried by `{ kind: 'error' }`: a fixed vocabulary (see `ERROR_TEXT`). */
export const ErrorCode = {
  lobbyFull: 'lobby-full',
  unknownLobby: 'unknown-lobby',
  expiredLobby: 'expired-lobby',
  nameTaken: 'name-taken',
  badName: 'bad-name',
  badSettings: 'bad-settings',
  badMessage: 'bad-message',
  tooLarge: 'too-large',
  tooDeep: 'too-deep',
  rateLimited: 'rate-limited',
  notMember: 'not-member',
  notInLobby: 'not-in-lobby',
  alreadyInLobby: 'already-in-lobby',
  serverFull: 'server-full',
  tooManyConnections: 'too-many-connections',
  tooManyLobbies: 'too-many-lobbies',
  originDenied: 'origin-denied',
  inProgress: 'in-progress',
  notHost: 'not-host',
  joinTimeout: 'join-timeout',
  slowReader: 'slow-reader',
  droppedByPeers: 'dropped-by-peers',
  badRejoin: 'bad-rejoin',
  replaced: 'replaced',
  tooManyWatchers: 'too-many-watchers',
  watcherNotAllowed: 'watcher-not-allowed',
  notWatching: 'not-watching',
  watchingUnavailable: 'watching-unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error that answers what the client's transport sent on its own: a WebRTC signal (an ICE
 * candidate) to a member who left a moment before is answered `not-member`. Nobody's doing and
 * nothing to show a player; the rooms drop it (the server counts it).
 */
export function isSignalRace(code: ErrorCode): boolean {
  return code === ErrorCode.notMember;
}

/**
 * The one text the server sends with each error code. Fixed on purpose: no error text carries
 * anything a client or peer wrote (a name, a field, a kind), so nothing a hostile member types is
 * ever shown to another player as if the server had said it.
 */
export const ERROR_TEXT: Readonly<Record<ErrorCode, string>> = {
  'lobby-full': 'the lobby is full',
  'unknown-lobby': 'no lobby with this code',
  'expired-lobby': 'this lobby expired; create a new one',
  'name-taken': 'this name (or one that looks like it) is taken in this lobby',
  'bad-name': 'a name has 1 to 20 visible characters in one alphabet',
  'bad-settings': 'the lobby settings are out of range',
  'bad-message': 'the message does not follow the lobby protocol',
  'too-large': 'the message is too large',
  'too-deep': 'the message is nested too deeply',
  'rate-limited': 'too many messages; slow down',
  'not-member': 'the target is not another member of your lobby',
  'not-in-lobby': 'join a lobby first',
  'already-in-lobby': 'leave your lobby first',
  'server-full': 'server full; try again later',
  'too-many-connections': 'too many connections from your address',
  'too-many-lobbies': 'too many lobbies from your address; try again later',
  'origin-denied': 'origin not allowed',
  'in-progress': 'the match in this lobby has started',
  'not-host': 'only the host can do that',
  'join-timeout': 'no lobby joined in time',
  'slow-reader': 'messages were not read fast enough',
  'dropped-by-peers': 'every other member of your lobby lost your connection',
  'bad-rejoin': 'this rejoin token holds no place in this lobby (wrong, expired or for another lobby)',
  'replaced': 'your membership was resumed on another connection',
  'too-many-watchers': 'this lobby has as many watchers as it admits (16)',
  'watcher-not-allowed': 'watchers cannot do that; take a free seat first',
  'not-watching': 'only a watcher can take a seat',
  'watching-unavailable': 'watching is not available on this server',
};

/** WebSocket close codes the server uses (the close reason is the matching error code, if any). */
export const CloseCode = {
  normal: 1000, // also: the PeerJS socket of a member who left its lobby
  goingAway: 1001, // server shutting down
  messageTooBig: 1009, // frame above 4 x maxMessageBytes (smaller oversize messages get `too-large`)
  internalError: 1011, // unexpected server fault on this connection
  badMessage: 4002, // PeerJS socket: a message that failed its schema (the lobby socket gets an error instead)
  originDenied: 4003, // `Origin` not in the server's allow-list
  rateLimited: 4008, // kept flooding after a `rate-limited` error
  slowReader: 4009, // outgoing buffer above its bound: the peer stopped reading
  joinTimeout: 4010, // lobby socket that did not create or join a lobby in time
  droppedByPeers: 4012, // every other member reported this one silent in their match (`report`)
  serverFull: 4013, // connection limit reached
  replaced: 4014, // a `join` with this member's rejoin token took its membership over on another socket
  lobbyExpired: 4015, // a watcher's lobby expired (its last member left `emptyLobbyTtlMs` ago)
  tooManyConnections: 4029, // per-address connection limit reached
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

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

// Control, unassigned, private-use and lone-surrogate code points, and format characters other than
// the zero-width joiner (emoji sequences): they render invisibly or reorder text (bidi overrides).
const UNPRINTABLE = /[\p{Cc}\p{Cn}\p{Co}\p{Cs}]|(?!\u200d)\p{Cf}/u;

/** Trims a chat line and checks it: 1..280 printable code points. */
export function validateChat(raw: string): Result<string> {
  const text = raw.trim();
  const length = [...text].length;
  if (length < 1 || length > LOBBY_LIMITS.maxChatChars) return fail(`a chat line has 1 to ${LOBBY_LIMITS.maxChatChars} characters`);
  if (UNPRINTABLE.test(text)) return fail('a chat line may only contain printable characters');
  return ok(text);
}
