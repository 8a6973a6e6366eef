/**
 * Mesh bookkeeping shared by the WebRTC transports: which peers exist, which of their two channels
 * are open, inbound datagram queues, and the queue of {@link LinkEvent}s. A transport registers a
 * peer with {@link Mesh.add}, gets back an entry token, and reports what its channels do through
 * that token; a token that was removed (or replaced by a newer connection to the same peer) is
 * ignored, so late callbacks from a dead RTCPeerConnection can never disturb a new one.
 *
 * Size limits (`MESH_LIMITS`): a received message above its channel's limit is dropped before it is
 * copied, and counted (`stats().oversize`); the connection stays up. Our own sends above the limit
 * are refused and counted (`stats().refused`): WebRTC stacks close the whole data channel when asked
 * to send above the remote's SCTP max-message-size (256 KiB in libwebrtc/wrtc), so an oversize send
 * must never reach them. The inbound queues are bounded in count and in bytes *per sending peer*: a
 * peer over its share has its newest messages dropped (counted in `overflow`), so one peer's flood can
 * never push out another peer's messages.
 */
import type { Datagram, PeerId, PeerSocket } from '../netcode/socket.ts';
import type { LinkEvent } from './link.ts';

/**
 * A readable message from whatever a WebRTC library throws or emits: simple-peer tags its errors with
 * `code`, PeerJS with `type`; the tag, when present, prefixes the message.
 */
