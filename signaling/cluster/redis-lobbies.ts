/**
 * Lobbies shared by any number of signaling instances through Redis (`REDIS_URL`).
 *
 * Lobby state lives in Redis and changes only through the atomic scripts of redis-scripts.ts. Each
 * instance keeps a local view ("mirror") of the lobbies that hold one of its own members: the same
 * `Lobby`/`Member` shapes as the in-process registry, where a member on another instance is a
 * `RemoteMember` whose sink appends to that instance's stream. Every state change reaches every
 * instance concerned as one stream entry carrying the whole lobby, so a mirror is rebuilt from any
 * entry and the messages members see (member-joined/left, host-changed, ...) are the differences.
 * A create is the exception: its instance builds the new lobby's mirror from the script's reply.
 *
 * Streams, not pub/sub: each instance reads its own stream (`XREAD` from the last id it handled), so
 * what arrives while its connection is down is read when it returns. Redis itself restarting loses
 * its data: every instance then writes its own members back (`RESTORE`), and the others' mirrors
 * follow from the events that produces.
 *
 * Relays (signal, chat, record) take a shape of their own, batched per tick and target (redis-relays.ts).
 *
 * Presence: each instance refreshes `rp:i:<id>` (TTL 6 s) every 2 s. Every 2 s each instance checks
 * the instances of the remote members it mirrors; one whose key expired is reaped (its members
 * leave, `disconnected`): a crashed instance's members are reported gone within about 8 s.
 */
import { WebSocket } from 'ws';
import {
  ErrorCode, isLobbyCode, lobbyLinkPath, nameKey, PEERJS_KEY, PEERJS_PATH, validateName,
} from '../../src/lobby/protocol.ts';
import { encodeMessage, parseServerMessage, validateSettings } from '../../src/lobby/protocol-schema.ts';
import type { LobbySettings, MemberId, Result, ServerMessage } from '../../src/lobby/protocol.ts';
import { errorMessage, SignalingSocket } from '../connection.ts';
import { countReport, findMember, LobbyMember, logLabel, memberInfo, refuse, relayChat, relayRecord, sha256, withoutMember } from '../lobbies.ts';
import type { Lobby, LobbyService, Member, MemberSink, Membership, Refusal, RegistryDeps } from '../lobbies.ts';
import type { PeerMessage } from '../peerjs-gate.ts';
import { randomId } from '../random-ids.ts';
import { codeKey, instanceKey, lobbyKey, STREAM_MAXLEN, streamKey } from './redis-scripts.ts';
import { isRelayEntry, readRelays, RELAY_BATCHES, RelayOutbox } from './redis-relays.ts';
import { command, destroyClient, loadScripts, redisClient, runScript } from './redis-client.ts';
import type { RedisArg, RedisClient, ScriptName } from './redis-client.ts';
import { parseStreamMessage } from './redis-messages.ts';
import { PeerFrames } from './redis-peerjs.ts';
import type { MemberRecord, StateMessage, StreamMessage } from './redis-messages.ts';

export const HEARTBEAT_MS = 2_000;
export const PRESENCE_TTL_MS = 6_000;
/** A lobby with members lives this long past the last heartbeat of an instance holding one. */
const LOBBY_TTL_MS = 30_000;
/** A lobby code stays reserved (and answers `expired-lobby`) this long after its last use. */
const CODE_TTL_MS = 24 * 3600_000;
/** A create or join whose event has not arrived this long after Redis accepted it is refused. */
const PENDING_TIMEOUT_MS = 5_000;

/** Redis connection state, for `/healthz` and `/metrics`. */
export type RedisStatus = 'up' | 'down';

/** Counters of the Redis path (server stats). */
export interface RedisCounters {
  /** Stream entries that failed validation or named nothing this instance holds (dropped). */
  redisBadMessages: number;
  /** Relays handed to Redis for a member on another instance, and received for one of ours. */
  redisRelaysOut: number;
  redisRelaysIn: number;
  /** Relays dropped: Redis unreachable, or the local target reading too slowly. */
  redisRelaysDropped: number;
  /** Redis commands that failed (down, timeout). */
  redisErrors: number;
  /** Members of crashed instances removed by this instance. */
  redisReaped: number;
}

/** What the Redis registry needs beyond the in-process one's dependencies. */
export interface RedisLobbyDeps extends RegistryDeps {
  readonly redisUrl: string;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  /** Advertise reading batched relay entries (`RELAY_BATCHES`; false: as the previous version). */
  readonly relayBatches: boolean;
}

