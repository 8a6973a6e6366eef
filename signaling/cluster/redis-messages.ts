/**
 * What instances write to each other's streams, as one valibot schema: every entry read from Redis
 * is parsed with it (bounded JSON first) before anything uses it. Another instance may run another
 * version, and anyone who can write to Redis can write garbage: a failed parse is dropped and counted.
 */
import * as v from 'valibot';
import { LOBBY_LIMITS, SETTINGS_RANGES } from '../../src/lobby/protocol.ts';
import { LobbySettingsSchema, parseBoundedJson, variantParser } from '../../src/lobby/protocol-schema.ts';
import type { Result } from '../../src/lobby/protocol.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const PEER_ID = /^(?:|[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*)$/;
const CODE = /^[A-Za-z0-9_-]{22}$/;
const NAME_CHARS = 4 * LOBBY_LIMITS.maxNameChars;
const KEY_CHARS = 16 * LOBBY_LIMITS.maxNameChars;
const Id = v.pipe(v.string(), v.regex(ID));
const PeerId = v.pipe(v.string(), v.maxLength(LOBBY_LIMITS.maxIdChars), v.regex(PEER_ID));
const Code = v.pipe(v.string(), v.regex(CODE));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** A member as Redis keeps it (no secret: PeerJS tokens stay on the member's own instance). */
export const MemberRecordSchema = v.object({
  id: Id,
  name: v.pipe(v.string(), v.maxLength(NAME_CHARS)),
  key: v.pipe(v.string(), v.maxLength(KEY_CHARS)),
  ready: v.boolean(),
  peerId: PeerId,
  inst: Id,
  seq: Seq,
});
export type MemberRecord = v.InferOutput<typeof MemberRecordSchema>;

const MetaSchema = v.object({
  hostId: v.nullable(Id),
  started: v.boolean(),
  seq: Seq,
  settings: LobbySettingsSchema,
});

/** The lobby after a change (`e` says which), sent to every instance holding one of its members. */
const StateSchema = v.object({
  t: v.literal('s'),
  c: Code,
  meta: MetaSchema,
  members: v.pipe(v.array(MemberRecordSchema), v.maxLength(LOBBY_LIMITS.maxMembers)),
  e: v.picklist(['joined', 'left', 'ready', 'started', 'reopened', 'restored']),
  id: v.exactOptional(Id),
  reason: v.exactOptional(v.picklist(['left', 'disconnected'])),
  /** `joined`: the joining instance's ticket for its pending join (the member id, unless a rejoin). */
  k: v.exactOptional(Id),
  /** `joined`: an away member resumed its membership. */
  rejoined: v.exactOptional(v.literal(true)),
  /** `left`: a rejoin took the membership over (its instance closes the old socket, 4014). */
  replaced: v.exactOptional(v.literal(true)),
});

/**
 * Entries of an instance's stream (field `m`). Relayed traffic (signal, chat, record) has an entry
 * shape of its own, `r <code>/<member> x <server message>`, checked in redis-lobbies.ts, and its
 * server message is parsed again with the lobby protocol's schema before it is delivered.
 */
export const StreamMessageSchema = v.variant('t', [
  StateSchema,
  // Member `b` reported member `o` silent.
  v.object({ t: v.literal('p'), c: Code, o: Id, b: Id }),
  // A PeerJS frame for the local PeerJS id `dst` (checked again by the PeerJS gate's schema).
  v.object({ t: v.literal('j'), dst: PeerId, x: v.pipe(v.string(), v.maxLength(4 * LOBBY_LIMITS.maxMessageBytes)) }),
  // Keeps the stream key alive; carries nothing.
  v.object({ t: v.literal('h') }),
]);
export type StreamMessage = v.InferOutput<typeof StreamMessageSchema>;
export type StateMessage = v.InferOutput<typeof StateSchema>;

const streamMessage = variantParser(StreamMessageSchema);

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const isMatch = (value: unknown, pattern: RegExp): value is string => typeof value === 'string' && pattern.test(value);
const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER;
const isShort = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;
const SETTINGS_KEYS = Object.keys(SETTINGS_RANGES) as (keyof typeof SETTINGS_RANGES)[];
const EVENTS: readonly unknown[] = ['joined', 'left', 'ready', 'started', 'reopened', 'restored'];

function memberOf(m: unknown): MemberRecord | undefined {
  if (!isObject(m)) return undefined;
  const { id, name, key, ready, peerId, inst, seq } = m;
  if (!isMatch(id, ID) || !isShort(name, NAME_CHARS) || !isShort(key, KEY_CHARS) || typeof ready !== 'boolean') return undefined;
  if (!isShort(peerId, LOBBY_LIMITS.maxIdChars) || !PEER_ID.test(peerId) || !isMatch(inst, ID) || !isSeq(seq)) return undefined;
  return { id, name, key, ready, peerId, inst, seq };
}

function metaOf(meta: unknown): StateMessage['meta'] | undefined {
  if (!isObject(meta) || !isObject(meta['settings'])) return undefined;
  const { hostId, started, seq } = meta;
  if ((hostId !== null && !isMatch(hostId, ID)) || typeof started !== 'boolean' || !isSeq(seq)) return undefined;
  const given = meta['settings'];
  const settings = {} as Record<keyof typeof SETTINGS_RANGES, number>;
  for (const name of SETTINGS_KEYS) {
    const x = given[name];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < SETTINGS_RANGES[name].min || x > SETTINGS_RANGES[name].max) return undefined;
    settings[name] = x;
  }
  return { hostId, started, seq, settings };
}

