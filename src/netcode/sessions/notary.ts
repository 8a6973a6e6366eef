/**
 * The notary's side of a session: this peer's own input records (produced every
 * `RECORD_EVERY_FRAMES` frames, to be broadcast by the lobby server, which relays the same bytes to
 * every member with a `from` it sets itself), and the records of the other players as the notary
 * relayed them.
 *
 * A player's records are its authoritative confirmed inputs: contiguous from frame 0, the first record
 * of a frame wins. A record that differs from what the player sent us directly replaces it (the session
 * rolls back), so honest peers converge even when a cheater sent each of them different inputs; the
 * contradiction is reported as `cheating` naming the player. Two records of one player disagreeing on a
 * frame are seen identically by every member, so every honest peer names the same cheater. With the
 * notary up, finality needs the records of every present player (see `coverage`).
 */
import { decodeRecord, encodeRecord, RECORD_LIMITS } from '../input-record.ts';
import type { InputQueue } from '../input-queue.ts';
import type { RejectReason } from '../protocol.ts';
import type { PeerId } from '../socket.ts';
import { NULL_FRAME, type CheatReason, type Frame, type SessionEvent } from '../types.ts';
import { AHEAD_LIMIT } from './packet-rules.ts';
import { PendingInputs } from './pending-inputs.ts';

/** A record is produced once this many new local inputs exist. */
export const RECORD_EVERY_FRAMES = 30;
/**
 * Each record repeats this many frames before its new ones, so one record the notary lost (a rate limit,
 * a hiccup) is healed by the next: the stream has a gap only when two in a row are lost.
 */
export const RECORD_OVERLAP_FRAMES = RECORD_EVERY_FRAMES;
/** Early (partial) records while stalled or waiting go out at most this often, within the server's rate. */
export const MIN_FLUSH_MS = 250;
/**
 * How fast records leave (`Notary.take` with a time): under the lobby server's own limit for records
 * (10 per second, bursts of 20, per member; signaling/config.ts). A match makes 2 a second, more when
 * stalled (a flush every `MIN_FLUSH_MS`).
 */
export const RECORD_PACE = { perSecond: 8, burst: 12 } as const;
/**
 * A rewind (`Notary.rewind`) reaches back at most this many frames: with the record's overlap, within
 * what an input queue holds (256 frames).
 */
const MAX_REWIND_FRAMES = 200;
/** Records kept while the notary is down (about 4 minutes of play); older ones are dropped. */
const MAX_BACKLOG = 512;
/**
 * A new record is checked against the earlier records of its player over this many frames below its
 * coverage (`compareOld`); older frames are not compared, at every peer alike.
 */
const RECORDED_FRAMES = 512;

/** What the notary needs of its session. */
export interface NotaryHost {
  readonly players: number;
  readonly localPlayer: number;
  readonly sessionId: number;
  readonly queues: readonly InputQueue[];
  readonly events: SessionEvent[];
  /** The peer id of a remote player (undefined for the local one). */
  peerOf(player: number): PeerId | undefined;
  /** Counts a rejected record against the player's peer. */
  reject(player: number, reason: RejectReason): void;
  /** Our current frame. */
  frame(): Frame;
  /** Last input frame final here (see `receive`: a gap in a stream that is final anyway). */
  finalFrame(): Frame;
  /** Is the state of `frame` still saved (can a correction of it still roll back)? */
  canRollBackTo(frame: Frame): boolean;
  /** A dropped player whose records are no longer taken (see `Departures.closed`). */
  closed(player: number): boolean;
  /** The player's last record arrived: it left (its own word, seen identically by every member). */
  ended(player: number): void;
  /** The player published conflicting records (seen identically by every member): drop it now. */
  expel(player: number): void;
}

