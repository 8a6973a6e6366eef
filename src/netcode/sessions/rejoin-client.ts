/**
 * Rejoin, the returning player's side: before it has a session, it asks every peer it has a link to for
 * the match (`rejoin-request`, repeated: the channel is lossy) and waits for a transfer that carries the
 * agreed resume frame and whose state matches its checksum (rejoins.ts has the protocol). Asking more
 * than one peer, it takes a transfer only once another peer's agrees with it: the earlier of the two
 * states, stepped with its transfer's inputs to the later one's frame, has the later one's checksum (a
 * peer's word about the match is no authority on its own: a hostile one would hand us a state of its
 * own). Then the caller starts a `P2PSession` with `resume` from it, on the transferred state. Sans-IO
 * like the session: time is passed in, and nothing from the network throws.
 */
import { decodePacket, encodePacket } from '../codec.ts';
import { decodeTransfer, type RejoinTransferData } from '../rejoin-transfer.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import type { ResumePoint } from './session-config.ts';
import { NULL_FRAME } from '../types.ts';

/** How often a request is repeated to a peer that has not answered with a resume frame yet. */
export const REQUEST_EVERY_MS = 200;

/** What a returning player needs to know. */
export interface RejoinClientOptions<S> {
  readonly players: number;
  readonly localPlayer: number;
  readonly sessionId: number;
  readonly socket: PeerSocket;
  /** Peers to ask (those with an open link); more may be added with `ask`. */
  readonly peers: readonly PeerId[];
  /** Decodes a transferred state; undefined when invalid. */
  decodeState(bytes: Uint8Array): S | undefined;
  /** The game's checksum of a state (the transfer's claim is checked against it). */
  checksum(state: S): number;
  /** The game's step: two transfers are compared by stepping the earlier state to the later frame. */
  step(state: S, inputs: readonly number[]): S;
  /** A departed player's input (`P2PSessionOptions.departedInput`), for those steps. */
  readonly departedInput: number;
}

/** Two transfers further apart than this many frames are not compared (newer ones will come). */
export const MAX_COMPARED_FRAMES = 120;

/** A checked transfer, ready to resume from. */
export interface RejoinStart<S> {
  readonly state: S;
  readonly resume: ResumePoint;
  /** The peer whose transfer it is. */
  readonly from: PeerId;
  /** Bytes of that transfer's payload (for the stats). */
  readonly bytes: number;
}

/** Counters of what came in. */
export interface RejoinClientStats {
  requests: number;
  /** Valid transfers received (with or without a resume frame). */
  transfers: number;
  /** Transfers without a resume frame yet (the peers were still agreeing). */
  early: number;
  /** Datagrams dropped: undecodable, another session or player count, a state that fails its checksum. */
  rejected: number;
  /** Pairs of transfers (from two peers) whose states disagree: one of them lies, neither is taken. */
  disagreed: number;
  /** Other datagrams (the match's traffic, arriving before we resumed): dropped. */
  other: number;
}

/** A transfer that passed its own checks, and its state's checksum. */
interface Checked<S> {
  readonly start: RejoinStart<S>;
  readonly checksum: number;
}

/** Fetches the match for a returning player. */
export class RejoinClient<S> {
  readonly stats: RejoinClientStats = { requests: 0, transfers: 0, early: 0, rejected: 0, disagreed: 0, other: 0 };
  private readonly lastAsked = new Map<PeerId, number>();
  /** Each peer's latest checked transfer with a resume frame. */
  private readonly latest = new Map<PeerId, Checked<S>>();
  private result: RejoinStart<S> | undefined;

  constructor(private readonly o: RejoinClientOptions<S>) {
    for (const p of o.peers) this.lastAsked.set(p, Number.NEGATIVE_INFINITY);
  }

  /** Asks `peer` too (its link opened later). */
  ask(peer: PeerId): void {
    if (!this.lastAsked.has(peer)) this.lastAsked.set(peer, Number.NEGATIVE_INFINITY);
  }

