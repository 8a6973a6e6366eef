/**
 * Entering a lobby, for a player's `Room` and a watcher's `WatchRoom` alike: wait for the server's
 * `joined` (or `error`), then start the WebRTC transport. Members may signal us as soon as `joined`
 * is out, possibly before the transport is ready to listen (createLink can wait on the network), so
 * their signals are buffered (bounded, `early-signals.ts`) until it subscribes.
 */
import { ErrorCode } from './protocol.ts';
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

/**
 * The errors that refuse a `take-seat` (signaling/lobbies.ts `takeSeat`, connection.ts): every other
 * error a watcher gets meanwhile answers something it sent before.
 */
export const TAKE_SEAT_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.notWatching, ErrorCode.inProgress, ErrorCode.lobbyFull, ErrorCode.watchingUnavailable, ErrorCode.notInLobby,
]);

/** How long the server has to answer the request with `joined` or its refusal. */
const ENTER_TIMEOUT_MS = 10_000;

/**
 * Waits for `joined` (the caller has sent `create`, `join` or `take-seat`) and starts the transport.
 * `answers`: the error codes that refuse the request. A watcher taking a seat has sent signals before
 * it, and a signal to a player who just left is answered `not-member`: that error is the signal's, not
 * the take-seat's, and must not end the wait (nor make us leave a seat the server gave us). Without
 * `answers` (a fresh socket: nothing was sent before the request) every error is the refusal.
 */
export async function enterLobby(o: RoomOptions, answers?: ReadonlySet<ErrorCode>): Promise<{ readonly ok: true; readonly entered: Entered } | EnterFailure> {
  const deadline = o.now() + ENTER_TIMEOUT_MS;
  let r = await o.signaling.next(['joined', 'error'], ENTER_TIMEOUT_MS);
  while (r.ok && r.value.kind === 'error' && answers !== undefined && !answers.has(r.value.code)) {
    r = await o.signaling.next(['joined', 'error'], Math.max(0, deadline - o.now()));
  }
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
