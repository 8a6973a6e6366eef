/**
 * valibot schemas of the lobby protocol, both directions (the server parses client messages with
 * them, the client parses server messages with them), lobby settings and ICE servers. The message
 * types are inferred from the schemas (`v.InferOutput`), so a field or a bound is written once.
 *
 * Parsing never throws and never recurses over attacker-chosen depth: a message is first bounded in
 * length, then its nesting depth is counted by a flat scan (`jsonDepthWithin`) before `JSON.parse`
 * sees it; only then does the schema check it. Objects are parsed to their known keys only.
 */
import * as v from 'valibot';
import { DEFAULT_SETTINGS, ErrorCode, LOBBY_LIMITS, SETTINGS_RANGES } from './protocol.ts';
import type { Result } from './protocol.ts';

// ---- bounded JSON ---------------------------------------------------------------------------------

/**
 * Whether the arrays/objects in `text` nest at most `maxDepth` deep. One pass, no recursion, no
 * allocation; brackets inside strings do not count. Invalid JSON may pass (JSON.parse refuses it).
 */
export function jsonDepthWithin(text: string, maxDepth: number): boolean {
  // Fast path (native indexOf): a text with at most `maxDepth` opening brackets in all cannot nest
  // deeper. Typical messages (an SDP offer: 2 braces in 4 KB) never reach the character loop.
  let opens = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1 && opens <= maxDepth; i = text.indexOf(bracket, i + 1)) opens++;
  }
  if (opens <= maxDepth) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return false;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return true;
}

/** Why bounded JSON decoding failed. */
export type JsonFailure = 'too-large' | 'too-deep' | 'not-json';

/** `JSON.parse` behind a length bound (UTF-16 units) and a depth bound. */
export function parseBoundedJson(text: string, maxChars: number, maxDepth: number = LOBBY_LIMITS.maxJsonDepth): Result<unknown, JsonFailure> {
  if (text.length > maxChars) return { ok: false, error: 'too-large' };
  if (!jsonDepthWithin(text, maxDepth)) return { ok: false, error: 'too-deep' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'not-json' };
  }
}

// ---- values ---------------------------------------------------------------------------------------

const IdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxIdChars));
/** A bounded string whose exact rules are checked by the server's validators (`bad-name` etc.). */
const text = (maxChars: number) => v.pipe(v.string(), v.maxLength(maxChars));
/** Base64 or base64url (one alphabet per string), 1..1400 characters: the notary's record data. */
const RecordDataSchema = v.pipe(
  v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxRecordChars),
  v.regex(/^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/, 'base64 or base64url'),
);
/** An opaque JSON value (SDP, ICE candidate): bounded by the message's length and depth limits. */
const OpaqueSchema = v.pipe(v.unknown(), v.check((value) => value !== null && value !== undefined, 'required'));
const NonceSchema = v.pipe(v.number(), v.safeInteger());
/** A rejoin token (`joined.rejoinToken`, `join.rejoin`): base64url of 32 random bytes. */
const RejoinTokenSchema = v.pipe(
  v.string(), v.length(LOBBY_LIMITS.rejoinTokenChars), v.regex(/^[A-Za-z0-9_-]+$/, 'base64url'),
);

const rangedInt = (range: { readonly min: number; readonly max: number }) =>
  v.pipe(v.number(), v.integer(), v.minValue(range.min), v.maxValue(range.max));
type RangedInt = ReturnType<typeof rangedInt>;

/** Lobby settings: every field an integer in its `SETTINGS_RANGES` range. */
export const LobbySettingsSchema = v.object(((): { [K in keyof typeof SETTINGS_RANGES]: RangedInt } => {
  const entries = {} as { -readonly [K in keyof typeof SETTINGS_RANGES]: RangedInt };
  for (const key of Object.keys(SETTINGS_RANGES) as (keyof typeof SETTINGS_RANGES)[]) entries[key] = rangedInt(SETTINGS_RANGES[key]);
  return entries;
})());
/** Lobby settings chosen by the creator. */
export type LobbySettings = v.InferOutput<typeof LobbySettingsSchema>;

/** A JSON object, not an array (valibot's `object` accepts arrays, which matters when no key is required). */
export const NotArraySchema = v.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'an object',
);

/** `create.settings`: any subset of the settings, numbers (ranges give `bad-settings`, not `bad-message`). */
const PartialSettingsSchema = v.pipe(NotArraySchema, v.object({
  capacity: v.exactOptional(v.number()),
  pointsToWin: v.exactOptional(v.number()),
  inputDelay: v.exactOptional(v.number()),
  maxPrediction: v.exactOptional(v.number()),
}));