  /** Receives, re-asks when due; the checked start once a transfer with a resume frame came. */
  poll(nowMs: number): RejoinStart<S> | undefined {
    if (this.result !== undefined) return this.result;
    // Compared once a poll per peer, its latest transfer only: a peer that floods transfers costs the
    // comparisons of one (at most MAX_COMPARED_FRAMES steps against each other peer's) per poll.
    const fresh = new Map<PeerId, Checked<S>>();
    for (const d of this.o.socket.receiveAll()) {
      if (!this.lastAsked.has(d.from)) continue;
      const checked = this.accept(d.from, d.bytes);
      if (checked !== undefined) fresh.set(d.from, checked);
    }
    for (const checked of fresh.values()) {
      const start = this.agreed(checked);
      if (start !== undefined) return (this.result = start);
    }
    for (const [peer, at] of this.lastAsked) {
      if (nowMs - at < REQUEST_EVERY_MS) continue;
      this.lastAsked.set(peer, nowMs);
      this.stats.requests++;
      this.o.socket.send(peer, encodePacket({ sessionId: this.o.sessionId, message: { kind: 'rejoin-request' } }));
    }
    return undefined;
  }

  /**
   * The start from `c` once it is agreed: at once when we ask only one peer (nobody to compare with:
   * a 2-player match), else when another peer's latest transfer for the same resume frame agrees.
   */
  private agreed(c: Checked<S>): RejoinStart<S> | undefined {
    this.latest.set(c.start.from, c);
    if (this.lastAsked.size <= 1) return c.start;
    for (const [peer, other] of this.latest) {
      if (peer === c.start.from || other.start.resume.resumeFrame !== c.start.resume.resumeFrame) continue;
      const [early, late] = other.start.resume.frame <= c.start.resume.frame ? [other, c] : [c, other];
      const same = this.leadsTo(early, late);
      if (same === undefined) continue; // too far apart, or inputs missing: newer transfers will come
      if (same) return late.start;
      this.stats.disagreed++;
    }
    return undefined;
  }

  /** Whether `early`'s state, stepped with its inputs to `late`'s frame, is `late`'s; undefined if it cannot tell. */
  private leadsTo(early: Checked<S>, late: Checked<S>): boolean | undefined {
    const from = early.start.resume.frame;
    const to = late.start.resume.frame;
    if (to - from > MAX_COMPARED_FRAMES) return undefined;
    const players = early.start.resume.players;
    const inputs: number[] = new Array<number>(players.length).fill(0);
    let state = early.start.state;
    for (let f = from; f < to; f++) {
      for (let p = 0; p < players.length; p++) {
        const t = players[p] as (typeof players)[number];
        const v = t.departedAfter !== NULL_FRAME && f > t.departedAfter ? this.o.departedInput : t.inputs[f - from];
        if (v === undefined) return undefined;
        inputs[p] = v;
      }
      state = this.o.step(state, inputs);
    }
    return this.o.checksum(state) >>> 0 === late.checksum;
  }

  private accept(from: PeerId, bytes: Uint8Array): Checked<S> | undefined {
    const r = decodePacket(bytes);
    if (!r.ok || r.packet.sessionId !== this.o.sessionId) {
      this.stats.rejected++;
      return undefined;
    }
    const m = r.packet.message;
    if (m.kind !== 'rejoin-transfer') {
      this.stats.other++;
      return undefined;
    }
    const t = decodeTransfer(m.payload);
    if (!t.ok || !this.fits(t.transfer)) {
      this.stats.rejected++;
      return undefined;
    }
    if (t.transfer.resumeFrame === 0) {
      this.stats.transfers++;
      this.stats.early++;
      return undefined;
    }
    const state = this.o.decodeState(t.transfer.state);
    if (state === undefined || this.o.checksum(state) >>> 0 !== t.transfer.checksum) {
      this.stats.rejected++;
      return undefined;
    }
    this.stats.transfers++;
    const { frame, resumeFrame, players } = t.transfer;
    return { start: { state, resume: { frame, resumeFrame, players }, from, bytes: m.payload.length }, checksum: t.transfer.checksum };
  }

  /** A transfer of this match, for us, whose frames make sense. */
  private fits(t: RejoinTransferData): boolean {
    return t.sessionId === this.o.sessionId && t.players.length === this.o.players && (t.resumeFrame === 0 || t.resumeFrame >= t.frame);
  }
}