interface Pending {
  readonly sink: MemberSink;
  /** The rejoin token this member gets in `joined` (a fresh one, or the one it resumed with). */
  readonly token: string;
  /** Its sha256 (what Redis and the member keep), computed once. */
  readonly tokenHash: string;
  readonly code: string;
  readonly name: string;
  readonly peerId: string;
  readonly peerToken: string;
  /** The creator's address for a create (its lobby counts against it here); '' for a join. */
  readonly owner: string;
  timer: ReturnType<typeof setTimeout> | null;
}

/** A member on another instance: its sink appends to that instance's stream. */
class RemoteMember implements Member, MemberSink, Membership {
  ready: boolean;
  readonly peerToken = '';
  /** Rejoin tokens are checked in Redis: no hash here. */
  readonly tokenHash = NO_HASH;
  constructor(
    readonly lobby: Lobby,
    readonly id: MemberId,
    readonly name: string,
    readonly peerId: string,
    readonly inst: string,
    ready: boolean,
    private readonly owner: RedisLobbies,
  ) {
    this.ready = ready;
  }

  get sink(): MemberSink {
    return this;
  }

  get member(): Member {
    return this;
  }

  deliver(text: string): void {
    this.owner.relay(this.inst, this.lobby.code, this.id, text);
  }

  /** Never called: silence reports go to the reported member's instance, which closes it there. */
  dropByPeers(): void {}

  /** Never called: a replaced member's own instance closes its socket (the `left` event says so). */
  replaced(): void {}

  relayTo(): boolean {
    return false;
  }
}

const isLocal = (member: Member): member is LobbyMember => member instanceof LobbyMember;

/**
 * Whether member `m` of the mirror stays although state event `ev` does not list it: our own members
 * (our restore puts them back) unless this event says one was replaced; in a restore by another
 * instance (`id`), members of instances that have not restored theirs yet.
 */
function keptThrough(ev: StateMessage, m: Member): boolean {
  if (isLocal(m)) return !(ev.e === 'left' && ev.replaced === true && ev.id === m.id);
  return ev.e === 'restored' && m instanceof RemoteMember && m.inst !== ev.id;
}

/** Tells `message` to the members of `old` (our members before the event) still in `lobby`. */
function tell(lobby: Lobby, old: readonly LobbyMember[], message: ServerMessage): void {
  const text = encodeMessage(message);
  for (const m of old) if (lobby.members.includes(m)) m.sink.deliver(text);
}
const NO_HASH = '';

/** The Redis-backed lobby registry of one instance. */
export class RedisLobbies implements LobbyService {
  readonly instanceId = randomId(9, 'base64url');
  readonly counters: RedisCounters = { redisBadMessages: 0, redisRelaysOut: 0, redisRelaysIn: 0, redisRelaysDropped: 0, redisErrors: 0, redisReaped: 0 };
  /** Commands (failing at once while Redis is down, or after 2 s without an answer). */
  private readonly cmd: RedisClient;
  /** Our stream's blocking `XREAD` only (it would hold up every command behind it). */
  private readonly reader: RedisClient;
  private readonly lobbies = new Map<string, Lobby>();
  private readonly peers = new Map<string, Membership>();
  private readonly pending = new Map<MemberId, Pending>();
  private readonly seqs = new WeakMap<Member, number>();
  /** Leaves Redis did not take (it was down): retried after the reconnect's restore. */
  private readonly unsent: { code: string; id: MemberId; seat: boolean }[] = [];
  /** Our stream is new (a fresh instance id): read it from its start. */
  private lastId = '0';
  private closed = false;
  private everReady = false;
  /** No reaping until then: after a reconnect, other instances need a heartbeat to come back. */
  private reapAfterMs = 0;
  private status: RedisStatus = 'down';
  private readonly heartbeat: ReturnType<typeof setInterval>;
  /** Relays to members on other instances (redis-relays.ts). */
  private readonly outbox: RelayOutbox;
  /** PeerJS frames to and from members on other instances (redis-peerjs.ts). */
  private readonly peerFrames: PeerFrames;

