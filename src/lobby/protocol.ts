/**
 * Lobby signaling protocol, shared by the signaling server (`signaling/`) and the browser/Node client.
 *
 * JSON text messages over one WebSocket, each an object tagged by `kind` (see `docs/lobby-protocol.md`).
 * The server only runs lobbies and relays opaque SDP/ICE payloads between members of one lobby; all game
 * traffic is peer to peer. Every incoming message goes through `parseClientMessage` /
 * `parseServerMessage`: a `JSON.parse` result is never used unchecked, and malformed input is a value,
 * never an exception.
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
const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

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

const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
const fail = (error: string): Result<never> => ({ ok: false, error });

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

// ---- runtime guards -------------------------------------------------------------------------------

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Result<Fields> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
  if (!isFields(value)) return fail('a message is a JSON object');
  if (typeof value['kind'] !== 'string') return fail('a message needs a string `kind`');
  return ok(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= LOBBY_LIMITS.maxIdChars;
}

/** A string of at most `maxChars` UTF-16 units (exact rules are checked by the validators above). */
function isText(value: unknown, maxChars: number): value is string {
  return typeof value === 'string' && value.length <= maxChars;
}

function parsePartialSettings(value: unknown): Result<Partial<LobbySettings>> {
  if (!isFields(value)) return fail('`settings` is an object');
  const out: { -readonly [K in keyof LobbySettings]?: number } = {};
  for (const key of Object.keys(SETTINGS_RANGES) as (keyof LobbySettings)[]) {
    const field = value[key];
    if (field === undefined) continue;
    if (typeof field !== 'number') return fail(`settings.${key} is a number`);
    out[key] = field;
  }
  return ok(out);
}

/** Validates the text of a client message. */
export function parseClientMessage(text: string): Result<ClientMessage> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  const kind = m['kind'] as string;
  // Names and chat lines get their exact checks on the server (`bad-name` vs `bad-message`);
  // here only their type and a generous length bound.
  switch (kind) {
    case 'create': {
      if (!isText(m['name'], 256)) return fail('create: `name` is a string');
      if (m['settings'] === undefined) return ok({ kind, name: m['name'] });
      const settings = parsePartialSettings(m['settings']);
      return settings.ok ? ok({ kind, name: m['name'], settings: settings.value }) : settings;
    }
    case 'join':
      if (!isId(m['code'])) return fail('join: `code` is a string');
      if (!isText(m['name'], 256)) return fail('join: `name` is a string');
      return ok({ kind, code: m['code'], name: m['name'] });
    case 'leave':
    case 'start-notice':
    case 'reopen':
      return ok({ kind });
    case 'signal':
      if (!isId(m['to'])) return fail('signal: `to` is a member id');
      if (m['data'] === undefined || m['data'] === null) return fail('signal: `data` is required');
      return ok({ kind, to: m['to'], data: m['data'] });
    case 'chat':
      if (!isText(m['text'], LOBBY_LIMITS.maxChatChars * 4)) return fail('chat: `text` is a string');
      return ok({ kind, text: m['text'] });
    case 'set-ready':
      if (typeof m['ready'] !== 'boolean') return fail('set-ready: `ready` is a boolean');
      return ok({ kind, ready: m['ready'] });
    case 'ping':
      if (!Number.isSafeInteger(m['nonce'])) return fail('ping: `nonce` is an integer');
      return ok({ kind, nonce: m['nonce'] as number });
    default:
      return fail(`unknown kind \`${kind.slice(0, 32)}\``);
  }
}

function parseMember(value: unknown): MemberInfo | null {
  if (!isFields(value)) return null;
  const { id, name, ready, peerId } = value;
  // Only bounds here: the server already validated the name, and re-running the printable check
  // against an older browser's Unicode tables could reject a whole member list over one new emoji.
  if (!isId(id) || !isText(name, LOBBY_LIMITS.maxNameChars * 2) || name === '' || typeof ready !== 'boolean') return null;
  if (typeof peerId !== 'string' || peerId.length > LOBBY_LIMITS.maxIdChars) return null;
  return { id, name, ready, peerId };
}

function parseIceServer(value: unknown): Result<IceServer> {
  if (!isFields(value)) return fail('an ICE server is an object');
  const { urls, username, credential } = value;
  const list = typeof urls === 'string' ? [urls] : urls;
  if (!Array.isArray(list) || list.length === 0) return fail('`urls` is a string or a non-empty array');
  let needsCredentials = false;
  for (const url of list as unknown[]) {
    if (typeof url !== 'string' || !/^(stun|stuns|turn|turns):\S+$/.test(url) || url.length > 512) {
      return fail(`bad ICE url ${JSON.stringify(url)}`);
    }
    if (url.startsWith('turn')) needsCredentials = true;
  }
  if (username !== undefined && typeof username !== 'string') return fail('`username` is a string');
  if (credential !== undefined && typeof credential !== 'string') return fail('`credential` is a string');
  if (needsCredentials && (username === undefined || credential === undefined)) {
    return fail('a TURN server needs `username` and `credential`');
  }
  return ok({
    urls: typeof urls === 'string' ? urls : (list as string[]),
    ...(username === undefined ? {} : { username }),
    ...(credential === undefined ? {} : { credential }),
  });
}

