import type { PeerId, PeerSocket } from '../netcode/socket.ts';
import type { IcePath } from './ice-path.ts';
import type { MeshStats } from './mesh.ts';

/**
 * A mesh of data-channel connections as one transport sees it: two sockets (unreliable for inputs,
 * reliable for control and chat) and a queue of connection events, drained by the caller.
 */
export interface PeerLink {
  /** Our own id in the mesh (the lobby member id). */
  readonly localId: PeerId;
  /** Unordered, `maxRetransmits: 0`: inputs and every other netcode datagram. */
  readonly unreliable: PeerSocket;
  /** Reliable and ordered: handshake, chat, control. */
  readonly reliable: PeerSocket;
  /** Peers whose both channels are open now. */
  connectedPeers(): PeerId[];
  /** Connection events since the last call. */
  drainEvents(): LinkEvent[];
  /** Close every connection. Idempotent. */
  close(): void;
  /** What the transport dropped (oversize, refused, queue overflow); WebRTC meshes have it. */
  stats?(): MeshStats;
  /** The selected ICE candidate pair to `peer` (type and RTT, from `getStats`); WebRTC meshes have it. */
  pathInfo?(peer: PeerId): Promise<IcePath | undefined>;
}

/** What happened to one peer's connection. */
export type LinkEvent =
  | { readonly kind: 'open'; readonly peer: PeerId }
  | { readonly kind: 'close'; readonly peer: PeerId }
  | { readonly kind: 'error'; readonly peer: PeerId; readonly message: string };