  constructor(private readonly deps: RedisLobbyDeps) {
    this.cmd = redisClient(deps.redisUrl, { offlineQueue: false, commandTimeoutMs: 2_000 });
    this.reader = redisClient(deps.redisUrl, { offlineQueue: true });
    this.outbox = new RelayOutbox(this.cmd, this.counters, () => this.status === 'up');
    this.peerFrames = new PeerFrames(this.peers, isLocal, (inst, json) => this.send(inst, json, true), this.counters, 4 * deps.maxMessageBytes);
    // State changes are followed through 'ready', 'reconnecting' (the connection was lost) and 'end'.
    this.cmd.on('reconnecting', () => this.setStatus('down'));
    this.cmd.on('end', () => this.setStatus('down'));
    this.cmd.on('ready', () => void this.onReady());
    this.cmd.connect().catch(() => {}); // retried by its reconnect strategy until `close`
    this.reader.connect().catch(() => {});
    // The heartbeat also drops idle PeerJS queues past their 5 s (whether Redis is up or not).
    this.heartbeat = setInterval(() => {
      this.peerFrames.sweep();
      void this.beat();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    void this.readLoop();
  }

  /** Resolves once Redis answered (or after `timeoutMs`, still down): the server may start either way. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.status !== 'up' && Date.now() < deadline && !this.closed) await new Promise((r) => setTimeout(r, 20));
  }

  get redisStatus(): RedisStatus {
    return this.status;
  }

  get size(): number {
    return this.lobbies.size;
  }

  /** Where PeerJS frames for local ids from members elsewhere go (the PeerJS mount). */
  setPeerSink(sink: (dst: string, frame: string) => boolean): void {
    this.peerFrames.setSink(sink);
  }

  /** Frames queued for a PeerJS id that just connected here (oldest first). */
  takePeerQueue(peerId: string): string[] {
    return this.peerFrames.take(peerId);
  }

  lookupPeer(peerId: string): Membership | undefined {
    return this.peers.get(peerId);
  }

  /** The PeerJS gate's hook: a frame for a member on another instance goes to its stream. */
  forwardPeer(to: Membership, src: string, message: PeerMessage): boolean {
    return to.member instanceof RemoteMember && this.peerFrames.forward(to.member.inst, to.member.peerId, src, message);
  }

  create(sink: MemberSink, rawName: string, partial: Partial<LobbySettings>, owner: string): Result<Membership, Refusal> | null {
    const settings = validateSettings(partial);
    if (!settings.ok) return refuse(ErrorCode.badSettings);
    const name = validateName(rawName);
    if (!name.ok) return refuse(ErrorCode.badName);
    if (this.lobbies.size >= this.deps.maxLobbies || this.status !== 'up') return refuse(ErrorCode.serverFull);
    const quota = this.deps.reserveLobby(owner);
    if (quota !== null) return refuse(quota);
    const code = randomId(16, 'base64url');
    this.flushRelays();
    const entry = this.expect(sink, code, name.value, owner, undefined);
    const id = entry.id;
    this.script('rpCreate', lobbyKey(code), codeKey(code), code, this.instanceId, id, name.value, nameKey(name.value), entry.pending.peerId,
      JSON.stringify(settings.value), LOBBY_TTL_MS, CODE_TTL_MS, entry.pending.tokenHash)
      .then((answer) => (answer === 'ok' ? this.created(id, code, settings.value) : this.answered(id, ErrorCode.serverFull)), () => this.answered(id, ErrorCode.serverFull));
    return null;
  }

  /** With `rejoin`, Redis resumes the membership (or away seat) of that token, on any instance. */
  join(sink: MemberSink, code: string, rawName: string, _nowMs: number, rejoin?: string, replace = true): Result<Membership, Refusal> | null {
    if (!isLobbyCode(code)) return refuse(ErrorCode.unknownLobby);
    if (this.status !== 'up') return refuse(ErrorCode.serverFull);
    const name = validateName(rawName);
    const text = name.ok ? name.value : '';
    this.flushRelays();
    const entry = this.expect(sink, code, text, '', rejoin);
    const id = entry.id;
    this.script('rpJoin', lobbyKey(code), codeKey(code), code, this.instanceId, id, text, name.ok ? nameKey(text) : '', entry.pending.peerId,
      name.ok ? '1' : '0', LOBBY_TTL_MS, CODE_TTL_MS, entry.pending.tokenHash, rejoin === undefined ? '' : sha256(rejoin),
      replace ? '1' : '0', this.deps.emptyLobbyTtlMs)
      .then((answer) => this.answered(id, answer === 'ok' ? null : refusalCode(answer)), () => this.answered(id, ErrorCode.serverFull));
    return null;
  }

  /** Watchers are not shared across instances yet: `watching-unavailable` (docs/lobby-protocol.md). */
  watch(): Result<Membership, Refusal> {
    return refuse(ErrorCode.watchingUnavailable);
  }

  /** No watchers here, so no seat to take from one. */
  takeSeat(): Result<Membership, Refusal> {
    return refuse(ErrorCode.watchingUnavailable);
  }

  /** Like the in-process registry: a drop (or `keepSeat`) leaves an away seat, resumable on any instance. */
  leave({ lobby, member }: Membership, reason: 'left' | 'disconnected', _nowMs: number, keepSeat = reason === 'disconnected'): void {
    if (!lobby.members.includes(member)) return;
    this.drop(lobby, member);
    if (member.peerId !== '') this.peers.delete(member.peerId);
    // Our other members hear it now; the other instances (and the host handover) through the event.
    this.broadcast(lobby, { kind: 'member-left', memberId: member.id, reason });
    this.deps.logger({ event: 'member-left', lobby: logLabel(lobby.code), member: member.id, reason, members: lobby.members.length });
    if (!this.closed) this.sendLeave(lobby.code, member.id, reason, keepSeat);
    this.deps.onMemberRemoved(member);
  }

  setReady({ lobby, member }: Membership, ready: boolean): void {
    this.run(() => this.script('rpReady', lobbyKey(lobby.code), lobby.code, member.id, ready ? '1' : '0'), member);
  }

  chat(m: Membership, rawText: string, watchersOnly = false): Result<void, Refusal> {
    return relayChat(m, rawText, watchersOnly);
  }

  record(m: Membership, data: string): void {
    relayRecord(m, data);
  }

  report({ lobby, member }: Membership, target: MemberId, nowMs: number): Result<void, Refusal> {
    const reported = findMember(lobby, target);
    if (reported === member) return refuse(ErrorCode.notMember);
    if (reported === undefined) return { ok: true, value: undefined };
    // Counted where the reported member's socket is: that instance closes it.
    if (reported instanceof RemoteMember) this.send(reported.inst, JSON.stringify({ t: 'p', c: lobby.code, o: target, b: member.id }), false);
    else if (isLocal(reported)) this.countReport(lobby, member.id, reported, nowMs);
    return { ok: true, value: undefined };
  }

  signal({ lobby, member }: Membership, to: MemberId, data: unknown): Result<boolean, Refusal> {
    const target = findMember(lobby, to);
    if (target === undefined || target === member) return refuse(ErrorCode.notMember);
    return { ok: true, value: member.sink.relayTo(target.sink, encodeMessage({ kind: 'signal', from: member.id, data })) };
  }

  start({ lobby, member }: Membership): Result<void, Refusal> {
    if (lobby.hostId !== member.id) return refuse(ErrorCode.notHost);
    if (lobby.started) return refuse(ErrorCode.inProgress);
    this.run(() => this.script('rpStart', lobbyKey(lobby.code), lobby.code, member.id, 'start'), member);
    return { ok: true, value: undefined };
  }

  reopen({ lobby, member }: Membership): Result<void, Refusal> {
    if (lobby.hostId !== member.id) return refuse(ErrorCode.notHost);
    this.run(() => this.script('rpStart', lobbyKey(lobby.code), lobby.code, member.id, 'reopen'), member);
    return { ok: true, value: undefined };
  }

  /**
   * Shutdown: our presence key is deleted, so the other instances reap our members at their next
   * check (a graceful stop is reported like a crash, only sooner). Then both connections close.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const p of this.pending.values()) if (p.timer !== null) clearTimeout(p.timer);
    this.pending.clear();
    const quit = (): void => {
      destroyClient(this.cmd);
      destroyClient(this.reader);
    };
    if (this.status === 'up') command(this.cmd, ['DEL', instanceKey(this.instanceId)]).then(quit, quit);
    else quit();
    this.lobbies.clear();
    this.peers.clear();
  }

  /** Relayed traffic (the server message `text`) for member `to` of lobby `code` on instance `inst`. */
  relay(inst: string, code: string, to: MemberId, text: string): void {
    this.outbox.relay(inst, code, to, text);
  }

  private script(name: ScriptName, ...args: RedisArg[]): Promise<unknown> {
    return runScript(this.cmd, name, args);
  }

  /** Every command of ours but a relay goes after the relays queued before it. */
  private flushRelays(): void {
    this.outbox.flush();
  }

  private readonly relayFailed = (): void => {
    this.counters.redisErrors += 1;
    this.counters.redisRelaysDropped += 1;
  };

  /** Appends `json` (a `StreamMessage`) to instance `inst`'s stream; `relay` counts it as relayed traffic. */
  send(inst: string, json: string, relay: boolean): void {
    this.flushRelays();
    if (relay) this.counters.redisRelaysOut += 1;
    if (this.status !== 'up') {
      if (relay) this.counters.redisRelaysDropped += 1;
      return;
    }
    command(this.cmd, ['XADD', streamKey(inst), 'NOMKSTREAM', 'MAXLEN', '~', STREAM_MAXLEN, '*', 'm', json]).catch(relay ? this.relayFailed : this.failed);
  }

  private readonly failed = (): void => {
    this.counters.redisErrors += 1;
  };

  // --- admissions ---

  private expect(sink: MemberSink, code: string, name: string, owner: string, rejoin: string | undefined): { id: MemberId; pending: Pending } {
    let id = randomId(6, 'base64url');
    while (this.pending.has(id)) id = randomId(6, 'base64url');
    const peerjs = this.deps.peerjs;
    const token = rejoin ?? randomId(32, 'base64url');
    const pending: Pending = { sink, token, tokenHash: sha256(token), code, name, peerId: peerjs ? randomId(16, 'hex') : '', peerToken: peerjs ? randomId(16, 'hex') : '', owner, timer: null };
    this.pending.set(id, pending);
    return { id, pending };
  }

  /** Redis answered a create or join: a refusal now, or (accepted) a bound on waiting for its event. */
  private answered(id: MemberId, refusal: ErrorCode | null): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return; // its event came first
    if (refusal === null) {
      pending.timer = setTimeout(() => {
        if (this.pending.get(id) !== pending) return;
        this.pending.delete(id);
        this.sendLeave(pending.code, id, 'disconnected', false);
        this.fail(pending, ErrorCode.serverFull);
      }, PENDING_TIMEOUT_MS);
      pending.timer.unref();
      return;
    }
    this.pending.delete(id);
    if (refusal === ErrorCode.serverFull) this.counters.redisErrors += 1;
    this.fail(pending, refusal);
  }

  /**
   * Redis took a create: the creator is admitted from the reply, with no event of its own (the script
   * sends none: nobody else can know the fresh code before the creator's `joined`, so no event about
   * this lobby can come before this reply; the lobby and the creator are what the script wrote).
   */
  private created(id: MemberId, code: string, settings: LobbySettings): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return; // shut down meanwhile
    if (this.lobbies.has(code)) {
      // Never for a fresh 128-bit code; refused rather than mixed into another mirror.
      this.pending.delete(id);
      this.sendLeave(code, id, 'disconnected', false);
      this.fail(pending, ErrorCode.serverFull);
      return;
    }
    const lobby: Lobby = { code, owner: pending.owner, settings, members: [], hostId: id, started: false, expiry: null };
    const member = new LobbyMember(lobby, id, pending.name, pending.peerId, pending.peerToken, pending.tokenHash, pending.sink);
    lobby.members = [member];
    this.seqs.set(member, 0);
    if (member.peerId !== '') this.peers.set(member.peerId, member);
    this.lobbies.set(code, lobby);
    this.admit(lobby, member, pending, id);
  }

