/**
 * Runtime guards of the lobby signaling protocol: every message a server or client receives is checked
 * here against the vocabulary in `protocol.ts` before anything reads it. Parsing never throws; a
 * malformed message is a `Result` with a reason.
 */
import { fail, LOBBY_LIMITS, ok, SETTINGS_RANGES, validateSettings, ErrorCode } from './protocol.ts';
import type { ClientMessage, IceServer, LobbySettings, MemberInfo, PeerCredentials, Result, ServerMessage } from './protocol.ts';

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

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
