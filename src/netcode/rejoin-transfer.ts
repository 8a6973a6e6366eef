/**
 * The rejoin transfer: what a peer sends a player coming back (sessions/rejoins.ts), so it can resume
 * the match without replaying it from frame 0 — the latest state final at the sender, its checksum, and
 * per player the confirmed inputs from that frame on, whether the player departed (and after which frame)
 * and how far its notarised records reach. Carried opaque in a `rejoin-transfer` datagram.
 *
 * Layout: magic 0xBB, version, session id (u32 big-endian), epoch byte, frame (varint), resume frame
 * (varint, 0 = not agreed yet), checksum (u32), player count byte (2..4), then per player: departed-after
 * + 1 (varint, 0 = present), coverage + 1 (varint), runs count (varint, 0..`maxInputs`) and runs
 * `(length - 1, value)`; then the state's length (varint) and bytes. Canonical: minimal varints, maximal
 * runs, no trailing bytes; the decoder never throws and trusts no length.
 */
import { LIMITS, type DecodeError } from './protocol.ts';
import { ByteReader, writeU32, writeVarint } from './varint.ts';
import { NULL_FRAME, type Frame } from './types.ts';

/** First byte of a transfer (not a packet's 0xB7 nor a record's 0xB9). */
export const TRANSFER_MAGIC = 0xbb;
export const TRANSFER_VERSION = 1;
/** Inputs per player in one transfer (the sender's confirmed frames past its final frame, bounded). */
export const TRANSFER_MAX_INPUTS = 256;

/** One player's part of a transfer. */
export interface TransferPlayer {
  /** Last frame of its input before it departed, NULL_FRAME while present. */
  readonly departedAfter: Frame;
  /** Last frame of its notarised records the sender holds (NULL_FRAME: none). */
  readonly coverage: Frame;
  /** Its confirmed inputs from the transfer's `frame` on (as many as the sender holds, bounded). */
  readonly inputs: readonly number[];
}

/** A decoded transfer. */
export interface RejoinTransferData {
  readonly sessionId: number;
  readonly epoch: number;
  /** The frame of `state` (the sender's latest final state). */
  readonly frame: Frame;
  /** The first frame the returning player's input counts again; 0 while not agreed yet. */
  readonly resumeFrame: Frame;
  /** The game's checksum of `state` (the receiver recomputes it before using the state). */
  readonly checksum: number;
  readonly state: Uint8Array;
  readonly players: readonly TransferPlayer[];
}

export type TransferDecodeResult = { readonly ok: true; readonly transfer: RejoinTransferData } | { readonly ok: false; readonly error: DecodeError };

const reader = new ByteReader();

function runsOf(inputs: readonly number[]): number {
  let runs = 0;
  for (let i = 0; i < inputs.length; i++) if (i === 0 || inputs[i] !== inputs[i - 1]) runs++;
  return runs;
}

const isFrame = (f: number, min: number): boolean => Number.isInteger(f) && f >= min && f <= LIMITS.maxFrame;

/**
 * Encodes a transfer; undefined when it does not fit `LIMITS.maxTransferBytes` (a state too large).
 * @throws RangeError on an invalid transfer (a caller bug)
 */
