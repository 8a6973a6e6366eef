/**
 * Node test support: rooms over the real signaling server and real WebRTC (wrtc), driven by a timer.
 */
import WebSocket from 'ws';
import { createSignalingClient, type WebSocketConstructorLike } from '../../src/lobby/signaling-client.ts';
import { Room, type LinkContext, type MeshLink, type RoomOptions } from '../../src/lobby/room.ts';
import type { LobbySettings } from '../../src/lobby/protocol.ts';
import { createSimplePeerLink } from '../../src/transport/simple-peer-link.ts';
import { createPeerJsLink } from '../../src/transport/peerjs-link.ts';
import { installPeerJsGlobals, loadNodeWebRtc } from '../../src/transport/node-webrtc.ts';
import type { LinkConditions } from '../../src/transport/link-model.ts';
import type { MESH_LIMITS } from '../../src/transport/mesh.ts';
import { toRtcIceServers } from '../../src/ui/links.ts';

/** Which WebRTC transport a test room uses. */
export type TransportKind = 'simple-peer' | 'peerjs';

let seed = 0x1234;
/** Deterministic stand-in for a random source in tests. */
export function testRandom(): number {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed;
}

/**
 * ICE for a Node link: by default none (host candidates on loopback); with `ice`, the servers the lobby
 * handed out in `joined` (or `servers` instead of them) and the given policy (`relay`: TURN only).
 */
export interface NodeIce {
  readonly policy: RTCIceTransportPolicy;
  readonly servers?: readonly RTCIceServer[];
}

/**
 * Builds a link factory for Node. `meshLimits` overrides the transport's size limits: only a test
 * playing a modified (hostile) client passes it.
 */
export async function nodeLinkFactory(kind: TransportKind, httpUrl: string, meshLimits?: Partial<typeof MESH_LIMITS>, ice?: NodeIce): Promise<(ctx: LinkContext) => Promise<MeshLink>> {
  const limits = meshLimits === undefined ? {} : { meshLimits };
  const iceOf = (ctx: LinkContext): { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy } => ({
    iceServers: ice === undefined ? [] : ice.servers !== undefined ? [...ice.servers] : toRtcIceServers(ctx.iceServers),
    iceTransportPolicy: ice?.policy ?? 'all',
  });
  if (kind === 'simple-peer') {
    const wrtc = loadNodeWebRtc();
    return async (ctx) => {
      const link = createSimplePeerLink({ localId: ctx.localId, relay: ctx.relay, wrtc, ...iceOf(ctx), ...limits });
      return { ...bind(link), connect: (m) => link.connect(m.id), disconnect: (id) => link.disconnect(id) };
    };
  }
  const Peer = await installPeerJsGlobals();
  const u = new URL(httpUrl);
  return async (ctx) => {
    if (ctx.peer === null) throw new Error('server has no PeerJS mount');
    const link = createPeerJsLink({ localId: ctx.localId, peerJsId: ctx.peer.id, key: ctx.peer.key, token: ctx.peer.token, host: u.hostname, port: Number(u.port), path: ctx.peer.path, Peer, ...iceOf(ctx), ...limits });
    const ready = await link.ready;
    if (!ready.ok) throw new Error(ready.error);
    return { ...bind(link), connect: (m) => link.connect(m.id, m.peerId), disconnect: (id) => link.disconnect(id) };
  };
}

function bind<T extends object>(link: T): T {
  // Object spread loses prototype methods: re-bind them onto a plain object.
  const out: Record<string, unknown> = {};
  let proto: object | null = link;
  while (proto !== null && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key in out) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      if (desc?.get !== undefined) Object.defineProperty(out, key, { get: () => (link as Record<string, unknown>)[key], enumerable: true });
      else {
        const v = (link as Record<string, unknown>)[key];
        out[key] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(link) : v;
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return out as T;
}

/** Options for `openRoom`. */
export interface OpenRoomOptions {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly transport: TransportKind;
  readonly name: string;
  readonly create?: Partial<LobbySettings>;
  readonly code?: string;
  readonly lag?: LinkConditions;
  readonly countdownMs?: number;
  readonly extra?: Partial<RoomOptions>;
}

/** Connects to the signaling server and creates or joins a lobby. */
export async function openRoom(o: OpenRoomOptions): Promise<Room> {
  // `extra.signaling`: a client of the caller's own (e.g. with `resume`), connected here if idle.
  const signaling = o.extra?.signaling ?? createSignalingClient({ WebSocket: WebSocket as unknown as WebSocketConstructorLike });
  const c = signaling.state === 'idle' ? await signaling.connect(o.wsUrl) : { ok: true as const };
  if (!c.ok) throw new Error(`signaling: ${c.error}`);
  const options: RoomOptions = {
    signaling,
    createLink: await nodeLinkFactory(o.transport, o.httpUrl),
    now: () => performance.now(),
    random: testRandom,
    countdownMs: o.countdownMs ?? 0,
    ...(o.lag !== undefined ? { lag: o.lag } : {}),
    ...o.extra,
  };
  const r = o.code === undefined ? await Room.create(options, o.name, o.create ?? {}) : await Room.join(options, o.code, o.name);
  if (!r.ok) throw new Error(`lobby: ${r.error}`);
  return r.room;
}

/** Calls `update` on every room every few ms until `done()` or the time limit; returns whether done. */
export async function drive(rooms: readonly Room[], done: () => boolean, limitMs: number, onTick?: (now: number) => void): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    const now = performance.now();
    for (const r of rooms) r.update(now);
    onTick?.(now);
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}
