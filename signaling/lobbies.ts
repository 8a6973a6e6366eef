/**
 * Lobby registry: creation, joining by code, member list, host handover, chat and signal relay,
 * start/reopen, expiry of empty lobbies, and resumption: a member whose socket closed (not `leave`)
 * keeps an "away" seat (id, name, sha256 of its rejoin token) that a `join` with the token resumes.
 * Watchers (`join` with `watch`, at most `LOBBY_LIMITS.maxWatchers`) are kept apart from the members:
 * they get the lobby's news and chat, signal players only, never play, never host, hold no seat
 * (no rejoin token), and may `take-seat` in an open lobby with a free one.
 * Knows nothing of WebSockets: a member is reached through its `MemberSink`, and refusals are
 * returned as values for the connection to report.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  ErrorCode, LOBBY_LIMITS, lobbyLinkPath, nameKey, PEERJS_KEY, PEERJS_PATH, validateName,
} from '../src/lobby/protocol.ts';
import { encodeMessage, validateSettings } from '../src/lobby/protocol-schema.ts';
import type { LobbySettings, MemberId, Result, ServerMessage } from '../src/lobby/protocol.ts';
import { silentLogger } from './config.ts';
import type { SignalingLogger } from './config.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { randomId } from './random-ids.ts';
import {
  audience, countReport, findMember, findMemberOrWatcher, LobbyMember, logLabel, memberInfo, refuse, relayChat, relayRecord,
  sha256, watcherInfo, withoutMember,
} from './lobby-model.ts';
import type { Lobby, LobbyService, Member, MemberSink, Membership, Refusal, RegistryDeps } from './lobby-model.ts';

export * from './lobby-model.ts';

/** What a resumed member keeps: its id, name, token and PeerJS credentials. */
interface Resumed {
  readonly id: MemberId;
  readonly name: string;
  readonly token: string;
  readonly tokenHash: string;
  readonly peerId: string;
  readonly peerToken: string;
}

/** The index of `hash` in `entries` (-1: none); every entry is compared, each in constant time. */
function hashIndex(entries: readonly { readonly tokenHash: string }[], hash: string): number {
  let found = -1;
  const wanted = Buffer.from(hash);
  entries.forEach((entry, i) => {
    const held = Buffer.from(entry.tokenHash);
    if (held.length === wanted.length && timingSafeEqual(held, wanted)) found = i;
  });
  return found;
}

/** The `joined` message. */
type JoinedMessage = Extract<ServerMessage, { kind: 'joined' }>;

/** Whether `id` is held in `lobby` by a member, a watcher or an away seat. */
function idTaken(lobby: Lobby, id: MemberId): boolean {
  if (findMemberOrWatcher(lobby, id) !== undefined) return true;
  if (lobby.away !== undefined) for (const slot of lobby.away) if (slot.id === id) return true;
  return false;
}

/** Codes of expired lobbies remembered (to answer `expired-lobby` rather than `unknown-lobby`). */
const EXPIRED_MEMORY = 10_000;

/** All lobbies of one server. */
export class LobbyRegistry implements LobbyService {
  private readonly lobbies = new Map<string, Lobby>();
  private readonly expired = new Map<string, true>();
  private readonly peers = new Map<string, Membership>();
  private closed = false;
  /**
   * Empty lobbies awaiting expiry (one TTL for all: one queue, one timer). An entry whose lobby was
   * joined again, or emptied again later (its `expiry` another deadline), is skipped.
   */
  private readonly expiring: DeadlineQueue<Lobby>;
  /** Null for the silent logger, so that `this.log?.({...})` does not even build the record. */
  private readonly log: SignalingLogger | null;

  constructor(private readonly deps: RegistryDeps) {
    this.log = deps.logger === silentLogger ? null : deps.logger;
    this.expiring = new DeadlineQueue(deps.emptyLobbyTtlMs, (lobby, at) => {
      if (lobby.expiry === at) this.expire(lobby);
    });
  }

  /** Lobbies that exist now (including empty ones awaiting expiry). */
  get size(): number {
    return this.lobbies.size;
  }

  /** The member holding a PeerJS id, if it is a current member. */
  lookupPeer(peerId: string): Membership | undefined {
    return this.peers.get(peerId);
  }

