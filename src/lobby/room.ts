/**
 * A lobby as one player experiences it: membership (through the signaling server), the WebRTC mesh to
 * every other member (through an injected transport factory), the reliable control channel (handshake
 * votes, pings, in-game chat), the ready handshake rounds, and the match once committed.
 *
 * Handshake rounds: a round starts when every member's channels are open. An abort (someone left,
 * joined, un-readied, or disagreed) ends the round for everyone; all members move to the next round with
 * their ready flag cleared ("back to the lobby"). Only the host's messages of a later round move a
 * straggler forward (a few rounds, `MAX_ROUND_AHEAD`, compared modulo 2^32, or far away: the host's
 * round is the reference); a member's message of the next round is held until we get there, any other
 * is ignored and counted, so no member can restart our round or push the counter to overflow.
 * Each room counts its own rounds, so a member can fall out of step with the host: one that joined
 * after the others moved on is behind; one that ended its round on a join while the host, its channels
 * not all open yet, had no round to end is ahead. Then neither side would ever answer the other. So the
 * host answers a member's handshake message of another round with its own round (`hs-round`, a few a
 * second at most), and that member follows it, silently (nothing was cancelled): the answer must name
 * the round the member is in (`yours`), so a late answer about a round it already left moves nothing.
 * Not during a match: a member back from it first is a round ahead until the host comes back too,
 * and starts no round before the host is out of the match (the server's flags, `ReadyBook.inMatch`):
 * a Rematch pressed while the host reads its end screen waits for it instead of timing out.
 *
 * Control channel hygiene: every peer's control messages share one budget and its in-game chat another
 * (`rate-limit.ts`); chat goes through the lobby server's own rule (`validateChat`) both ways; a lobby
 * pong's RTT is measured against our own ping record. What is dropped is counted (`controlStats`).
 * Driven by `update(nowMs)`; everything it learns is queued as `RoomEvent`s.
 *
 * Watchers (spectators) are kept by `WatcherFeeds` (watching.ts): their links, the `sp-match` they
 * get, their admission to the match's spectator feed; they never enter the handshake. Going back into
 * a running match (a rejoin, an outage, a partition) is `MatchReturn`'s (match-return.ts).
 */
import { GAME_VERSION } from '../game/config.ts';
import { PROTOCOL_VERSION } from '../netcode/protocol.ts';
import type { PeerId } from '../netcode/socket.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import type { PeerLink } from '../transport/link.ts';
import type { SignalRelay } from '../transport/signal-relay.ts';
import { ControlChannel, isHandshakeMessage, type ControlMessage, type MatchSetup } from './control.ts';
import { AbortCode, type AbortInfo } from './handshake-abort.ts';
import { ReadyHandshake, type StartInfo, type Versions } from './handshake.ts';
import { OnlineMatch, type OnlineMatchOptions, type PlayableMatch } from './online-match.ts';
import { ReadyBook, type Readiness } from './readiness.ts';
import { isSignalRace, validateChat, type ErrorCode, type IceServer, type LobbySettings, type MemberInfo, type PeerCredentials, type Result, type ServerMessage } from './protocol.ts';
import { ControlGuard, nextRoundNumber, type GuardDrops } from './control-guard.ts';
import type { SignalingClient } from './signaling-client.ts';
import { enterLobby, TAKE_SEAT_REFUSALS, type EnterFailure } from './enter.ts';
import { WatcherFeeds } from './watching.ts';
import { MatchReturn } from './match-return.ts';
import { LobbyPresence } from './lobby-presence.ts';

/** A transport's mesh as the room uses it. */
export interface MeshLink extends PeerLink {
  connect(member: MemberInfo): void;
  disconnect(memberId: PeerId): void;
  /** After the lobby membership resumed: register with the transport's server again (PeerJS). */
  reconnect?(): void;
}

/** What a transport factory gets. */
export interface LinkContext {
  readonly localId: PeerId;
  readonly iceServers: readonly IceServer[];
  readonly peer: PeerCredentials | null;
  readonly relay: SignalRelay;
}

/** Options of a room. */
export interface RoomOptions {
  readonly signaling: SignalingClient;
  readonly createLink: (context: LinkContext) => MeshLink | Promise<MeshLink>;
  readonly now: () => number;
  /** uint32 random source (seeds, session ids). */
  readonly random: () => number;
  readonly versions?: Versions;
  readonly lag?: LinkConditions;
  readonly countdownMs?: number;
  readonly minLeadMs?: number;
  readonly interruptAfterMs?: number;
  readonly disconnectAfterMs?: number;
}

