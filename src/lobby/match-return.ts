/**
 * Going back into a running match, a room's side of issue #11 (docs/protocol.md, "Rejoin" and
 * "Outages of the lobby server, and partitions"):
 *
 * - **Returning** (our seat resumed into a running match, or a peer said it dropped us): ask every other
 *   member which match runs (`rj-hello`, again every 500 ms to one that has not answered), use the
 *   answer only when all of them say the same (`rj-match`), fetch the match's state (`RejoinClient`) and
 *   start our match from it. Records relayed meanwhile wait for it.
 * - **Answering** a returning member: tell it our match and hold it (`OnlineMatch.rejoin`); a member that
 *   still runs our match (`have`) only gets our records re-sent from where its copy ends.
 * - **Our lobby socket resumed** with our match not cut off and our links alive: the match goes on; the
 *   peers are asked anyway (a `rj-match` answer means one dropped us), and the notary comes back once
 *   every player still in the match is a lobby member again. A peer's word that it dropped us is a word
 *   about us as the others see us: we drop our match and go back through the return only once every
 *   player our session still runs with (not dropped by it for silence, goodbye or the server's word)
 *   says the same within the probe window. A word that stays alone is ignored (counted,
 *   `ignoredDropWords`): one member cannot make us throw away a match the others still play with us
 *   (they hold us, and would refuse our return).
 * - **Links that die or never open** (in the lobby, mid-match or returning) are dialled again, with
 *   back-off, while their member is listed: a lost offer or a timed-out connection attempt in the lobby
 *   heals by itself, nobody has to reload.
 */
import { checksum, decodeState, InputBits, step, type GameState } from '../game/index.ts';
import { RejoinClient } from '../netcode/sessions/rejoin-client.ts';
import type { PeerId } from '../netcode/socket.ts';
import type { ControlChannel, ControlOf } from './control.ts';
import type { StartInfo } from './handshake.ts';
import type { OnlineMatch, OnlineMatchOptions } from './online-match.ts';
import type { MemberInfo } from './protocol.ts';
import { sameMatch } from './watching.ts';

/** Records kept for a returning player's match before it exists (a few seconds' worth for 4 players). */
const MAX_HELD_RECORDS = 256;
/** A returning player gives up fetching the running match after this long (the others play on). */
export const REJOIN_TIMEOUT_MS = 15_000;
/** A returning player asks the peers that have not answered this often (each hello is one small message). */
const REJOIN_HELLO_EVERY_MS = 500;
/** After our lobby socket resumed mid-match with our links alive, the peers' answers count this long. */
const PROBE_MS = 5_000;
/** A member's link that closed is built again this much later (doubling, up to `REDIAL_MAX_MS`). */
const REDIAL_AFTER_MS = 1_000;
const REDIAL_MAX_MS = 10_000;

/** What a return needs of its room. */
export interface ReturnHost {
  readonly localId: PeerId;
  readonly control: ControlChannel;
  /** Members whose channels are open. */
  readonly open: ReadonlySet<PeerId>;
  readonly members: () => readonly MemberInfo[];
  readonly match: () => OnlineMatch | undefined;
  readonly round: () => number;
  readonly unreliable: ConstructorParameters<typeof RejoinClient<GameState>>[0]['socket'];
  readonly connect: (member: MemberInfo) => void;
  /** Whether the lobby socket is open (the notary reachable). */
  readonly signalingOpen: () => boolean;
  /** Our copy of the match is stale: the room forgets it (and its committed start). */
  readonly dropMatch: () => void;
  /** Starts our match from a checked transfer (the room sets its round, start and events). */
  readonly startMatch: (start: StartInfo, resume: NonNullable<OnlineMatchOptions['resume']>) => OnlineMatch;
  readonly rejoining: () => void;
  readonly failed: (reason: string) => void;
}

