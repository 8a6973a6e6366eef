/**
 * Why a handshake round was aborted, as a code from a fixed vocabulary, and the sentence shown to the
 * player. On the wire an abort carries only the code and the member ids it is about; the sentence is
 * always made here, by the receiving side, from the code and the names *it* knows for those ids (the
 * lobby server's validated names). A peer can therefore never put its own words on another player's
 * screen through an abort: at worst it picks a wrong code, which is no worse than aborting. Nor can a
 * member make an abort name *another* member: a member's abort is about its sender only (or nobody).
 */
import type { PeerId } from '../netcode/socket.ts';
import { assertNever } from '../shared/assert-never.ts';

/** Every reason a round can end before frame 0. */
export const AbortCode = {
  /** A member left (lobby `member-left`, its channel closed, or its own `leave`). */
  left: 'left',
  /** Someone joined mid-round (the player count changed). */
  joined: 'joined',
  /** A member pressed Not ready after its ready vote, or during the countdown. */
  unready: 'unready',
  /** Protocol versions differ. */
  protocolMismatch: 'protocol-mismatch',
  /** Game versions differ. */
  gameMismatch: 'game-mismatch',
  /** Match settings differ. */
  setupMismatch: 'setup-mismatch',
  /** The host's START lists another player order than ours. */
  orderMismatch: 'order-mismatch',
  /** The host heard no acknowledgement from these members before the start. */
  noAnswer: 'no-answer',
  /** The host did not answer our clock probes in time. */
  hostTimeout: 'host-timeout',
  /**
   * Everyone was ready as far as we heard, but no START came in time. Neutral (names nobody): the
   * votes we heard directly may be a member's lies to us, so the host may not be at fault.
   */
  startTimeout: 'start-timeout',
  /** The host's START time is too far ahead, or already past, on our clock. */
  badStart: 'bad-start',
} as const;
/** One abort code. */
export type AbortCode = (typeof AbortCode)[keyof typeof AbortCode];

/** Every code, for the wire schema. */
export const ABORT_CODES: readonly AbortCode[] = Object.values(AbortCode);

/** Most member ids one abort may name (a lobby has at most 4 members). */
export const MAX_ABORT_MEMBERS = 4;

/**
 * The player-facing sentence for an abort. `names` are the local side's names of the members the
 * abort is about (unknown ids already removed); `detail` is only ever made locally (e.g. from the
 * validated numbers of a vote), never taken from a peer's message.
 */
export function abortText(code: AbortCode, names: readonly string[], detail?: string): string {
  const who = names.length === 0 ? 'a player' : names.join(', ');
  const plus = detail === undefined || detail === '' ? '' : `: ${detail}`;
  switch (code) {
    case AbortCode.left:
      return `${who} left`;
    case AbortCode.joined:
      return `${who} joined`;
    case AbortCode.unready:
      return `${who} is no longer ready`;
    case AbortCode.protocolMismatch:
      return `${who} runs another protocol version${plus}`;
    case AbortCode.gameMismatch:
      return `${who} runs another game version${plus}`;
    case AbortCode.setupMismatch:
      return `match settings differ from ${who}'s${plus}`;
    case AbortCode.orderMismatch:
      return 'the host proposed a different player order';
    case AbortCode.noAnswer:
      return `no answer from ${who} before the start`;
    case AbortCode.hostTimeout:
      return names.length === 0 ? 'a player heard nothing from the host in time' : `the host (${who}) did not answer in time`;
    case AbortCode.startTimeout:
      return 'the match did not start in time';
    case AbortCode.badStart:
      return names.length === 0 ? `a player refused the host's start time${plus}` : `the host (${who}) proposed an impossible start time${plus}`;
    default:
      return assertNever(code, 'abort code');
  }
}

/** An abort as the handshake reports it. */
export interface AbortInfo {
  readonly code: AbortCode;
  /** Member ids it is about (members of the round only). */
  readonly about: readonly PeerId[];
  /** The sentence for the player, made locally. */
  readonly reason: string;
  /**
   * Someone had pressed Ready (as this peer knows the votes) or the start was being committed: a start
   * was really cancelled. False only for a member joining or leaving a round nobody was starting (an
   * idle lobby): the UI says nothing then (issue #9). Mismatches and timeouts are always told.
   */
  readonly starting: boolean;
}
