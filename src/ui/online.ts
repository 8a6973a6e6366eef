/**
 * Online play's environment and the holder of the current lobby. `main.ts` builds the `OnlineEnv`
 * (clock, random source, signaling URL, WebRTC link factory, lag from the URL); `OnlineHub` connects to
 * the lobby server and creates or joins a `Room`, and keeps it while the page moves from the landing
 * page to `/lobby/<code>`.
 */
import type { ErrorCode, LobbySettings } from '../lobby/protocol.ts';
import { Room, type LinkContext, type MeshLink, type RoomOptions } from '../lobby/room.ts';
import { WatchRoom } from '../lobby/watch-room.ts';
import { createSignalingClient, type RejoinStore, type SignalingClient } from '../lobby/signaling-client.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import type { TransportKind } from './links.ts';
import { joinFailureMessage, unreachableMessage } from './messages.ts';

/** Everything online play needs from the outside world (built in main.ts). */
export interface OnlineEnv {
  /** Monotonic clock, ms (`performance.now`). */
  readonly now: () => number;
  /** `performance.timeOrigin`: adds to `now()` for absolute times (test hook). */
  readonly timeOrigin: number;
  /** uint32 random source (`crypto.getRandomValues`). */
  readonly random: () => number;
  /** `ws(s)://host/ws`. */
  readonly signalingUrl: string;
  readonly transport: TransportKind;
  /** Loads the transport's code; awaited before entering a lobby (see `BrowserTransport.prepare`). */
  readonly prepareLink: () => Promise<void>;
  readonly createLink: (ctx: LinkContext) => Promise<MeshLink>;
  /** Artificial conditions on incoming inputs, from `?lag=&jitter=&loss=` (perfect when absent). */
  readonly lag: LinkConditions;
  /** Why the lag parameters were ignored, if they were malformed. */
  readonly lagError: string | undefined;
  /** The host's countdown before frame 0, ms (`?countdown=` seconds; default 3 s). */
  readonly countdownMs: number;
  /** `https://host` of the page, for share links. */
  readonly origin: string;
  /** The page's query string (kept when moving to the lobby page: lag and transport settings). */
  readonly search: string;
  /** Moves to another in-app address (history push + route). */
  readonly navigate: (href: string) => void;
  /** Where rejoin tokens survive the page (`localStorage`); without it a reopened link joins anew. */
  readonly rejoinStore?: RejoinStore;
}

/** Entering a lobby: the room, or a message for the player. */
export type EnterResult<R = Room> = { readonly ok: true; readonly room: R } | { readonly ok: false; readonly error: string; readonly code?: ErrorCode };

/** Holds the one lobby this page is in (as a player, or as a watcher). */
export class OnlineHub {
  private current: { room: Room | WatchRoom; readonly signaling: SignalingClient } | undefined;

  constructor(readonly env: OnlineEnv) {}

  /** Creates a lobby (leaving any other one). */
  create(name: string, settings: Partial<LobbySettings>): Promise<EnterResult> {
    return this.enter((o) => Room.create(o, name, settings));
  }

  /** Joins a lobby by code (leaving any other one). */
  join(code: string, name: string): Promise<EnterResult> {
    return this.enter((o) => Room.join(o, code, name));
  }

  /** Watches a lobby by code (leaving any other one). */
  watch(code: string, name: string): Promise<EnterResult<WatchRoom>> {
    return this.enter((o) => WatchRoom.watch(o, code, name));
  }

  /**
   * Our watcher takes the free seat: the new membership's `Room` replaces it. On a refusal we watch
   * again under a new `WatchRoom` (`watching`), which replaces the old one (watch-room.ts `takeSeat`).
   */
  async takeSeat(watching: WatchRoom): Promise<EnterResult | { readonly ok: false; readonly error: string; readonly watching?: WatchRoom }> {
    const current = this.current;
    if (current === undefined || current.room !== watching) return { ok: false, error: 'not watching this lobby' };
    const r = await watching.takeSeat();
    if (r.ok) {
      current.room = r.room;
      return r;
    }
    if (r.watching !== undefined) current.room = r.watching;
    return { ok: false, error: joinFailureMessage(r), ...(r.watching !== undefined ? { watching: r.watching } : {}) };
  }

  /** The room for `code`, if this page is in that lobby (as a player, or as a watcher). */
  roomFor(code: string): Room | WatchRoom | undefined {
    return this.current?.room.code === code ? this.current.room : undefined;
  }

  /**
   * The page is going away (`pagehide`): the others see us leave at once, but the seat stays ours
   * (`keepSeat`), so opening the link again in this browser resumes it with the stored token.
   */
  pageHidden(): void {
    this.current?.signaling.send({ kind: 'leave', keepSeat: true });
    this.leave();
  }

  /** Leaves the current lobby (if any) and closes its lobby server connection. */
  leave(): void {
    if (this.current === undefined) return;
    this.current.room.leave();
    this.current.signaling.close();
    this.current = undefined;
  }

  private async enter<R extends Room | WatchRoom>(how: (o: RoomOptions) => Promise<EnterResult<R>>): Promise<EnterResult<R>> {
    this.leave();
    try {
      await this.env.prepareLink();
    } catch (error) {
      return { ok: false, error: `Could not load the WebRTC transport (${error instanceof Error ? error.message : String(error)}). Reload the page.` };
    }
    // `resume`: a lost lobby socket reconnects and resumes the membership (lobby-protocol.md).
    const store = this.env.rejoinStore;
    const signaling: SignalingClient = createSignalingClient(store === undefined ? { resume: true } : { resume: true, rejoinStore: store });
    const connected = await signaling.connect(this.env.signalingUrl);
    if (!connected.ok) return { ok: false, error: unreachableMessage(connected.error) };
    const options: RoomOptions = {
      signaling,
      createLink: this.env.createLink,
      now: this.env.now,
      random: this.env.random,
      lag: this.env.lag,
      countdownMs: this.env.countdownMs,
    };
    let result: EnterResult<R>;
    try {
      result = await how(options);
    } catch (error) {
      // The transport failed to start (e.g. PeerJS refused our id): the server still lists us.
      signaling.send({ kind: 'leave' });
      signaling.close();
      return { ok: false, error: `Could not start WebRTC: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (!result.ok) {
      signaling.close();
      return { ok: false, error: joinFailureMessage(result), ...(result.code !== undefined ? { code: result.code } : {}) };
    }
    this.current = { room: result.room, signaling };
    return { ok: true, room: result.room };
  }
}