/** A returning player: the peers' word on the match, then the fetch of its state. */
interface Returning {
  readonly sinceMs: number;
  /** When we last asked the peers that have not answered (a peer still counting down answers later). */
  lastHelloMs: number;
  readonly answers: Map<PeerId, ControlOf<'rj-match'>>;
  /** Notary records relayed meanwhile (handed to the match once it exists). */
  readonly records: { readonly from: PeerId; readonly data: string }[];
  client?: RejoinClient<GameState>;
  /** The match every member asked so far agreed on (once the fetch began). */
  agreed?: ControlOf<'rj-match'>;
  start?: StartInfo;
}

/** One room's returns (see the file header). */
export class MatchReturn {
  private returning: Returning | undefined;
  /** Until then, a peer's `rj-match` means it dropped us while our lobby socket was away (`resumed`). */
  private probeUntilMs = Number.NEGATIVE_INFINITY;
  /** The probe's words so far (the first of each member): they count once every player still here agrees. */
  private readonly dropWords = new Map<PeerId, ControlOf<'rj-match'>>();
  private ignoredWords = 0;
  /** Members whose link closed: when to dial them again, and the last delay (reset when a link opens). */
  private readonly redial = new Map<PeerId, number>();
  private readonly redialDelay = new Map<PeerId, number>();
  /** When each member last had our records re-sent (`hello` with `have`). */
  private readonly lastRepublishMs = new Map<PeerId, number>();

  constructor(private readonly h: ReturnHost) {}

  /** Whether we are fetching a running match. */
  get active(): boolean {
    return this.returning !== undefined;
  }

  /** Members' words of a probe that they dropped us, never backed by every other player still here. */
  get ignoredDropWords(): number {
    return this.ignoredWords;
  }

  /** Our seat is back in a started lobby: go back into its match. */
  begin(nowMs: number, answers: Map<PeerId, ControlOf<'rj-match'>> = new Map()): void {
    this.probeUntilMs = Number.NEGATIVE_INFINITY;
    this.dropWords.clear();
    this.returning = { sinceMs: nowMs, lastHelloMs: nowMs, answers, records: [] };
    this.h.rejoining();
  }

  /** A record relayed while we have no match yet: kept for it. False when it is not ours to keep. */
  holdRecord(m: { readonly from: PeerId; readonly data: string }): boolean {
    if (this.h.match() !== undefined || this.returning === undefined) return false;
    if (this.returning.records.length < MAX_HELD_RECORDS) this.returning.records.push(m);
    return true;
  }

  /**
   * A link opened (returning: ask it too) or closed (dial it again later, if its member is still
   * listed then: a member who left had its link closed on purpose and is not dialled).
   */
  linkEvent(kind: 'open' | 'close', peer: PeerId, nowMs: number): void {
    if (kind === 'open') {
      this.redialDelay.delete(peer);
      if (this.returning !== undefined) this.h.control.send(peer, { t: 'rj-hello' });
    } else {
      const delayMs = Math.min(REDIAL_MAX_MS, (this.redialDelay.get(peer) ?? REDIAL_AFTER_MS / 2) * 2);
      this.redialDelay.set(peer, delayMs);
      this.redial.set(peer, nowMs + delayMs);
    }
  }

  /**
   * A member asks which match runs (its seat resumed mid-match, its link to us open): when it is a
   * player of ours, tell it, and hold it for its return (`OnlineMatch.rejoin`).
   */
  hello(from: PeerId, have: boolean, cov: readonly number[] | undefined, nowMs: number): void {
    const match = this.h.match();
    if (match === undefined || !match.start.order.includes(from) || match.countdownMs(nowMs) > 0) return;
    // Cut off ourselves, our match is not the one to go back into.
    if (match.cutOff) return;
    if (have && !match.session.droppedPeers().includes(from)) {
      // Still in our match, its lobby socket back: our records it missed go out again (only ours:
      // its word about what it holds can make us repeat ourselves, nothing else), at most once per
      // `PROBE_MS` per member: a flood of hellos cannot fill our record backlog with repeats.
      const mine = cov?.[match.start.localPlayer];
      if (mine === undefined || nowMs - (this.lastRepublishMs.get(from) ?? Number.NEGATIVE_INFINITY) < PROBE_MS) return;
      this.lastRepublishMs.set(from, nowMs);
      match.session.republishRecords(mine + 1);
      return;
    }
    const { seed, sessionId, order, setup } = match.start;
    this.h.control.send(from, { t: 'rj-match', round: this.h.round(), seed, sessionId, order: [...order], setup });
    match.rejoin(from);
  }