const IceUrlSchema = v.pipe(v.string(), v.maxLength(512), v.regex(/^(stun|stuns|turn|turns):\S+$/, 'a stun:, stuns:, turn: or turns: url'));
/** RTCIceServer subset the server hands out (from the `ICE_SERVERS` environment variable). */
export const IceServerSchema = v.pipe(
  v.object({
    urls: v.union([IceUrlSchema, v.pipe(v.array(IceUrlSchema), v.minLength(1), v.maxLength(16), v.readonly())]),
    username: v.exactOptional(v.pipe(v.string(), v.maxLength(512))),
    credential: v.exactOptional(v.pipe(v.string(), v.maxLength(512))),
  }),
  v.check((server) => {
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    return !urls.some((url) => url.startsWith('turn')) || (server.username !== undefined && server.credential !== undefined);
  }, 'a TURN server needs `username` and `credential`'),
);
export type IceServer = v.InferOutput<typeof IceServerSchema>;
/** A list of ICE servers (at most 16). */
export const IceServersSchema = v.pipe(v.array(IceServerSchema), v.maxLength(LOBBY_LIMITS.maxIceServers), v.readonly());

/** A member as every member of the lobby sees it (`ready` is informational). */
export const MemberInfoSchema = v.object({
  id: IdSchema,
  // Only bounds: the server validated the name, and re-running its checks against an older
  // browser's Unicode tables could reject a whole member list over one new emoji.
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxNameChars * 2)),
  ready: v.boolean(),
  /** The member's PeerJS id (empty string when the server runs without PeerJS). */
  peerId: v.pipe(v.string(), v.maxLength(LOBBY_LIMITS.maxIdChars)),
});
export type MemberInfo = v.InferOutput<typeof MemberInfoSchema>;
/** A watcher (spectator) as the lobby sees it: no ready flag, never a player. */
export const WatcherInfoSchema = v.object({
  id: IdSchema,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxNameChars * 2)),
  /** Its PeerJS id (empty string when the server runs without PeerJS). */
  peerId: v.pipe(v.string(), v.maxLength(LOBBY_LIMITS.maxIdChars)),
});
export type WatcherInfo = v.InferOutput<typeof WatcherInfoSchema>;
const WatchersSchema = v.pipe(v.array(WatcherInfoSchema), v.maxLength(LOBBY_LIMITS.maxWatchers), v.readonly());

/** A lobby member's id, unique within its lobby, assigned by the server. */
export type MemberId = string;

/** PeerJS credentials for `new Peer(id, { path, key, token })`; only the owner learns `token`. */
export const PeerCredentialsSchema = v.object({ id: IdSchema, token: IdSchema, path: text(256), key: text(256) });
export type PeerCredentials = v.InferOutput<typeof PeerCredentialsSchema>;

// ---- messages ---------------------------------------------------------------------------------------

/** Messages a client sends. */
export const ClientMessageSchema = v.variant('kind', [
  v.object({ kind: v.literal('create'), name: text(256), settings: v.exactOptional(PartialSettingsSchema) }),
  /**
   * With `rejoin` (the `rejoinToken` of an earlier `joined` in this lobby): resume that membership,
   * same member id and name (`name` is then ignored), even in a started or full lobby. A member still
   * connected is replaced (its socket closed 4014) unless `replace` is false (then `bad-rejoin`).
   */
  v.object({
    kind: v.literal('join'), code: IdSchema, name: text(256),
    rejoin: v.exactOptional(RejoinTokenSchema), replace: v.exactOptional(v.boolean()),
    /** Join as a watcher (spectator), in any lobby state; never a player, never host, no rejoin token. */
    watch: v.exactOptional(v.boolean()),
  }),
  /**
   * `keepSeat: true` (the page is going away, not the Leave button): the others get `member-left`
   * (`left`) as for any leave, but the seat stays resumable with the rejoin token, as after a drop.
   */
  v.object({ kind: v.literal('leave'), keepSeat: v.exactOptional(v.boolean()) }),
  /** `data` is opaque (SDP or ICE candidate), relayed as is. */
  v.object({ kind: v.literal('signal'), to: IdSchema, data: OpaqueSchema }),
  /** `watchersOnly`: a player's in-game line (the players get it peer to peer) for the watchers only. */
  v.object({ kind: v.literal('chat'), text: text(LOBBY_LIMITS.maxChatChars * 4), watchersOnly: v.exactOptional(v.boolean()) }),
  v.object({ kind: v.literal('set-ready'), ready: v.boolean() }),
  /** Host only: the match starts; the lobby takes no more joins. */
  v.object({ kind: v.literal('start-notice') }),
  /** Host only: un-start the lobby for a rematch (joins open again, ready flags reset). */
  v.object({ kind: v.literal('reopen') }),
  v.object({ kind: v.literal('ping'), nonce: NonceSchema }),
  /** The netcode notary's record: relayed to every other member of the lobby, rate-limited. */
  v.object({ kind: v.literal('record'), data: RecordDataSchema }),
  /**
   * Our match dropped `member` for its silence. Once every other member reported it (within
   * `REPORT_TTL_MS`), the server closes its socket (4012): the word, in order after its records, that
   * ends its input for everyone (docs/protocol.md, "Hostile peers"). One member's word alone drops nobody.
   */
  v.object({ kind: v.literal('report'), member: IdSchema }),
  /**
   * Watcher only: take a free seat (the lobby open, members + away seats below capacity). The others
   * get `watcher-left` then `member-joined` (a fresh member id); we get a new `joined` (role member).
   */
  v.object({ kind: v.literal('take-seat') }),
]);
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
export type ClientMessageKind = ClientMessage['kind'];

