/**
 * Checksum exchange between peers, on final frames only (see desync-detector.ts): promotes local
 * checksums once every peer holds the inputs, reports them (the last few, redundantly, since the channel
 * is lossy), compares them with each peer's reports exactly once per frame, and runs the optional state
 * exchange that turns a desync into a field-level diff.
 */
import { DesyncDetector } from '../desync-detector.ts';
import type { PeerEndpoint } from '../endpoint.ts';
import { LIMITS, type ChecksumReport } from '../protocol.ts';
import type { PeerId } from '../socket.ts';
import type { FieldDiff, Frame, SessionEvent } from '../types.ts';

/** Optional state exchange for desync forensics (the netcode never looks inside a state). */
export interface StateForensics<S> {
  encode(state: S): Uint8Array;
  decode(bytes: Uint8Array): S | undefined;
  diff(local: S, remote: S): readonly FieldDiff[];
}

/** Final checksums repeated in every report. */
const CHECKSUMS_PER_REPORT = 4;
/** Remote reports older than this many intervals are forgotten. */
const KEEP_REMOTE_INTERVALS = 16;

interface PeerLedger {
  readonly reported: Map<Frame, number>;
  /** Highest frame already compared with this peer (each frame is judged once). */
  comparedUpTo: Frame;
  /**
   * Highest frame whose state this peer got from us. An honest peer asks for each frame it found
   * desynced once, in order (`compare`), so a request at or below it is a flood: each reply costs a
   * state encode and about a kilobyte out (a 47-fold amplification of an 8-byte request).
   */
  answeredUpTo: Frame;
}

/** Checksum bookkeeping of one session. */
export class ChecksumExchange<S> {
  private readonly detector: DesyncDetector<S>;
  private readonly ledgers = new Map<PeerId, PeerLedger>();
  /** Frames whose state we asked each peer for (a reply to anything else is dropped). */
  private readonly requested = new Map<PeerId, Set<Frame>>();

  constructor(
    interval: number,
    private readonly localPlayer: number,
    private readonly events: SessionEvent[],
    private readonly forensics: StateForensics<S> | undefined,
    /**
     * The last frame whose state the peer of a departed player computed with its real inputs only up to
     * its agreed departure frame: its reports of later frames are not comparable (it used inputs the
     * others neutralised). Infinity while connected.
     */
    private readonly comparableUpTo: (e: PeerEndpoint) => Frame,
  ) {
    this.detector = new DesyncDetector<S>(interval);
  }

  /** A session resumed at `frame` from a transferred state (a rejoin). */
  startAt(frame: Frame): void {
    this.detector.startAt(frame);
  }

  /** Is `frame` one whose checksum is exchanged? */
  tracks(frame: Frame): boolean {
    return this.detector.tracks(frame);
  }

  /** The caller saved `frame` (possibly again, after a rollback). */
  saved(frame: Frame, checksum: number, state: S): void {
    this.detector.saved(frame, checksum, state);
  }

  /** Promotes frames final up to `finalInputFrame`, compares them, and reports them to `peers`. */
  promote(finalInputFrame: Frame, peers: readonly PeerEndpoint[], nowMs: number): void {
    const fresh = this.detector.finalize(finalInputFrame);
    if (fresh.length === 0) return;
    for (const e of peers) for (const f of fresh) this.compare(e, f.frame, nowMs);
    this.report(peers, nowMs);
  }

  /** Sends the latest final checksums to `peers` (also called periodically, for lost reports). */
  report(peers: readonly PeerEndpoint[], nowMs: number): void {
    if (this.detector.lastFinal === 0) return;
    const entries = this.detector.recent(CHECKSUMS_PER_REPORT).map((f) => ({ frame: f.frame, checksum: f.checksum }));
    for (const e of peers) if (e.state !== 'disconnected') e.send({ kind: 'checksum-report', entries }, nowMs);
  }

