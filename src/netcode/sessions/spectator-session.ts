/**
 * Spectators, the spectator's side (docs/protocol.md, "Spectators"): it asks one player (the feeder) for
 * the match with `spectate-request { next }`, every `SPECTATE_REQUEST_EVERY_MS` and right after each feed that
 * brought something (the ack), and follows the answers: first a transfer (the latest state final at the
 * feeder, checked against its checksum), then batches of final inputs of every player. Final inputs never
 * change, so nothing here rolls back; a `ConfirmedTrack` steps through them (this class is its
 * `ConfirmedInputSource`).
 *
 * Failover: the feeders come in an order (`setFeeders`); when the current one sends no valid feed for
 * `FAILOVER_MS`, or is removed, the next one is asked — it continues from `next` (no gap) when it still
 * holds those inputs, else answers with a fresh transfer (a `restarted` event).
 *
 * Hostile feeders: whatever a feeder sends is checked — the session, the player count, the checksum of a
 * transferred state, a batch that does not continue `next`, an input that differs from the one held —
 * and dropped, counted, never thrown. At worst a feeder shows this spectator a wrong match; it can never
 * touch a player's. Sans-IO: time is passed in.
 */
import { decodePacket, encodePacket } from '../codec.ts';
import type { SpectateFeedBody } from '../protocol.ts';
import { decodeTransfer } from '../rejoin-transfer.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import type { Frame } from '../types.ts';

/** A request to the feeder at least this often. */
export const SPECTATE_REQUEST_EVERY_MS = 100;
/** A feeder that sent no valid feed for this long is replaced by the next one. */
export const FAILOVER_MS = 1000;
/** The confirmed frame not moving for this long raises `stalled`. */
export const STALL_MS = 500;
/**
 * A transfer with a gap to the inputs held restarts the match only when nothing moved for this long:
 * before, it is a late answer to an earlier request (the feeds go on), not a feeder that lost `next`.
 */
export const RESTART_AFTER_MS = 250;
/** Frames of inputs kept (10 s at 60 Hz): a `ConfirmedTrack` reading within it finds every input. */
export const SPECTATOR_WINDOW = 600;

/** Why a spectator dropped a datagram; counted in `SpectatorStats.dropped`. */
export const SPECTATOR_DROPS = ['decode', 'session', 'not-feeder', 'kind', 'players', 'checksum', 'state', 'unexpected', 'gap', 'stale', 'changed'] as const;
/** One of `SPECTATOR_DROPS`. */
export type SpectatorDrop = (typeof SPECTATOR_DROPS)[number];

/** Options of a spectator. */
export interface SpectatorSessionOptions<S> {
  readonly players: number;
  readonly sessionId: number;
  readonly socket: PeerSocket;
  /** Players to ask, in failover order (the first reachable one feeds). */
  readonly feeders: readonly PeerId[];
  /**
   * Decodes a transferred state; undefined when invalid — also when it does not fit the match being
   * watched (another player count, or not the state of `frame`, the transfer's frame).
   */
  decodeState(bytes: Uint8Array, frame: Frame): S | undefined;
  /** The game's checksum of a state (the transfer's claim is checked against it). */
  checksum(state: S): number;
  /** The input of a departed player (pads a transfer's shorter input list of a departed player; default 0). */
  readonly departedInput?: number;
}

/** What happened, drained by the caller. */
export type SpectatorEvent =
  | { readonly kind: 'started'; readonly frame: Frame }
  /** A fresh transfer with a gap to the inputs held: the match starts over from its state. */
  | { readonly kind: 'restarted'; readonly frame: Frame }
  | { readonly kind: 'feeder-changed'; readonly peer: PeerId | undefined }
  | { readonly kind: 'stalled'; readonly frame: Frame };

/** Counters of a spectator. */
export interface SpectatorStats {
  readonly bytesIn: number;
  readonly requests: number;
  /** Valid feeds taken (transfers included). */
  readonly feeds: number;
  readonly transfers: number;
  readonly failovers: number;
  readonly restarts: number;
  readonly dropped: Readonly<Record<SpectatorDrop, number>>;
}

/** One spectator following a match. */
export class SpectatorSession<S> {
  readonly players: number;
  private readonly o: SpectatorSessionOptions<S>;
  private feeders: PeerId[];
  private feederIndex = 0;
  private begin: { readonly frame: Frame; readonly state: S } | undefined;
  /** Inputs of frames `next - held .. next - 1`, frame-major, in a ring of `SPECTATOR_WINDOW` frames. */
  private readonly ring: Uint8Array;
  private next: Frame = 0;
  private held = 0;
  private feederFinal: Frame = -1;
  private lastHeardMs: number | undefined;
  private lastRequestMs = Number.NEGATIVE_INFINITY;
  private ackDue = false;
  /** Asking for a fresh transfer (`resync`): the next checked one restarts the match. */
  private resyncing = false;
  private movedAtMs: number | undefined;
  private stallReported = false;
  private readonly events: SpectatorEvent[] = [];
  private readonly counts = { bytesIn: 0, requests: 0, feeds: 0, transfers: 0, failovers: 0, restarts: 0 };
  private readonly dropped = Object.fromEntries(SPECTATOR_DROPS.map((r) => [r, 0])) as Record<SpectatorDrop, number>;

