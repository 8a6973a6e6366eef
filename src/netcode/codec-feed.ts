/**
 * The spectator feed's body in the wire codec (`spectate-feed`, docs/protocol.md): a tag byte, then a
 * transfer (varint length + rejoin transfer payload) or a batch of final inputs (start frame, slack to
 * the feeder's final frame, frame count, player count, and one run-length encoded column per player).
 * Canonical like the rest of the codec: maximal runs that fill each column exactly. Also the range
 * checks the encoder shares with codec.ts.
 */
import { LIMITS, type SpectateFeed } from './protocol.ts';
import { writeVarint, type ByteReader } from './varint.ts';

const MAX_FRAME = LIMITS.maxFrame;

/** Throws the encoder's RangeError (a caller bug) unless `ok`. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`encodePacket: invalid ${what}`);
}
export function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
export function checkFrame(frame: number, what: string, min = 0): void {
  check(isIntIn(frame, min, MAX_FRAME), what);
}

function fail(reader: ByteReader): null {
  reader.fail('out-of-range');
  return null;
}

/** Feed tags: a transfer, or a batch of final inputs. */
const FEED_TRANSFER = 0;
const FEED_INPUTS = 1;

/** Writes a `spectate-feed` body at `pos`; returns the end. @throws RangeError on an invalid feed */
export function encodeFeed(m: SpectateFeed, out: Uint8Array, pos: number): number {
  let p = pos;
  const b = m.body;
  if (b.kind === 'transfer') {
    check(b.payload.length >= 1 && b.payload.length <= LIMITS.maxTransferBytes, 'payload length');
    out[p++] = FEED_TRANSFER;
    p = writeVarint(out, p, b.payload.length);
    out.set(b.payload, p);
    return p + b.payload.length;
  }
  const count = b.inputs.length;
  const players = count === 0 ? 0 : (b.inputs[0] as readonly number[]).length;
  check(count <= LIMITS.maxSpectateFrames, 'feed frames');
  check(count === 0 || (players >= 2 && players <= LIMITS.maxPlayers), 'feed players');
  checkFrame(b.startFrame, 'startFrame');
  check(b.startFrame + count - 1 <= MAX_FRAME, 'last feed frame');
  check(isIntIn(b.finalFrame, b.startFrame + count - 1, MAX_FRAME), 'finalFrame');
  out[p++] = FEED_INPUTS;
  p = writeVarint(out, p, b.startFrame);
  p = writeVarint(out, p, b.finalFrame - (b.startFrame + count - 1));
  out[p++] = count;
  if (count === 0) return p;
  out[p++] = players;
  for (let pl = 0; pl < players; pl++) {
    // One column per player, run-length encoded like an input message's inputs.
    const runsAt = p++;
    let runs = 0;
    let i = 0;
    while (i < count) {
      const row = b.inputs[i] as readonly number[];
      check(row.length === players, 'feed row length');
      const value = row[pl] as number;
      check(isIntIn(value, 0, 255), 'feed input value');
      let end = i + 1;
      while (end < count && (b.inputs[end] as readonly number[])[pl] === value) end++;
      out[p++] = end - i - 1;
      out[p++] = value;
      runs++;
      i = end;
    }
    out[runsAt] = runs;
  }
  return p;
}

/** Reads a `spectate-feed` body; null with `reader.error` set when it is not canonical or out of range. */
export function readFeed(reader: ByteReader): SpectateFeed | null {
  const tag = reader.u8();
  if (tag < 0) return null;
  if (tag === FEED_TRANSFER) {
    const length = reader.varint(LIMITS.maxTransferBytes);
    if (reader.error !== null) return null;
    if (length === 0) return fail(reader);
    const payload = reader.copy(length);
    return payload === null ? null : { kind: 'spectate-feed', body: { kind: 'transfer', payload } };
  }
  if (tag !== FEED_INPUTS) return fail(reader);
  const startFrame = reader.varint(MAX_FRAME);
  const slack = reader.varint(MAX_FRAME + 1);
  const count = reader.u8();
  if (reader.error !== null) return null;
  const finalFrame = startFrame + count - 1 + slack;
  if (count > LIMITS.maxSpectateFrames || finalFrame > MAX_FRAME) return fail(reader);
  if (count === 0) return { kind: 'spectate-feed', body: { kind: 'inputs', startFrame, finalFrame, inputs: [] } };
  const players = reader.u8();
  if (players < 0) return null;
  if (players < 2 || players > LIMITS.maxPlayers) return fail(reader);
  const inputs: number[][] = Array.from({ length: count }, () => new Array<number>(players).fill(0));
  for (let pl = 0; pl < players; pl++) {
    const runs = reader.u8();
    if (runs < 0) return null;
    let at = 0;
    let previous = -1;
    for (let r = 0; r < runs; r++) {
      const length = reader.u8() + 1;
      const value = reader.u8();
      if (value < 0) return null;
      // Canonical: maximal runs that fill the column exactly.
      if (value === previous || at + length > count) return fail(reader);
      for (let k = 0; k < length; k++) (inputs[at + k] as number[])[pl] = value;
      at += length;
      previous = value;
    }
    if (at !== count) return fail(reader);
  }
  return { kind: 'spectate-feed', body: { kind: 'inputs', startFrame, finalFrame, inputs } };
}