/** Records of one session. */
export class Notary {
  up: boolean;
  private readonly covered: Int32Array;
  /**
   * Each remote player's record values of its last `RECORDED_FRAMES` covered frames (a ring per
   * player), and the first frame held: what a later record of the player must repeat. Records only,
   * the same bytes in the same order at every member, so every member judges a conflict alike (the
   * input queue would not do: which frames it still holds depends on the direct inputs each peer got).
   */
  private readonly recorded: Int16Array;
  private readonly recordedFrom: Int32Array;
  /**
   * Covered frames of each remote player beyond our input queue's reach (see `settle`): coverage is
   * what the records say, the same at every member whatever its own frame; the queue takes the values
   * as our frame comes near them.
   */
  private readonly pending: PendingInputs[];
  private emittedUpTo: Frame = NULL_FRAME;
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  private readonly backlog: Uint8Array[] = [];
  private readonly named = new Set<string>();
  /** Our final record went out. */
  private ended = false;
  /** Our records never reach back before this frame (a session resumed by a rejoin, see `resume`). */
  private floor: Frame = 0;
  /** Pacing of `take` (a token bucket). */
  private tokens: number = RECORD_PACE.burst;
  private paceMs = 0;
  /** A resumed session: the transfer sender's final records ending here or before are stale (see `resume`). */
  private staleFinal: { readonly player: number; readonly upTo: Frame } | undefined;

  constructor(
    private readonly host: NotaryHost,
    up: boolean,
  ) {
    this.up = up;
    this.covered = new Int32Array(host.players).fill(NULL_FRAME);
    this.recorded = new Int16Array(host.players * RECORDED_FRAMES);
    this.recordedFrom = new Int32Array(host.players);
    this.pending = Array.from({ length: host.players }, () => new PendingInputs());
  }

  /**
   * A departed player is back: its records continue from `lastFrame + 1` (the frames between its
   * departure and its return are the departed input everyone agreed on; no record repeats them).
   */
  reopen(player: number, lastFrame: Frame): void {
    this.covered[player] = lastFrame;
    this.pending[player]?.clear();
    this.recordedFrom[player] = lastFrame + 1; // the time away is agreed departed input, not records
    // Alone, our stream had ended (see `P2PSession.advanceFrame`); with a player back, it goes on.
    this.ended = false;
  }

  /**
   * A session resumed from a rejoin transfer: the others' records reach `coverage[p]` (the sender's
   * view); ours continue from `localFrom`, the frame our input counts again. `sender` (the transfer's
   * sender) was present when it sent it: a final record of its own that the transfer's coverage already
   * reaches ended a stream it reopened for us (alone while we were away), so it ends nothing here.
   */
  resume(coverage: readonly Frame[], localFrom: Frame, sender?: number): void {
    for (let p = 0; p < this.host.players; p++) {
      if (p === this.host.localPlayer) continue;
      this.covered[p] = coverage[p] ?? NULL_FRAME;
      this.recordedFrom[p] = (this.covered[p] ?? NULL_FRAME) + 1; // no earlier record seen here
      this.pending[p]?.clear();
    }
    this.emittedUpTo = localFrom - 1;
    this.floor = localFrom;
    if (sender !== undefined && sender !== this.host.localPlayer) this.staleFinal = { player: sender, upTo: this.covered[sender] ?? NULL_FRAME };
  }

  /** Last frame of `player`'s records received contiguously (our own: produced), -1 when none. */
  coverage(player: number): Frame {
    return player === this.host.localPlayer ? this.emittedUpTo : (this.covered[player] ?? NULL_FRAME);
  }

  /** The record value of a covered `frame` of `player` that its input queue does not hold yet (`settle`), if any. */
  pendingInput(player: number, frame: Frame): number | undefined {
    const pending = this.pending[player];
    if (pending === undefined || frame < pending.from || frame >= pending.from + pending.size) return undefined;
    return pending.at(frame - pending.from);
  }

  /** Last covered frame of `player` whose record value its input queue does not hold yet (`settle`), `NULL_FRAME` when none. */
  pendingTo(player: number): Frame {
    const pending = this.pending[player];
    return pending === undefined || pending.size === 0 ? NULL_FRAME : pending.from + pending.size - 1;
  }

  /**
   * Produces a record once `RECORD_EVERY_FRAMES` new local inputs exist (any, with `flush`, at most every
   * `MIN_FLUSH_MS`). With `final` (leaving) everything left goes out, the last record flagged final
   * (repeating the last frame when nothing is new); no record follows it. Every record also repeats the
   * `RECORD_OVERLAP_FRAMES` frames before its new ones.
   */
  produce(flush: boolean, final = false, nowMs = 0): void {
    const q = this.host.queues[this.host.localPlayer] as InputQueue;
    const last = q.lastReceivedFrame;
    if (this.ended || last < this.floor) return;
    const fresh = last - this.emittedUpTo;
    if (!final && fresh < RECORD_EVERY_FRAMES) {
      if (!flush || fresh < 1 || nowMs - this.lastFlushMs < MIN_FLUSH_MS) return;
      this.lastFlushMs = nowMs;
    }
    do {
      const start = Math.max(this.floor, Math.min(this.emittedUpTo + 1, last) - RECORD_OVERLAP_FRAMES);
      const end = Math.min(last, start + RECORD_LIMITS.maxFrames - 1);
      const inputs: number[] = [];
      for (let f = start; f <= end; f++) inputs.push(q.confirmedInput(f) ?? 0);
      this.ended = final && end === last;
      this.backlog.push(encodeRecord({ sessionId: this.host.sessionId, player: this.host.localPlayer, startFrame: start, inputs, ...(this.ended ? { final: true } : {}) }));
      if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
      this.emittedUpTo = end;
    } while (final && !this.ended);
  }