  constructor(options: SpectatorSessionOptions<S>) {
    if (!Number.isInteger(options.players) || options.players < 2 || options.players > 4) throw new RangeError('players must be 2..4');
    this.o = options;
    this.players = options.players;
    this.feeders = [...new Set(options.feeders)];
    this.ring = new Uint8Array(SPECTATOR_WINDOW * options.players);
  }

  /** The checked transferred state the match starts from, once received. */
  get start(): { readonly frame: Frame; readonly state: S } | undefined {
    return this.begin;
  }

  /** Last input frame held (final at the feeder), -1 before. */
  get confirmedFrame(): Frame {
    return this.begin === undefined ? -1 : this.next - 1;
  }

  /** One past `confirmedFrame`: a `ConfirmedTrack` steps up to the confirmed frame, never beyond. */
  get currentFrame(): Frame {
    return this.begin === undefined ? 0 : this.next;
  }

  /** Last final frame the feeder claimed (how far behind this spectator is; its word, for display only). */
  get feederFinalFrame(): Frame {
    return this.feederFinal;
  }

  /** The feeder asked now, if any. */
  get feeder(): PeerId | undefined {
    return this.feeders[this.feederIndex];
  }

  /** Every player's final input of `frame`, while it is within the window; undefined otherwise. */
  confirmedInputs(frame: Frame): number[] | undefined {
    if (!Number.isInteger(frame) || frame >= this.next || frame < this.next - this.held) return undefined;
    const at = (frame % SPECTATOR_WINDOW) * this.players;
    return Array.from(this.ring.subarray(at, at + this.players));
  }

  /** Sets the feeders, in failover order; the current one stays if still listed, else the first is asked. */
  setFeeders(ids: readonly PeerId[]): void {
    const current = this.feeder;
    this.feeders = [...new Set(ids)];
    const i = current === undefined ? -1 : this.feeders.indexOf(current);
    if (i >= 0) {
      this.feederIndex = i;
      return;
    }
    this.feederIndex = 0;
    this.switched();
  }

  /**
   * Asks for a fresh transfer: the caller fell behind the inputs kept (`SPECTATOR_WINDOW`, e.g. a tab
   * in the background for longer than that), so the match restarts from the feeder's latest state.
   */
  resync(): void {
    if (this.begin === undefined || this.resyncing) return;
    this.resyncing = true;
    this.ackDue = true;
  }

  /** Receives, fails over when due, and asks the feeder. */
  poll(nowMs: number): void {
    this.lastHeardMs ??= nowMs;
    this.movedAtMs ??= nowMs;
    const before = this.next;
    for (const d of this.o.socket.receiveAll()) this.datagram(d.from, d.bytes, nowMs);
    if (this.next !== before || this.begin === undefined) {
      this.movedAtMs = nowMs;
      this.stallReported = false;
    } else if (!this.stallReported && nowMs - this.movedAtMs >= STALL_MS) {
      this.stallReported = true;
      this.events.push({ kind: 'stalled', frame: this.confirmedFrame });
    }
    if (nowMs - this.lastHeardMs >= FAILOVER_MS && this.feeders.length > 1) {
      this.feederIndex = (this.feederIndex + 1) % this.feeders.length;
      this.counts.failovers++;
      this.switched();
      this.lastHeardMs = nowMs;
    }
    const feeder = this.feeder;
    if (feeder === undefined || (!this.ackDue && nowMs - this.lastRequestMs < SPECTATE_REQUEST_EVERY_MS)) return;
    this.ackDue = false;
    this.lastRequestMs = nowMs;
    this.counts.requests++;
    this.o.socket.send(feeder, encodePacket({ sessionId: this.o.sessionId, message: { kind: 'spectate-request', next: this.begin === undefined || this.resyncing ? 0 : this.next } }));
  }

  /** Events since the last call. */
  drainEvents(): SpectatorEvent[] {
    return this.events.splice(0, this.events.length);
  }

  stats(): SpectatorStats {
    return { ...this.counts, dropped: { ...this.dropped } };
  }

  private switched(): void {
    this.events.push({ kind: 'feeder-changed', peer: this.feeder });
    this.ackDue = true; // ask the new feeder at once
  }

