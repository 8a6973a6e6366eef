/**
 * A lobby as a watcher (spectator) experiences it (docs/lobby-protocol.md, "Watchers"): the lobby's
 * members and watchers (through the signaling server), a mesh link to every *player* (never to
 * another watcher), the match the players name (`sp-match`), followed with a `SpectatorMatch` a short
 * delay behind, and the lobby chat (the server relays a watcher's lines to everyone, and the players'
 * in-game lines to the watchers).
 *
 * Which match: a player tells us when its link to us opens and when a match starts. One player's word
 * is not taken alone when others can be heard: the first word about a new match opens a short window
 * (`AGREE_WINDOW_MS`); the match is followed once every player with an open link has spoken, or the
 * window has passed, and every word heard agrees (`sameMatch`) and comes from one of the match's own
 * players. Disagreeing words are dropped and counted; the next word opens a new window. A hostile
 * player can at worst show us a wrong match: nothing here touches the players' match.
 *
 * Driven by `update(nowMs)`; what it learns is queued as `WatchRoomEvent`s.
 */
import type { SpectatorEvent } from '../netcode/index.ts';
import type { PeerId } from '../netcode/socket.ts';
import { ControlChannel } from './control.ts';
import { ControlGuard } from './control-guard.ts';
import { enterLobby, type EnterFailure } from './enter.ts';
import { isSignalRace, type ErrorCode, type WatcherInfo } from './protocol.ts';
import { LobbyPresence } from './lobby-presence.ts';
import { ReadyBook, type Readiness } from './readiness.ts';
import { Room, type MeshLink, type RoomOptions } from './room.ts';
import type { JoinedMessage } from './signaling-client.ts';
import { SpectatorMatch } from './spectator-match.ts';
import { feederOrder, sameMatch, type MatchWord } from './watching.ts';

/** How long the first word about a new match waits for the other players' words. */
export const AGREE_WINDOW_MS = 500;

/** Events drained with `drainEvents`. */
export type WatchRoomEvent =
  | { readonly kind: 'members-changed' }
  | { readonly kind: 'chat'; readonly from: PeerId; readonly name: string; readonly text: string }
  /** A new match is followed (the first, or a rematch): render `match`. */
  | { readonly kind: 'watching-started'; readonly match: SpectatorMatch }
  /** Every player of the followed match left the lobby: nothing more will come. */
  | { readonly kind: 'watching-ended' }
  /** The players' words about the match disagreed: it is not followed (counted in `stats().disagreed`). */
  | { readonly kind: 'watching-refused' }
  /** What the followed match's feed reported (started, restarted, feeder changed, stalled). */
  | { readonly kind: 'feed'; readonly event: SpectatorEvent }
  | { readonly kind: 'peer-error'; readonly peer: PeerId; readonly message: string }
  | { readonly kind: 'server-error'; readonly code: ErrorCode; readonly message: string }
  | { readonly kind: 'signaling-closed'; readonly reason: string };

/** What a watcher's room dropped or refused. */
export interface WatchRoomStats {
  /** `sp-match` words from a peer that is not a member, or not a player of the match it names. */
  readonly strangers: number;
  /** Rounds of words that disagreed. */
  readonly disagreed: number;
  /** Control messages past the per-peer budget, or of another kind than `sp-match`. */
  readonly ignored: number;
}

/** One watcher's view of a lobby. */
export class WatchRoom extends LobbyPresence {
  watchers: WatcherInfo[];
  /** Whether the lobby's match has started (no seat can be taken then). */
  started: boolean;
  /** The match followed now (the last one, once it ended). */
  match: SpectatorMatch | undefined;
  private readonly control: ControlChannel;
  private readonly guard = new ControlGuard();
  private readonly events: WatchRoomEvent[] = [];
  private readonly open = new Set<PeerId>();
  private readonly unsubscribe: (() => void)[] = [];
  /** Words about a match other than the followed one, by sender, and when the first came. */
  private readonly words = new Map<PeerId, MatchWord>();
  private firstWordMs: number | undefined;
  private counts = { strangers: 0, disagreed: 0, ignored: 0 };
  private closed = false;
  /** Who is still in the started match, as the players' rooms keep it (readiness.ts). */
  private readonly readyBook = new ReadyBook();