/**
 * A state event checked by hand as `StateSchema` checks it (the same output, in the same key order),
 * or undefined: anything it does not accept goes to the schema, which then refuses it. Every entry an
 * instance reads but relays is one of these, each with the whole lobby; the schema's checks (and the
 * copies they make) cost more than the rest of its handling. A property test holds it to the schema.
 */
export function stateOf(value: unknown): StateMessage | undefined {
  if (!isObject(value) || value['t'] !== 's' || !isMatch(value['c'], CODE) || !EVENTS.includes(value['e'])) return undefined;
  const meta = metaOf(value['meta']);
  const list = value['members'];
  if (meta === undefined || !Array.isArray(list) || list.length > LOBBY_LIMITS.maxMembers) return undefined;
  const members: MemberRecord[] = [];
  for (const m of list as unknown[]) {
    const record = memberOf(m);
    if (record === undefined) return undefined;
    members.push(record);
  }
  const out = { t: 's', c: value['c'], meta, members, e: value['e'] } as Fields;
  // The optional keys: absent, or present with a valid value (`exactOptional`).
  if ('id' in value) { if (!isMatch(value['id'], ID)) return undefined; out['id'] = value['id']; }
  if ('reason' in value) { if (value['reason'] !== 'left' && value['reason'] !== 'disconnected') return undefined; out['reason'] = value['reason']; }
  if ('k' in value) { if (!isMatch(value['k'], ID)) return undefined; out['k'] = value['k']; }
  if ('rejoined' in value) { if (value['rejoined'] !== true) return undefined; out['rejoined'] = true; }
  if ('replaced' in value) { if (value['replaced'] !== true) return undefined; out['replaced'] = true; }
  return out as StateMessage;
}

/** Parses one stream entry's text (state events through `stateOf`, the rest through the schema). */
export function parseStreamMessage(text: string): Result<StreamMessage> {
  const json = parseBoundedJson(text, 8 * LOBBY_LIMITS.maxMessageBytes);
  if (!json.ok) return { ok: false, error: json.error };
  const state = stateOf(json.value);
  if (state !== undefined) return { ok: true, value: state };
  const parsed = streamMessage(json.value);
  return parsed.success ? { ok: true, value: parsed.output } : { ok: false, error: 'schema' };
}
