/**
 * The lobby registry's model, shared by the in-process `LobbyRegistry` (lobbies.ts) and the Redis one
 * (cluster/redis-lobbies.ts): members, watchers, lobbies, the `LobbyService` a connection talks to,
 * and the relays and views both registries use.
 */
import { hash } from 'node:crypto';
import { encodeMessage } from '../src/lobby/protocol-schema.ts';
import { ErrorCode, validateChat } from '../src/lobby/protocol.ts';
import type {
  IceServer, LobbySettings, MemberId, MemberInfo, Result, WatcherInfo,
} from '../src/lobby/protocol.ts';
import type { SignalingLogger } from './config.ts';

/** Where a member's messages go (its connection). */
export interface MemberSink {
  /** A message of the server's own; a reader that cannot take it is closed (slow reader). */
  deliver(text: string, bytes?: number): void;
  /** Closes the member's socket because every other member reported it silent (`report`). */
  dropByPeers(): void;
  /**
   * Traffic of this member for `target` (signal, chat, record): false when dropped, because the
   * target's buffer is past its relay watermark or this member's byte budget toward it is spent.
   */
  relayTo(target: MemberSink, text: string): boolean;
  /**
   * A join or create the registry finished later (the Redis registry): the sink now holds
   * `membership`; false when it closed meanwhile (the registry then removes the member again).
   */
  admitted?(membership: Membership): boolean;
  /** A pending join or create was refused. */
  refused?(refusal: Refusal): void;
  /**
   * Another socket resumed this membership with its rejoin token: close this one (4014) without
   * leaving the lobby again (the registry has already moved the membership).
   */
  replaced(): void;
  /** A watcher's lobby expired (no member came back in time): close its socket (4015). */
  lobbyExpired?(): void;
}

/** A silence report counts this long; older ones are forgotten. */
export const REPORT_TTL_MS = 60_000;

/** A lobby member, as the server keeps it. */
export interface Member {
  readonly id: MemberId;
  /** Unique in the lobby by `nameKey` (case-insensitive; computed on join, not stored). */
  readonly name: string;
  ready: boolean;
  /** PeerJS id (public within the lobby) and token (secret to this member); empty without PeerJS. */
  readonly peerId: string;
  readonly peerToken: string;
  /**
   * sha256 of the member's rejoin token, base64url (the token itself is only ever sent to the member).
   * A 43-character string: a `Buffer` would cost about 120 bytes more per member.
   */
  readonly tokenHash: string;
  readonly sink: MemberSink;
  /** A watcher (in `Lobby.watchers`, not `members`): no seat, no token (`tokenHash` empty). */
  readonly watcher?: boolean;
}

/** The seat of a member whose socket closed: resumable with its token until `emptyLobbyTtlMs` after `sinceMs`. */
export interface AwaySlot {
  readonly id: MemberId;
  readonly name: string;
  readonly tokenHash: string;
  /**
   * Its PeerJS id and token (empty without PeerJS), given back on resume: a page whose PeerJS socket
   * dropped with its lobby socket reconnects its `Peer` under the same id, and its links heal.
   */
  readonly peerId: string;
  readonly peerToken: string;
  readonly sinceMs: number;
}

/**
 * A lobby. `members` is in join order, which decides host handover. It is replaced, never mutated,
 * on join and leave: an exact-size array of at most 4 is far lighter than a `Map` (~200 bytes).
 */
export interface Lobby {
  readonly code: string;
  /** The creator's address (per-address lobby limit). */
  readonly owner: string;
  readonly settings: LobbySettings;
  members: readonly Member[];
  /** Null only while the lobby is empty. */
  hostId: MemberId | null;
  started: boolean;
  /** While empty: when it expires (`Date.now()` ms), its entry in the registry's expiry queue; else null. */
  expiry: number | null;
  /** Silence reports: reported member → reporter → when (ms). Created on the first report. */
  reports?: Map<MemberId, Map<MemberId, number>>;
  /**
   * Seats of members whose socket closed, oldest first; created on the first drop. They count
   * against `capacity` (members + away ≤ capacity), so at most `capacity` of them exist.
   */
  away?: readonly AwaySlot[];
  /** Watchers in join order, at most `LOBBY_LIMITS.maxWatchers`; created on the first one. */
  watchers?: readonly Member[];
}

/** A member and its lobby. */
export interface Membership {
  readonly lobby: Lobby;
  readonly member: Member;
}

/** A member as the registry stores it: also its own `Membership`, which saves an object per member. */
export class LobbyMember implements Member, Membership {
  ready = false;
  constructor(
    readonly lobby: Lobby,
    readonly id: MemberId,
    readonly name: string,
    readonly peerId: string,
    readonly peerToken: string,
    readonly tokenHash: string,
    readonly sink: MemberSink,
  ) {}

  get member(): Member {
    return this;
  }

  /** A watcher holds no seat, so no token: its hash is empty (a getter: no field per member). */
  get watcher(): boolean {
    return this.tokenHash === '';
  }
}

/**
 * `list` without `member`, as an exact-size array: `filter` (like a spread or `push`) leaves a
 * backing store of 17 slots behind, 130 bytes more per lobby than the members it holds.
 */
export function withoutMember<M>(list: readonly M[], member: M): M[] {
  return list.filter((m) => m !== member).slice();
}

/** The member of `lobby` with `id`. */
export function findMember(lobby: Lobby, id: MemberId): Member | undefined {
  for (const member of lobby.members) if (member.id === id) return member;
  return undefined;
}

/** The member or watcher of `lobby` with `id`. */
export function findMemberOrWatcher(lobby: Lobby, id: MemberId): Member | undefined {
  return findMember(lobby, id) ?? lobby.watchers?.find((w) => w.id === id);
}

