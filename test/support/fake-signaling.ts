/**
 * A signaling client whose server is the test: `emit` plays a server message (resolving the oldest
 * `next()` waiting for its kind, then the `on` handlers), `sent` records what the client sent.
 */
import type { ClientMessage, Result, ServerMessage } from '../../src/lobby/protocol.ts';
import type { SignalingClient, SignalingEvent, SignalingEventKind, SignalingEventOf } from '../../src/lobby/signaling-client.ts';

/** The fake client, what it sent, and the test's hand on the server side. */
export interface FakeSignaling {
  readonly client: SignalingClient;
  readonly sent: ClientMessage[];
  emit(m: ServerMessage): void;
}

export function fakeSignaling(): FakeSignaling {
  const handlers = new Map<string, Set<(e: SignalingEvent) => void>>();
  const sent: ClientMessage[] = [];
  const waiters: { kinds: readonly string[]; resolve: (e: SignalingEvent) => void }[] = [];
  const client: SignalingClient = {
    state: 'open',
    connect: async () => ({ ok: true, value: undefined }),
    send: (m) => (sent.push(m), true),
    sendRecord: (data) => (sent.push({ kind: 'record', data }), true),
    on: (kind, handler) => {
      const set = handlers.get(kind) ?? new Set();
      handlers.set(kind, set);
      const h = handler as (e: SignalingEvent) => void;
      set.add(h);
      return () => set.delete(h);
    },
    next: <K extends SignalingEventKind>(kinds: readonly K[]): Promise<Result<SignalingEventOf<K>>> =>
      new Promise((resolve) => {
        waiters.push({ kinds, resolve: (e) => resolve({ ok: true, value: e as SignalingEventOf<K> }) });
      }),
    close: () => undefined,
  };
  const emit = (m: ServerMessage): void => {
    const w = waiters.findIndex((x) => x.kinds.includes(m.kind));
    if (w >= 0) waiters.splice(w, 1)[0]?.resolve(m);
    for (const h of handlers.get(m.kind) ?? []) h(m);
  };
  return { client, sent, emit };
}
