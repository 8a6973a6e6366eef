/**
 * Binary wire codec: `Packet` <-> datagram bytes. The byte layout is specified in docs/protocol.md.
 *
 * Header (7 bytes): magic 0xB7, version, kind, session id (u32 big-endian); then a per-kind body.
 * Frame numbers are LEB128 varints; inside an input message the ack frame, the sender frame and
 * each player's last frame are zig-zag deltas from `startFrame`, and the inputs are run-length
 * encoded as (length - 1, value) byte pairs, so a steady-state 2-player input packet is 20 bytes.
 *
 * The encoding is canonical: the decoder accepts only what the encoder emits (minimal varints,
 * maximal runs, no trailing bytes), so every accepted datagram re-encodes to the same bytes.
 * The decoder never throws: every read is bounds-checked and every value is range-checked
 * against `LIMITS`. The encoder throws a RangeError on an invalid message (a caller bug).
 */
import { assertNever, LIMITS, MessageKind, PROTOCOL_VERSION } from './protocol.ts';
import type { DecodeError, DecodeResult, InputMessage, Message, Packet, PlayerStatus } from './protocol.ts';
import { check, checkFrame, encodeFeed, isIntIn, readFeed } from './codec-feed.ts';
import { ByteReader, writeF64, writeU32, writeVarint, zigzagDecode, zigzagEncode } from './varint.ts';

/** First byte of every datagram: not ASCII, so text, JSON and most foreign traffic fail at byte 0. */
export const MAGIC = 0xb7;
/** Bytes of the header: magic, version, kind, session id. */
export const HEADER_BYTES = 7;

/** Runs in the flags byte of an input message; this value means "count - 7 follows as a varint". */
const RUNS_ESCAPE = 7;
const MAX_FRAME = LIMITS.maxFrame;
/** Largest zig-zag delta between two frames in -1..maxFrame. */
const MAX_FRAME_DELTA_ZZ = 2 * MAX_FRAME + 1;

// Every encode writes here first, then copies out exactly the bytes used (one allocation).
const scratch = new Uint8Array(LIMITS.maxTransferDatagramBytes);
// Decoding is synchronous and never re-entered, so one cursor serves every call.
const reader = new ByteReader();
// Inputs of the message being decoded (copied out when it is complete).
const inputScratch: number[] = [];


/** Number of maximal runs of identical values in `inputs`. */
function countRuns(inputs: readonly number[]): number {
  let runs = 0;
  let previous = -1;
  for (const value of inputs) {
    if (value !== previous) runs++;
    previous = value;
  }
  return runs;
}

function encodeInput(m: InputMessage, out: Uint8Array, pos: number): number {
  const count = m.inputs.length;
  check(isIntIn(m.player, 0, LIMITS.maxPlayers - 1), 'player');
  check(m.status.length <= LIMITS.maxPlayers, 'status length');
  check(count <= LIMITS.maxInputsPerMessage, 'inputs length');
  checkFrame(m.startFrame, 'startFrame');
  check(m.startFrame + count - 1 <= MAX_FRAME, 'last input frame');
  checkFrame(m.ackFrame, 'ackFrame', -1);
  checkFrame(m.senderFrame, 'senderFrame');
  check(isIntIn(m.senderTimeMs, 0, 0xffff_ffff), 'senderTimeMs');
  const runs = countRuns(m.inputs);
  let p = pos;
  out[p++] = m.player | (m.status.length << 2) | (Math.min(runs, RUNS_ESCAPE) << 5);
  if (runs >= RUNS_ESCAPE) p = writeVarint(out, p, runs - RUNS_ESCAPE);
  p = writeVarint(out, p, m.startFrame);
  let i = 0;
  while (i < count) {
    const value = m.inputs[i] ?? -1;
    check(isIntIn(value, 0, 255), 'input value');
    let end = i + 1;
    while (end < count && m.inputs[end] === value) end++;
    out[p++] = end - i - 1;
    out[p++] = value;
    i = end;
  }
  p = writeVarint(out, p, zigzagEncode(m.ackFrame - m.startFrame));
  p = writeVarint(out, p, zigzagEncode(m.senderFrame - m.startFrame));
  p = writeU32(out, p, m.senderTimeMs);
  for (const s of m.status) {
    checkFrame(s.lastFrame, 'status lastFrame', -1);
    p = writeVarint(out, p, zigzagEncode(s.lastFrame - m.startFrame) * 2 + (s.disconnected ? 1 : 0));
  }
  return p;
}