  /** Creates a lobby with `sink` as its first member and host, and sends it `joined`. */
  create(sink: MemberSink, rawName: string, partial: Partial<LobbySettings>, owner: string): Result<Membership, Refusal> {
    const settings = validateSettings(partial);
    if (!settings.ok) return refuse(ErrorCode.badSettings);
    const name = validateName(rawName);
    if (!name.ok) return refuse(ErrorCode.badName);
    if (this.lobbies.size >= this.deps.maxLobbies) return refuse(ErrorCode.serverFull);
    const quota = this.deps.reserveLobby(owner);
    if (quota !== null) return refuse(quota);
    let code = randomId(16, 'base64url');
    while (this.lobbies.has(code) || this.expired.has(code)) code = randomId(16, 'base64url');
    const lobby: Lobby = { code, owner, settings: settings.value, members: [], hostId: null, started: false, expiry: null };
    this.lobbies.set(code, lobby);
    this.log?.({ event: 'lobby-created', lobby: logLabel(code), ...settings.value });
    return { ok: true, value: this.admit(lobby, sink, name.value, null) };
  }

  /**
   * Adds `sink` to the lobby with `code`, tells the others, and sends it `joined`. With `rejoin`
   * (a rejoin token), resumes the membership it belongs to instead (see `resume`).
   */
  join(sink: MemberSink, code: string, rawName: string, nowMs: number, rejoin?: string, replace = true): Result<Membership, Refusal> {
    const lobby = this.lobbies.get(code);
    if (lobby === undefined) {
      return this.expired.has(code)
        ? refuse(ErrorCode.expiredLobby)
        : refuse(ErrorCode.unknownLobby);
    }
    this.pruneAway(lobby, nowMs);
    if (rejoin !== undefined) return this.resume(lobby, sink, rejoin, nowMs, replace);
    if (lobby.started) return refuse(ErrorCode.inProgress);
    if (lobby.members.length + (lobby.away?.length ?? 0) >= lobby.settings.capacity) return refuse(ErrorCode.lobbyFull);
    const name = validateName(rawName);
    if (!name.ok) return refuse(ErrorCode.badName);
    const key = nameKey(name.value);
    if (this.nameTaken(lobby, key)) return refuse(ErrorCode.nameTaken);
    return { ok: true, value: this.admit(lobby, sink, name.value, null) };
  }

  /**
   * Adds `sink` as a watcher of the lobby with `code`, in any state (open, full, started), at most
   * `LOBBY_LIMITS.maxWatchers`; names are unique across members, away seats and watchers.
   */
  watch(sink: MemberSink, code: string, rawName: string, nowMs: number): Result<Membership, Refusal> {
    const lobby = this.lobbies.get(code);
    if (lobby === undefined) return refuse(this.expired.has(code) ? ErrorCode.expiredLobby : ErrorCode.unknownLobby);
    // Nobody connected (the lobby awaits expiry): nothing to watch, and no host to name in `joined`.
    if (lobby.hostId === null) return refuse(ErrorCode.expiredLobby);
    this.pruneAway(lobby, nowMs);
    if ((lobby.watchers?.length ?? 0) >= LOBBY_LIMITS.maxWatchers) return refuse(ErrorCode.tooManyWatchers);
    const name = validateName(rawName);
    if (!name.ok) return refuse(ErrorCode.badName);
    if (this.nameTaken(lobby, nameKey(name.value))) return refuse(ErrorCode.nameTaken);
    const id = this.freshId(lobby);
    const peerId = this.deps.peerjs ? randomId(16, 'hex') : '';
    const peerToken = this.deps.peerjs ? randomId(16, 'hex') : '';
    const watcher = new LobbyMember(lobby, id, name.value, peerId, peerToken, '', sink);
    this.broadcast(lobby, { kind: 'watcher-joined', watcher: watcherInfo(watcher) });
    lobby.watchers = [...(lobby.watchers ?? []), watcher];
    if (peerId !== '') this.peers.set(peerId, watcher);
    sink.deliver(this.joinedText(lobby, id, peerId, peerToken, null));
    this.log?.({ event: 'watcher-joined', lobby: logLabel(lobby.code), member: id, watchers: lobby.watchers.length });
    return { ok: true, value: watcher };
  }

  /**
   * A watcher takes a free seat: the lobby is open (not started) and its members and away seats are
   * below capacity. The others get `watcher-left` (`seated`) and `member-joined` (a fresh id); the
   * new member gets its `joined` (role member, with a rejoin token).
   */
  takeSeat({ lobby, member }: Membership, nowMs: number): Result<Membership, Refusal> {
    if (member.watcher !== true || lobby.watchers?.includes(member) !== true) return refuse(ErrorCode.notWatching);
    if (lobby.started) return refuse(ErrorCode.inProgress);
    this.pruneAway(lobby, nowMs);
    if (lobby.members.length + (lobby.away?.length ?? 0) >= lobby.settings.capacity) return refuse(ErrorCode.lobbyFull);
    this.dropWatcher(lobby, member, true);
    return { ok: true, value: this.admit(lobby, member.sink, member.name, null) };
  }

