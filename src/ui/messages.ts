/**
 * Player-facing sentences of online play: everything that can go wrong (lobby server error codes,
 * WebRTC connection failures, handshake aborts, a lost lobby server), the lobby's status line and the
 * end screen. Pure functions (no DOM), so every code has a tested message.
 */
import { AbortCode } from '../lobby/handshake-abort.ts';
import { ErrorCode } from '../lobby/protocol.ts';
import type { GameState } from '../game/index.ts';
import { RELAY_ERROR_PREFIX, type RelayDiagnosis } from '../transport/ice-path.ts';
import { outcomeOf } from './outcome.ts';
import type { OverlayScreen } from './render/renderer.ts';

/** One sentence per server error code (the server's own text is only a fallback detail). */
export const ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  'lobby-full': 'This lobby is full.',
  'unknown-lobby': 'There is no lobby with this code. Check the link, or create a new lobby.',
  'expired-lobby': 'This lobby has expired: everyone left it. Create a new lobby.',
  'name-taken': 'Someone in this lobby already uses that name. Pick another one.',
  'bad-name': 'That name cannot be used: a name has 1 to 20 visible characters, in one alphabet.',
  'bad-settings': 'The lobby server refused these match settings.',
  'bad-message': 'The lobby server did not understand a message (is this page out of date? Reload it).',
  'too-large': 'That message is too long.',
  'rate-limited': 'Slow down: too many messages in a short time.',
  'not-member': 'A connection message went to a player who is not in this lobby (any more).',
  'not-in-lobby': 'You are not in a lobby any more.',
  'already-in-lobby': 'This connection is already in a lobby.',
  'server-full': 'The lobby server is full right now. Try again in a minute.',
  'origin-denied': 'The lobby server does not accept connections from this site.',
  'in-progress': 'This lobby is in a match right now. Wait for it to end and try again.',
  'not-host': 'Only the host can do that.',
  'too-deep': 'The lobby server refused a message nested too deeply (is this page out of date? Reload it).',
  'too-many-connections': 'Too many connections from your network to the lobby server. Close other tabs and try again.',
  'too-many-lobbies': 'Too many lobbies were created from your network recently. Try again in a few minutes.',
  'join-timeout': 'The connection to the lobby server was idle too long. Reload the page to try again.',
  'slow-reader': 'The connection to the lobby server was too slow. Reload the page to try again.',
  'dropped-by-peers': 'The other players lost their connection to you and the match went on without you.',
  'bad-rejoin': 'Your place in this lobby is gone (it expired or was never yours). Join it again as a new player.',
  'replaced': 'This lobby was opened in another tab or window, which took your place.',
  'too-many-watchers': 'This lobby already has 16 watchers, as many as it admits.',
  'watcher-not-allowed': 'Watchers cannot do that: take a free seat first.',
  'not-watching': 'Only a watcher can take a seat.',
  'watching-unavailable': 'Watching is not available on this lobby server.',
};

/** The message for a server error code. */
export function serverErrorMessage(code: ErrorCode): string {
  return ERROR_MESSAGES[code];
}

/** Error codes after which staying on the join form makes sense (the player can fix the name). */
export function isNameProblem(code: ErrorCode): boolean {
  return code === 'name-taken' || code === 'bad-name';
}

/** What failed when entering a lobby, from `Room.create`/`Room.join` or the connection before it. */
export function joinFailureMessage(failure: { readonly error: string; readonly code?: ErrorCode | undefined }): string {
  if (failure.code !== undefined) return serverErrorMessage(failure.code);
  if (/^closed|timeout/.test(failure.error)) return `The lobby server stopped answering (${failure.error}). Reload the page to try again.`;
  return `Could not enter the lobby: ${failure.error}`;
}

/** The signaling WebSocket could not be opened. */
export function unreachableMessage(detail: string): string {
  return `Cannot reach the lobby server. Check your connection and reload. (${detail})`;
}

/** The lobby server connection closed while in the lobby. */
export function signalingClosedMessage(reason: string): string {
  return `Lost the connection to the lobby server (${reason}). Matches in progress continue; reload to rejoin the lobby.`;
}