/** Everyone the lobby's news goes to: its members, then its watchers. */
export function audience(lobby: Lobby): readonly Member[] {
  return lobby.watchers === undefined || lobby.watchers.length === 0 ? lobby.members : [...lobby.members, ...lobby.watchers];
}

/** sha256 of a rejoin token, base64url (43 characters). */
export const sha256 = (token: string): string => hash('sha256', token, 'base64url');

/** Why a request was refused: a code only (its text is the fixed `ERROR_TEXT`). */
export interface Refusal {
  readonly code: ErrorCode;
}

/**
 * What a connection needs from a lobby registry: the in-process `LobbyRegistry`, or the Redis-backed
 * one (signaling/cluster/). `create` and `join` answer null when the answer comes later, through the
 * sink's `admitted` or `refused`.
 */
export interface LobbyService {
  readonly size: number;
  lookupPeer(peerId: string): Membership | undefined;
  create(sink: MemberSink, rawName: string, partial: Partial<LobbySettings>, owner: string): Result<Membership, Refusal> | null;
  join(sink: MemberSink, code: string, rawName: string, nowMs: number, rejoin?: string, replace?: boolean): Result<Membership, Refusal> | null;
  /** Joins as a watcher (`join` with `watch`). */
  watch(sink: MemberSink, code: string, rawName: string, nowMs: number): Result<Membership, Refusal> | null;
  /** A watcher takes a free seat in an open lobby: its membership as a (new) member. */
  takeSeat(membership: Membership, nowMs: number): Result<Membership, Refusal> | null;
  leave(membership: Membership, reason: 'left' | 'disconnected', nowMs: number, keepSeat?: boolean): void;
  setReady(membership: Membership, ready: boolean): void;
  /** `watchersOnly`: a player's in-game line, for the watchers only (no echo). */
  chat(membership: Membership, rawText: string, watchersOnly?: boolean): Result<void, Refusal>;
  record(membership: Membership, data: string): void;
  report(membership: Membership, target: MemberId, nowMs: number): Result<void, Refusal>;
  signal(membership: Membership, to: MemberId, data: unknown): Result<boolean, Refusal>;
  start(membership: Membership): Result<void, Refusal>;
  reopen(membership: Membership): Result<void, Refusal>;
  close(): void;
}

/**
 * Counts `reporter`'s silence report on `target` (a member of `lobby` other than the reporter):
 * true when every other member has now reported it within `REPORT_TTL_MS` (its reports are cleared).
 */
export function countReport(lobby: Lobby, reporter: MemberId, target: Member, nowMs: number): boolean {
  lobby.reports ??= new Map();
  const by = lobby.reports.get(target.id) ?? new Map<MemberId, number>();
  lobby.reports.set(target.id, by);
  by.set(reporter, nowMs);
  for (const [who, at] of by) if (nowMs - at > REPORT_TTL_MS) by.delete(who);
  if (!lobby.members.every((m) => m === target || by.has(m.id))) return false;
  lobby.reports.delete(target.id);
  return true;
}

/** What the registry needs from the server. */
export interface RegistryDeps {
  readonly emptyLobbyTtlMs: number;
  readonly maxLobbies: number;
  readonly iceServers: readonly IceServer[];
  /** A member's own `iceServers` (fresh TURN credentials), computed when it is admitted; default `iceServers`. */
  readonly iceServersFor?: (memberId: MemberId) => readonly IceServer[];
  readonly peerjs: boolean;
  readonly logger: SignalingLogger;
  /** Called once a member has left, after its PeerJS id was revoked. */
  readonly onMemberRemoved: (member: Member) => void;
  /** Counts a new lobby against its creator's address; a code when a per-address limit refuses it. */
  readonly reserveLobby: (owner: string) => ErrorCode | null;
  /** A lobby reserved for `owner` is gone. */
  readonly releaseLobby: (owner: string) => void;
}

export const refuse = (code: ErrorCode): { ok: false; error: Refusal } => ({ ok: false, error: { code } });
/** Lobby codes appear in logs shortened: the full code is a capability. */
export const logLabel = (code: string): string => code.slice(0, 6);

/**
 * A chat line to every member and watcher of the lobby, the sender included (the echo confirms
 * order); to the others it is relayed traffic (`relayTo`: dropped for one that is not reading).
 * `watchersOnly` (a player's in-game line, which the players get peer to peer): to the watchers only,
 * no echo. Shared by the in-process registry and the Redis one (a remote member's sink crosses instances).
 */
export function relayChat({ lobby, member }: Membership, rawText: string, watchersOnly = false): Result<void, Refusal> {
  const text = validateChat(rawText);
  if (!text.ok) return refuse(ErrorCode.badMessage);
  const encoded = encodeMessage({ kind: 'chat', from: member.id, text: text.value });
  for (const other of watchersOnly ? lobby.watchers ?? [] : audience(lobby)) {
    if (other === member) other.sink.deliver(encoded);
    else member.sink.relayTo(other.sink, encoded);
  }
  return { ok: true, value: undefined };
}

/** A notary record to every other member; `from` comes from the sender's membership. */
export function relayRecord({ lobby, member }: Membership, data: string): void {
  const text = encodeMessage({ kind: 'record', from: member.id, data });
  for (const other of lobby.members) if (other !== member) member.sink.relayTo(other.sink, text);
}

/** The public view of a member. */
export function memberInfo(member: Member): MemberInfo {
  return { id: member.id, name: member.name, ready: member.ready, peerId: member.peerId };
}

/** The public view of a watcher. */
export function watcherInfo(watcher: Member): WatcherInfo {
  return { id: watcher.id, name: watcher.name, peerId: watcher.peerId };
}