/** Messages the server sends. */
export const ServerMessageSchema = v.variant('kind', [
  v.object({
    kind: v.literal('joined'),
    memberId: IdSchema,
    code: IdSchema,
    linkPath: text(256),
    members: v.pipe(v.array(MemberInfoSchema), v.maxLength(LOBBY_LIMITS.maxMembers), v.readonly()),
    hostId: IdSchema,
    settings: LobbySettingsSchema,
    started: v.boolean(),
    iceServers: IceServersSchema,
    /** Null when the server runs without a PeerJS mount. */
    peer: v.nullable(PeerCredentialsSchema),
    /**
     * Secret to this member: a later `join` with `rejoin: <token>` resumes this membership. The server
     * always sends it; optional here only so that older scripted servers (tests) still parse.
     */
    rejoinToken: v.exactOptional(RejoinTokenSchema),
    /** `watcher`: we watch (no seat, no rejoin token). Absent from older servers: `member`. */
    role: v.exactOptional(v.picklist(['member', 'watcher'])),
    /** The lobby's watchers (absent from older servers: none). */
    watchers: v.exactOptional(WatchersSchema),
  }),
  /** `rejoined: true` when an away member resumed its membership (same id and name). */
  v.object({ kind: v.literal('member-joined'), member: MemberInfoSchema, rejoined: v.exactOptional(v.boolean()) }),
  v.object({ kind: v.literal('member-left'), memberId: IdSchema, reason: v.picklist(['left', 'disconnected']) }),
  v.object({ kind: v.literal('member-updated'), member: MemberInfoSchema }),
  v.object({ kind: v.literal('watcher-joined'), watcher: WatcherInfoSchema }),
  /** `seated`: it took a free seat (its `member-joined`, under a new id, follows). */
  v.object({ kind: v.literal('watcher-left'), watcherId: IdSchema, seated: v.exactOptional(v.boolean()) }),
  v.object({ kind: v.literal('host-changed'), hostId: IdSchema }),
  /** `from` is set by the server from the sender's connection, never taken from the client. */
  v.object({ kind: v.literal('signal'), from: IdSchema, data: OpaqueSchema }),
  v.object({ kind: v.literal('chat'), from: IdSchema, text: v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxChatChars * 2)) }),
  /** `message` is the fixed `ERROR_TEXT` of `code`: show the code's own text, never a peer's. */
  v.object({ kind: v.literal('error'), code: v.picklist(Object.values(ErrorCode)), message: text(1024) }),
  v.object({ kind: v.literal('lobby-started') }),
  v.object({ kind: v.literal('lobby-reopened') }),
  v.object({ kind: v.literal('pong'), nonce: NonceSchema }),
  /** A notary record from another member; `from` set by the server. */
  v.object({ kind: v.literal('record'), from: IdSchema, data: RecordDataSchema }),
]);
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
export type ServerMessageKind = ServerMessage['kind'];

// ---- parsing ----------------------------------------------------------------------------------------

/** A short reason from valibot's first issue (for logs and `invalid-message`; never sent to players). */
function reason(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'invalid';
  const path = v.getDotPath(issue);
  return path === null ? issue.message : `${path}: ${issue.message}`;
}

/** A `v.variant` whose options are objects told apart by a literal `key`, as every message family here is. */
type LiteralVariant = v.VariantSchema<string, v.VariantOptions<string>, v.ErrorMessage<v.VariantIssue> | undefined>;

