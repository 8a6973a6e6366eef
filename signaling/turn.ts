/**
 * Time-limited TURN credentials in the form of the "TURN REST API" (draft-uberti-behave-turn-rest-00)
 * that coturn checks with `use-auth-secret`: the username is `<unix expiry>:<member id>` and the
 * password is `base64(HMAC-SHA1(secret, username))`. The TURN server shares only the secret with us; it
 * recomputes the password from the username and refuses a username whose expiry has passed. So a
 * credential is computed per member when it is admitted to a lobby (one HMAC), costs no state here, and
 * stops working on its own `ttlS` seconds later (allocations already made live on until they close).
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../src/lobby/protocol.ts';

/** The TURN relay every member is handed credentials for (`TURN_SECRET`, `TURN_URLS`, `TURN_TTL_S`). */
export interface TurnOptions {
  /** coturn's `static-auth-secret`. */
  readonly secret: string;
  /** `turn:`/`turns:` URLs of the relay (one RTCIceServer carries them all). */
  readonly urls: readonly string[];
  /** Lifetime of a credential in seconds (default 3600, at most 86 400). */
  readonly ttlS: number;
}

/** Default and largest credential lifetime, seconds. */
export const TURN_TTL_DEFAULT_S = 3600;
export const TURN_TTL_MAX_S = 86_400;
/** Shortest lifetime accepted (a credential must outlive the ICE set-up and a reconnect). */
export const TURN_TTL_MIN_S = 60;

/** One TURN REST credential. */
export interface TurnCredential {
  readonly username: string;
  readonly credential: string;
  /** Unix time (s) after which the TURN server refuses it. */
  readonly expiresAtS: number;
}

/** The credential of `userId` valid until `nowMs / 1000 + ttlS` (rounded down to whole seconds). */
export function turnCredential(secret: string, userId: string, nowMs: number, ttlS: number): TurnCredential {
  const expiresAtS = Math.floor(nowMs / 1000) + ttlS;
  const username = `${expiresAtS}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAtS };
}

/**
 * The `iceServers` of a member's `joined`: the static list (`ICE_SERVERS`) and, with TURN configured,
 * one more server carrying the member's fresh credential. Without TURN every member gets the same
 * (shared, frozen) static list.
 */
export function iceServersProvider(
  staticServers: readonly IceServer[],
  turn: TurnOptions | null,
  nowMs: () => number,
  onIssued: () => void,
): (memberId: string) => readonly IceServer[] {
  const shared = Object.freeze([...staticServers]);
  if (turn === null) return () => shared;
  const urls = turn.urls.length === 1 ? (turn.urls[0] ?? '') : Object.freeze([...turn.urls]);
  return (memberId) => {
    const { username, credential } = turnCredential(turn.secret, memberId, nowMs(), turn.ttlS);
    onIssued();
    return [...shared, { urls, username, credential }];
  };
}
