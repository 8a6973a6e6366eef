/**
 * Random identifiers from the operating system's CSPRNG, drawn from a pooled buffer: one
 * `randomFillSync` per 4 KiB instead of one per id (ids are minted several times per join).
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes, encoded (`base64url` for lobby codes and member ids, `hex` for PeerJS). */
export function randomId(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (bytes > POOL_BYTES) throw new RangeError('randomId: too many bytes');
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString(encoding, offset, offset + bytes);
  offset += bytes; // bytes are never handed out twice
  return id;
}
