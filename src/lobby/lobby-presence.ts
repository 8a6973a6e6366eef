/**
 * What a player's `Room` and a watcher's `WatchRoom` both know of their lobby: who we are in it, its
 * code, link and settings, the host and the members as the server last told us, and the names of
 * those who left (the messages about a departure still name it), bounded.
 */
import type { PeerId } from '../netcode/socket.ts';
import type { LobbySettings, MemberInfo } from './protocol.ts';
import type { JoinedMessage } from './signaling-client.ts';

/** Names of departed members and watchers kept for the messages about them. */
const MAX_DEPARTED_NAMES = 32;

/** A lobby as one client sees it. */
export abstract class LobbyPresence {
  readonly localId: PeerId;
  readonly code: string;
  readonly linkPath: string;
  readonly settings: LobbySettings;
  hostId: PeerId;
  members: MemberInfo[];
  private readonly departedNames = new Map<PeerId, string>();

  protected constructor(joined: JoinedMessage) {
    this.localId = joined.memberId;
    this.code = joined.code;
    this.linkPath = joined.linkPath;
    this.settings = joined.settings;
    this.hostId = joined.hostId;
    this.members = [...joined.members];
  }

  /** The name of a member, a watcher (`watcherName`) or someone who left; the id itself when unknown. */
  nameOf(id: PeerId): string {
    return this.members.find((m) => m.id === id)?.name ?? this.watcherName(id) ?? this.departedNames.get(id) ?? id;
  }

  /** The name of a watcher of the lobby, if `id` is one. */
  protected abstract watcherName(id: PeerId): string | undefined;

  /** `id` is leaving: keep its name (the oldest kept name goes past the bound). */
  protected rememberName(id: PeerId): void {
    const name = this.members.find((m) => m.id === id)?.name ?? this.watcherName(id);
    if (name === undefined) return;
    this.departedNames.set(id, name);
    const oldest = this.departedNames.keys().next();
    if (this.departedNames.size > MAX_DEPARTED_NAMES && oldest.done !== true) this.departedNames.delete(oldest.value);
  }
}
