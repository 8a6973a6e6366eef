/**
 * A perfect in-memory network: every datagram sent is delivered, once, in send order, to the next
 * `receiveAll` of its destination. For unit tests of the netcode; use `SimNetwork` for imperfect
 * links and `LagInjector` to degrade a loopback socket on a manual clock.
 */
import type { Datagram, PeerId, PeerSocket } from '../netcode/socket.ts';

/**
 * One socket per peer id, all connected to each other. `send` copies the bytes (the sender may
 * reuse its buffer); sending to an unknown id or to oneself is silently dropped. Throws if an id
 * is repeated.
 */
export function createLoopbackMesh(peerIds: readonly PeerId[]): Map<PeerId, PeerSocket> {
  const inboxes = new Map<PeerId, Datagram[]>();
  for (const id of peerIds) {
    if (inboxes.has(id)) throw new Error(`duplicate peer id ${JSON.stringify(id)}`);
    inboxes.set(id, []);
  }
  const sockets = new Map<PeerId, PeerSocket>();
  for (const id of peerIds) {
    sockets.set(id, {
      send(to: PeerId, bytes: Uint8Array): void {
        if (to === id) return;
        inboxes.get(to)?.push({ from: id, bytes: bytes.slice() });
      },
      receiveAll(): Datagram[] {
        const inbox = inboxes.get(id);
        if (inbox === undefined || inbox.length === 0) return [];
        return inbox.splice(0, inbox.length);
      },
    });
  }
  return sockets;
}

/** Two connected loopback sockets, for the common two-peer test. */
export function createLoopbackPair(a: PeerId = 'a', b: PeerId = 'b'): readonly [PeerSocket, PeerSocket] {
  const mesh = createLoopbackMesh([a, b]);
  const sa = mesh.get(a);
  const sb = mesh.get(b);
  if (sa === undefined || sb === undefined) throw new Error('loopback pair needs two distinct ids');
  return [sa, sb];
}