/** Events drained with `drainEvents`. */
export type RoomEvent =
  | { readonly kind: 'members-changed' }
  | { readonly kind: 'chat'; readonly from: PeerId; readonly name: string; readonly text: string; readonly inGame: boolean }
  | { readonly kind: 'mesh-ready' }
  | { readonly kind: 'peer-error'; readonly peer: PeerId; readonly message: string }
  | ({ readonly kind: 'handshake-aborted' } & AbortInfo)
  | { readonly kind: 'match-committed'; readonly start: StartInfo }
  | { readonly kind: 'match-started'; readonly match: PlayableMatch }
  | { readonly kind: 'server-error'; readonly code: ErrorCode; readonly message: string }
  /** Our seat was resumed into a running match and we are fetching it (`rejoin-failed` if that fails). */
  | { readonly kind: 'rejoining' }
  | { readonly kind: 'rejoin-failed'; readonly reason: string }
  | { readonly kind: 'signaling-closed'; readonly reason: string };

type Joined = Extract<ServerMessage, { kind: 'joined' }>;

const PING_EVERY_MS = 1000;
/** A link error is shown only if its member is still listed this much later (not a goodbye). */
export const PEER_ERROR_GRACE_MS = 1500;
/** What the room dropped on the control channel, by reason (`refused`: our own, for size). */
export type ControlStats = Readonly<GuardDrops & { oversize: number; malformed: number; refused: number }>;

/** One player's view of a lobby. */
export class Room extends LobbyPresence {
  readonly rtt = new Map<PeerId, number>();
  private current: OnlineMatch | undefined;
  private readyRound: ReadyHandshake | undefined;
  private readonly control: ControlChannel;
  /** The lobby's watchers and their feeds (watching.ts). */
  readonly watchers: WatcherFeeds;
  private readonly events: RoomEvent[] = [];
  private readonly open = new Set<PeerId>();
  private readonly unsubscribe: (() => void)[] = [];
  private round = 1;
  /** Our ready choice and who is still in the started match (readiness.ts). */
  private readonly readyBook = new ReadyBook();
  private lastPingMs = -Infinity;
  private pingNonce = 0;
  private readonly guard = new ControlGuard();
  private committed: StartInfo | undefined;
  private closed = false;
  /** Link errors waiting out `PEER_ERROR_GRACE_MS` (dropped if the member leaves meanwhile). */
  private readonly peerErrors = new Map<PeerId, { readonly message: string; readonly atMs: number }>();
  /** Going back into a running match, and healing links mid-match (match-return.ts). */
  private readonly returns: MatchReturn;
  /** Signals dropped because the buffer for the starting transport was full (`early-signals.ts`). */
  earlySignalsDropped = 0;

