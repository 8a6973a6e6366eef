/**
 * The netcode's only port to the outside world: a datagram socket addressed by peer id.
 *
 * Transports (simple-peer, PeerJS, in-memory loopback, the simulated network, the lag injector)
 * implement it; the netcode never sees WebRTC. `receiveAll` drains what has arrived since the last
 * call, so a session polls it once per frame and never needs a callback or a timer.
 */

/** Opaque identifier of a remote peer, assigned by the lobby/transport layer. */
export type PeerId = string;

/** One datagram received from a peer. */
export interface Datagram {
  readonly from: PeerId;
  readonly bytes: Uint8Array;
  /**
   * When it arrived, on the receiving side's clock, for a transport that stamps arrivals (the
   * browser's mesh does); the lag injector delays it from then rather than from when it was polled.
   */
  readonly at?: number;
}

/**
 * A datagram socket. Delivery guarantees depend on the implementation: the input channel is
 * unordered and unreliable (`maxRetransmits: 0`), the control channel reliable and ordered.
 * `send` to an unknown or closed peer is silently dropped (a datagram may always be lost).
 */
export interface PeerSocket {
  send(to: PeerId, bytes: Uint8Array): void;
  receiveAll(): Datagram[];
}
