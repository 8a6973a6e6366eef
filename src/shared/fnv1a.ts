/**
 * FNV-1a (Fowler/Noll/Vo), 32 bits: the tree's one non-cryptographic hash (state checksums, setup
 * hashes, derived seeds). `h = (h ^ unit) * prime` per unit, on `Math.imul`, so every engine agrees bit
 * for bit. Callers pick their units (bytes, UTF-16 code units, lengths) and keep their own order.
 */

/** The FNV-1a 32-bit offset basis: the hash of nothing. */
export const FNV1A_OFFSET = 0x811c9dc5;
/** The FNV-1a 32-bit prime. */
export const FNV1A_PRIME = 0x01000193;

/** Feeds one unit (a byte, a code unit or a small integer) into hash `h` (a signed 32-bit value). */
export function fnv1aMix(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV1A_PRIME);
}

/** Feeds the UTF-16 code units of `text` into `h` (default: a fresh hash); the result is signed 32-bit. */
export function fnv1aText(text: string, h = FNV1A_OFFSET): number {
  for (let i = 0; i < text.length; i++) h = fnv1aMix(h, text.charCodeAt(i));
  return h;
}