/**
 * `v.safeParse(schema, value)` for a variant, with the option picked by its discriminator first.
 * valibot's `variant` tries its options in order (a closure, a `Set` and a dataset per option
 * tried: most of the cost of validating a `signal`); here one lookup finds the only option whose
 * literal can match and that same option schema parses the value. Anything it does not accept is
 * parsed again by the whole variant, so the result (issues included) is exactly `safeParse`'s.
 */
export function variantParser<S extends LiteralVariant>(schema: S): (value: unknown) => v.SafeParseResult<S> {
  const byLiteral = new Map<unknown, v.GenericSchema>();
  for (const option of schema.options) {
    const discriminator = (option as { entries: Record<string, { literal?: unknown }> }).entries[schema.key];
    if (discriminator?.literal !== undefined && !byLiteral.has(discriminator.literal)) byLiteral.set(discriminator.literal, option as v.GenericSchema);
  }
  return (value) => {
    const option = typeof value === 'object' && value !== null ? byLiteral.get((value as Record<string, unknown>)[schema.key]) : undefined;
    if (option !== undefined) {
      const result = v.safeParse(option, value);
      if (result.success) return result as v.SafeParseResult<S>;
    }
    return v.safeParse(schema, value);
  };
}

function parseWith<S extends v.GenericSchema>(parse: (value: unknown) => v.SafeParseResult<S>, text: string, maxChars: number): Result<v.InferOutput<S>> {
  const json = parseBoundedJson(text, maxChars);
  if (!json.ok) return { ok: false, error: json.error };
  const result = parse(json.value);
  return result.success ? { ok: true, value: result.output } : { ok: false, error: reason(result.issues) };
}

/** A valid member id (`IdSchema`'s rules, written out for `signalOf`). */
const isId = (value: unknown): value is string => typeof value === 'string' && value.length >= 1 && value.length <= LOBBY_LIMITS.maxIdChars;

/**
 * The `signal` message in `value` (`to` for a client's, `from` for the server's), checked by hand as
 * its schema checks it, or undefined: anything else, and any signal it does not accept, goes to the
 * schema (which then reports the issue). Signals are most of the traffic; the schema's own checks
 * cost more than the rest of the message's handling. A property test holds it to the schema.
 */
export function signalOf(value: unknown, peerKey: 'to' | 'from'): { kind: 'signal'; to: string; data: unknown } | { kind: 'signal'; from: string; data: unknown } | undefined {
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'signal') return undefined;
  const peer = (value as Record<string, unknown>)[peerKey];
  const data = (value as { data?: unknown }).data;
  if (!isId(peer) || data === null || data === undefined) return undefined;
  return peerKey === 'to' ? { kind: 'signal', to: peer, data } : { kind: 'signal', from: peer, data };
}

/** A family's parser: its signals through `signalOf`, everything else through its variant schema. */
function withSignals<S extends LiteralVariant>(schema: S, peerKey: 'to' | 'from'): (value: unknown) => v.SafeParseResult<S> {
  const variant = variantParser(schema);
  return (value) => {
    const signal = signalOf(value, peerKey);
    return signal === undefined ? variant(value) : { typed: true, success: true, output: signal as v.InferOutput<S>, issues: undefined };
  };
}

const clientMessage = withSignals(ClientMessageSchema, 'to');
const serverMessage = withSignals(ServerMessageSchema, 'from');

/** Validates the text of a client message; errors `too-large`, `too-deep`, `not-json` or a schema reason. */
export function parseClientMessage(text: string, maxChars: number = LOBBY_LIMITS.maxMessageBytes): Result<ClientMessage> {
  return parseWith(clientMessage, text, maxChars);
}

/** Validates the text of a server message (the client's side of the same protocol). */
export function parseServerMessage(text: string, maxChars: number = LOBBY_LIMITS.maxMessageBytes * 4): Result<ServerMessage> {
  return parseWith(serverMessage, text, maxChars);
}

/** Validates a list of ICE servers (the `ICE_SERVERS` variable). */
export function parseIceServers(value: unknown): Result<IceServer[]> {
  const result = v.safeParse(IceServersSchema, value);
  return result.success ? { ok: true, value: [...result.output] } : { ok: false, error: reason(result.issues) };
}

/** Fills defaults into partial settings and checks every range. */
export function validateSettings(partial: v.InferOutput<typeof PartialSettingsSchema>): Result<LobbySettings> {
  const result = v.safeParse(LobbySettingsSchema, { ...DEFAULT_SETTINGS, ...partial });
  return result.success ? { ok: true, value: result.output } : { ok: false, error: reason(result.issues) };
}

/** Serializes a message (either direction). */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