  private constructor(
    private readonly o: RoomOptions,
    joined: Joined,
    readonly link: MeshLink,
  ) {
    super(joined);
    this.control = new ControlChannel(link.reliable);
    this.watchers = new WatcherFeeds(link, this.control, joined.watchers ?? []);
    this.returns = new MatchReturn({
      localId: this.localId,
      control: this.control,
      open: this.open,
      members: () => this.members,
      match: () => this.current,
      round: () => this.round,
      unreliable: link.unreliable,
      connect: (m) => link.connect(m),
      signalingOpen: () => o.signaling.state === 'open',
      dropMatch: () => {
        this.current = undefined;
        this.committed = undefined;
      },
      startMatch: (start, resume) => {
        this.round = start.round;
        this.committed = start;
        const match = this.newMatch(start, resume);
        this.current = match;
        this.watchers.matchStarted(match, this.round);
        this.events.push({ kind: 'match-started', match });
        return match;
      },
      rejoining: () => this.events.push({ kind: 'rejoining' }),
      failed: (reason) => this.events.push({ kind: 'rejoin-failed', reason }),
    });
    const s = o.signaling;
    this.unsubscribe.push(
      s.on('member-joined', (m) => this.onMembers(() => this.members.push(m.member))),
      s.on('member-left', (m) => {
        // A goodbye through the server reaches us even when the leaver's last datagrams do not (a closed tab).
        // With the notary, the server's word on a lost socket ends that player's records too (in order).
        this.current?.peerLeft(m.memberId, m.reason === 'left' ? 'left' : 'lost');
        this.readyBook.told(m.memberId);
        this.onMembers(() => (this.members = this.members.filter((x) => x.id !== m.memberId)), m.memberId);
      }),
      s.on('member-updated', (m) => {
        this.members = this.members.map((x) => (x.id === m.member.id ? m.member : x));
        this.readyBook.told(m.member.id); // a member out of the match tells its flag (endMatch)
        this.events.push({ kind: 'members-changed' });
      }),
      s.on('lobby-started', () => {
        this.readyBook.started(this.members, this.localId);
        this.events.push({ kind: 'members-changed' });
      }),
      // The server cleared every ready flag (the host is back from the match) without a word per
      // member: clear our copies the same way, and restore our own flag if we already pressed Ready.
      s.on('lobby-reopened', () => {
        this.members = this.members.map((x) => (x.ready ? { ...x, ready: false } : x));
        if (this.current === undefined && this.readyBook.want) this.o.signaling.send({ kind: 'set-ready', ready: true });
        this.events.push({ kind: 'members-changed' });
      }),
      s.on('watcher-joined', (m) => {
        this.watchers.add(m.watcher);
        this.events.push({ kind: 'members-changed' });
      }),
      s.on('watcher-left', (m) => {
        this.rememberName(m.watcherId);
        this.watchers.remove(m.watcherId, this.current);
        this.events.push({ kind: 'members-changed' });
      }),
      s.on('host-changed', (m) => {
        this.hostId = m.hostId;
        this.events.push({ kind: 'members-changed' });
      }),
      s.on('chat', (m) => this.events.push({ kind: 'chat', from: m.from, name: this.nameOf(m.from), text: m.text, inGame: false })),
      s.on('error', (m) => {
        if (!isSignalRace(m.code)) this.events.push({ kind: 'server-error', code: m.code, message: m.message });
      }),
      s.on('record', (m) => {
        // Returning: the records relayed before our match exists continue the transfer's coverage.
        if (!this.returns.holdRecord(m)) this.current?.receiveRecord(m.from, m.data);
      }),
      // Our lobby socket dropped and is being resumed (signaling-client `resume`): records wait meanwhile.
      s.on('reconnecting', () => this.current?.setNotary(false)),
      s.on('resumed', (m) => this.onResumed(m.joined)),
      s.on('closed', (m) => {
        this.current?.setNotary(false);
        this.current?.serverGone();
        this.events.push({ kind: 'signaling-closed', reason: m.reason || `code ${m.code}` });
      }),
    );
    for (const m of this.members) if (m.id !== this.localId) link.connect(m);
    // A started lobby admits only a resumed seat: the match runs without us, and we go back into it.
    if (joined.started) {
      this.readyBook.started(this.members, this.localId);
      this.returns.begin(o.now());
    }
  }

  /** Creates a lobby (the creator is its host). */
  static async create(o: RoomOptions, name: string, settings: Partial<LobbySettings>): Promise<{ ok: true; room: Room } | { ok: false; error: string; code?: ErrorCode }> {
    o.signaling.send({ kind: 'create', name, settings });
    return Room.enter(o);
  }

  /** Joins a lobby by code. */
  static async join(o: RoomOptions, code: string, name: string): Promise<{ ok: true; room: Room } | { ok: false; error: string; code?: ErrorCode }> {
    o.signaling.send({ kind: 'join', code, name });
    return Room.enter(o);
  }

  /** A watcher takes a free seat (`take-seat`): the room of its new membership. */
  static async takeSeat(o: RoomOptions): Promise<{ ok: true; room: Room } | EnterFailure> {
    o.signaling.send({ kind: 'take-seat' });
    return Room.enter(o, TAKE_SEAT_REFUSALS);
  }

  private static async enter(o: RoomOptions, answers?: ReadonlySet<ErrorCode>): Promise<{ ok: true; room: Room } | EnterFailure> {
    const r = await enterLobby(o, answers);
    if (!r.ok) return r;
    const room = new Room(o, r.entered.joined, r.entered.link);
    room.earlySignalsDropped = r.entered.earlySignalsDropped;
    room.unsubscribe.push(r.entered.stopListening);
    return { ok: true, room };
  }

  /** The handshake round this room is in (numbers wrap at 2^32; see `roundsAhead`). */
  /** The running match, read-only (the UI holds it as a `PlayableMatch`). */
  get match(): OnlineMatch | undefined {
    return this.current;
  }

  /** The ready handshake of the current round, read-only. */
  get handshake(): ReadyHandshake | undefined {
    return this.readyRound;
  }

