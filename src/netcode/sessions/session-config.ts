/**
 * Options of a `P2PSession`, their defaults (GGPO/GGRS practice) and their validation: a bad option is a
 * caller bug (RangeError), never a network condition.
 */
import { LIMITS } from '../protocol.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import type { TransferPlayer } from '../rejoin-transfer.ts';
import type { Frame } from '../types.ts';
import type { StateForensics } from './checksum-exchange.ts';
import { MAX_INPUT_DELAY, MAX_PREDICTION } from './packet-rules.ts';

/** Configuration of a session. */
export interface P2PSessionOptions<S> {
  readonly players: number;
  readonly localPlayer: number;
  readonly remotes: readonly { readonly player: number; readonly peer: PeerId }[];
  readonly socket: PeerSocket;
  /** Agreed in the handshake; packets of other sessions are dropped. */
  readonly sessionId: number;
  /** Time of the first call (ms); used to start silence timers. */
  readonly startMs: number;
  readonly inputDelay?: number;
  readonly maxPrediction?: number;
  readonly tickMs?: number;
  readonly checksumInterval?: number;
  readonly interruptAfterMs?: number;
  readonly disconnectAfterMs?: number;
  readonly forensics?: StateForensics<S>;
  /**
   * The lobby server relays input records (`takeRecords` / `receiveRecord`) and they are required for
   * finality (default false: gossip finality, no record needed). See `P2PSession.setNotary`.
   */
  readonly notary?: boolean;
  /**
   * The input of a departed player after its last frame, and of a returning one until its input counts
   * again (default 0, neutral; the game may have an "absent" input).
   */
  readonly departedInput?: number;
  /** Serializes a state for a returning player's rejoin transfer (default: `forensics.encode`). */
  readonly encodeState?: (state: S) => Uint8Array;
  /**
   * Resume a match as a returning player, from a rejoin transfer (see `RejoinClient`): the session
   * starts at `frame` (the caller's state is the transferred one) and the local input counts from
   * `resumeFrame`.
   */
  readonly resume?: ResumePoint;
}

/** Where a returning player's session starts (a checked rejoin transfer, without its state). */
export interface ResumePoint {
  readonly frame: Frame;
  readonly resumeFrame: Frame;
  readonly players: readonly TransferPlayer[];
  /**
   * The player whose transfer it is. Alone while we were away, its record stream had ended (a final
   * record); it reopened the stream for our return, so its final records up to its transfer's
   * coverage, relayed to us before or while we resumed, are stale and end nothing.
   */
  readonly sender?: number;
}

/** Validated defaults. */
export const SESSION_DEFAULTS = {
  inputDelay: 2,
  maxPrediction: 8,
  tickMs: 1000 / 60,
  checksumInterval: 60,
  interruptAfterMs: 750,
  disconnectAfterMs: 5000,
} as const;

/** The numeric options, validated, with defaults applied. */
export interface ResolvedOptions {
  readonly inputDelay: number;
  readonly maxPrediction: number;
  readonly tickMs: number;
  readonly checksumInterval: number;
  readonly interruptAfterMs: number;
  readonly disconnectAfterMs: number;
}

/**
 * Checks the options.
 * @throws RangeError on a bad player layout or an option out of range
 */
export function resolveOptions<S>(o: P2PSessionOptions<S>): ResolvedOptions {
  const { players, localPlayer, remotes } = o;
  if (!Number.isInteger(players) || players < 2 || players > LIMITS.maxPlayers) throw new RangeError('players must be 2..4');
  if (!Number.isInteger(localPlayer) || localPlayer < 0 || localPlayer >= players) throw new RangeError('localPlayer out of range');
  const seen = new Set([localPlayer]);
  for (const r of remotes) {
    if (seen.has(r.player) || r.player < 0 || r.player >= players) throw new RangeError(`bad remote player ${r.player}`);
    seen.add(r.player);
  }
  if (seen.size !== players) throw new RangeError('every player needs exactly one peer');
  if (o.departedInput !== undefined) checkRange('departedInput', o.departedInput, 0, 255);
  if (o.resume !== undefined && (o.resume.players.length !== players || o.resume.resumeFrame < o.resume.frame)) throw new RangeError('resume point does not fit this match');
  const checksumInterval = o.checksumInterval ?? SESSION_DEFAULTS.checksumInterval;
  if (!Number.isInteger(checksumInterval) || checksumInterval < 1) throw new RangeError('checksum interval must be a positive integer');
  return {
    inputDelay: checkRange('inputDelay', o.inputDelay ?? SESSION_DEFAULTS.inputDelay, 0, MAX_INPUT_DELAY),
    maxPrediction: checkRange('maxPrediction', o.maxPrediction ?? SESSION_DEFAULTS.maxPrediction, 1, MAX_PREDICTION),
    tickMs: checkPositive('tickMs', o.tickMs ?? SESSION_DEFAULTS.tickMs),
    checksumInterval,
    interruptAfterMs: checkPositive('interruptAfterMs', o.interruptAfterMs ?? SESSION_DEFAULTS.interruptAfterMs),
    disconnectAfterMs: checkPositive('disconnectAfterMs', o.disconnectAfterMs ?? SESSION_DEFAULTS.disconnectAfterMs),
  };
}

/** @throws RangeError unless `v` is an integer in `lo..hi` */
export function checkRange(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in ${lo}..${hi}`);
  return v;
}

function checkPositive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number of ms`);
  return v;
}