  /**
   * Our records from `frame` on go out again (at most `MAX_REWIND_FRAMES` back): a member whose
   * lobby socket was away says where its copy of our stream ends, and records sent into a dead
   * socket are lost. Receivers take repeated frames as they take a record's overlap.
   */
  rewind(frame: Frame): void {
    if (this.ended || !Number.isInteger(frame)) return;
    const last = (this.host.queues[this.host.localPlayer] as InputQueue).lastReceivedFrame;
    // Only frames our input queue still holds (with the record's overlap before them); an older gap
    // is final by gossip at the receiver, which then skips it (see `receive`).
    const from = Math.max(this.floor, frame, last - MAX_REWIND_FRAMES + 1);
    if (from - 1 < this.emittedUpTo) this.emittedUpTo = from - 1;
  }

  /** Queues another kind of notarised record of ours (a rejoin hold). */
  publish(bytes: Uint8Array): void {
    this.backlog.push(bytes);
    if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
  }

  /**
   * Records to broadcast, in order (none while the notary is down: they wait, bounded). With `nowMs`,
   * paced below the lobby server's record rate (`RECORD_PACE`): the backlog of an outage goes out over
   * a few seconds instead of in one burst the server would cut (a gap in our stream for everyone).
   */
  take(nowMs?: number): Uint8Array[] {
    if (!this.up) return [];
    if (nowMs === undefined) return this.backlog.splice(0, this.backlog.length);
    this.tokens = Math.min(RECORD_PACE.burst, this.tokens + (Math.max(0, nowMs - this.paceMs) * RECORD_PACE.perSecond) / 1000);
    this.paceMs = nowMs;
    const n = Math.min(this.backlog.length, Math.floor(this.tokens));
    this.tokens -= n;
    return this.backlog.splice(0, n);
  }

  /** A record relayed by the notary from `player` (as the server says). Never throws. */
  receive(player: number, bytes: Uint8Array): void {
    const h = this.host;
    if (!Number.isInteger(player) || player < 0 || player >= h.players || player === h.localPlayer) return;
    const r = bytes instanceof Uint8Array ? decodeRecord(bytes) : undefined;
    if (r === undefined) return h.reject(player, 'record-invalid');
    if (!r.ok || r.record.player !== player || r.record.sessionId !== h.sessionId) return h.reject(player, 'record-invalid');
    if (h.closed(player)) return h.reject(player, 'record-gap');
    const { startFrame, inputs } = r.record;
    const covered = this.covered[player] ?? NULL_FRAME;
    const end = startFrame + inputs.length - 1;
    const q = h.queues[player] as InputQueue;
    // No test against our own frame here: whether a record is taken must not depend on how far this
    // member has played when it arrives (a record ahead of one honest peer and not of another would
    // split them). Frames beyond our input queue's reach wait in `pending` (see `settle`).
    if (startFrame > covered + 1) {
      // A gap in the stream. With the notary up, nothing past the coverage is final; a gap of frames
      // already final here was final by gossip while the notary was down (records sent into a dead
      // lobby socket are lost): no record can change those frames any more, so the stream goes on.
      if (startFrame - 1 > h.finalFrame()) return h.reject(player, 'record-gap');
      this.covered[player] = startFrame - 1;
      this.recordedFrom[player] = startFrame;
      return this.receive(player, bytes);
    }
    // Two records of one player disagreeing: every member sees this same pair in the same order, so
    // every honest peer expels the player at the same frame (the end of its coverage so far).
    if (this.compareOld(player, startFrame, inputs)) return h.expel(player);
    if (end > covered) this.extend(player, covered, startFrame, inputs, q);
    if (r.record.final === true && !(this.staleFinal?.player === player && end <= this.staleFinal.upTo)) h.ended(player);
  }