  get currentRound(): number {
    return this.round;
  }

  get isHost(): boolean {
    return this.hostId === this.localId;
  }

  /** Every other member's channels are open. */
  get meshReady(): boolean {
    return this.members.length >= 2 && this.members.every((m) => m.id === this.localId || this.open.has(m.id));
  }

  protected watcherName(id: PeerId): string | undefined {
    return this.watchers.list.find((w) => w.id === id)?.name;
  }

  /** Drains events. */
  drainEvents(): RoomEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** Ready / not ready for the next match. */
  setReady(ready: boolean): void {
    this.readyBook.want = ready;
    this.o.signaling.send({ kind: 'set-ready', ready });
    this.readyRound?.setReady(ready, this.o.now());
  }

  get ready(): boolean {
    return this.readyBook.want;
  }

  /**
   * The one truth for "ready" on the lobby screen: ours is our own choice (`ready`, which the server
   * and the handshake both get); another member's is the server's flag, except while it is in the
   * running match (ours, or the one the server started and it has not left yet): `in-match`.
   */
  readiness(id: PeerId): Readiness {
    return this.readyBook.of(id, this.localId, this.current?.start.order, this.members);
  }

  /**
   * Chat: over the peers' reliable channel during a match, through the lobby server otherwise. In-game
   * lines obey the lobby server's rules (`validateChat`) and rate; a refused line is an error value.
   */
  chat(raw: string): Result<void> {
    if (this.current === undefined) {
      this.o.signaling.send({ kind: 'chat', text: raw });
      return { ok: true, value: undefined };
    }
    const line = validateChat(raw);
    if (!line.ok) return line;
    if (!this.guard.sendChat(this.o.now())) return { ok: false, error: 'too many messages; slow down' };
    const text = line.value;
    for (const id of this.open) this.control.send(id, { t: 'chat', text });
    // The watchers have no control channel to us: the lobby server relays the line to them only.
    if (this.watchers.list.length > 0) this.o.signaling.send({ kind: 'chat', text, watchersOnly: true });
    this.events.push({ kind: 'chat', from: this.localId, name: this.nameOf(this.localId), text, inGame: true });
    return { ok: true, value: undefined };
  }

  /** What was dropped on the control channel so far. */
  controlStats(): ControlStats {
    return { ...this.control.dropped, refused: this.control.refused, ...this.guard.drops };
  }

  /**
   * After a match: back to the lobby for a rematch (a new handshake round), not ready (press Ready
   * again for the rematch). During the countdown (committed, before frame 0) this is a Not ready: the
   * round aborts for everyone.
   */
  endMatch(): void {
    if (this.current === undefined) return;
    const now = this.o.now();
    if (this.current.countdownMs(now) > 0) {
      this.setReady(false);
      this.drainHandshake(now);
      if (this.current === undefined) return;
    }
    this.current = undefined;
    this.committed = undefined;
    this.nextRound(nextRoundNumber(this.round));
    if (this.isHost) this.o.signaling.send({ kind: 'reopen' });
    // The Ready that started the match is spent: back in the lobby we are not ready (a rematch presses
    // Ready again), and the server's flag says so, which also tells the others we left the match.
    this.readyBook.want = false;
    this.o.signaling.send({ kind: 'set-ready', ready: false });
  }

  /** Leaves the lobby and closes every connection. */
  leave(): void {
    if (this.closed) return;
    this.closed = true;
    this.current?.leave(this.o.now());
    this.readyRound?.abort(AbortCode.left, [this.localId], this.o.now());
    this.o.signaling.send({ kind: 'leave' });
    for (const u of this.unsubscribe) u();
    this.link.close();
  }