  /** A peer told us its match: an answer while returning, or (probing) the word that it dropped us. */
  answer(from: PeerId, m: ControlOf<'rj-match'>, nowMs: number): void {
    const r = this.returning;
    if (r !== undefined) {
      if (r.answers.has(from)) return;
      // A member whose lobby socket resumed after the fetch began: its word must agree as well, and
      // it holds us too once asked (the resume frame needs every present player's hold).
      if (r.agreed !== undefined && !sameMatch(m, r.agreed)) return this.fail('the other players disagree about the match');
      r.answers.set(from, m);
      if (r.client !== undefined && r.agreed?.order.includes(from) === true) r.client.ask(from);
      return;
    }
    const match = this.h.match();
    if (match === undefined || nowMs >= this.probeUntilMs || m.sessionId !== match.start.sessionId) return;
    // It says it dropped us while our lobby socket was away: only a player's word, and its first, counts.
    if (from === this.h.localId || !match.start.order.includes(from) || this.dropWords.has(from)) return;
    this.dropWords.set(from, m);
    this.settleProbe(match, nowMs);
  }

  /**
   * The probe's words that we were dropped: our match is stale only when every player our session still
   * runs with (not dropped by it) said so, the same match. Then we rejoin theirs. One member's word alone
   * is about us as the others see us, and they may well still play with us (and refuse our return).
   */
  private settleProbe(match: OnlineMatch, nowMs: number): void {
    const first = this.dropWords.values().next().value;
    if (first === undefined) return;
    const dropped = match.session.droppedPeers();
    const here = match.start.order.filter((id) => id !== this.h.localId && !dropped.includes(id));
    if (!here.every((id) => this.dropWords.has(id)) || ![...this.dropWords.values()].every((w) => sameMatch(w, first))) return;
    const answers = new Map(this.dropWords);
    this.h.dropMatch();
    this.begin(nowMs, answers);
    for (const id of this.h.open) if (!answers.has(id)) this.h.control.send(id, { t: 'rj-hello' });
  }

  /** The probe window closed (or a new one opens): the words still alone count for nothing. */
  private endProbe(): void {
    this.ignoredWords += this.dropWords.size;
    this.dropWords.clear();
  }

  /**
   * Our lobby socket came back (the membership resumed). True when our match goes on: not cut off,
   * the links to every player still in it alive (links to the ones it dropped are built again, they
   * come back to it); the peers are asked anyway, with our record coverage so they re-send what the
   * dead socket lost. False: the room rebuilds every link, and a running match is fetched again.
   */
  resumed(started: boolean, nowMs: number): boolean {
    const match = this.h.match();
    const dropped = match?.session.droppedPeers() ?? [];
    if (match === undefined || !started || match.cutOff || !match.start.order.every((id) => id === this.h.localId || dropped.includes(id) || this.h.open.has(id))) return false;
    this.endProbe();
    this.probeUntilMs = nowMs + PROBE_MS;
    const cov = match.start.order.map((_, p) => match.session.recordCoverage(p));
    for (const id of this.h.open) this.h.control.send(id, { t: 'rj-hello', have: true, cov });
    for (const m of this.h.members()) if (m.id !== this.h.localId && !this.h.open.has(m.id)) this.h.connect(m);
    return true;
  }

  /** Drives a return in progress, the notary's comeback and the redials. */
  update(nowMs: number): void {
    for (const [peer, atMs] of this.redial) {
      if (atMs > nowMs) continue;
      this.redial.delete(peer);
      const member = this.h.members().find((m) => m.id === peer);
      if (member !== undefined && !this.h.open.has(peer)) this.h.connect(member);
      else if (member === undefined) this.redialDelay.delete(peer);
    }
    if (this.returning !== undefined) return this.updateReturning(nowMs);
    const match = this.h.match();
    // A player whose word we waited for may have been dropped meanwhile: the words may agree now.
    if (this.dropWords.size > 0) {
      if (match !== undefined && nowMs < this.probeUntilMs) this.settleProbe(match, nowMs);
      else this.endProbe();
      if (this.returning !== undefined) return;
    }
    if (match !== undefined) this.updateNotary(match);
  }