/** Validates a list of ICE servers (the `ICE_SERVERS` variable, or `joined.iceServers`). */
export function parseIceServers(value: unknown): Result<IceServer[]> {
  if (!Array.isArray(value) || value.length > LOBBY_LIMITS.maxIceServers) return fail('ICE servers are an array of at most 16');
  const out: IceServer[] = [];
  for (const item of value as unknown[]) {
    const server = parseIceServer(item);
    if (!server.ok) return server;
    out.push(server.value);
  }
  return ok(out);
}

function parsePeer(value: unknown): Result<PeerCredentials | null> {
  if (value === null) return ok(null);
  if (!isFields(value)) return fail('`peer` is an object or null');
  const { id, token, path, key } = value;
  if (!isId(id) || !isId(token) || typeof path !== 'string' || typeof key !== 'string') return fail('bad `peer`');
  return ok({ id, token, path, key });
}

function parseJoined(m: Fields): Result<ServerMessage> {
  const { memberId, code, linkPath, hostId, started } = m;
  if (!isId(memberId) || !isId(code) || typeof linkPath !== 'string' || !isId(hostId)) return fail('joined: bad ids');
  if (typeof started !== 'boolean') return fail('joined: `started` is a boolean');
  if (!Array.isArray(m['members']) || m['members'].length > LOBBY_LIMITS.maxMembers) return fail('joined: bad `members`');
  const members: MemberInfo[] = [];
  for (const item of m['members'] as unknown[]) {
    const member = parseMember(item);
    if (member === null) return fail('joined: bad member');
    members.push(member);
  }
  const settingsFields = parsePartialSettings(m['settings']);
  const settings = settingsFields.ok ? validateSettings(settingsFields.value) : settingsFields;
  if (!settings.ok) return fail(`joined: ${settings.error}`);
  const iceServers = parseIceServers(m['iceServers']);
  if (!iceServers.ok) return fail(`joined: ${iceServers.error}`);
  const peer = parsePeer(m['peer']);
  if (!peer.ok) return fail(`joined: ${peer.error}`);
  return ok({
    kind: 'joined', memberId, code, linkPath, members, hostId, started,
    settings: settings.value, iceServers: iceServers.value, peer: peer.value,
  });
}

/** Validates the text of a server message. */
export function parseServerMessage(text: string): Result<ServerMessage> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  const kind = m['kind'] as string;
  switch (kind) {
    case 'joined':
      return parseJoined(m);
    case 'member-joined':
    case 'member-updated': {
      const member = parseMember(m['member']);
      return member === null ? fail(`${kind}: bad member`) : ok({ kind, member });
    }
    case 'member-left': {
      const reason = m['reason'];
      if (!isId(m['memberId']) || (reason !== 'left' && reason !== 'disconnected')) return fail('member-left: bad fields');
      return ok({ kind, memberId: m['memberId'], reason });
    }
    case 'host-changed':
      return isId(m['hostId']) ? ok({ kind, hostId: m['hostId'] }) : fail('host-changed: bad `hostId`');
    case 'signal':
      if (!isId(m['from']) || m['data'] === undefined || m['data'] === null) return fail('signal: bad fields');
      return ok({ kind, from: m['from'], data: m['data'] });
    case 'chat':
      if (!isId(m['from']) || !isText(m['text'], LOBBY_LIMITS.maxChatChars * 2) || m['text'] === '') return fail('chat: bad fields');
      return ok({ kind, from: m['from'], text: m['text'] });
    case 'error': {
      const code = m['code'];
      if (typeof code !== 'string' || !ERROR_CODES.has(code) || !isText(m['message'], 1024)) return fail('error: bad fields');
      return ok({ kind, code: code as ErrorCode, message: m['message'] });
    }
    case 'lobby-started':
    case 'lobby-reopened':
      return ok({ kind });
    case 'pong':
      return Number.isSafeInteger(m['nonce']) ? ok({ kind, nonce: m['nonce'] as number }) : fail('pong: bad `nonce`');
    default:
      return fail(`unknown kind \`${kind.slice(0, 32)}\``);
  }
}

/** Serializes a message (either direction). */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
