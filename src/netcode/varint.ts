/**
 * Byte-level primitives of the wire codec: unsigned LEB128 varints, zig-zag signed integers,
 * big-endian u32 and float64, and a bounds-checked reader that reports failures as values.
 *
 * LEB128 (as in protobuf and WebAssembly): 7 bits per byte, least significant group first, the high
 * bit set on every byte but the last. Only the minimal encoding is accepted (a multi-byte varint
 * never ends in 0x00), so every value has exactly one encoding and decode -> encode is byte-exact.
 * Zig-zag maps signed to unsigned so small magnitudes stay small: 0, -1, 1, -2, 2 -> 0, 1, 2, 3, 4.
 *
 * Values are accumulated with arithmetic, not 32-bit bit operations, so a varint up to 5 bytes
 * (35 bits) never overflows; callers bound every value with a `max` before trusting it.
 */
import type { DecodeError } from './protocol.ts';

/** Longest varint accepted (5 x 7 = 35 bits covers every u32). */
export const MAX_VARINT_BYTES = 5;

/** Zig-zag encodes a signed integer with |n| < 2^30 (frame deltas are at most 2^26). */
export function zigzagEncode(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Inverse of {@link zigzagEncode}, for `z` < 2^32. */
export function zigzagDecode(z: number): number {
  return (z >>> 1) ^ -(z & 1);
}

/** Writes the minimal varint of `value` (a non-negative integer below 2^35) at `pos`; returns the next position. */
export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  let p = pos;
  let rest = value;
  while (rest >= 0x80) {
    out[p++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[p++] = rest;
  return p;
}

/** Writes an unsigned 32-bit integer, big-endian; returns the next position. */
export function writeU32(out: Uint8Array, pos: number, value: number): number {
  out[pos] = value >>> 24;
  out[pos + 1] = (value >>> 16) & 0xff;
  out[pos + 2] = (value >>> 8) & 0xff;
  out[pos + 3] = value & 0xff;
  return pos + 4;
}

// One shared 8-byte scratch: float64 conversions go through it instead of allocating a DataView.
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** Writes an IEEE 754 float64, big-endian; returns the next position. */
export function writeF64(out: Uint8Array, pos: number, value: number): number {
  floatView.setFloat64(0, value);
  out.set(floatBytes, pos);
  return pos + 8;
}

/**
 * A cursor over received bytes. Every read is bounds-checked; on failure it returns a sentinel
 * (-1, or NaN for floats) and records why in `error`, so the decoder never throws on any input.
 * Once `error` is set it stays set.
 */
export class ByteReader {
  /** Next byte to read. */
  pos = 0;
  /** The first failure met, or null while every read succeeded. */
  error: DecodeError | null = null;
  private bytes: Uint8Array = floatBytes;
  private end = 0;

  /** Starts reading `bytes` at `pos` (the reader is reusable, so decoding allocates no cursor). */
  reset(bytes: Uint8Array, pos: number): void {
    this.bytes = bytes;
    this.pos = pos;
    this.end = bytes.length;
    this.error = null;
  }

  /** Bytes left to read. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Records a failure (the first one wins) and returns the sentinel -1. */
  fail(error: DecodeError): -1 {
    if (this.error === null) this.error = error;
    return -1;
  }

  /** One unsigned byte, or -1 when truncated. */
  u8(): number {
    if (this.pos >= this.end) return this.fail('truncated');
    // Bounds checked just above.
    return this.bytes[this.pos++]!;
  }

  /** A big-endian unsigned 32-bit integer, or -1 when truncated. */
  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) return this.fail('truncated');
    const b = this.bytes;
    this.pos = p + 4;
    // Bounds checked just above; multiplication keeps the top byte unsigned.
    return b[p]! * 0x1_00_00_00 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** A big-endian float64 that must be finite, or NaN when truncated or not finite. */
  f64(): number {
    const p = this.pos;
    if (p + 8 > this.end) {
      this.fail('truncated');
      return Number.NaN;
    }
    // Byte by byte: a `subarray` view to copy from would be a new typed array (~100 bytes) per read.
    const b = this.bytes;
    for (let k = 0; k < 8; k++) floatBytes[k] = b[p + k]!;
    this.pos = p + 8;
    const value = floatView.getFloat64(0);
    if (!Number.isFinite(value)) {
      this.fail('out-of-range');
      return Number.NaN;
    }
    return value;
  }

  /**
   * A minimal unsigned varint no greater than `max` (at most 2^35 - 1), or -1: 'truncated' when
   * the bytes end mid-varint, 'out-of-range' when it is longer than 5 bytes, not minimal, or > max.
   */
  varint(max: number): number {
    const b = this.bytes;
    let p = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (p >= this.end) return this.fail('truncated');
      // Bounds checked just above.
      const byte = b[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        // A trailing 0x00 group means a shorter encoding existed.
        if (byte === 0 && i > 0) return this.fail('out-of-range');
        if (value > max) return this.fail('out-of-range');
        this.pos = p;
        return value;
      }
      scale *= 0x80;
    }
    return this.fail('out-of-range');
  }

  /** Copies `length` bytes out (the copy outlives the datagram buffer), or null when truncated. */
  copy(length: number): Uint8Array | null {
    const p = this.pos;
    if (p + length > this.end) {
      this.fail('truncated');
      return null;
    }
    this.pos = p + length;
    // Not `slice`: on a Node Buffer (a Uint8Array subclass) `slice` returns a view, not a copy.
    return new Uint8Array(this.bytes.subarray(p, p + length));
  }
}