function writeBody(message: Message, out: Uint8Array, pos: number): number {
  let p = pos;
  switch (message.kind) {
    case 'sync-request':
      check(isIntIn(message.nonce, 0, 0xffff_ffff), 'nonce');
      check(Number.isFinite(message.t0), 't0');
      p = writeU32(out, p, message.nonce);
      return writeF64(out, p, message.t0);
    case 'sync-reply':
      check(isIntIn(message.nonce, 0, 0xffff_ffff), 'nonce');
      check(Number.isFinite(message.t0) && Number.isFinite(message.t1) && Number.isFinite(message.t2), 'timestamp');
      p = writeU32(out, p, message.nonce);
      p = writeF64(out, p, message.t0);
      p = writeF64(out, p, message.t1);
      return writeF64(out, p, message.t2);
    case 'input':
      return encodeInput(message, out, p);
    case 'quality-report':
      check(isIntIn(message.frameAdvantage, -127, 127), 'frameAdvantage');
      checkFrame(message.senderFrame, 'senderFrame');
      out[p++] = message.frameAdvantage & 0xff;
      return writeVarint(out, p, message.senderFrame);
    case 'checksum-report':
      check(message.entries.length <= LIMITS.maxChecksums, 'checksum count');
      out[p++] = message.entries.length;
      for (const e of message.entries) {
        checkFrame(e.frame, 'checksum frame');
        check(isIntIn(e.checksum, 0, 0xffff_ffff), 'checksum');
        p = writeVarint(out, p, e.frame);
        p = writeU32(out, p, e.checksum);
      }
      return p;
    case 'keep-alive':
      return p;
    case 'disconnect-notice':
      check(isIntIn(message.player, 0, LIMITS.maxPlayers - 1), 'player');
      checkFrame(message.frame, 'frame');
      out[p++] = message.player;
      return writeVarint(out, p, message.frame);
    case 'state-request':
      checkFrame(message.frame, 'frame');
      return writeVarint(out, p, message.frame);
    case 'state-reply':
      checkFrame(message.frame, 'frame');
      check(message.state.length <= LIMITS.maxStateBytes, 'state length');
      p = writeVarint(out, p, message.frame);
      p = writeVarint(out, p, message.state.length);
      out.set(message.state, p);
      return p + message.state.length;
    case 'rejoin-request':
      return p;
    case 'rejoin-transfer':
      check(message.payload.length >= 1 && message.payload.length <= LIMITS.maxTransferBytes, 'payload length');
      p = writeVarint(out, p, message.payload.length);
      out.set(message.payload, p);
      return p + message.payload.length;
    case 'spectate-request':
      checkFrame(message.next, 'next');
      return writeVarint(out, p, message.next);
    case 'spectate-feed':
      return encodeFeed(message, out, p);
    default:
      return assertNever(message);
  }
}

const KIND_BYTE: Readonly<Record<Message['kind'], MessageKind>> = {
  'sync-request': MessageKind.syncRequest,
  'sync-reply': MessageKind.syncReply,
  input: MessageKind.input,
  'quality-report': MessageKind.qualityReport,
  'checksum-report': MessageKind.checksumReport,
  'keep-alive': MessageKind.keepAlive,
  'disconnect-notice': MessageKind.disconnectNotice,
  'state-request': MessageKind.stateRequest,
  'state-reply': MessageKind.stateReply,
  'rejoin-request': MessageKind.rejoinRequest,
  'rejoin-transfer': MessageKind.rejoinTransfer,
  'spectate-request': MessageKind.spectateRequest,
  'spectate-feed': MessageKind.spectateFeed,
};

/** Encodes into the shared scratch buffer; returns the byte length. */
function encodeToScratch(packet: Packet): number {
  check(isIntIn(packet.sessionId, 0, 0xffff_ffff), 'sessionId');
  scratch[0] = MAGIC;
  scratch[1] = PROTOCOL_VERSION;
  scratch[2] = KIND_BYTE[packet.message.kind];
  writeU32(scratch, 3, packet.sessionId);
  // The largest valid message (a full state reply) is 1,037 bytes: it always fits the scratch.
  return writeBody(packet.message, scratch, HEADER_BYTES);
}