  /**
   * Our side of a return: once every other member told us the same match (one peer's word about the
   * others is not enough when others can be asked), fetch its state (RejoinClient) and resume in it.
   */
  private updateReturning(nowMs: number): void {
    const r = this.returning as Returning;
    const others = this.h.members().filter((m) => m.id !== this.h.localId);
    if (nowMs - r.sinceMs > REJOIN_TIMEOUT_MS) return this.fail(others.length === 0 ? 'nobody is left in the match' : 'the other players did not send the match in time');
    // Ask again now and then: a peer still in the countdown answers later, and a member whose lobby
    // socket resumes after the fetch began must hold us too (every present player's hold makes the
    // resume frame). Once the fetch has begun, every peer is asked until the match arrives: one that
    // answered while it could not hold us yet (its notary not back after an outage, our record stream
    // not closed yet) holds us at a later ask (a hold is idempotent; answers after the first are ignored).
    if (nowMs - r.lastHelloMs >= REJOIN_HELLO_EVERY_MS) {
      r.lastHelloMs = nowMs;
      for (const m of others) if (this.h.open.has(m.id) && (r.client !== undefined || !r.answers.has(m.id))) this.h.control.send(m.id, { t: 'rj-hello' });
    }
    if (r.client === undefined) {
      // Nobody else in the lobby yet: after an outage the others' lobby sockets may resume after ours.
      if (others.length === 0) return;
      if (!others.every((m) => r.answers.has(m.id))) return;
      const first = r.answers.get(others[0]?.id ?? '') as ControlOf<'rj-match'>;
      if (![...r.answers.values()].every((a) => sameMatch(a, first))) return this.fail('the other players disagree about the match');
      const localPlayer = first.order.indexOf(this.h.localId);
      if (localPlayer < 0 || first.order.length !== first.setup.players) return this.fail('this seat is not a player of the running match');
      r.agreed = first;
      r.start = { round: first.round, seed: first.seed, sessionId: first.sessionId, order: first.order, localPlayer, setup: first.setup, startAtHostMs: 0, localStartMs: nowMs, clockOffsetMs: 0 };
      r.client = new RejoinClient<GameState>({
        players: first.order.length,
        localPlayer,
        sessionId: first.sessionId,
        socket: this.h.unreliable,
        peers: others.map((m) => m.id).filter((id) => first.order.includes(id)),
        decodeState: (b) => {
          const d = decodeState(b);
          return d.ok ? d.state : undefined;
        },
        checksum,
        step,
        departedInput: InputBits.absent, // as the match's session (online-match.ts)
      });
    }
    const got = r.client.poll(nowMs);
    if (got === undefined || r.start === undefined) return;
    this.returning = undefined;
    const start = { ...r.start, localStartMs: nowMs };
    const match = this.h.startMatch(start, { state: got.state, point: { ...got.resume, sender: start.order.indexOf(got.from) } });
    for (const m of r.records) match.receiveRecord(m.from, m.data);
  }

  /**
   * The notary (records relayed by the lobby server) is back once our lobby socket is and every
   * player of the match still in it is a lobby member again: records relayed while one of them is away
   * would never reach it (a gap that stalls its finality for good), so they wait until then.
   */
  private updateNotary(match: OnlineMatch): void {
    if (match.session.notaryUp || !this.h.signalingOpen()) return;
    const dropped = match.session.droppedPeers();
    const members = this.h.members();
    if (match.start.order.every((id) => id === this.h.localId || dropped.includes(id) || members.some((m) => m.id === id))) match.setNotary(true);
  }

  private fail(reason: string): void {
    this.returning = undefined;
    this.h.failed(reason);
  }
}