  /** A peer's report. */
  onReport(e: PeerEndpoint, m: ChecksumReport, nowMs: number): void {
    const ledger = this.ledger(e.peer);
    for (const entry of m.entries) {
      if (entry.frame <= ledger.comparedUpTo) continue;
      ledger.reported.set(entry.frame, entry.checksum);
      this.compare(e, entry.frame, nowMs);
    }
    const oldest = this.detector.lastFinal - KEEP_REMOTE_INTERVALS * this.detector.interval;
    for (const k of [...ledger.reported.keys()]) if (k < oldest) ledger.reported.delete(k);
  }

  /** A peer asks for our final state of `frame`. */
  onStateRequest(e: PeerEndpoint, frame: Frame, nowMs: number): void {
    const ledger = this.ledger(e.peer);
    if (frame <= ledger.answeredUpTo) return e.reject('state-request-excess');
    const fin = this.detector.finalAt(frame);
    const encoded = fin !== undefined ? this.forensics?.encode(fin.state) : undefined;
    if (encoded === undefined || encoded.length > LIMITS.maxStateBytes) return;
    ledger.answeredUpTo = frame;
    e.send({ kind: 'state-reply', frame, state: encoded }, nowMs);
  }

  /** A peer's state of `frame`, answering our request: diff it against ours. False when we never asked. */
  onStateReply(e: PeerEndpoint, frame: Frame, bytes: Uint8Array): boolean {
    const asked = this.requested.get(e.peer);
    if (asked === undefined || !asked.delete(frame)) return false;
    const fin = this.detector.finalAt(frame);
    const f = this.forensics;
    const remote = f?.decode(bytes);
    if (fin !== undefined && f !== undefined && remote !== undefined) {
      this.events.push({ kind: 'desync-diff', peer: e.peer, frame, diff: f.diff(fin.state, remote) });
    }
    return true;
  }

  private compare(e: PeerEndpoint, frame: Frame, nowMs: number): void {
    const fin = this.detector.finalAt(frame);
    const ledger = this.ledger(e.peer);
    const remote = ledger.reported.get(frame);
    if (fin === undefined || remote === undefined || frame <= ledger.comparedUpTo || frame > this.comparableUpTo(e)) return;
    ledger.comparedUpTo = frame;
    if (remote === fin.checksum) return;
    const culprit = this.blame(e, frame, fin.checksum, remote);
    this.events.push({ kind: 'desync', report: { frame, localChecksum: fin.checksum, remoteChecksum: remote, peer: e.peer, culprit } });
    if (this.forensics !== undefined) {
      let asked = this.requested.get(e.peer);
      if (asked === undefined) this.requested.set(e.peer, (asked = new Set()));
      // A few outstanding requests per peer at most: a peer that never answers cannot grow this.
      if (asked.size >= CHECKSUMS_PER_REPORT) asked.clear();
      asked.add(frame);
      e.send({ kind: 'state-request', frame }, nowMs);
    }
  }

  /**
   * Who disagrees with the others: `e`, unless every other report of the frame we hold sides with `e`
   * against us (then we are the odd one). With 2 players, always the other peer. A peer that lies in
   * its own reports only ever gets itself blamed: to blame an honest peer it would have to make honest
   * peers disagree, which the notarised inputs prevent.
   */
  private blame(e: PeerEndpoint, frame: Frame, local: number, remote: number): number {
    let withUs = 0;
    let withThem = 0;
    for (const [peer, l] of this.ledgers) {
      if (peer === e.peer) continue;
      const c = l.reported.get(frame);
      if (c === local) withUs++;
      else if (c === remote) withThem++;
    }
    return withThem > 0 && withUs === 0 ? this.localPlayer : e.player;
  }

  private ledger(peer: PeerId): PeerLedger {
    let l = this.ledgers.get(peer);
    if (l === undefined) {
      l = { reported: new Map(), comparedUpTo: 0, answeredUpTo: -1 };
      this.ledgers.set(peer, l);
    }
    return l;
  }
}
