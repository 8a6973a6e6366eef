/**
 * A full-mesh {@link PeerLink} over PeerJS 1.5: one `DataConnection` (one RTCPeerConnection) per
 * remote peer, brokered by a PeerJS server.
 *
 * Channels per connection: the DataConnection itself, opened with `reliable: true` and
 * `serialization: 'raw'` (bytes go straight to `RTCDataChannel.send`, arrive as `ArrayBuffer`),
 * is the reliable ordered channel. PeerJS's `reliable: false` only sets `ordered: false` and is
 * still fully reliable, so the input channel is a second, pre-negotiated RTCDataChannel
 * (`negotiated: true`, fixed id, `ordered: false`, `maxRetransmits: 0`) created on the
 * connection's `peerConnection` by both sides as soon as the connection object exists.
 *
 * Who offers: the side with the lexicographically smaller *member* id calls `peer.connect`, and
 * passes its member id in the connection metadata, so the answering side can map the PeerJS id
 * to a member id even before the lobby told it about that peer.
 *
 * PeerJS quirk handled here: signaling messages sent after our PeerJS id is set but before our
 * socket to the server is open are silently dropped, so `connect` waits for the Peer's `open`.
 */
import type { DataConnection, Peer, PeerOptions } from 'peerjs';
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
import { hasTurnServer, IceWatch, readPath, relayError, type IcePath } from './ice-path.ts';

/** PeerJS's `Peer` constructor (injected: in Node it must be imported after the WebRTC globals). */
export type PeerJsConstructor = new (id: string, options?: PeerOptions) => Peer;

/** Options of {@link createPeerJsLink}. */
export interface PeerJsLinkOptions {
  /** Our lobby member id (what `Datagram.from` reports to the other peers). */
  readonly localId: PeerId;
  /** Our PeerJS id: letters and digits, single `-`, `_` or space between them. */
  readonly peerJsId: string;
  /** PeerJS server host, port and mount path (e.g. `/peerjs`). */
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** `wss`/`https` to the PeerJS server; default false. */
  readonly secure?: boolean;
  /** PeerJS server key and this member's secret token (our signaling server requires both). */
  readonly key?: string;
  readonly token?: string;
  /** ICE servers; default none (PeerJS's own default would contact Google STUN and PeerJS TURN). */
  readonly iceServers?: readonly RTCIceServer[];
  /** ICE transport policy; `'relay'` forces TURN. Default `'all'`. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** The `Peer` constructor from `peerjs` (see `installPeerJsGlobals` in Node). */
  readonly Peer: PeerJsConstructor;
  /** A connection not open after this long fails with an `error` and a `close` (default 15 000). */
  readonly connectTimeoutMs?: number;
  /** Size limits of the mesh (default `MESH_LIMITS`). */
  readonly meshLimits?: Partial<typeof MESH_LIMITS>;
  /** Stamps each inbound datagram's arrival (`Datagram.at`, for the lag injector); default none. */
  readonly now?: () => number;
  /** PeerJS log level 0-3; default 0. */
  readonly debug?: 0 | 1 | 2 | 3;
}

/** Whether our Peer registered with the PeerJS server. */
export type PeerJsReady = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** A {@link PeerLink} over PeerJS, plus the calls that build the mesh. */
export interface PeerJsLink extends PeerLink {
  /** Our PeerJS id. */
  readonly peerJsId: string;
  /** Settles once the PeerJS server accepted our id, or with the error that prevented it. */
  readonly ready: Promise<PeerJsReady>;
  /** Connect to a member (idempotent while a connection exists); call it on both sides. */
  connect(remoteMemberId: PeerId, remotePeerJsId: string): void;
  /** Close the connection to one member; emits `close` for it. */
  disconnect(remoteMemberId: PeerId): void;
  /** The real properties of both channels of a member, for stats panels and tests. */
  channelInfo(remoteMemberId: PeerId): PeerChannelInfo | undefined;
  /** What the mesh dropped (oversize, refused, queue overflow). */
  stats(): MeshStats;
  /** The selected candidate pair to a member (its connection's public `peerConnection.getStats()`). */
  pathInfo(remoteMemberId: PeerId): Promise<IcePath | undefined>;
  /**
   * Registers our PeerJS id with the server again after our PeerJS socket dropped (call it once the
   * lobby membership is back: the server holds the id for the member while it is away). No-op while
   * registered. Dials made meanwhile wait for the registration.
   */
  reconnect(): void;
}

interface ConnState {
  readonly entry: MeshEntry;
  readonly peerJsId: string;
  watch: IceWatch;
  conn: DataConnection | null;
  input: RTCDataChannel | null;
  timer: ReturnType<typeof setTimeout> | null;
}