  private nameTaken(lobby: Lobby, key: string): boolean {
    for (const list of [lobby.members, lobby.away, lobby.watchers]) {
      if (list !== undefined) for (const other of list) if (nameKey(other.name) === key) return true;
    }
    return false;
  }

  /** A member id not held in `lobby` by a member, an away seat or a watcher. */
  private freshId(lobby: Lobby): MemberId {
    let id = randomId(6, 'base64url');
    while (idTaken(lobby, id)) id = randomId(6, 'base64url');
    return id;
  }

  /** Removes a watcher and tells everyone; it never touches the members, the host or the match. */
  private dropWatcher(lobby: Lobby, watcher: Member, seated: boolean): void {
    lobby.watchers = (lobby.watchers ?? []).filter((w) => w !== watcher);
    if (watcher.peerId !== '') this.peers.delete(watcher.peerId);
    this.deps.onMemberRemoved(watcher);
    if (this.closed) return;
    this.broadcast(lobby, seated ? { kind: 'watcher-left', watcherId: watcher.id, seated: true } : { kind: 'watcher-left', watcherId: watcher.id });
    this.log?.({ event: 'watcher-left', lobby: logLabel(lobby.code), member: watcher.id, seated, watchers: lobby.watchers.length });
  }

  /**
   * Resumes the membership whose token hashes to `sha256(token)`: an away seat, or a member still
   * listed (its old socket not known dead yet), which is then replaced (unless `replace` is false:
   * `bad-rejoin`): its socket is closed (4014) and the others get its `member-left` (`disconnected`)
   * first. The seat is its own, so neither a started lobby nor a full one refuses it; same id and
   * name, its own PeerJS id and token (see `AwaySlot`), `rejoined: true`.
   */
  private resume(lobby: Lobby, sink: MemberSink, token: string, nowMs: number, replace: boolean): Result<Membership, Refusal> {
    const hash = sha256(token);
    const member = lobby.members[hashIndex(lobby.members, hash)];
    if (member !== undefined) {
      if (!replace) return refuse(ErrorCode.badRejoin);
      this.log?.({ event: 'member-replaced', lobby: logLabel(lobby.code), member: member.id });
      member.sink.replaced();
      this.leave({ lobby, member }, 'disconnected', nowMs);
    }
    const away = lobby.away ?? [];
    const slot = away[hashIndex(away, hash)];
    if (slot === undefined) return refuse(ErrorCode.badRejoin);
    lobby.away = away.filter((s) => s !== slot);
    return { ok: true, value: this.admit(lobby, sink, slot.name, { id: slot.id, name: slot.name, token, tokenHash: slot.tokenHash, peerId: slot.peerId, peerToken: slot.peerToken }) };
  }

  /** Forgets away seats older than `emptyLobbyTtlMs`. */
  private pruneAway(lobby: Lobby, nowMs: number): void {
    const away = lobby.away;
    if (away === undefined || away.length === 0) return;
    const ttlMs = this.deps.emptyLobbyTtlMs;
    if (away.some((s) => nowMs - s.sinceMs >= ttlMs)) lobby.away = away.filter((s) => nowMs - s.sinceMs < ttlMs);
  }