/**
 * A watcher's lobby socket closed: the lobby server closes it with `expired-lobby` (4015) when the
 * watched lobby expires (every player left and none came back in time).
 */
export function watcherClosedMessage(reason: string): string {
  return reason === ErrorCode.expiredLobby ? 'This lobby has closed: every player left. There is nothing more to watch here.' : signalingClosedMessage(reason);
}

/**
 * A WebRTC connection to a member failed. Timeouts and ICE failures mean no network path was found
 * between the two browsers, which is what a TURN relay solves. `detail` (the transport's error text)
 * only picks one of these fixed sentences and is never shown: a peer's offer can choose parts of it
 * (an SDP MID, say). The caller logs it for debugging.
 */
export function peerErrorMessage(name: string, detail: string): string {
  const relay = relayFailureMessage(name, detail);
  if (relay !== undefined) return relay;
  if (/not connected after|ice|connection failed|could not connect|timed? ?out/i.test(detail)) {
    return `WebRTC could not connect to ${name}: a TURN server may be needed (strict NAT or firewall).`;
  }
  return `The connection to ${name} failed.`;
}

/** The sentence after "Could not reach X through the relay", per `RelayDiagnosis` (ice-path.ts). */
const RELAY_REASONS: Readonly<Record<RelayDiagnosis, (name: string) => string>> = {
  'no-turn-server': () => 'relay-only mode (?relay=1) needs a TURN server, and the lobby server offers none',
  'turn-refused': () => 'TURN refused the credentials: wrong or expired',
  'turn-unreachable': () => 'the TURN server did not answer',
  'no-relay-candidates': () => 'the TURN server gave no relay address: credentials refused or server unreachable',
  'remote-no-candidates': (name) => `${name} got no relay address`,
  'relay-path-failed': () => 'a relay address was allocated, but no connection through the relay worked',
};

/**
 * A link failure the transport put down to the relay (`relay:<diagnosis>`, made by our own code from
 * what ICE reported, never by a peer), as a sentence; undefined for any other failure.
 */
export function relayFailureMessage(name: string, detail: string): string | undefined {
  if (!detail.startsWith(RELAY_ERROR_PREFIX)) return undefined;
  const reason = detail.slice(RELAY_ERROR_PREFIX.length);
  if (!Object.hasOwn(RELAY_REASONS, reason)) return undefined;
  return `Could not reach ${name} through the relay (${RELAY_REASONS[reason as RelayDiagnosis](name)}).`;
}

/**
 * The ready handshake was aborted (someone left, un-readied, or versions/settings differ). `reason` is
 * the sentence the handshake made locally from the abort code (never a peer's text); with `code`, the
 * code decides whether it is a version mismatch.
 */
export function handshakeAbortedMessage(reason: string, code?: AbortCode): string {
  const version = code === undefined ? /version/.test(reason) : code === AbortCode.protocolMismatch || code === AbortCode.gameMismatch;
  if (version) return `Cannot start: version mismatch (${reason}). Everyone should reload the page.`;
  return `Match start cancelled: ${reason}. Press Ready to try again.`;
}

/**
 * "Alice wins!" (or "Alice wins — the others left") with the final scores, players who left marked, from
 * a confirmed state: the same words as the arena's banner (outcome.ts).
 */
export function endScreenText(state: GameState, names: readonly string[]): OverlayScreen {
  return outcomeOf(state, names) ?? { title: '', subtitle: '' };
}

/** The replay's download file name. */
export function replayFileName(code: string, matchNumber: number): string {
  return `rollback-pong-${code}-${matchNumber}.json`;
}

/** "Alice", "Alice and Bob", "Alice, Bob and you". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** The watch screen's banner. */
export function watchingBanner(players: number, started: boolean): string {
  return started ? `Watching — ${players} players` : `Watching — ${players} players (waiting for the match state…)`;
}

/** A watcher's status line in the lobby screen (`following`: a match is on screen). */
export function watcherStatus(room: { readonly started: boolean; readonly freeSeat: boolean }, following: boolean): string {
  if (room.started) return following ? 'You are watching the match.' : 'The match is on: waiting for the players to send it…';
  return room.freeSeat ? 'You are watching. A seat is free: take it to play the next match.' : 'You are watching. The players are in the lobby.';
}
