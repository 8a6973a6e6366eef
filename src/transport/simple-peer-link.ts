/**
 * A full-mesh {@link PeerLink} over simple-peer, one RTCPeerConnection per remote peer.
 *
 * Channels per connection: simple-peer's own data channel (reliable, ordered) carries control and
 * chat; the input channel is a second, pre-negotiated RTCDataChannel (`negotiated: true`, fixed id,
 * `ordered: false`, `maxRetransmits: 0`) created on simple-peer's underlying `RTCPeerConnection`
 * right after construction, on both sides, so it needs no extra signaling round trip. A peer counts
 * as connected (`open`) once simple-peer reports `connect` and the input channel is open.
 *
 * No private fields: simple-peer gets its WebRTC classes through its public `wrtc` option (wrtc in Node,
 * the page's own in a browser), wrapped so that the `RTCPeerConnection` it constructs, and the reliable
 * data channel it creates or receives, are handed to us as they come into being.
 *
 * Who offers: of two peers, the one with the lexicographically smaller id is the initiator, so
 * exactly one side creates the offer even when both call {@link SimplePeerLink.connect}. Signals
 * travel through a {@link SignalRelay}; an offer from a peer we have not been told about yet is
 * accepted (the lobby may tell the two sides about each other in either order).
 */
import SimplePeerDefault from 'simple-peer';
import type SimplePeer from 'simple-peer';
import type { PeerId } from '../netcode/socket.ts';
import type { PeerLink } from './link.ts';
import {
  errorText,
  createMesh,
  describeChannel,
  INPUT_CHANNEL_LABEL,
  inputChannelInit,
  type MESH_LIMITS,
  type MeshStats,
  type MeshEntry,
  type PeerChannelInfo,
  sendable,
} from './mesh.ts';
import type { SignalRelay } from './signal-relay.ts';
import { hasTurnServer, IceWatch, relayError, selectedPath, type IcePath } from './ice-path.ts';

/** The three constructors simple-peer needs from a WebRTC implementation (wrtc in Node). */
export interface WrtcLike {
  readonly RTCPeerConnection: typeof RTCPeerConnection;
  readonly RTCSessionDescription: typeof RTCSessionDescription;
  readonly RTCIceCandidate: typeof RTCIceCandidate;
}

/** simple-peer's constructor (injectable: the browser bundle and Node load different builds). */
export type SimplePeerConstructor = new (options?: SimplePeer.Options) => SimplePeer.Instance;

/** Options of {@link createSimplePeerLink}. */
export interface SimplePeerLinkOptions {
  /** Our lobby member id. */
  readonly localId: PeerId;
  /** Where SDP and ICE signals go to and come from. */
  readonly relay: SignalRelay;
  /** WebRTC implementation; omit in browsers, pass `loadNodeWebRtc()` in Node. */
  readonly wrtc?: WrtcLike;
  /** ICE servers (STUN/TURN); default none (host candidates only). */
  readonly iceServers?: readonly RTCIceServer[];
  /** ICE transport policy; `'relay'` forces TURN. Default `'all'`. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** simple-peer's constructor; default the `simple-peer` import. */
  readonly SimplePeer?: SimplePeerConstructor;
  /** A connection not open after this long fails with an `error` and a `close` (default 15 000). */
  readonly connectTimeoutMs?: number;
  /** Size limits of the mesh (default `MESH_LIMITS`). */
  readonly meshLimits?: Partial<typeof MESH_LIMITS>;
  /** Stamps each inbound datagram's arrival (`Datagram.at`, for the lag injector); default none. */
  readonly now?: () => number;
}

/** A {@link PeerLink} over simple-peer, plus the calls that build the mesh. */
export interface SimplePeerLink extends PeerLink {
  /**
   * Connect to `peer` (idempotent while a connection to it exists). Call it on both sides; the
   * side with the smaller id sends the offer, the other waits for it.
   */
  connect(peer: PeerId): void;
  /** Alias of {@link SimplePeerLink.connect}, named for "a member joined the mesh". */
  addPeer(peer: PeerId): void;
  /** Close the connection to one peer; emits `close` for it. */
  disconnect(peer: PeerId): void;
  /** The real properties of both channels of `peer`, for stats panels and tests. */
  channelInfo(peer: PeerId): PeerChannelInfo | undefined;
  /** What the mesh dropped (oversize, refused, queue overflow). */
  stats(): MeshStats;
  /** The selected candidate pair to `peer` (simple-peer's public `getStats`), once ICE chose one. */
  pathInfo(peer: PeerId): Promise<IcePath | undefined>;
}

