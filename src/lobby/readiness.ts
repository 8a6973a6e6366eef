/**
 * One truth for "ready" on a player's lobby screen (issue #9, item 6), kept by its `Room`: our own
 * choice, and which members are still in the match the lobby server started. The list, the status
 * line, the Ready button and the test hook all read `ReadyBook.of` (through `Room.readiness`).
 */
import type { PeerId } from '../netcode/socket.ts';
import type { MemberInfo } from './protocol.ts';

/**
 * A member's place in the lobby as every page shows it: `ready` / `not-ready` for the next match
 * (the lobby server's flag, which each member keeps equal to its own choice), or `in-match` while it
 * is still in the running match.
 */
export type Readiness = 'ready' | 'not-ready' | 'in-match';

/** Our ready choice and the members still in the started match. */
export class ReadyBook {
  /** Our own choice (the server's flag and the handshake's vote follow it). */
  want = false;
  /**
   * Members the server's `lobby-started` found in the match and that have not told the server their
   * ready flag since: they are still in that match (each member sends `set-ready` when it leaves it).
   * At most the member list (4).
   */
  private readonly playing = new Set<PeerId>();

  /** The lobby's match started (`lobby-started`, or we joined a started lobby): `others` are in it. */
  started(others: readonly MemberInfo[], localId: PeerId): void {
    for (const m of others) if (m.id !== localId) this.playing.add(m.id);
  }

  /** `id` told the server its flag (it is out of the match: `endMatch`), or left the lobby. */
  told(id: PeerId): void {
    this.playing.delete(id);
  }

  /** Whether `id` is still in the match the server started (it has not told its flag since). */
  inMatch(id: PeerId): boolean {
    return this.playing.has(id);
  }

  /** Our membership resumed: only members still listed in a lobby still started stay in the match. */
  resumed(started: boolean, members: readonly MemberInfo[]): void {
    for (const id of this.playing) if (!started || !members.some((m) => m.id === id)) this.playing.delete(id);
  }

  /**
   * `id`'s readiness: ours is our own choice; another member's is the server's flag, except while it
   * is in the running match (ours, `order`, or the one the server started and it has not left yet).
   */
  of(id: PeerId, localId: PeerId, order: readonly PeerId[] | undefined, members: readonly MemberInfo[]): Readiness {
    if (order !== undefined && (id === localId || order.includes(id))) return 'in-match';
    if (id === localId) return this.want ? 'ready' : 'not-ready';
    if (this.playing.has(id)) return 'in-match';
    return members.find((m) => m.id === id)?.ready === true ? 'ready' : 'not-ready';
  }
}
