/**
 * What instances write to each other's streams, as one valibot schema: every entry read from Redis
 * is parsed with it (bounded JSON first) before anything uses it. Another instance may run another
 * version, and anyone who can write to Redis can write garbage: a failed parse is dropped and counted.
 */
import * as v from 'valibot';
import { LOBBY_LIMITS } from '../../src/lobby/protocol.ts';
import { LobbySettingsSchema, parseBoundedJson, variantParser } from '../../src/lobby/protocol-schema.ts';
import type { Result } from '../../src/lobby/protocol.ts';

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
const PeerId = v.pipe(v.string(), v.maxLength(LOBBY_LIMITS.maxIdChars), v.regex(/^(?:|[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*)$/));
const Code = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** A member as Redis keeps it (no secret: PeerJS tokens stay on the member's own instance). */
export const MemberRecordSchema = v.object({
  id: Id,
  name: v.pipe(v.string(), v.maxLength(4 * LOBBY_LIMITS.maxNameChars)),
  key: v.pipe(v.string(), v.maxLength(16 * LOBBY_LIMITS.maxNameChars)),
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

/** Parses one stream entry's text. */
export function parseStreamMessage(text: string): Result<StreamMessage> {
  const json = parseBoundedJson(text, 8 * LOBBY_LIMITS.maxMessageBytes);
  if (!json.ok) return { ok: false, error: json.error };
  const parsed = streamMessage(json.value);
  return parsed.success ? { ok: true, value: parsed.output } : { ok: false, error: 'schema' };
}
