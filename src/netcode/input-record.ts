/**
 * Input records: a player's own confirmed inputs for a contiguous frame range, broadcast through the
 * lobby server acting as a notary (it relays the same bytes to every member, with a `from` it sets
 * itself). The records of a player are the authoritative inputs of that player (docs/protocol.md,
 * "Input records" and "Hostile peers").
 *
 * Layout: magic 0xB9, version, session id (u32 big-endian), player byte (bits 0-1 the player, bit 7 set
 * on the player's last record: it left the match; bits 2-6 zero), startFrame (varint), runs
 * count (varint, 1..128), then runs `(length - 1, value)` as in input messages. At most
 * `RECORD_LIMITS.maxFrames` frames, so a record is at most 269 bytes (base64: 360 characters).
 * Canonical like the packet codec: minimal varints, maximal runs, no trailing bytes; the decoder never
 * throws and trusts no length.
 */
import { LIMITS, type DecodeError } from './protocol.ts';
import { ByteReader, writeU32, writeVarint } from './varint.ts';
import type { Frame } from './types.ts';

/** First byte of a record (not a packet's 0xB7: one can never be taken for the other). */
export const RECORD_MAGIC = 0xb9;
/** Bumped whenever the record layout changes. */
export const RECORD_VERSION = 1;

/** Bounds of a record. */
export const RECORD_LIMITS = {
  /** Frames in one record. */
  maxFrames: 128,
  /** Bytes of the largest record. */
  maxBytes: 1 + 1 + 4 + 1 + 4 + 2 + 2 * 128,
} as const;

/** A decoded record. */
export interface InputRecord {
  readonly sessionId: number;
  readonly player: number;
  readonly startFrame: Frame;
  /** One input (0..255) per frame from `startFrame`; 1..`maxFrames` of them. */
  readonly inputs: readonly number[];
  /** The player's last record (it left): no record of it follows. */
  readonly final?: boolean;
}

/** Decoding result: a value, never an exception. */
export type RecordDecodeResult = { readonly ok: true; readonly record: InputRecord } | { readonly ok: false; readonly error: DecodeError };

const reader = new ByteReader();

/**
 * Encodes a record.
 * @throws RangeError on an invalid record (a caller bug)
 */
export function encodeRecord(r: InputRecord): Uint8Array {
  const n = r.inputs.length;
  const ok =
    Number.isInteger(r.sessionId) && r.sessionId >= 0 && r.sessionId <= 0xffff_ffff &&
    Number.isInteger(r.player) && r.player >= 0 && r.player < LIMITS.maxPlayers &&
    Number.isInteger(r.startFrame) && r.startFrame >= 0 && r.startFrame + n - 1 <= LIMITS.maxFrame &&
    n >= 1 && n <= RECORD_LIMITS.maxFrames && r.inputs.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
  if (!ok) throw new RangeError('encodeRecord: invalid record');
  const out = new Uint8Array(RECORD_LIMITS.maxBytes);
  out[0] = RECORD_MAGIC;
  out[1] = RECORD_VERSION;
  let p = writeU32(out, 2, r.sessionId);
  out[p++] = r.player | (r.final === true ? 0x80 : 0);
  p = writeVarint(out, p, r.startFrame);
  let runs = 0;
  for (let i = 0; i < n; i++) if (i === 0 || r.inputs[i] !== r.inputs[i - 1]) runs++;
  p = writeVarint(out, p, runs);
  let i = 0;
  while (i < n) {
    const v = r.inputs[i] as number;
    let end = i + 1;
    while (end < n && r.inputs[end] === v) end++;
    out[p++] = end - i - 1;
    out[p++] = v;
    i = end;
  }
  return out.slice(0, p);
}