/**
 * Encodes a packet into a new array of exactly its length (the only allocation).
 * @throws RangeError when the message breaks the protocol's types or `LIMITS` (a caller bug).
 */
export function encodePacket(packet: Packet): Uint8Array {
  return scratch.slice(0, encodeToScratch(packet));
}

/**
 * Encodes a packet into `target` at `offset`, allocating nothing; returns the bytes written.
 * @throws RangeError on an invalid message, or when `target` is too small from `offset`.
 */
export function encodePacketInto(packet: Packet, target: Uint8Array, offset = 0): number {
  const length = encodeToScratch(packet);
  target.set(scratch.subarray(0, length), offset);
  return length;
}

// ---------------------------------------------------------------------------------------------
// Decoding. Each body reader returns the message, or null with `reader.error` set.

/** Reads a zig-zag delta from `base` and checks the frame lies in `min..maxFrame`. */
function readRelativeFrame(base: number, min: number): number {
  const z = reader.varint(MAX_FRAME_DELTA_ZZ);
  if (z < 0) return -2;
  const frame = base + zigzagDecode(z);
  if (frame < min || frame > MAX_FRAME) {
    reader.fail('out-of-range');
    return -2;
  }
  return frame;
}

function readInput(): InputMessage | null {
  const flags = reader.u8();
  if (flags < 0) return null;
  const player = flags & 0b11;
  const statusCount = (flags >> 2) & 0b111;
  let runs = flags >> 5;
  if (statusCount > LIMITS.maxPlayers || player >= LIMITS.maxPlayers) return failNull('out-of-range');
  if (runs === RUNS_ESCAPE) {
    const extra = reader.varint(LIMITS.maxInputsPerMessage - RUNS_ESCAPE);
    if (extra < 0) return null;
    runs += extra;
  }
  const startFrame = reader.varint(MAX_FRAME);
  if (startFrame < 0) return null;
  // Runs expand into the shared scratch, then one exact-size copy: a growing array would reallocate.
  const inputs = inputScratch;
  inputs.length = 0;
  let previous = -1;
  for (let r = 0; r < runs; r++) {
    // If the length byte is missing the value read fails too, so one check covers both.
    const length = reader.u8() + 1;
    const value = reader.u8();
    if (value < 0) return null;
    // Adjacent runs of one value are not canonical: the encoder always merges them.
    if (value === previous || inputs.length + length > LIMITS.maxInputsPerMessage) return failNull('out-of-range');
    for (let k = 0; k < length; k++) inputs.push(value);
    previous = value;
  }
  if (startFrame + inputs.length - 1 > MAX_FRAME) return failNull('out-of-range');
  const ackFrame = readRelativeFrame(startFrame, -1);
  if (ackFrame < -1) return null;
  const senderFrame = readRelativeFrame(startFrame, 0);
  if (senderFrame < 0) return null;
  const senderTimeMs = reader.u32();
  if (senderTimeMs < 0) return null;
  const status: PlayerStatus[] = [];
  for (let s = 0; s < statusCount; s++) {
    const v = reader.varint(2 * MAX_FRAME_DELTA_ZZ + 1);
    if (v < 0) return null;
    const lastFrame = startFrame + zigzagDecode(v >>> 1);
    if (lastFrame < -1 || lastFrame > MAX_FRAME) return failNull('out-of-range');
    status.push({ disconnected: (v & 1) === 1, lastFrame });
  }
  return { kind: 'input', player, startFrame, inputs: inputs.slice(), ackFrame, senderFrame, senderTimeMs, status };
}

function failNull(error: DecodeError): null {
  reader.fail(error);
  return null;
}