/** What the initiator puts in `DataConnection.metadata`. */
interface LinkMetadata {
  readonly memberId: string;
}

/** A dial the remote side's server did not know yet is tried again this much later. */
const REDIAL_MS = 500;

const isLinkMetadata = (m: unknown): m is LinkMetadata =>
  typeof m === 'object' && m !== null && typeof (m as { memberId?: unknown }).memberId === 'string';

/** Create a PeerJS mesh link; it registers `peerJsId` with the server at once. */
export function createPeerJsLink(options: PeerJsLinkOptions): PeerJsLink {
  const { localId, peerJsId } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const mesh = createMesh(localId, { ...(options.meshLimits === undefined ? {} : { limits: options.meshLimits }), ...(options.now === undefined ? {} : { now: options.now }) });
  const conns = new Map<PeerId, ConnState>();
  const waiting: ConnState[] = []; // initiators waiting for our Peer to open
  let opened = false;
  const policy = options.iceTransportPolicy ?? 'all';
  const turnConfigured = hasTurnServer(options.iceServers);

  const peer = new options.Peer(peerJsId, {
    host: options.host,
    port: options.port,
    path: options.path,
    secure: options.secure ?? false,
    debug: options.debug ?? 0,
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    config: { iceServers: [...(options.iceServers ?? [])], iceTransportPolicy: options.iceTransportPolicy ?? 'all' },
  });

  const fail = (state: ConnState, error?: string): void => {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    if (conns.get(state.entry.peer) === state) conns.delete(state.entry.peer);
    const i = waiting.indexOf(state);
    if (i >= 0) waiting.splice(i, 1);
    mesh.remove(state.entry, error);
  };
  /** A failure with an error: explained by the relay when gathering says it is to blame. */
  const failExplained = (state: ConnState, error: string): void => {
    const reason = state.watch.diagnosis();
    fail(state, reason === undefined ? error : relayError(reason));
  };

  const register = (member: PeerId, remotePeerJsId: string): ConnState => {
    // The handle's closures read the state through this cell: the state needs the entry first.
    const cell: { state: ConnState | null } = { state: null };
    const entry = mesh.add(member, {
      send(channel, bytes) {
        const s = cell.state;
        try {
          if (channel === 'reliable') void s?.conn?.send(bytes);
          else if (s?.input !== null && s?.input !== undefined && s.input.readyState === 'open') s.input.send(sendable(bytes));
        } catch {
          // Closing under our feet: the datagram is lost, the close event follows.
        }
      },
      destroy() {
        try {
          cell.state?.input?.close();
        } catch {
          // already closed
        }
        cell.state?.conn?.close();
      },
    });
    const state: ConnState = { entry, peerJsId: remotePeerJsId, watch: new IceWatch(policy, turnConfigured), conn: null, input: null, timer: null };
    cell.state = state;
    conns.set(member, state);
    state.timer = setTimeout(() => {
      state.timer = null;
      if (!mesh.connectedPeers().includes(member)) failExplained(state, `not connected after ${connectTimeoutMs} ms`);
    }, connectTimeoutMs);
    return state;
  };

  /** Wire a DataConnection (ours or accepted) and its negotiated input channel to `state`. */
  const attach = (state: ConnState, conn: DataConnection): void => {
    state.conn = conn;
    const { entry } = state;
    // Callbacks of a connection given up for a redial (see `redial`) are ignored.
    const live = (): boolean => state.conn === conn;
    const failHere = (error?: string): void => {
      if (live()) fail(state, error);
    };
    conn.on('open', () => live() && mesh.channelOpen(entry, 'reliable'));
    conn.on('data', (data: unknown) => live() && mesh.deliver(entry, 'reliable', data));
    conn.on('close', () => failHere());
    conn.on('error', (err: unknown) => live() && failExplained(state, errorText(err, 'type')));
    state.watch.observe(conn.peerConnection, (reason) => failHere(relayError(reason)));
    let input: RTCDataChannel;
    try {
      input = conn.peerConnection.createDataChannel(INPUT_CHANNEL_LABEL, inputChannelInit());
    } catch (err) {
      fail(state, `cannot create the input channel: ${errorText(err, 'type')}`);
      return;
    }
    state.input = input;
    input.binaryType = 'arraybuffer';
    input.onopen = () => live() && mesh.channelOpen(entry, 'unreliable');
    input.onmessage = (ev: MessageEvent<unknown>) => live() && mesh.deliver(entry, 'unreliable', ev.data);
    input.onclose = () => failHere();
    input.onerror = () => failHere('input channel error');
  };

  /** Drops a dial the remote side's server did not know, and dials again in `REDIAL_MS` (while it waits). */
  const redial = (state: ConnState): void => {
    const old = state.conn;
    state.conn = null;
    state.input = null;
    state.watch = new IceWatch(policy, turnConfigured);
    old?.close();
    setTimeout(() => {
      if (conns.get(state.entry.peer) !== state || state.conn !== null || state.timer === null) return;
      if (opened) dial(state);
      else waiting.push(state);
    }, REDIAL_MS);
  };

  const dial = (state: ConnState): void => {
    if (!mesh.isLive(state.entry)) return;
    if (!opened) {
      waiting.push(state); // our PeerJS socket is down: dial once `reconnect` registered us again
      return;
    }
    try {
      const meta: LinkMetadata = { memberId: localId };
      attach(state, peer.connect(state.peerJsId, { reliable: true, serialization: 'raw', metadata: meta }));
    } catch (err) {
      fail(state, errorText(err, 'type'));
    }
  };

  let settle: (r: PeerJsReady) => void = () => {};
  const ready = new Promise<PeerJsReady>((resolve) => {
    settle = resolve;
  });

  // Our PeerJS socket dropped (an outage): new dials wait until `reconnect` registers us again.
  peer.on('disconnected', () => {
    opened = false;
  });

  peer.on('open', () => {
    opened = true;
    settle({ ok: true });
    for (const state of waiting.splice(0, waiting.length)) dial(state);
  });

  peer.on('connection', (conn: DataConnection) => {
    if (mesh.isClosed()) {
      conn.close();
      return;
    }
    const meta: unknown = conn.metadata;
    const member = isLinkMetadata(meta) ? meta.memberId : undefined;
    const existing = member === undefined ? undefined : conns.get(member);
    const acceptable =
      member !== undefined &&
      member !== localId &&
      member < localId &&
      (existing === undefined || (existing.conn === null && existing.peerJsId === conn.peer));
    if (!acceptable) {
      conn.close();
      return;
    }
    attach(existing ?? register(member, conn.peer), conn);
  });

  peer.on('error', (err: unknown) => {
    const text = errorText(err, 'type');
    if (!opened) {
      settle({ ok: false, error: text });
      for (const state of [...conns.values()]) fail(state, text);
      return;
    }
    // "Could not connect to peer <id>": the server does not know that PeerJS id (yet: a member back
    // from an outage registers again a little after its lobby socket resumed). Dial again until the
    // connect timeout gives up.
    const type = (err as { type?: unknown }).type;
    if (type === 'peer-unavailable') {
      for (const state of [...conns.values()]) {
        if (state.conn !== null && !mesh.connectedPeers().includes(state.entry.peer) && text.endsWith(` ${state.peerJsId}`)) {
          if (state.timer === null) fail(state, text);
          else redial(state);
        }
      }
    }
  });

  const connect = (remoteMemberId: PeerId, remotePeerJsId: string): void => {
    if (remoteMemberId === localId) throw new Error(`PeerJS link ${localId}: cannot connect to itself`);
    if (mesh.isClosed() || conns.has(remoteMemberId)) return;
    const state = register(remoteMemberId, remotePeerJsId);
    if (!(localId < remoteMemberId)) return; // the other side dials; `connection` will attach
    if (opened) dial(state);
    else waiting.push(state);
  };

  return {
    localId,
    peerJsId,
    ready,
    unreliable: mesh.unreliable,
    reliable: mesh.reliable,
    connectedPeers: () => mesh.connectedPeers(),
    drainEvents: () => mesh.drainEvents(),
    stats: () => mesh.stats(),
    connect,
    reconnect() {
      if (!mesh.isClosed() && peer.disconnected && !peer.destroyed) peer.reconnect();
    },
    disconnect(remoteMemberId) {
      const state = conns.get(remoteMemberId);
      if (state !== undefined) fail(state);
    },
    pathInfo(remoteMemberId) {
      return readPath(conns.get(remoteMemberId)?.conn?.peerConnection);
    },
    channelInfo(remoteMemberId) {
      const state = conns.get(remoteMemberId);
      if (state === undefined) return undefined;
      return { reliable: describeChannel(state.conn?.dataChannel), unreliable: describeChannel(state.input) };
    },
    close() {
      if (mesh.isClosed()) return;
      for (const state of conns.values()) if (state.timer !== null) clearTimeout(state.timer);
      conns.clear();
      waiting.length = 0;
      mesh.closeAll();
      settle({ ok: false, error: 'closed' });
      peer.destroy();
    },
  };
}