  /** Drives connections, the handshake and the match clock's start. Call often (every frame). */
  update(nowMs: number): void {
    if (this.closed) return;
    for (const e of this.link.drainEvents()) {
      if (this.watchers.linkEvent(e.kind, e.peer, this.current, this.round)) {
        if (e.kind === 'error') this.events.push({ kind: 'peer-error', peer: e.peer, message: e.message });
        continue;
      }
      if (e.kind === 'open') {
        this.open.add(e.peer);
        this.returns.linkEvent('open', e.peer, nowMs);
      } else if (e.kind === 'close') {
        this.open.delete(e.peer);
        this.readyRound?.peerLeft(e.peer, nowMs);
        this.returns.linkEvent('close', e.peer, nowMs);
      } else if (!this.peerErrors.has(e.peer)) this.peerErrors.set(e.peer, { message: e.message, atMs: nowMs + PEER_ERROR_GRACE_MS });
      if (e.kind === 'open' && this.meshReady) this.events.push({ kind: 'mesh-ready' });
    }
    // A link error is told after a short grace: a peer closing its tab breaks its channels just before
    // the server's goodbye arrives, and a goodbye must read as a goodbye (issue #9, item 2).
    for (const [peer, { message, atMs }] of this.peerErrors) {
      if (atMs > nowMs) continue;
      this.peerErrors.delete(peer);
      if (this.members.some((m) => m.id === peer)) this.events.push({ kind: 'peer-error', peer, message });
    }
    for (const { from, message } of this.control.receiveAll()) this.onControl(from, message, nowMs);
    this.returns.update(nowMs);
    // No round while the host is still in the match the server started (on its end screen): our Ready
    // waits for it, however long, instead of timing out on a host that is not there yet.
    if (this.betweenMatches && this.meshReady && this.readyRound === undefined && this.members.some((m) => m.id === this.hostId) && !this.readyBook.inMatch(this.hostId)) {
      this.startRound(this.round);
    }
    this.readyRound?.update(nowMs);
    this.drainHandshake(nowMs);
    if (this.committed !== undefined && this.current === undefined && this.readyRound?.phase === 'committed') {
      this.current = this.newMatch(this.committed);
      if (this.isHost) this.o.signaling.send({ kind: 'start-notice' });
      this.watchers.matchStarted(this.current, this.round);
      this.events.push({ kind: 'match-started', match: this.current });
    }
    if (nowMs - this.lastPingMs >= PING_EVERY_MS) {
      this.lastPingMs = nowMs;
      this.pingNonce++;
      for (const id of this.open) this.control.send(id, { t: 'ping', nonce: this.pingNonce, t0: nowMs });
    }
  }

  private newMatch(start: StartInfo, resume?: OnlineMatchOptions['resume']): OnlineMatch {
    return new OnlineMatch({
      link: this.link,
      start,
      now: this.o.now,
      names: start.order.map((id) => this.nameOf(id)),
      ...(this.o.lag !== undefined ? { lag: this.o.lag } : {}),
      ...(this.o.interruptAfterMs !== undefined ? { interruptAfterMs: this.o.interruptAfterMs } : {}),
      ...(this.o.disconnectAfterMs !== undefined ? { disconnectAfterMs: this.o.disconnectAfterMs } : {}),
      ...(resume !== undefined ? { resume } : {}),
      notary: {
        send: (data) => void this.o.signaling.sendRecord(data),
        up: this.o.signaling.state === 'open',
        report: (peer) => {
          if (this.members.some((m) => m.id === peer)) this.o.signaling.send({ kind: 'report', member: peer });
        },
      },
    });
  }

  private drainHandshake(_nowMs: number): void {
    for (const e of this.readyRound?.drainEvents() ?? []) {
      if (e.kind === 'aborted') {
        this.events.push({ kind: 'handshake-aborted', code: e.code, about: e.about, reason: e.reason, starting: e.starting });
        this.readyBook.want = false;
        this.o.signaling.send({ kind: 'set-ready', ready: false });
        this.current = undefined;
        this.committed = undefined;
        this.nextRound(nextRoundNumber(this.round));
      } else if (e.kind === 'committed') {
        this.committed = e.start;
        this.events.push({ kind: 'match-committed', start: e.start });
      }
    }
  }

  private onControl(from: PeerId, m: ControlMessage, nowMs: number): void {
    if (!this.members.some((x) => x.id === from)) return;
    if (!this.guard.admit(from, nowMs)) return;
    switch (m.t) {
      case 'ping':
        this.control.send(from, { t: 'pong', nonce: m.nonce, t0: m.t0 });
        return;
      case 'pong':
        // Our own record of the ping, never the echoed time: a peer cannot set the RTT we show.
        if (m.nonce === this.pingNonce && m.t0 === this.lastPingMs) this.rtt.set(from, Math.max(0, nowMs - this.lastPingMs));
        return;
      case 'chat':
        if (this.guard.admitChat(from, nowMs)) this.events.push({ kind: 'chat', from, name: this.nameOf(from), text: m.text, inGame: true });
        return;
      case 'rj-hello':
        return this.returns.hello(from, m.have === true, m.cov, nowMs);
      case 'rj-match':
        return this.returns.answer(from, m, nowMs);
      default: {
        if (!isHandshakeMessage(m)) return;
        if (m.t === 'hs-round') return this.followHostRound(from, m.round, m.yours);
        const round = this.guard.round(this.round, m, from, from === this.hostId && !this.isHost);
        if (round === 'ignore' || round === 'held') return this.tellRound(from, m.round, nowMs); // an old round, one far away, or a member's next round
        if (round === 'move' && this.committed === undefined) this.nextRound(m.round);
        this.readyRound?.handle(from, m, nowMs);
      }
    }
  }