  /**
   * Removes a member; hands the host role on and schedules expiry when the lobby empties. A member
   * that `disconnected` (its socket closed without `leave`), or left with `keepSeat` (its page went
   * away), keeps an away seat, resumable with its token.
   */
  leave({ lobby, member }: Membership, reason: 'left' | 'disconnected', nowMs: number, keepSeat = reason === 'disconnected'): void {
    if (member.watcher === true) {
      if (lobby.watchers?.includes(member) === true) this.dropWatcher(lobby, member, false);
      return;
    }
    if (!lobby.members.includes(member)) return;
    lobby.members = withoutMember(lobby.members, member);
    if (keepSeat && !this.closed) {
      // members + away ≤ capacity holds (a fresh join counts both), so the slice never drops a seat:
      // it writes the bound down.
      const away = (lobby.away ?? []).slice(-(lobby.settings.capacity - 1));
      lobby.away = [...away, { id: member.id, name: member.name, tokenHash: member.tokenHash, peerId: member.peerId, peerToken: member.peerToken, sinceMs: nowMs }];
    }
    if (lobby.reports !== undefined) {
      lobby.reports.delete(member.id);
      for (const by of lobby.reports.values()) by.delete(member.id);
    }
    if (member.peerId !== '') this.peers.delete(member.peerId);
    // Shutting down: every socket closes now, and nobody is told the others left (their match, over
    // the peer-to-peer links, goes on without the server).
    if (this.closed) return this.deps.onMemberRemoved(member);
    this.broadcast(lobby, { kind: 'member-left', memberId: member.id, reason });
    this.log?.({ event: 'member-left', lobby: logLabel(lobby.code), member: member.id, reason, members: lobby.members.length });
    if (lobby.hostId === member.id) {
      lobby.hostId = lobby.members[0]?.id ?? null;
      if (lobby.hostId !== null) {
        this.broadcast(lobby, { kind: 'host-changed', hostId: lobby.hostId });
        this.log?.({ event: 'host-changed', lobby: logLabel(lobby.code), host: lobby.hostId });
      }
    }
    if (lobby.members.length === 0) this.scheduleExpiry(lobby);
    this.deps.onMemberRemoved(member);
  }

  /** Updates the informational ready flag and tells everyone. */
  setReady({ lobby, member }: Membership, ready: boolean): void {
    member.ready = ready;
    this.broadcast(lobby, { kind: 'member-updated', member: memberInfo(member) });
  }

  /**
   * Relays a chat line to every member, the sender included (the echo confirms order); to the others
   * it is relayed traffic (`relayTo`: dropped for a member that is not reading).
   */
  chat(m: Membership, rawText: string, watchersOnly = false): Result<void, Refusal> {
    return relayChat(m, rawText, watchersOnly);
  }

  /** Relays a notary record to every other member; `from` comes from the sender's membership. */
  record(m: Membership, data: string): void {
    relayRecord(m, data);
  }

  /**
   * `member`'s match dropped `target` for its silence. When every other member of the lobby has
   * reported it within `REPORT_TTL_MS`, the target's socket is closed (4012), so everyone gets its
   * `member-left` after its last record. Reports are bounded: one per reporter and target.
   */
  report({ lobby, member }: Membership, target: MemberId, nowMs: number): Result<void, Refusal> {
    const reported = findMember(lobby, target);
    if (reported === member) return refuse(ErrorCode.notMember);
    // Already gone (its departure crossed our report): nothing to do, and nothing worth an error.
    if (reported === undefined) return { ok: true, value: undefined };
    if (countReport(lobby, member.id, reported, nowMs)) {
      this.log?.({ event: 'member-dropped-by-peers', lobby: logLabel(lobby.code), member: target });
      reported.sink.dropByPeers();
    }
    return { ok: true, value: undefined };
  }

  /**
   * Relays an opaque signal to one other member, or between a member and a watcher (never between
   * two watchers); `from` comes from the sender's membership. The value says whether it was
   * delivered (not dropped by `relayTo`).
   */
  signal({ lobby, member }: Membership, to: MemberId, data: unknown): Result<boolean, Refusal> {
    const target = findMemberOrWatcher(lobby, to);
    if (target === undefined || target === member || (member.watcher === true && target.watcher === true)) return refuse(ErrorCode.notMember);
    return { ok: true, value: member.sink.relayTo(target.sink, encodeMessage({ kind: 'signal', from: member.id, data })) };
  }

  /** Host only: marks the lobby started (no more joins). */
  start({ lobby, member }: Membership): Result<void, Refusal> {
    if (lobby.hostId !== member.id) return refuse(ErrorCode.notHost);
    if (lobby.started) return refuse(ErrorCode.inProgress);
    lobby.started = true;
    this.broadcast(lobby, { kind: 'lobby-started' });
    this.log?.({ event: 'lobby-started', lobby: logLabel(lobby.code), members: lobby.members.length });
    return { ok: true, value: undefined };
  }

  /** Host only: un-starts the lobby for a rematch and clears every ready flag. */
  reopen({ lobby, member }: Membership): Result<void, Refusal> {
    if (lobby.hostId !== member.id) return refuse(ErrorCode.notHost);
    lobby.started = false;
    for (const m of lobby.members) m.ready = false;
    this.broadcast(lobby, { kind: 'lobby-reopened' });
    this.log?.({ event: 'lobby-reopened', lobby: logLabel(lobby.code) });
    return { ok: true, value: undefined };
  }

  /** Drops every lobby and timer (server shutdown). */
  close(): void {
    this.closed = true;
    this.expiring.clear();
    this.lobbies.clear();
    this.peers.clear();
  }