  private datagram(from: PeerId, bytes: Uint8Array, nowMs: number): void {
    this.counts.bytesIn += bytes.length;
    if (from !== this.feeder) return void this.drop('not-feeder');
    const r = decodePacket(bytes);
    if (!r.ok) return void this.drop('decode');
    if (r.packet.sessionId !== this.o.sessionId) return void this.drop('session');
    const m = r.packet.message;
    if (m.kind !== 'spectate-feed') return void this.drop('kind');
    const before = this.next;
    if (!this.take(m.body, nowMs)) return;
    this.counts.feeds++;
    this.lastHeardMs = nowMs;
    // Ack (ask for more) only when this feed brought frames or more are waiting: an idle keep-alive
    // waits for the periodic request, so an idle match costs no ping-pong.
    if (this.next !== before || this.feederFinal >= this.next) this.ackDue = true;
  }

  /** Applies a feed; false (counted) when it is dropped. */
  private take(body: SpectateFeedBody, nowMs: number): boolean {
    if (body.kind === 'transfer') return this.transfer(body.payload, nowMs);
    if (this.begin === undefined) return this.drop('unexpected');
    if (body.inputs.length > 0 && (body.inputs[0] as readonly number[]).length !== this.players) return this.drop('players');
    if (body.startFrame > this.next) return this.drop('gap');
    if (!this.append(body.startFrame, body.inputs)) return false;
    this.feederFinal = body.finalFrame;
    return true;
  }

  /**
   * Appends rows from `startFrame` (≤ next). Rows overlapping held frames must equal them (a final
   * input never changes: a feeder saying otherwise lies); a batch with nothing new is stale.
   */
  private append(startFrame: Frame, rows: readonly (readonly number[])[]): boolean {
    const oldest = this.next - this.held;
    for (let f = Math.max(startFrame, oldest); f < Math.min(this.next, startFrame + rows.length); f++) {
      const held = this.confirmedInputs(f) as number[];
      const row = rows[f - startFrame] as readonly number[];
      for (let p = 0; p < this.players; p++) if (held[p] !== row[p]) return this.drop('changed');
    }
    if (rows.length > 0 && startFrame + rows.length <= this.next) return this.drop('stale');
    for (let f = this.next; f < startFrame + rows.length; f++) {
      const row = rows[f - startFrame] as readonly number[];
      this.ring.set(row, (f % SPECTATOR_WINDOW) * this.players);
    }
    if (startFrame + rows.length > this.next) {
      this.held = Math.min(SPECTATOR_WINDOW, this.held + startFrame + rows.length - this.next);
      this.next = startFrame + rows.length;
    }
    return true;
  }

  private transfer(payload: Uint8Array, nowMs: number): boolean {
    const t = decodeTransfer(payload);
    if (!t.ok) return this.drop('decode');
    const tr = t.transfer;
    if (tr.sessionId !== this.o.sessionId) return this.drop('session');
    if (tr.players.length !== this.players) return this.drop('players');
    // Every player's inputs from the transfer's frame on; a departed player's shorter list is padded.
    const departed = this.o.departedInput ?? 0;
    let count = 0;
    for (const p of tr.players) count = Math.max(count, p.inputs.length);
    const rows: number[][] = [];
    for (let i = 0; i < count; i++) {
      const row: number[] = [];
      for (const p of tr.players) {
        const v = p.inputs[i];
        if (v === undefined && !(p.departedAfter >= 0 && p.departedAfter < tr.frame + i)) {
          count = i; // not held by the feeder: the rows end here
          break;
        }
        row.push(v ?? departed);
      }
      if (row.length < this.players) break;
      rows.push(row);
    }
    if (this.begin !== undefined && tr.frame <= this.next && !this.resyncing) {
      // A fresh transfer with no gap (a failover): only its inputs past `next` are new.
      return this.append(tr.frame, rows) && this.counted();
    }
    // A gap while the feeds go on: a late answer to an earlier request.
    if (this.begin !== undefined && !this.resyncing && nowMs - (this.movedAtMs ?? nowMs) < RESTART_AFTER_MS) return this.drop('stale');
    const state = this.o.decodeState(tr.state, tr.frame);
    if (state === undefined) return this.drop('state');
    if (this.o.checksum(state) >>> 0 !== tr.checksum) return this.drop('checksum');
    const restart = this.begin !== undefined;
    this.resyncing = false;
    this.begin = { frame: tr.frame, state };
    this.next = tr.frame;
    this.held = 0;
    this.append(tr.frame, rows);
    this.feederFinal = this.next - 1;
    if (restart) this.counts.restarts++;
    this.events.push({ kind: restart ? 'restarted' : 'started', frame: tr.frame });
    return this.counted();
  }

  private counted(): boolean {
    this.counts.transfers++;
    return true;
  }

  private drop(reason: SpectatorDrop): false {
    this.dropped[reason]++;
    return false;
  }
}