function readBody(kind: MessageKind): Message | null {
  switch (kind) {
    case MessageKind.syncRequest: {
      const nonce = reader.u32();
      const t0 = reader.f64();
      return reader.error === null ? { kind: 'sync-request', nonce, t0 } : null;
    }
    case MessageKind.syncReply: {
      const nonce = reader.u32();
      const t0 = reader.f64();
      const t1 = reader.f64();
      const t2 = reader.f64();
      return reader.error === null ? { kind: 'sync-reply', nonce, t0, t1, t2 } : null;
    }
    case MessageKind.input:
      return readInput();
    case MessageKind.qualityReport: {
      const byte = reader.u8();
      const senderFrame = reader.varint(MAX_FRAME);
      if (reader.error !== null) return null;
      // -128 would be outside the documented clamp of +-127.
      if (byte === 0x80) return failNull('out-of-range');
      return { kind: 'quality-report', frameAdvantage: (byte << 24) >> 24, senderFrame };
    }
    case MessageKind.checksumReport: {
      const count = reader.u8();
      if (count < 0) return null;
      if (count > LIMITS.maxChecksums) return failNull('out-of-range');
      const entries: { frame: number; checksum: number }[] = [];
      for (let i = 0; i < count; i++) {
        const frame = reader.varint(MAX_FRAME);
        const checksum = reader.u32();
        if (reader.error !== null) return null;
        entries.push({ frame, checksum });
      }
      return { kind: 'checksum-report', entries };
    }
    case MessageKind.keepAlive:
      return { kind: 'keep-alive' };
    case MessageKind.disconnectNotice: {
      const player = reader.u8();
      const frame = reader.varint(MAX_FRAME);
      if (reader.error !== null) return null;
      if (player >= LIMITS.maxPlayers) return failNull('out-of-range');
      return { kind: 'disconnect-notice', player, frame };
    }
    case MessageKind.stateRequest: {
      const frame = reader.varint(MAX_FRAME);
      return frame < 0 ? null : { kind: 'state-request', frame };
    }
    case MessageKind.stateReply: {
      const frame = reader.varint(MAX_FRAME);
      const length = reader.varint(LIMITS.maxStateBytes);
      if (reader.error !== null) return null;
      const state = reader.copy(length);
      return state === null ? null : { kind: 'state-reply', frame, state };
    }
    case MessageKind.rejoinRequest:
      return { kind: 'rejoin-request' };
    case MessageKind.rejoinTransfer: {
      const length = reader.varint(LIMITS.maxTransferBytes);
      if (reader.error !== null) return null;
      if (length === 0) return failNull('out-of-range');
      const payload = reader.copy(length);
      return payload === null ? null : { kind: 'rejoin-transfer', payload };
    }
    case MessageKind.spectateRequest: {
      const next = reader.varint(MAX_FRAME);
      return next < 0 ? null : { kind: 'spectate-request', next };
    }
    case MessageKind.spectateFeed:
      return readFeed(reader);
    default:
      return assertNever(kind);
  }
}

const MESSAGE_KINDS: ReadonlySet<number> = new Set(Object.values(MessageKind));

function isMessageKind(byte: number): byte is MessageKind {
  return MESSAGE_KINDS.has(byte);
}

/**
 * Decodes one datagram. Never throws; rejects, with the first reason met, datagrams that are
 * longer than `LIMITS.maxDatagramBytes`, shorter than the header, of another magic or version,
 * of an unknown kind, cut short, carrying a value outside its range or a non-canonical form,
 * or followed by extra bytes. `state-reply.state` is a copy, never a view of `bytes`.
 * The session id is returned, not checked: dropping other sessions is the endpoint's job.
 */
export function decodePacket(bytes: Uint8Array): DecodeResult {
  // Only a transfer (a rejoin's, or a spectator's, within its byte budget) may be larger than a
  // datagram's usual bound.
  const large = bytes[2] === MessageKind.rejoinTransfer || bytes[2] === MessageKind.spectateFeed;
  const limit = large ? LIMITS.maxTransferDatagramBytes : LIMITS.maxDatagramBytes;
  if (bytes.length > limit) return { ok: false, error: 'too-long' };
  if (bytes.length < HEADER_BYTES) return { ok: false, error: 'too-short' };
  reader.reset(bytes, 0);
  if (reader.u8() !== MAGIC) return { ok: false, error: 'bad-magic' };
  if (reader.u8() !== PROTOCOL_VERSION) return { ok: false, error: 'bad-version' };
  const kind = reader.u8();
  if (!isMessageKind(kind)) return { ok: false, error: 'unknown-kind' };
  const sessionId = reader.u32();
  const message = readBody(kind);
  if (message === null) return { ok: false, error: reader.error ?? 'truncated' };
  if (reader.remaining() !== 0) return { ok: false, error: 'trailing-bytes' };
  return { ok: true, packet: { sessionId, message } };
}