  private constructor(private readonly o: RoomOptions, joined: JoinedMessage, readonly link: MeshLink) {
    super(joined);
    this.watchers = [...(joined.watchers ?? [])];
    this.started = joined.started;
    if (joined.started) this.readyBook.started(this.members, this.localId);
    this.control = new ControlChannel(link.reliable);
    const s = o.signaling;
    const changed = (): void => void this.events.push({ kind: 'members-changed' });
    this.unsubscribe.push(
      s.on('member-joined', (m) => {
        if (this.members.some((x) => x.id === m.member.id)) return;
        this.members.push(m.member);
        link.connect(m.member);
        changed();
      }),
      s.on('member-left', (m) => this.memberLeft(m.memberId)),
      s.on('member-updated', (m) => {
        this.members = this.members.map((x) => (x.id === m.member.id ? m.member : x));
        this.readyBook.told(m.member.id); // a player out of the match tells its flag
        changed();
      }),
      s.on('watcher-joined', (m) => {
        this.watchers.push(m.watcher);
        changed();
      }),
      s.on('watcher-left', (m) => {
        this.rememberName(m.watcherId);
        this.watchers = this.watchers.filter((w) => w.id !== m.watcherId);
        changed();
      }),
      s.on('host-changed', (m) => {
        this.hostId = m.hostId;
        changed();
      }),
      s.on('lobby-started', () => {
        this.started = true;
        this.readyBook.started(this.members, this.localId);
        changed();
      }),
      s.on('lobby-reopened', () => {
        this.started = false;
        // The server cleared every ready flag without a word per member: so do our copies.
        this.members = this.members.map((m) => (m.ready ? { ...m, ready: false } : m));
        changed();
      }),
      s.on('chat', (m) => this.events.push({ kind: 'chat', from: m.from, name: this.nameOf(m.from), text: m.text })),
      s.on('error', (m) => {
        if (!isSignalRace(m.code)) this.events.push({ kind: 'server-error', code: m.code, message: m.message });
      }),
      s.on('closed', (m) => this.events.push({ kind: 'signaling-closed', reason: m.reason || `code ${m.code}` })),
    );
    for (const m of this.members) link.connect(m);
  }

  /**
   * A member as the lobby screen shows it, the same truth as a player's `Room.readiness`: the
   * server's ready flag, or `in-match` while it is still in the match the server started (until it
   * tells the server its flag, as a player leaving the match does).
   */
  readiness(id: PeerId): Readiness {
    return this.readyBook.of(id, this.localId, undefined, this.members);
  }

  /** Joins the lobby `code` as a watcher (`join` with `watch`). */
  static async watch(o: RoomOptions, code: string, name: string): Promise<{ ok: true; room: WatchRoom } | EnterFailure> {
    o.signaling.send({ kind: 'join', code, name, watch: true });
    const r = await enterLobby(o);
    if (!r.ok) return r;
    if (r.entered.joined.role !== 'watcher') {
      // A server that ignored `watch` seated us instead: not what was asked for.
      r.entered.stopListening();
      r.entered.link.close();
      o.signaling.send({ kind: 'leave' });
      return { ok: false, error: 'the lobby server does not support watching' };
    }
    const room = new WatchRoom(o, r.entered.joined, r.entered.link);
    room.unsubscribe.push(r.entered.stopListening);
    return { ok: true, room };
  }

  /** Whether a seat can be taken now: the lobby is open and has fewer members than seats. */
  get freeSeat(): boolean {
    return !this.started && this.members.length < this.settings.capacity;
  }

  protected watcherName(id: PeerId): string | undefined {
    return this.watchers.find((w) => w.id === id)?.name;
  }

  drainEvents(): WatchRoomEvent[] {
    return this.events.splice(0, this.events.length);
  }

  stats(): WatchRoomStats {
    return { ...this.counts, ignored: this.counts.ignored + this.guard.drops.rateLimited };
  }

  /** A chat line, through the lobby server (to everyone; the server checks it). */
  chat(text: string): void {
    this.o.signaling.send({ kind: 'chat', text });
  }

