/**
 * The port through which WebRTC signals (SDP offers/answers, ICE candidates) travel between two
 * peers before their data channels exist. The lobby implements it over the signaling server; tests
 * use the in-memory hub below. Payloads are opaque to the relay (matchbox-style `Signal` messages).
 */
import type { PeerId } from '../netcode/socket.ts';

/** One peer's view of the signaling relay. */
export interface SignalRelay {
  /** Send an opaque, JSON-serialisable payload to another peer. Unknown peers: dropped. */
  send(to: PeerId, payload: unknown): void;
  /** Subscribe to signals addressed to us; returns the unsubscribe function. */
  onSignal(handler: (from: PeerId, payload: unknown) => void): () => void;
}

/** An in-process signaling server for tests: one {@link SignalRelay} per peer id. */
export interface MemoryRelayHub {
  /** The relay of peer `id` (the same object on every call). */
  relay(id: PeerId): SignalRelay;
  /** Signals delivered so far (handy to check that signaling really happened). */
  delivered(): number;
  /** Drop every pending signal and handler. */
  close(): void;
}

/** Options of {@link createMemoryRelayHub}. */
export interface MemoryRelayHubOptions {
  /**
   * Delay every signal by this many milliseconds (default 0: the next macrotask), so that signals
   * are never delivered re-entrantly from inside the sender's callback, as with a real server.
   */
  readonly delayMs?: number;
}

type Handler = (from: PeerId, payload: unknown) => void;

interface Mailbox {
  readonly handlers: Set<Handler>;
  /** Signals that arrived before anyone subscribed (a real server would hold them too). */
  readonly pending: { from: PeerId; payload: unknown }[];
  relay: SignalRelay | null;
}

/**
 * Create an in-memory relay hub. Payloads are copied through `JSON.stringify`/`JSON.parse`, exactly
 * what a WebSocket relay does, so a payload that would not survive the real wire fails here too.
 */
export function createMemoryRelayHub(options: MemoryRelayHubOptions = {}): MemoryRelayHub {
  const delayMs = options.delayMs ?? 0;
  const boxes = new Map<PeerId, Mailbox>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let delivered = 0;
  let closed = false;

  const box = (id: PeerId): Mailbox => {
    let b = boxes.get(id);
    if (b === undefined) {
      b = { handlers: new Set(), pending: [], relay: null };
      boxes.set(id, b);
    }
    return b;
  };

  const dispatch = (to: Mailbox, from: PeerId, payload: unknown): void => {
    if (to.handlers.size === 0) {
      to.pending.push({ from, payload });
      return;
    }
    delivered += 1;
    for (const h of [...to.handlers]) h(from, payload);
  };

  const relayOf = (id: PeerId): SignalRelay => {
    const mine = box(id);
    if (mine.relay !== null) return mine.relay;
    const relay: SignalRelay = {
      send(to, payload) {
        if (closed || to === id) return;
        let text: string | undefined;
        try {
          text = JSON.stringify(payload);
        } catch {
          return; // not serialisable (cycle, BigInt): a real relay could not send it either
        }
        if (text === undefined) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!closed) dispatch(box(to), id, JSON.parse(text) as unknown);
        }, delayMs);
        timers.add(timer);
      },
      onSignal(handler) {
        mine.handlers.add(handler);
        // Deliver the backlog later, never from inside the subscriber's own call.
        const backlog = mine.pending.splice(0, mine.pending.length);
        if (backlog.length > 0) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!closed) for (const { from, payload } of backlog) dispatch(mine, from, payload);
          }, 0);
          timers.add(timer);
        }
        return () => {
          mine.handlers.delete(handler);
        };
      },
    };
    mine.relay = relay;
    return relay;
  };

  return {
    relay: relayOf,
    delivered: () => delivered,
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const b of boxes.values()) {
        b.handlers.clear();
        b.pending.length = 0;
      }
    },
  };
}