interface PeerState {
  readonly entry: MeshEntry;
  readonly sp: SimplePeer.Instance;
  readonly input: RTCDataChannel | null;
  /** simple-peer's connection and reliable channel, as {@link capturingWrtc} saw them made. */
  readonly captured: Captured;
  readonly watch: IceWatch;
  timer: ReturnType<typeof setTimeout> | null;
  /** An offer was applied (the remote side is the initiator). */
  offerSeen: boolean;
}

/** What a {@link capturingWrtc} saw simple-peer make: its connection and its (reliable) data channel. */
interface Captured {
  pc: RTCPeerConnection | null;
  reliable: RTCDataChannel | null;
}

/** The page's own WebRTC classes, or `undefined` where there are none (simple-peer then says so). */
function globalWrtc(): WrtcLike | undefined {
  const g = globalThis as Partial<WrtcLike>;
  if (g.RTCPeerConnection === undefined || g.RTCSessionDescription === undefined || g.RTCIceCandidate === undefined) return undefined;
  return { RTCPeerConnection: g.RTCPeerConnection, RTCSessionDescription: g.RTCSessionDescription, RTCIceCandidate: g.RTCIceCandidate };
}

/**
 * `base` with an `RTCPeerConnection` that reports itself into `seen` when simple-peer constructs it, and
 * the reliable channel when simple-peer creates it (initiator) or receives it (answerer). Our own
 * negotiated input channel (created on the same connection) is not the reliable one.
 */
function capturingWrtc(base: WrtcLike, seen: Captured): WrtcLike {
  class CapturingPeerConnection extends base.RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      seen.pc = this;
      this.addEventListener('datachannel', (ev: RTCDataChannelEvent) => {
        if (ev.channel.label !== INPUT_CHANNEL_LABEL) seen.reliable ??= ev.channel;
      });
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      if (label !== INPUT_CHANNEL_LABEL) seen.reliable ??= channel;
      return channel;
    }
  }
  return { RTCPeerConnection: CapturingPeerConnection, RTCSessionDescription: base.RTCSessionDescription, RTCIceCandidate: base.RTCIceCandidate };
}

/** simple-peer 9's public `getStats(cb)` (flattened reports), missing from @types/simple-peer. */
interface SimplePeerStats {
  getStats(cb: (err: Error | null, reports: unknown[]) => void): void;
}

/** Signal payloads simple-peer understands: an SDP, a candidate, or a renegotiation request. */
function isSignalData(payload: unknown): payload is SimplePeer.SignalData {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Record<string, unknown>;
  if (p['type'] === 'candidate') return typeof p['candidate'] === 'object' && p['candidate'] !== null;
  if (p['type'] === 'offer' || p['type'] === 'answer' || p['type'] === 'pranswer' || p['type'] === 'rollback') {
    return typeof p['sdp'] === 'string';
  }
  return p['type'] === 'renegotiate' || p['type'] === 'transceiverRequest';
}

