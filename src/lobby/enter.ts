/**
 * Entering a lobby, for a player's `Room` and a watcher's `WatchRoom` alike: wait for the server's
 * `joined` (or `error`), then start the WebRTC transport. Members may signal us as soon as `joined`
 * is out, possibly before the transport is ready to listen (createLink can wait on the network), so
 * their signals are buffered (bounded, `early-signals.ts`) until it subscribes.
 */
import type { ErrorCode } from './protocol.ts';
import { bufferedRelay } from './early-signals.ts';
import type { JoinedMessage } from './signaling-client.ts';
import type { MeshLink, RoomOptions } from './room.ts';

/** A lobby entered: the server's `joined`, the transport, and the early-signal buffer's bookkeeping. */
export interface Entered {
  readonly joined: JoinedMessage;
  readonly link: MeshLink;
  /** Signals dropped because the early buffer was full. */
  readonly earlySignalsDropped: number;
  /** Unsubscribes the relay from the signaling client (on leave). */
  readonly stopListening: () => void;
}

/** Why entering failed: a text for the player, and the server's code when it refused. */
export type EnterFailure = { readonly ok: false; readonly error: string; readonly code?: ErrorCode };

/** Waits for `joined` (the caller has sent `create`, `join` or `take-seat`) and starts the transport. */
export async function enterLobby(o: RoomOptions): Promise<{ readonly ok: true; readonly entered: Entered } | EnterFailure> {
  const r = await o.signaling.next(['joined', 'error']);
  if (!r.ok) return { ok: false, error: r.error };
  if (r.value.kind === 'error') return { ok: false, error: r.value.message, code: r.value.code };
  const joined = r.value;
  const { relay, dropped, stop } = bufferedRelay(o.signaling);
  try {
    const link = await o.createLink({ localId: joined.memberId, iceServers: joined.iceServers, peer: joined.peer, relay });
    return { ok: true, entered: { joined, link, earlySignalsDropped: dropped(), stopListening: stop } };
  } catch (e) {
    stop();
    o.signaling.send({ kind: 'leave' });
    return { ok: false, error: `the WebRTC transport could not start: ${e instanceof Error ? e.message : String(e)}` };
  }
}