  /**
   * The `joined` message (encoded) a new member or watcher gets: the lobby as it is now, seen by `id`,
   * its PeerJS credentials, and a member's rejoin token. One object literal, nothing spread.
   */
  private joinedText(lobby: Lobby, id: MemberId, peerId: string, peerToken: string, rejoinToken: string | null): string {
    const message: { -readonly [K in keyof JoinedMessage]: JoinedMessage[K] } = {
      kind: 'joined',
      memberId: id,
      code: lobby.code,
      linkPath: lobbyLinkPath(lobby.code),
      members: lobby.members.map(memberInfo),
      hostId: lobby.hostId ?? id, // null only while empty: `admit` sets it first, `watch` refuses
      settings: lobby.settings,
      started: lobby.started,
      iceServers: this.deps.iceServersFor?.(id) ?? this.deps.iceServers,
      peer: this.deps.peerjs ? { id: peerId, token: peerToken, path: PEERJS_PATH, key: PEERJS_KEY } : null,
      role: rejoinToken === null ? 'watcher' : 'member',
    };
    if (lobby.watchers !== undefined && lobby.watchers.length > 0) message.watchers = lobby.watchers.map(watcherInfo);
    if (rejoinToken !== null) message.rejoinToken = rejoinToken;
    return encodeMessage(message);
  }

  /** Adds a member (a new one, or one `resumed` with its id, name and token) and tells everyone. */
  private admit(lobby: Lobby, sink: MemberSink, name: string, resumed: Resumed | null): Membership {
    const id = resumed?.id ?? this.freshId(lobby);
    // PeerJS ids must match /^[A-Za-z0-9]+([ _-][A-Za-z0-9]+)*$/: hex, 128 bits. A resumed member
    // gets its own back (revoked while it was away: nobody could use it meanwhile).
    const peerId = this.deps.peerjs ? (resumed?.peerId || randomId(16, 'hex')) : '';
    const peerToken = this.deps.peerjs ? (resumed?.peerToken || randomId(16, 'hex')) : '';
    // 256 bits, sent to this member only; the registry keeps its hash.
    const token = resumed?.token ?? randomId(32, 'base64url');
    const member = new LobbyMember(lobby, id, name, peerId, peerToken, resumed?.tokenHash ?? sha256(token), sink);
    lobby.expiry = null; // its entry in the expiry queue is skipped
    this.broadcast(lobby, resumed === null
      ? { kind: 'member-joined', member: memberInfo(member) }
      : { kind: 'member-joined', member: memberInfo(member), rejoined: true });
    lobby.members = lobby.members.concat(member); // exact size (a spread is not: see `withoutMember`)
    lobby.hostId ??= id;
    if (peerId !== '') this.peers.set(peerId, member);
    sink.deliver(this.joinedText(lobby, id, peerId, peerToken, token));
    this.log?.({ event: resumed === null ? 'member-joined' : 'member-rejoined', lobby: logLabel(lobby.code), member: id, members: lobby.members.length });
    return member;
  }

  private scheduleExpiry(lobby: Lobby): void {
    if (this.closed) return; // shutting down: sockets closing now must not arm new timers
    lobby.expiry = this.expiring.push(lobby);
  }

  /** An empty lobby's time is up: it is gone, and a `join` of its code gets `expired-lobby`. */
  private expire(lobby: Lobby): void {
    lobby.expiry = null;
    if (lobby.members.length > 0 || this.lobbies.get(lobby.code) !== lobby) return;
    this.lobbies.delete(lobby.code);
    // Its watchers are told by the close of their sockets (4015), not left on a lobby that is gone.
    const watchers = lobby.watchers ?? [];
    lobby.watchers = [];
    for (const w of watchers) {
      if (w.peerId !== '') this.peers.delete(w.peerId);
      this.deps.onMemberRemoved(w);
      w.sink.lobbyExpired?.();
    }
    this.deps.releaseLobby(lobby.owner);
    this.expired.set(lobby.code, true);
    if (this.expired.size > EXPIRED_MEMORY) {
      const oldest = this.expired.keys().next();
      if (oldest.done !== true) this.expired.delete(oldest.value);
    }
    this.log?.({ event: 'lobby-expired', lobby: logLabel(lobby.code) });
  }

  /** The lobby's news, to its members and its watchers. */
  private broadcast(lobby: Lobby, message: ServerMessage): void {
    const text = encodeMessage(message);
    for (const member of audience(lobby)) member.sink.deliver(text);
  }
}