/** Create a simple-peer mesh link. Nothing connects until {@link SimplePeerLink.connect}. */
export function createSimplePeerLink(options: SimplePeerLinkOptions): SimplePeerLink {
  const { localId, relay } = options;
  const Ctor = options.SimplePeer ?? (SimplePeerDefault as unknown as SimplePeerConstructor);
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const rtcConfig: RTCConfiguration = {
    iceServers: [...(options.iceServers ?? [])],
    iceTransportPolicy: options.iceTransportPolicy ?? 'all',
  };
  const turnConfigured = hasTurnServer(options.iceServers);
  const mesh = createMesh(localId, { ...(options.meshLimits === undefined ? {} : { limits: options.meshLimits }), ...(options.now === undefined ? {} : { now: options.now }) });
  const peers = new Map<PeerId, PeerState>();

  const clearTimer = (state: PeerState): void => {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
  };

  /** End one connection (from any callback); stale states are ignored by the mesh. */
  const fail = (state: PeerState, error?: string): void => {
    clearTimer(state);
    if (peers.get(state.entry.peer) === state) peers.delete(state.entry.peer);
    mesh.remove(state.entry, error);
  };
  /** A failure with an error: explained by the relay when gathering says it is to blame. */
  const failExplained = (state: PeerState, error: string): void => {
    const reason = state.watch.diagnosis();
    fail(state, reason === undefined ? error : relayError(reason));
  };

  const start = (peer: PeerId): PeerState | undefined => {
    const initiator = localId < peer;
    let sp: SimplePeer.Instance;
    const captured: Captured = { pc: null, reliable: null };
    const base = options.wrtc ?? globalWrtc();
    try {
      sp = new Ctor({
        initiator,
        config: rtcConfig,
        iceCompleteTimeout: 200,
        objectMode: true, // one 'data' event per message, never coalesced by the stream
        ...(base !== undefined ? { wrtc: capturingWrtc(base, captured) } : {}),
      });
    } catch (err) {
      const entry = mesh.add(peer, { send: () => {}, destroy: () => {} });
      mesh.remove(entry, errorText(err, 'code'));
      return undefined;
    }
    let input: RTCDataChannel | null = null;
    const pc = captured.pc;
    try {
      if (pc !== null) input = pc.createDataChannel(INPUT_CHANNEL_LABEL, inputChannelInit());
    } catch {
      input = null;
    }
    const entry = mesh.add(peer, {
      send(channel, bytes) {
        try {
          if (channel === 'reliable') sp.send(bytes);
          else if (input !== null && input.readyState === 'open') input.send(sendable(bytes));
        } catch {
          // Closing under our feet: the datagram is lost, the close event follows.
        }
      },
      destroy() {
        try {
          input?.close();
        } catch {
          // already closed
        }
        sp.destroy();
      },
    });
    const state: PeerState = { entry, sp, input, captured, watch: new IceWatch(rtcConfig.iceTransportPolicy ?? 'all', turnConfigured), timer: null, offerSeen: false };
    peers.set(peer, state);
    if (input === null) {
      fail(state, 'cannot create the input channel');
      return undefined;
    }
    // simple-peer has no public handle for gathering events: the connection it made (captured above) has.
    if (pc !== null) state.watch.observe(pc, (reason) => fail(state, relayError(reason)));

    sp.on('signal', (data: SimplePeer.SignalData) => {
      if (mesh.isLive(entry)) relay.send(peer, data);
    });
    sp.on('connect', () => mesh.channelOpen(entry, 'reliable'));
    sp.on('data', (data: unknown) => mesh.deliver(entry, 'reliable', data));
    sp.on('error', (err: unknown) => failExplained(state, errorText(err, 'code')));
    sp.on('close', () => fail(state));
    input.binaryType = 'arraybuffer';
    input.onopen = () => mesh.channelOpen(entry, 'unreliable');
    input.onmessage = (ev: MessageEvent<unknown>) => mesh.deliver(entry, 'unreliable', ev.data);
    input.onclose = () => fail(state);
    input.onerror = () => fail(state, 'input channel error');
    state.timer = setTimeout(() => {
      state.timer = null;
      if (!mesh.connectedPeers().includes(peer)) failExplained(state, `not connected after ${connectTimeoutMs} ms`);
    }, connectTimeoutMs);
    return state;
  };

  const onSignal = (from: PeerId, payload: unknown): void => {
    if (mesh.isClosed() || from === localId || !isSignalData(payload)) return;
    const isOffer = (payload as { type?: unknown }).type === 'offer';
    // Only the smaller id offers; any other offer is not ours to answer.
    if (isOffer && !(from < localId)) return;
    let state = peers.get(from);
    if (state !== undefined && isOffer && state.offerSeen) {
      // We never renegotiate, so a second offer means the remote peer started over (e.g. a
      // reload): the old connection is dead even if ICE has not noticed yet.
      fail(state, 'remote peer restarted the connection');
      state = undefined;
    }
    if (state === undefined) {
      if (!isOffer) return; // stale signal of a connection that is gone
      state = start(from);
      if (state === undefined) return;
    }
    if (isOffer) state.offerSeen = true;
    if ((payload as { type?: unknown }).type === 'candidate') state.watch.remoteCandidate();
    try {
      state.sp.signal(payload);
    } catch (err) {
      fail(state, errorText(err, 'code'));
    }
  };
  const unsubscribe = relay.onSignal(onSignal);

  const connect = (peer: PeerId): void => {
    if (peer === localId) throw new Error(`simple-peer link ${localId}: cannot connect to itself`);
    if (mesh.isClosed() || peers.has(peer)) return;
    // The answering side creates its RTCPeerConnection now too, so that the offer finds it ready.
    start(peer);
  };

  return {
    localId,
    unreliable: mesh.unreliable,
    reliable: mesh.reliable,
    connectedPeers: () => mesh.connectedPeers(),
    drainEvents: () => mesh.drainEvents(),
    stats: () => mesh.stats(),
    connect,
    addPeer: connect,
    disconnect(peer) {
      const state = peers.get(peer);
      if (state !== undefined) fail(state);
    },
    pathInfo(peer) {
      const state = peers.get(peer);
      if (state === undefined) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        try {
          (state.sp as unknown as SimplePeerStats).getStats((err, reports) => resolve(err === null ? selectedPath(reports) : undefined));
        } catch {
          resolve(undefined); // destroyed meanwhile
        }
      });
    },
    channelInfo(peer) {
      const state = peers.get(peer);
      if (state === undefined) return undefined;
      return { reliable: describeChannel(state.captured.reliable), unreliable: describeChannel(state.input) };
    },
    close() {
      if (mesh.isClosed()) return;
      unsubscribe();
      for (const state of peers.values()) clearTimer(state);
      peers.clear();
      mesh.closeAll();
    },
  };
}