/** Decodes a record; never throws. Rejects anything the encoder would not emit. */
export function decodeRecord(bytes: Uint8Array): RecordDecodeResult {
  if (bytes.length > RECORD_LIMITS.maxBytes) return { ok: false, error: 'too-long' };
  if (bytes.length < 9) return { ok: false, error: 'too-short' };
  reader.reset(bytes, 0);
  if (reader.u8() !== RECORD_MAGIC) return { ok: false, error: 'bad-magic' };
  if (reader.u8() !== RECORD_VERSION) return { ok: false, error: 'bad-version' };
  const sessionId = reader.u32();
  const playerByte = reader.u8();
  const player = playerByte & 0x7f;
  const final = (playerByte & 0x80) !== 0;
  const startFrame = reader.varint(LIMITS.maxFrame);
  const runs = reader.varint(RECORD_LIMITS.maxFrames);
  if (reader.error !== null) return { ok: false, error: reader.error };
  if (player >= LIMITS.maxPlayers || runs === 0) return { ok: false, error: 'out-of-range' };
  const inputs: number[] = [];
  let previous = -1;
  for (let r = 0; r < runs; r++) {
    const length = reader.u8() + 1;
    const value = reader.u8();
    if (value < 0) return { ok: false, error: reader.error ?? 'truncated' };
    if (value === previous || inputs.length + length > RECORD_LIMITS.maxFrames) return { ok: false, error: 'out-of-range' };
    for (let k = 0; k < length; k++) inputs.push(value);
    previous = value;
  }
  if (startFrame + inputs.length - 1 > LIMITS.maxFrame) return { ok: false, error: 'out-of-range' };
  if (reader.remaining() !== 0) return { ok: false, error: 'trailing-bytes' };
  return { ok: true, record: final ? { sessionId, player, startFrame, inputs, final } : { sessionId, player, startFrame, inputs } };
}

/**
 * A rejoin hold, the other kind of notarised record: the sender will not take `target`'s (departed)
 * input as final past `frame - 1` until the peers agree when its input counts again (sessions/rejoins.ts).
 * Layout: magic 0xBA, version, session id (u32), sender byte, target byte, epoch byte, frame (varint).
 */
export const HOLD_MAGIC = 0xba;

/** A decoded hold. */
export interface RejoinHold {
  readonly sessionId: number;
  readonly player: number;
  readonly target: number;
  /** Which return of `target` this hold is for (0 the first). */
  readonly epoch: number;
  readonly frame: Frame;
}

/** @throws RangeError on an invalid hold (a caller bug) */
export function encodeHold(h: RejoinHold): Uint8Array {
  const ok =
    Number.isInteger(h.sessionId) && h.sessionId >= 0 && h.sessionId <= 0xffff_ffff &&
    [h.player, h.target].every((p) => Number.isInteger(p) && p >= 0 && p < LIMITS.maxPlayers) && h.player !== h.target &&
    Number.isInteger(h.epoch) && h.epoch >= 0 && h.epoch <= 255 && Number.isInteger(h.frame) && h.frame >= 0 && h.frame <= LIMITS.maxFrame;
  if (!ok) throw new RangeError('encodeHold: invalid hold');
  const out = new Uint8Array(16);
  out[0] = HOLD_MAGIC;
  out[1] = RECORD_VERSION;
  let p = writeU32(out, 2, h.sessionId);
  out[p++] = h.player;
  out[p++] = h.target;
  out[p++] = h.epoch;
  p = writeVarint(out, p, h.frame);
  return out.slice(0, p);
}

/** Decodes a hold; never throws. */
export function decodeHold(bytes: Uint8Array): { readonly ok: true; readonly hold: RejoinHold } | { readonly ok: false; readonly error: DecodeError } {
  if (bytes.length > 16) return { ok: false, error: 'too-long' };
  if (bytes.length < 10) return { ok: false, error: 'too-short' };
  reader.reset(bytes, 0);
  if (reader.u8() !== HOLD_MAGIC) return { ok: false, error: 'bad-magic' };
  if (reader.u8() !== RECORD_VERSION) return { ok: false, error: 'bad-version' };
  const sessionId = reader.u32();
  const player = reader.u8();
  const target = reader.u8();
  const epoch = reader.u8();
  const frame = reader.varint(LIMITS.maxFrame);
  if (reader.error !== null) return { ok: false, error: reader.error };
  if (player >= LIMITS.maxPlayers || target >= LIMITS.maxPlayers || player === target) return { ok: false, error: 'out-of-range' };
  if (reader.remaining() !== 0) return { ok: false, error: 'trailing-bytes' };
  return { ok: true, hold: { sessionId, player, target, epoch, frame } };
}