export function encodeTransfer(t: RejoinTransferData): Uint8Array | undefined {
  const ok =
    Number.isInteger(t.sessionId) && t.sessionId >= 0 && t.sessionId <= 0xffff_ffff &&
    Number.isInteger(t.epoch) && t.epoch >= 0 && t.epoch <= 255 &&
    isFrame(t.frame, 0) && isFrame(t.resumeFrame, 0) &&
    Number.isInteger(t.checksum) && t.checksum >= 0 && t.checksum <= 0xffff_ffff &&
    t.players.length >= 2 && t.players.length <= LIMITS.maxPlayers &&
    t.players.every((p) => isFrame(p.departedAfter, NULL_FRAME) && isFrame(p.coverage, NULL_FRAME) && p.inputs.length <= TRANSFER_MAX_INPUTS &&
      p.inputs.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  if (!ok) throw new RangeError('encodeTransfer: invalid transfer');
  const size = 32 + t.players.length * (12 + 2 * TRANSFER_MAX_INPUTS) + t.state.length;
  const out = new Uint8Array(size);
  out[0] = TRANSFER_MAGIC;
  out[1] = TRANSFER_VERSION;
  let p = writeU32(out, 2, t.sessionId);
  out[p++] = t.epoch;
  p = writeVarint(out, p, t.frame);
  p = writeVarint(out, p, t.resumeFrame);
  p = writeU32(out, p, t.checksum);
  out[p++] = t.players.length;
  for (const pl of t.players) {
    p = writeVarint(out, p, pl.departedAfter + 1);
    p = writeVarint(out, p, pl.coverage + 1);
    p = writeVarint(out, p, runsOf(pl.inputs));
    let i = 0;
    while (i < pl.inputs.length) {
      const v = pl.inputs[i] as number;
      let end = i + 1;
      while (end < pl.inputs.length && pl.inputs[end] === v && end - i < 256) end++;
      out[p++] = end - i - 1;
      out[p++] = v;
      i = end;
    }
  }
  p = writeVarint(out, p, t.state.length);
  out.set(t.state, p);
  p += t.state.length;
  return p <= LIMITS.maxTransferBytes ? out.slice(0, p) : undefined;
}

/** Decodes a transfer; never throws. Rejects anything the encoder would not emit. */
export function decodeTransfer(bytes: Uint8Array): TransferDecodeResult {
  const fail = (error: DecodeError): TransferDecodeResult => ({ ok: false, error });
  if (bytes.length > LIMITS.maxTransferBytes) return fail('too-long');
  if (bytes.length < 16) return fail('too-short');
  reader.reset(bytes, 0);
  if (reader.u8() !== TRANSFER_MAGIC) return fail('bad-magic');
  if (reader.u8() !== TRANSFER_VERSION) return fail('bad-version');
  const sessionId = reader.u32();
  const epoch = reader.u8();
  const frame = reader.varint(LIMITS.maxFrame);
  const resumeFrame = reader.varint(LIMITS.maxFrame);
  const checksum = reader.u32();
  const count = reader.u8();
  if (reader.error !== null) return fail(reader.error);
  if (count < 2 || count > LIMITS.maxPlayers) return fail('out-of-range');
  const players: TransferPlayer[] = [];
  for (let n = 0; n < count; n++) {
    const departedAfter = reader.varint(LIMITS.maxFrame + 1) - 1;
    const coverage = reader.varint(LIMITS.maxFrame + 1) - 1;
    const runs = reader.varint(TRANSFER_MAX_INPUTS);
    if (reader.error !== null) return fail(reader.error);
    const inputs: number[] = [];
    let previous = -1;
    for (let r = 0; r < runs; r++) {
      const length = reader.u8() + 1;
      const value = reader.u8();
      if (value < 0) return fail(reader.error ?? 'truncated');
      // Maximal runs: a run continues its predecessor only when that one is full (256 frames).
      if ((value === previous && inputs.length % 256 !== 0) || inputs.length + length > TRANSFER_MAX_INPUTS) return fail('out-of-range');
      for (let k = 0; k < length; k++) inputs.push(value);
      previous = value;
    }
    if (frame + inputs.length - 1 > LIMITS.maxFrame) return fail('out-of-range');
    players.push({ departedAfter, coverage, inputs });
  }
  const length = reader.varint(LIMITS.maxTransferBytes);
  if (reader.error !== null) return fail(reader.error);
  const state = reader.copy(length);
  if (state === null) return fail(reader.error ?? 'truncated');
  if (reader.remaining() !== 0) return fail('trailing-bytes');
  return { ok: true, transfer: { sessionId, epoch, frame, resumeFrame, checksum, state, players } };
}
