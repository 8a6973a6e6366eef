/**
 * Notary records (binary, see src/netcode/input-record.ts) travel through the lobby server as base64
 * text in `record` messages. Decoding never throws: anything that is not base64 is `undefined`.
 */
import { LOBBY_LIMITS } from './protocol.ts';

/** Base64 of a record's bytes. */
export function recordToData(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The bytes of a record's base64 (or base64url) text, `undefined` when it is not one. */
export function recordFromData(data: string): Uint8Array | undefined {
  if (data.length === 0 || data.length > LOBBY_LIMITS.maxRecordChars) return undefined;
  let binary: string;
  try {
    binary = atob(data.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
