/**
 * Rejoin, the returning player's side: before it has a session, it asks every peer it has a link to for
 * the match (`rejoin-request`, repeated: the channel is lossy) and waits for a transfer that carries the
 * agreed resume frame and whose state matches its checksum (rejoins.ts has the protocol). Then the caller
 * starts a `P2PSession` with `resume` from it, on the transferred state. Sans-IO like the session: time
 * is passed in, and nothing from the network throws.
 */
import { decodePacket, encodePacket } from '../codec.ts';
import { decodeTransfer, type RejoinTransferData } from '../rejoin-transfer.ts';
import type { PeerId, PeerSocket } from '../socket.ts';
import type { ResumePoint } from './session-config.ts';

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
}

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
  /** Other datagrams (the match's traffic, arriving before we resumed): dropped. */
  other: number;
}

/** Fetches the match for a returning player. */
export class RejoinClient<S> {
  readonly stats: RejoinClientStats = { requests: 0, transfers: 0, early: 0, rejected: 0, other: 0 };
  private readonly lastAsked = new Map<PeerId, number>();
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
    for (const d of this.o.socket.receiveAll()) {
      if (!this.lastAsked.has(d.from)) continue;
      const start = this.accept(d.from, d.bytes);
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

  private accept(from: PeerId, bytes: Uint8Array): RejoinStart<S> | undefined {
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
    return { state, resume: { frame, resumeFrame, players }, from, bytes: m.payload.length };
  }

  /** A transfer of this match, for us, whose frames make sense. */
  private fits(t: RejoinTransferData): boolean {
    return t.sessionId === this.o.sessionId && t.players.length === this.o.players && (t.resumeFrame === 0 || t.resumeFrame >= t.frame);
  }
}