  private extend(player: number, covered: Frame, startFrame: Frame, inputs: readonly number[], q: InputQueue): void {
    const end = startFrame + inputs.length - 1;
    const pending = this.pending[player] as PendingInputs;
    const reach = this.reach();
    // A session resumed by a rejoin holds no input before its first frame: those frames are covered.
    if (covered + 1 < q.firstFrame) this.recordedFrom[player] = Math.max(this.recordedFrom[player] ?? 0, q.firstFrame);
    for (let f = Math.max(covered + 1, q.firstFrame); f <= end; f++) {
      const v = inputs[f - startFrame] as number;
      this.recorded[player * RECORDED_FRAMES + (f % RECORDED_FRAMES)] = v;
      if (pending.size > 0 || f > reach) pending.push(f, v);
      else if (!this.apply(player, f, v, q)) {
        // Cannot take it (a departed player's frame beyond a gap): the stream stops here.
        this.covered[player] = f - 1;
        return;
      }
    }
    this.covered[player] = end;
  }

  /** The last frame our input queues can take a value for now: our last input frame + `AHEAD_LIMIT`. */
  private reach(): Frame {
    return (this.host.queues[this.host.localPlayer] as InputQueue).lastReceivedFrame + AHEAD_LIMIT;
  }

  /** A covered frame's record value into the player's input queue; false if the queue cannot take it. */
  private apply(player: number, f: Frame, v: number, q: InputQueue): boolean {
    const h = this.host;
    // What this peer simulated the frame with, if it did: the direct input, or neutral after a drop.
    const departed = q.isDisconnected && f > q.lastReceivedFrame;
    const direct = departed ? undefined : q.confirmedInput(f);
    if (direct !== undefined && direct !== v) this.cheat(player, 'contradicts-record', f);
    if ((departed ? v !== q.departedInput : direct !== undefined && direct !== v) && f < h.frame() && !h.canRollBackTo(f)) this.cheat(player, 'unrecoverable', f);
    return direct === v || q.setAuthoritative(f, v);
  }

  /**
   * Hands the input queues the pending record values (`pending`) that are now within reach, in order:
   * call once a frame, before simulating. They are always ahead of the frame simulated (by at least
   * `AHEAD_LIMIT` plus the input delay), so taking them later than a peer further ahead took them
   * changes nothing it simulated differently.
   */
  settle(): void {
    const reach = this.reach();
    for (let p = 0; p < this.host.players; p++) {
      const pending = this.pending[p] as PendingInputs;
      const q = this.host.queues[p] as InputQueue;
      while (pending.size > 0 && pending.from <= reach) {
        if (!this.apply(p, pending.from, pending.first, q)) {
          this.covered[p] = pending.from - 1;
          pending.clear();
          break;
        }
        pending.shift();
      }
    }
  }

  /** A direct input that contradicts a record-covered frame: the sender cheated. */
  onChangedInput(player: number, frame: Frame): void {
    if (this.up && frame <= this.coverage(player)) this.cheat(player, 'contradicts-record', frame);
  }

  /**
   * Frames of a new record already covered by an earlier one must repeat it; true on a conflict.
   * Compared with the earlier records (`recorded`), over the last `RECORDED_FRAMES` covered frames.
   */
  private compareOld(player: number, startFrame: Frame, inputs: readonly number[]): boolean {
    const covered = this.covered[player] ?? NULL_FRAME;
    const first = Math.max(startFrame, this.recordedFrom[player] ?? 0, covered - RECORDED_FRAMES + 1);
    const last = Math.min(covered, startFrame + inputs.length - 1);
    for (let f = first; f <= last; f++) {
      if (this.recorded[player * RECORDED_FRAMES + (f % RECORDED_FRAMES)] !== inputs[f - startFrame]) {
        this.cheat(player, 'conflicting-records', f);
        return true;
      }
    }
    return false;
  }

  /** Raises `cheating` once per player and reason. */
  private cheat(player: number, reason: CheatReason, frame: Frame): void {
    const key = `${player}:${reason}`;
    const peer = this.host.peerOf(player);
    if (this.named.has(key) || peer === undefined) return;
    this.named.add(key);
    this.host.events.push({ kind: 'cheating', player, peer, reason, frame });
  }
}