  /** No match committed, running or being gone back into: the handshake rounds are what counts. */
  private get betweenMatches(): boolean {
    return this.current === undefined && this.committed === undefined && !this.returns.active;
  }

  /** The host, told a member's message of round `theirs` (not ours): our round, at a bounded rate. */
  private tellRound(to: PeerId, theirs: number, nowMs: number): void {
    if (this.isHost && this.betweenMatches && this.guard.tellRound(to, nowMs)) this.control.send(to, { t: 'hs-round', round: this.round, yours: theirs });
  }

  /** The host says its round is `round` (answering ours, `yours`): we follow it. Anyone else's word moves nothing. */
  private followHostRound(from: PeerId, round: number, yours: number): void {
    if (from !== this.hostId || this.isHost || yours !== this.round || round === this.round || !this.betweenMatches) return;
    this.nextRound(round);
  }

  /**
   * Our lobby socket came back (the membership resumed, same id). A match that is not cut off and whose
   * links lived goes on (`MatchReturn.resumed`). Otherwise the server has told the others we left, so
   * they dropped us from their links and their match: rebuild every link, and if a match was running,
   * go back into it as a returning player (our own copy of it is stale).
   */
  private onResumed(joined: Joined): void {
    this.hostId = joined.hostId;
    this.members = [...joined.members];
    this.readyBook.resumed(joined.started, this.members);
    this.link.reconnect?.();
    const match = this.current;
    if (match !== undefined && this.returns.resumed(joined.started, this.o.now())) {
      this.watchers.sync(joined.watchers ?? [], match);
      this.events.push({ kind: 'members-changed' });
      return;
    }
    for (const m of this.members) {
      if (m.id === this.localId) continue;
      this.link.disconnect(m.id);
      this.open.delete(m.id);
      this.link.connect(m);
    }
    this.watchers.reconnect(joined.watchers ?? []);
    this.readyRound = undefined;
    if (this.current !== undefined && joined.started) {
      this.current = undefined;
      this.committed = undefined;
      this.returns.begin(this.o.now());
    }
    this.events.push({ kind: 'members-changed' });
  }

  private onMembers(change: () => void, left?: PeerId): void {
    if (left !== undefined) this.rememberName(left);
    change();
    if (left !== undefined) {
      this.link.disconnect(left);
      this.open.delete(left);
      this.readyRound?.peerLeft(left, this.o.now());
      this.guard.forget(left);
    } else {
      const added = this.members[this.members.length - 1];
      if (added !== undefined && added.id !== this.localId) this.link.connect(added);
      if (this.readyRound !== undefined && this.readyRound.phase !== 'committed') this.readyRound.abort(AbortCode.joined, added === undefined ? [] : [added.id], this.o.now());
    }
    this.events.push({ kind: 'members-changed' });
  }

  private nextRound(round: number): void {
    this.round = round;
    this.readyRound = undefined;
  }

  private startRound(round: number): void {
    const setup: MatchSetup = { players: this.members.length, pointsToWin: this.settings.pointsToWin, inputDelay: this.settings.inputDelay, maxPrediction: this.settings.maxPrediction };
    this.readyRound = new ReadyHandshake({
      localId: this.localId,
      hostId: this.hostId,
      members: this.members.map((m) => m.id),
      round,
      versions: this.o.versions ?? { protocol: PROTOCOL_VERSION, game: GAME_VERSION },
      setup,
      send: (to, message) => this.control.send(to, message),
      random: this.o.random,
      nameOf: (id) => this.nameOf(id),
      ...(this.o.countdownMs !== undefined ? { countdownMs: this.o.countdownMs } : {}),
      ...(this.o.minLeadMs !== undefined ? { minLeadMs: this.o.minLeadMs } : {}),
    });
    if (this.readyBook.want) this.readyRound.setReady(true, this.o.now());
    // A member's messages of this round that came before we got here (see `ControlGuard.round`).
    for (const h of this.guard.takeHeld(round)) this.readyRound.handle(h.from, h.message, this.o.now());
  }
}