  /**
   * Takes the free seat (at a rematch): this room closes its links first (the new membership's
   * transport must be the only one answering the players' signals), then the player's `Room` of the
   * new membership is returned. On a refusal (`lobby-full`: an away seat, or someone was faster;
   * `in-progress`) we watch again, as a new watcher with fresh links (`watching`, when that worked).
   */
  async takeSeat(): Promise<{ ok: true; room: Room } | (EnterFailure & { readonly watching?: WatchRoom })> {
    this.close(false);
    const r = await Room.takeSeat(this.o);
    if (r.ok) return r;
    this.o.signaling.send({ kind: 'leave' });
    const again = await WatchRoom.watch(this.o, this.code, this.nameOf(this.localId));
    return again.ok ? { ...r, watching: again.room } : r;
  }

  /** Leaves the lobby and closes every connection. */
  leave(): void {
    this.close(true);
  }

  /** Drives the links, the words about the match, and the followed match. Call often (every frame). */
  update(nowMs: number): void {
    if (this.closed) return;
    for (const e of this.link.drainEvents()) {
      if (e.kind === 'open') this.open.add(e.peer);
      else if (e.kind === 'close') this.open.delete(e.peer);
      else this.events.push({ kind: 'peer-error', peer: e.peer, message: e.message });
    }
    for (const { from, message } of this.control.receiveAll()) {
      if (!this.members.some((m) => m.id === from)) continue; // another watcher, or a departed player
      if (!this.guard.admit(from, nowMs)) continue;
      if (message.t !== 'sp-match') {
        this.counts.ignored++;
        continue;
      }
      this.onWord(from, message, nowMs);
    }
    this.decide(nowMs);
    if (this.match === undefined) return;
    this.match.update(nowMs);
    for (const event of this.match.drainEvents()) this.events.push({ kind: 'feed', event });
  }

  private onWord(from: PeerId, word: MatchWord, nowMs: number): void {
    if (!word.order.includes(from) || new Set(word.order).size !== word.order.length || word.order.length !== word.setup.players) {
      this.counts.strangers++;
      return;
    }
    if (word.sessionId === this.match?.start.sessionId) return; // the match we follow
    this.words.set(from, word);
    this.firstWordMs ??= nowMs;
  }

  /** Follows the match the players named, once their words are in and agree. */
  private decide(nowMs: number): void {
    const since = this.firstWordMs;
    if (since === undefined) return;
    const speakers = this.members.filter((m) => this.open.has(m.id) && m.id !== this.localId);
    const heardAll = speakers.every((m) => this.words.has(m.id));
    if (!heardAll && nowMs - since < AGREE_WINDOW_MS) return;
    const all = [...this.words.values()];
    this.words.clear();
    this.firstWordMs = undefined;
    const first = all[0];
    if (first === undefined) return;
    if (!all.every((w) => sameMatch(w, first))) {
      this.counts.disagreed++;
      this.events.push({ kind: 'watching-refused' });
      return;
    }
    this.match = new SpectatorMatch({
      link: this.link,
      start: { seed: first.seed, sessionId: first.sessionId, order: first.order, setup: first.setup },
      names: first.order.map((id) => this.nameOf(id)),
      now: this.o.now,
      feeders: this.feeders(first.order),
      ...(this.o.lag !== undefined ? { lag: this.o.lag } : {}), // a tester's `?lag=` on the watcher's page
    });
    this.events.push({ kind: 'watching-started', match: this.match });
  }

  private feeders(order: readonly PeerId[]): PeerId[] {
    return feederOrder(order, (id) => this.members.some((m) => m.id === id), this.localId);
  }

  private memberLeft(id: PeerId): void {
    this.rememberName(id);
    this.members = this.members.filter((m) => m.id !== id);
    this.readyBook.told(id);
    this.link.disconnect(id);
    this.open.delete(id);
    this.words.delete(id);
    this.guard.forget(id);
    const match = this.match;
    if (match !== undefined && match.start.order.includes(id)) {
      const feeders = this.feeders(match.start.order);
      match.setFeeders(feeders);
      if (feeders.length === 0) this.events.push({ kind: 'watching-ended' });
    }
    this.events.push({ kind: 'members-changed' });
  }

  private close(sendLeave: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (sendLeave) this.o.signaling.send({ kind: 'leave' });
    for (const u of this.unsubscribe) u();
    this.link.close();
  }
}
