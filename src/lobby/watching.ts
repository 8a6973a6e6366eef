/**
 * Watchers, the players' side (docs/lobby-protocol.md, "Watchers"; docs/protocol.md, "Spectators"):
 * a player keeps the lobby's watcher list, opens a mesh link to each watcher, and once that link is
 * open and a match runs, tells the watcher which match (`sp-match`, the `rj-match` fields) and admits
 * it to the session's spectator feed (`OnlineMatch.watch`). Watchers are no part of the handshake:
 * their links never count in `meshReady`, their joining never aborts a round, and their control
 * messages are dropped by the room (only members' are read).
 *
 * Also the helpers both sides share: `sameMatch` (two peers' word on a match agrees) and
 * `feederOrder` (which players a watcher asks, rotated so that watchers spread over the players).
 */
import type { PeerId } from '../netcode/socket.ts';
import type { ControlChannel, ControlOf } from './control.ts';
import type { OnlineMatch } from './online-match.ts';
import { LOBBY_LIMITS, type WatcherInfo } from './protocol.ts';
import type { MeshLink } from './room.ts';

/** A running match as peers name it (`rj-match` and `sp-match` carry the same fields). */
export type MatchWord = Omit<ControlOf<'rj-match'>, 't'>;

/** Whether two peers' words name the same match. */
export function sameMatch(a: MatchWord, b: MatchWord): boolean {
  return a.round === b.round && a.seed === b.seed && a.sessionId === b.sessionId && a.order.join() === b.order.join() &&
    a.setup.players === b.setup.players && a.setup.pointsToWin === b.setup.pointsToWin &&
    a.setup.inputDelay === b.setup.inputDelay && a.setup.maxPrediction === b.setup.maxPrediction;
}

/** FNV-1a of a string: a stable spread, not a secret. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The players a watcher asks, in failover order: the match's players still in the lobby, in slot
 * order, rotated by a hash of the watcher's id so that watchers spread their load over the players.
 */
export function feederOrder(order: readonly PeerId[], present: (id: PeerId) => boolean, watcherId: PeerId): PeerId[] {
  const players = order.filter(present);
  if (players.length === 0) return [];
  const first = hashId(watcherId) % players.length;
  return [...players.slice(first), ...players.slice(0, first)];
}

/** A player's watchers: their links, and their admission to our match's spectator feed. */
export class WatcherFeeds {
  /** The lobby's watchers, in join order (at most `LOBBY_LIMITS.maxWatchers`). */
  readonly list: WatcherInfo[] = [];
  private readonly open = new Set<PeerId>();
  /** Watchers told about the match with this session id (and admitted to its feed). */
  private readonly fed = new Map<PeerId, number>();

  constructor(private readonly link: MeshLink, private readonly control: ControlChannel, initial: readonly WatcherInfo[] = []) {
    for (const w of initial) this.add(w);
  }

  /** Whether `id` is one of the lobby's watchers. */
  has(id: PeerId): boolean {
    return this.list.some((w) => w.id === id);
  }

  /** The server said `w` watches: connect to it. */
  add(w: WatcherInfo): void {
    if (this.has(w.id) || w.id === this.link.localId || this.list.length >= LOBBY_LIMITS.maxWatchers) return;
    this.list.push(w);
    this.link.connect({ ...w, ready: false });
  }

  /** The server said `id` stopped watching (left, or took a seat): disconnect, stop feeding it. */
  remove(id: PeerId, match: OnlineMatch | undefined): void {
    const i = this.list.findIndex((w) => w.id === id);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.open.delete(id);
    this.fed.delete(id);
    this.link.disconnect(id);
    match?.unwatch(id);
  }

  /**
   * A link event: true when it was about a watcher (the room then ignores it). An open link to a
   * watcher gets the running match; a closed one stops being fed.
   */
  linkEvent(kind: 'open' | 'close' | 'error', peer: PeerId, match: OnlineMatch | undefined, round: number): boolean {
    if (!this.has(peer)) return false;
    if (kind === 'open') {
      this.open.add(peer);
      if (match !== undefined) this.feed(peer, match, round);
    } else if (kind === 'close') {
      this.open.delete(peer);
      this.fed.delete(peer);
      match?.unwatch(peer);
    }
    return true;
  }

  /** A match started (or a rejoin put us back in one): every watcher with an open link gets it. */
  matchStarted(match: OnlineMatch, round: number): void {
    for (const peer of this.open) this.feed(peer, match, round);
  }

  /** Our lobby socket resumed with our links alive: the server's list now (those gone unwatched, new ones linked). */
  sync(watchers: readonly WatcherInfo[], match: OnlineMatch | undefined): void {
    for (const w of [...this.list]) if (!watchers.some((x) => x.id === w.id)) this.remove(w.id, match);
    for (const w of watchers) this.add(w);
  }

  /** Our links were rebuilt (our lobby socket resumed): reconnect every watcher. */
  reconnect(watchers: readonly WatcherInfo[]): void {
    for (const w of [...this.list]) this.remove(w.id, undefined);
    for (const w of watchers) this.add(w);
  }

  private feed(peer: PeerId, match: OnlineMatch, round: number): void {
    const { seed, sessionId, order, setup } = match.start;
    if (this.fed.get(peer) === sessionId) return;
    this.fed.set(peer, sessionId);
    match.watch(peer);
    this.control.send(peer, { t: 'sp-match', round, seed, sessionId, order: [...order], setup });
  }
}