export function errorText(err: unknown, tag: 'code' | 'type'): string {
  if (err instanceof Error) {
    const t = (err as Error & Record<string, unknown>)[tag];
    return typeof t === 'string' ? `${t}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Negotiated SCTP stream id of the unreliable input channel, identical on every peer. */
export const INPUT_CHANNEL_ID = 7;

/** Per-channel limits of one mesh (bytes). */
export const MESH_LIMITS = {
  /** Largest message on the reliable channel (control messages are at most 4 KiB). */
  reliableBytes: 16 * 1024,
  /** Largest datagram on the unreliable channel (netcode datagrams are at most 1200 bytes). */
  unreliableBytes: 16 * 1024,
  /** Bytes queued per channel and sending peer before that peer's newest datagrams are dropped. */
  queuedBytes: 4 * 1024 * 1024,
} as const;

/** What a mesh dropped, per channel. */
export interface MeshStats {
  /** Received messages above the channel's limit (dropped, link kept). */
  readonly oversize: Readonly<Record<ChannelKind, number>>;
  /** Our own sends above the limit (refused, never handed to WebRTC). */
  readonly refused: Readonly<Record<ChannelKind, number>>;
  /** Datagrams dropped because their sender's share of the inbound queue was full. */
  readonly overflow: Readonly<Record<ChannelKind, number>>;
}

/** Byte length of a received message without copying it; -1 if it is not binary. */
export function byteLengthOf(data: unknown): number {
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') return (data as ArrayBuffer).byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return -1;
}

/** Label of the unreliable input channel. */
export const INPUT_CHANNEL_LABEL = 'inputs';

/** The two channels of a peer connection. */
export type ChannelKind = 'reliable' | 'unreliable';

/** Init of the unreliable input channel: pre-negotiated, unordered, never retransmitted. */
export function inputChannelInit(): RTCDataChannelInit {
  return { negotiated: true, id: INPUT_CHANNEL_ID, ordered: false, maxRetransmits: 0 };
}

/** What one RTCDataChannel really is, read back from the channel object. */
export interface ChannelInfo {
  readonly label: string;
  readonly id: number | null;
  readonly negotiated: boolean;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly readyState: RTCDataChannelState;
}

/** Both channels of one peer, as {@link ChannelInfo}; `null` for a channel not created yet. */
export interface PeerChannelInfo {
  readonly reliable: ChannelInfo | null;
  readonly unreliable: ChannelInfo | null;
}

/** Read a data channel's actual properties. */
export function describeChannel(channel: RTCDataChannel | null | undefined): ChannelInfo | null {
  if (channel === null || channel === undefined) return null;
  return {
    label: channel.label,
    id: channel.id,
    negotiated: channel.negotiated,
    ordered: channel.ordered,
    maxRetransmits: channel.maxRetransmits,
    maxPacketLifeTime: channel.maxPacketLifeTime,
    readyState: channel.readyState,
  };
}

/**
 * Normalise a received message to a fresh `Uint8Array` that owns its bytes. Browsers deliver
 * `ArrayBuffer` (with `binaryType = 'arraybuffer'`); wrtc and simple-peer may deliver `Buffer` or
 * other views, sometimes into a shared pool. Strings and Blobs are not datagrams: `null`.
 */
export function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return new Uint8Array((data as ArrayBuffer).slice(0));
  }
  if (ArrayBuffer.isView(data)) {
    const out = new Uint8Array(data.byteLength);
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return out;
  }
  return null;
}

/** `RTCDataChannel.send` takes views of plain `ArrayBuffer`s only; copy a shared-memory view. */
export function sendable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  return new Uint8Array(bytes);
}

/** How a transport sends on and tears down one peer's channels. Must not throw. */
export interface MeshPeerHandle {
  send(channel: ChannelKind, bytes: Uint8Array): void;
  destroy(): void;
}

/** Token for one registered connection attempt. */
export interface MeshEntry {
  readonly peer: PeerId;
}

/** Options of {@link createMesh}. */
export interface MeshOptions {
  /** Inbound datagrams kept per socket and sending peer before that peer's newest are dropped (default 4096). */
  readonly maxQueuedDatagrams?: number;
  /** Size limits (default `MESH_LIMITS`). */
  readonly limits?: Partial<typeof MESH_LIMITS>;
  /** A clock to stamp each inbound datagram's arrival with (`Datagram.at`); default none (unstamped). */
  readonly now?: () => number;
}

/** Mesh bookkeeping; see the file header. */
export interface Mesh {
  readonly localId: PeerId;
  readonly unreliable: PeerSocket;
  readonly reliable: PeerSocket;
  /** True once {@link Mesh.closeAll} ran. */
  isClosed(): boolean;
  /** The live entry of `peer`, if any. */
  entry(peer: PeerId): MeshEntry | undefined;
  /** Register a connection; replaces (and destroys, silently) an older entry of the same peer. */
  add(peer: PeerId, handle: MeshPeerHandle): MeshEntry;
  /** Whether `entry` is still the live entry of its peer. */
  isLive(entry: MeshEntry): boolean;
  /** A channel of `entry` opened; emits `open` once both are. */
  channelOpen(entry: MeshEntry, channel: ChannelKind): void;
  /** A message arrived on a channel of `entry`; non-binary messages are dropped. */
  deliver(entry: MeshEntry, channel: ChannelKind, data: unknown): void;
  /** The connection of `entry` ended: emits `error` (when given) then `close`, and destroys it. */
  remove(entry: MeshEntry, error?: string): void;
  connectedPeers(): PeerId[];
  drainEvents(): LinkEvent[];
  /** What was dropped so far. */
  stats(): MeshStats;
  /** Destroy every connection without emitting events. Idempotent. */
  closeAll(): void;
}

interface Slot {
  readonly entry: MeshEntry;
  readonly handle: MeshPeerHandle;
  reliableOpen: boolean;
  unreliableOpen: boolean;
  open: boolean;
}

/** Create the bookkeeping of one transport's mesh. */
export function createMesh(localId: PeerId, options: MeshOptions = {}): Mesh {
  const maxQueued = options.maxQueuedDatagrams ?? 4096;
  const now = options.now;
  const limits = { ...MESH_LIMITS, ...options.limits };
  const maxBytes: Record<ChannelKind, number> = { reliable: limits.reliableBytes, unreliable: limits.unreliableBytes };
  const slots = new Map<PeerId, Slot>();
  const inbox: Record<ChannelKind, Datagram[]> = { reliable: [], unreliable: [] };
  /** Per channel: each sending peer's queued count and bytes (cleared with the queue). */
  const share: Record<ChannelKind, Map<PeerId, { count: number; bytes: number }>> = { reliable: new Map(), unreliable: new Map() };
  const oversize = { reliable: 0, unreliable: 0 };
  const refused = { reliable: 0, unreliable: 0 };
  const overflow = { reliable: 0, unreliable: 0 };
  let events: LinkEvent[] = [];
  let closed = false;

  const live = (entry: MeshEntry): Slot | undefined => {
    const slot = slots.get(entry.peer);
    return slot !== undefined && slot.entry === entry ? slot : undefined;
  };

  const socket = (channel: ChannelKind): PeerSocket => ({
    send(to, bytes) {
      const slot = slots.get(to);
      if (slot === undefined || !slot.open) return; // a datagram may always be lost
      if (bytes.byteLength > maxBytes[channel]) {
        refused[channel]++;
        return;
      }
      slot.handle.send(channel, bytes);
    },
    receiveAll() {
      const out = inbox[channel];
      inbox[channel] = [];
      share[channel].clear();
      return out;
    },
  });

  const destroyQuietly = (handle: MeshPeerHandle): void => {
    try {
      handle.destroy();
    } catch {
      // A transport's teardown must not take the mesh down with it.
    }
  };

  return {
    localId,
    unreliable: socket('unreliable'),
    reliable: socket('reliable'),
    isClosed: () => closed,
    entry: (peer) => slots.get(peer)?.entry,
    add(peer, handle) {
      const old = slots.get(peer);
      if (old !== undefined) {
        slots.delete(peer);
        destroyQuietly(old.handle);
      }
      const entry: MeshEntry = { peer };
      slots.set(peer, { entry, handle, reliableOpen: false, unreliableOpen: false, open: false });
      return entry;
    },
    isLive: (entry) => live(entry) !== undefined,
    channelOpen(entry, channel) {
      const slot = live(entry);
      if (slot === undefined || closed) return;
      if (channel === 'reliable') slot.reliableOpen = true;
      else slot.unreliableOpen = true;
      if (!slot.open && slot.reliableOpen && slot.unreliableOpen) {
        slot.open = true;
        events.push({ kind: 'open', peer: entry.peer });
      }
    },
    deliver(entry, channel, data) {
      const slot = live(entry);
      if (slot === undefined || closed) return;
      const size = byteLengthOf(data);
      if (size > maxBytes[channel]) {
        oversize[channel]++; // dropped before copying; the connection stays up
        return;
      }
      let mine = share[channel].get(entry.peer);
      if (mine === undefined) share[channel].set(entry.peer, (mine = { count: 0, bytes: 0 }));
      // The sender's own share is full: its newest message goes (checked before copying).
      if (size < 0 || mine.count >= maxQueued || mine.bytes + size > limits.queuedBytes) {
        if (size >= 0) overflow[channel]++;
        return;
      }
      const bytes = toBytes(data);
      if (bytes === null) return;
      inbox[channel].push(now === undefined ? { from: entry.peer, bytes } : { from: entry.peer, bytes, at: now() });
      mine.count++;
      mine.bytes += bytes.byteLength;
    },
    remove(entry, error) {
      const slot = live(entry);
      if (slot === undefined) return;
      slots.delete(entry.peer);
      if (!closed) {
        if (error !== undefined) events.push({ kind: 'error', peer: entry.peer, message: error });
        events.push({ kind: 'close', peer: entry.peer });
      }
      destroyQuietly(slot.handle);
    },
    connectedPeers: () => [...slots.values()].filter((s) => s.open).map((s) => s.entry.peer),
    drainEvents() {
      const out = events;
      events = [];
      return out;
    },
    stats: () => ({ oversize: { ...oversize }, refused: { ...refused }, overflow: { ...overflow } }),
    closeAll() {
      if (closed) return;
      closed = true;
      const all = [...slots.values()];
      slots.clear();
      for (const slot of all) destroyQuietly(slot.handle);
      inbox.reliable = [];
      inbox.unreliable = [];
      share.reliable.clear();
      share.unreliable.clear();
    },
  };
}