  private fail(pending: Pending, code: ErrorCode): void {
    if (pending.owner !== '') this.deps.releaseLobby(pending.owner);
    pending.sink.refused?.({ code });
  }

  // --- events ---

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      try {
        const result = await command(this.reader, ['XREAD', 'COUNT', 512, 'BLOCK', 1_000, 'STREAMS', streamKey(this.instanceId), this.lastId]) as XreadReply;
        for (const [, entries] of result ?? []) {
          for (const [entryId, fields] of entries) {
            this.lastId = entryId;
            this.handleEntry(fields);
          }
        }
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * One stream entry: fields `m <json>`, or relays (redis-relays.ts: each checked on its own, a bad
   * one dropped and counted without its neighbours); anything else is dropped and counted, never thrown.
   */
  private handleEntry(fields: readonly string[]): void {
    if (isRelayEntry(fields)) {
      this.counters.redisBadMessages += readRelays(fields, this.relayIn);
      return;
    }
    const text = fields.length === 2 && fields[0] === 'm' ? fields[1] : undefined;
    const parsed = text === undefined ? null : parseStreamMessage(text);
    if (parsed === null || !parsed.ok) {
      this.counters.redisBadMessages += 1;
      return;
    }
    try {
      if (!this.handle(parsed.value)) this.counters.redisBadMessages += 1;
    } catch (error) {
      this.counters.redisBadMessages += 1;
      this.deps.logger({ event: 'redis-handler-fault', message: String(error) });
    }
  }

  /** False for a well-formed entry that makes no sense here (unknown lobby or member). */
  private handle(message: StreamMessage): boolean {
    switch (message.t) {
      case 'h':
        return true;
      case 's':
        return this.apply(message);
      case 'p': {
        const lobby = this.lobbies.get(message.c);
        const target = lobby === undefined ? undefined : findMember(lobby, message.o);
        if (lobby === undefined || target === undefined || !isLocal(target) || findMember(lobby, message.b) === undefined || message.b === message.o) return false;
        this.countReport(lobby, message.b, target, Date.now());
        return true;
      }
      case 'j':
        return this.peerFrames.receive(message.dst, message.x);
      default:
        return false;
    }
  }

  private readonly relayIn = (code: string, to: MemberId, text: string): boolean => {
    const lobby = this.lobbies.get(code);
    const target = lobby === undefined ? undefined : findMember(lobby, to);
    if (lobby === undefined || target === undefined || !isLocal(target)) return false;
    const parsed = parseServerMessage(text, 4 * this.deps.maxMessageBytes);
    if (!parsed.ok) return false;
    const m = parsed.value;
    if ((m.kind !== 'signal' && m.kind !== 'chat' && m.kind !== 'record') || m.from === to || findMember(lobby, m.from) === undefined) return false;
    this.counters.redisRelaysIn += 1;
    const sink = target.sink;
    // The relay watermark of the sender's instance, checked here where the buffer is.
    const bytes = Buffer.byteLength(text);
    if (sink instanceof SignalingSocket && (sink.readyState !== WebSocket.OPEN || sink.bufferedAmount + bytes > this.deps.maxBufferedBytes / 2)) {
      this.counters.redisRelaysDropped += 1;
      return true;
    }
    sink.deliver(text, bytes);
    return true;
  };

  /** A state event: rebuild the mirror and tell our members what changed. */
  private apply(ev: StateMessage): boolean {
    const settings = validateSettings(ev.meta.settings);
    if (!settings.ok) return false;
    const joiner = ev.e === 'joined' && ev.k !== undefined ? this.pending.get(ev.k) : undefined;
    const joining = joiner !== undefined && joiner.code === ev.c && ev.members.some((m) => m.id === ev.id && m.inst === this.instanceId) ? joiner : undefined;
    let lobby = this.lobbies.get(ev.c);
    if (lobby === undefined) {
      if (joining === undefined) return true; // none of ours in it (any more)
      lobby = { code: ev.c, owner: joining.owner, settings: settings.value, members: [], hostId: null, started: ev.meta.started, expiry: null };
      this.lobbies.set(ev.c, lobby);
    }
    const before = lobby.members;
    const next: Member[] = [];
    let joined: LobbyMember | null = null;
    for (const record of ev.members) {
      const existing = findMember(lobby, record.id);
      if (existing !== undefined) {
        existing.ready = record.ready;
        next.push(existing);
      } else if (record.inst !== this.instanceId) {
        next.push(this.remote(lobby, record));
      } else if (joining !== undefined && record.id === ev.id) {
        // The name from Redis: a resumed member keeps its own.
        joined = new LobbyMember(lobby, record.id, record.name, joining.peerId, joining.peerToken, joining.tokenHash, joining.sink);
        this.seqs.set(joined, record.seq);
        if (joined.peerId !== '') this.peers.set(joined.peerId, joined);
        next.push(joined);
      }
      // A member of ours we do not hold (it left while this event was on its way): skipped.
    }
    // Our own members stay even if this event misses them (our restore puts them back); so do, in a
    // restore by another instance (`id`), members of instances that have not restored theirs yet.
    for (const m of before) if (keptThrough(ev, m) && !next.includes(m)) next.splice(this.position(next, m), 0, m);
    lobby.members = next.slice(); // exact size (see `withoutMember`)
    const hostBefore = lobby.hostId;
    lobby.hostId = ev.meta.hostId;
    lobby.started = ev.meta.started;
    const old = before.filter(isLocal);
    for (const m of before) {
      if (next.includes(m)) continue;
      if (m.peerId !== '') this.peers.delete(m.peerId);
      if (isLocal(m)) {
        // Resumed through another socket (maybe on another instance): this one closes, 4014.
        m.sink.replaced();
        this.deps.onMemberRemoved(m);
      }
      tell(lobby, old, { kind: 'member-left', memberId: m.id, reason: ev.e === 'left' && ev.id === m.id && ev.reason !== undefined ? ev.reason : 'disconnected' });
    }
    for (const m of next) {
      if (before.includes(m)) continue;
      tell(lobby, old, ev.rejoined === true && m.id === ev.id ? { kind: 'member-joined', member: memberInfo(m), rejoined: true } : { kind: 'member-joined', member: memberInfo(m) });
    }
    if (hostBefore !== null && lobby.hostId !== null && hostBefore !== lobby.hostId) tell(lobby, old, { kind: 'host-changed', hostId: lobby.hostId });
    if (ev.e === 'ready' && ev.id !== undefined) {
      const m = findMember(lobby, ev.id);
      if (m !== undefined) tell(lobby, old, { kind: 'member-updated', member: memberInfo(m) });
    } else if (ev.e === 'started') tell(lobby, old, { kind: 'lobby-started' });
    else if (ev.e === 'reopened') tell(lobby, old, { kind: 'lobby-reopened' });
    if (joined !== null && joining !== undefined && ev.k !== undefined) this.admit(lobby, joined, joining, ev.k);
    if (!lobby.members.some(isLocal)) this.forget(lobby);
    return true;
  }

  private admit(lobby: Lobby, member: LobbyMember, pending: Pending, ticket: string): void {
    const id = member.id;
    this.pending.delete(ticket);
    if (pending.timer !== null) clearTimeout(pending.timer);
    if (pending.sink.admitted?.(member) !== true) {
      // Its socket closed while Redis worked: it leaves again at once.
      this.drop(lobby, member);
      if (member.peerId !== '') this.peers.delete(member.peerId);
      // No seat: it never got its `joined` (nor its rejoin token).
      this.sendLeave(lobby.code, id, 'disconnected', false);
      return;
    }
    member.sink.deliver(encodeMessage({
      kind: 'joined',
      memberId: id,
      code: lobby.code,
      linkPath: lobbyLinkPath(lobby.code),
      members: lobby.members.map(memberInfo),
      hostId: lobby.hostId ?? id,
      settings: lobby.settings,
      started: lobby.started,
      iceServers: this.deps.iceServers,
      peer: this.deps.peerjs ? { id: member.peerId, token: member.peerToken, path: PEERJS_PATH, key: PEERJS_KEY } : null,
      rejoinToken: pending.token,
    }));
    this.deps.logger({ event: 'member-joined', lobby: logLabel(lobby.code), member: id, members: lobby.members.length });
  }

  private remote(lobby: Lobby, record: MemberRecord): RemoteMember {
    const member = new RemoteMember(lobby, record.id, record.name, record.peerId, record.inst, record.ready, this);
    this.seqs.set(member, record.seq);
    if (member.peerId !== '') this.peers.set(member.peerId, member);
    return member;
  }

  /** Members of a dead instance that Redis no longer holds, removed from our mirror. */
  private dropGhosts(code: string, inst: string): void {
    const lobby = this.lobbies.get(code);
    if (lobby === undefined) return;
    for (const m of lobby.members) {
      if (!(m instanceof RemoteMember) || m.inst !== inst) continue;
      this.drop(lobby, m);
      if (m.peerId !== '') this.peers.delete(m.peerId);
      this.broadcast(lobby, { kind: 'member-left', memberId: m.id, reason: 'disconnected' });
    }
  }

  /** Where a kept member goes back into `list` (by its join order). */
  private position(list: readonly Member[], member: Member): number {
    const seq = this.seqs.get(member) ?? 0;
    const at = list.findIndex((m) => (this.seqs.get(m) ?? 0) > seq);
    return at === -1 ? list.length : at;
  }

  /** Takes `member` out of the mirror; a lobby with none of ours left is forgotten. */
  private drop(lobby: Lobby, member: Member): void {
    lobby.members = withoutMember(lobby.members, member);
    this.peerFrames.forget(member.peerId);
    if (lobby.reports !== undefined) {
      lobby.reports.delete(member.id);
      for (const by of lobby.reports.values()) by.delete(member.id);
    }
    if (!lobby.members.some(isLocal)) this.forget(lobby);
  }

  private forget(lobby: Lobby): void {
    if (this.lobbies.get(lobby.code) !== lobby) return;
    this.lobbies.delete(lobby.code);
    for (const m of lobby.members) {
      if (m.peerId !== '') this.peers.delete(m.peerId);
      this.peerFrames.forget(m.peerId);
    }
    // Per-address lobby limits are per instance: the creator's lobby counts until it would expire.
    if (lobby.owner !== '' && !this.closed) setTimeout(this.deps.releaseLobby, this.deps.emptyLobbyTtlMs, lobby.owner).unref();
  }

  private countReport(lobby: Lobby, reporter: MemberId, target: LobbyMember, nowMs: number): void {
    if (countReport(lobby, reporter, target, nowMs)) {
      this.deps.logger({ event: 'member-dropped-by-peers', lobby: logLabel(lobby.code), member: target.id });
      target.sink.dropByPeers();
    }
  }

  private broadcast(lobby: Lobby, message: ServerMessage): void {
    const text = encodeMessage(message);
    for (const m of lobby.members) if (isLocal(m)) m.sink.deliver(text);
  }

  private sendLeave(code: string, id: MemberId, reason: 'left' | 'disconnected', seat: boolean): void {
    if (this.status !== 'up') return this.leaveLater(code, id, seat);
    this.flushRelays();
    this.script('rpLeave', lobbyKey(code), code, id, reason, this.deps.emptyLobbyTtlMs, seat ? '1' : '0').catch(() => this.leaveLater(code, id, seat));
  }

  /** A leave Redis did not take: sent again after the reconnect's restore. */
  private leaveLater(code: string, id: MemberId, seat: boolean): void {
    this.counters.redisErrors += 1;
    if (this.unsent.length < 10_000) this.unsent.push({ code, id, seat });
  }

  /** Runs a state script for `member`; a refusal (the mirror was behind) is sent to the member as an error. */
  private run(command: () => Promise<unknown>, member: Member): void {
    this.flushRelays();
    command().then((answer) => {
      if (answer !== 'ok' && answer !== 'gone') member.sink.deliver(errorMessage(refusalCode(answer)));
    }, () => {
      this.counters.redisErrors += 1;
      member.sink.deliver(errorMessage(ErrorCode.serverFull));
    });
  }

  // --- presence and recovery ---

  private setStatus(status: RedisStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.deps.logger({ event: status === 'up' ? 'redis-up' : 'redis-down' });
  }

  private async onReady(): Promise<void> {
    if (this.closed) return;
    const reconnect = this.everReady;
    this.everReady = true;
    try {
      await this.announce();
      // Loaded before any script runs, so that none falls back to EVAL (which would reorder it).
      await loadScripts(this.cmd);
      this.setStatus('up');
      if (!reconnect) return;
      // Back after an outage (or a Redis restart that lost everything): put our members back.
      this.reapAfterMs = Date.now() + PRESENCE_TTL_MS;
      for (const lobby of this.lobbies.values()) await this.restore(lobby);
      for (const { code, id, seat } of this.unsent.splice(0)) this.sendLeave(code, id, 'disconnected', seat);
    } catch {
      this.counters.redisErrors += 1;
    }
  }

  /** Our presence key, and our stream (created if missing: the scripts never create streams). */
  private async announce(): Promise<void> {
    const key = streamKey(this.instanceId);
    await this.cmd.multi()
      .addCommand(['SET', instanceKey(this.instanceId), this.deps.relayBatches ? RELAY_BATCHES : '1', 'PX', String(PRESENCE_TTL_MS)])
      .addCommand(['XADD', key, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'm', '{"t":"h"}'])
      .addCommand(['PEXPIRE', key, String(10 * PRESENCE_TTL_MS)])
      .exec();
  }

  private restore(lobby: Lobby): Promise<unknown> {
    const mine = lobby.members.filter(isLocal).map((m) => ({
      id: m.id, name: m.name, key: nameKey(m.name), ready: m.ready, peerId: m.peerId, seq: this.seqs.get(m) ?? 0, th: m.tokenHash,
    }));
    return this.script('rpRestore', lobbyKey(lobby.code), codeKey(lobby.code), lobby.code, this.instanceId, JSON.stringify(lobby.settings),
      lobby.started ? '1' : '0', lobby.hostId ?? '', JSON.stringify(mine), LOBBY_TTL_MS, CODE_TTL_MS);
  }

  private async beat(): Promise<void> {
    if (this.closed || this.status !== 'up') return;
    try {
      await this.announce();
      const refreshed: Promise<unknown>[] = [];
      for (const code of this.lobbies.keys()) {
        refreshed.push(command(this.cmd, ['PEXPIRE', lobbyKey(code), LOBBY_TTL_MS]), command(this.cmd, ['PEXPIRE', codeKey(code), CODE_TTL_MS]));
      }
      await Promise.all(refreshed);
      if (Date.now() >= this.reapAfterMs) await this.reap();
    } catch {
      this.counters.redisErrors += 1;
    }
  }

  /** Removes the members of instances whose presence expired from the lobbies we mirror. */
  private async reap(): Promise<void> {
    const byInstance = new Map<string, Set<string>>();
    for (const lobby of this.lobbies.values()) {
      for (const m of lobby.members) {
        if (!(m instanceof RemoteMember)) continue;
        const codes = byInstance.get(m.inst) ?? new Set<string>();
        codes.add(lobby.code);
        byInstance.set(m.inst, codes);
      }
    }
    this.outbox.keepOnly(new Set(byInstance.keys()));
    if (byInstance.size === 0) return;
    const insts = [...byInstance.keys()];
    const presence = await Promise.all(insts.map((i) => command(this.cmd, ['GET', instanceKey(i)]) as Promise<string | null>));
    for (let i = 0; i < insts.length; i++) {
      const inst = insts[i];
      if (inst === undefined) continue;
      const value = presence[i] ?? null;
      this.outbox.presence(inst, value);
      if (value !== null) continue;
      for (const code of byInstance.get(inst) ?? []) {
        const removed = await this.script('rpReap', lobbyKey(code), code, inst, this.deps.emptyLobbyTtlMs);
        if (typeof removed === 'number') this.counters.redisReaped += removed;
        // None left in Redis (lost with a Redis restart, or reaped by another instance): what our
        // mirror still holds of that instance goes now (a reap event in flight finds them gone).
        if (removed === 0) this.dropGhosts(code, inst);
      }
    }
  }
}

/** What `XREAD` answers: per stream, its entries as id and fields (null: none within the block time). */
type XreadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/** A script's refusal as an error code (anything unexpected: `server-full`, try again). */
function refusalCode(answer: unknown): ErrorCode {
  const codes: readonly string[] = [ErrorCode.unknownLobby, ErrorCode.expiredLobby, ErrorCode.inProgress, ErrorCode.lobbyFull,
    ErrorCode.badName, ErrorCode.nameTaken, ErrorCode.notHost, ErrorCode.notInLobby, ErrorCode.badRejoin];
  return typeof answer === 'string' && codes.includes(answer) ? (answer as ErrorCode) : ErrorCode.serverFull;
}
