/**
 * Browser WebRTC link factories for `Room`: simple-peer (default) or PeerJS (`?transport=peerjs`),
 * both over the browser's own RTCPeerConnection. Each transport (and its library) is loaded on demand,
 * when a lobby is entered, so pages that never go online do not download it.
 */
import type { LinkContext, MeshLink } from '../lobby/room.ts';
import { SIGNALING_PATH, type IceServer, type MemberInfo } from '../lobby/protocol.ts';
import type { PeerId } from '../netcode/socket.ts';
import type { PeerLink } from '../transport/link.ts';
import type { createPeerJsLink, PeerJsConstructor } from '../transport/peerjs-link.ts';
import type { createSimplePeerLink } from '../transport/simple-peer-link.ts';

/** The WebRTC transports the client can use. */
export const TRANSPORTS = ['simple-peer', 'peerjs'] as const;
/** One of `TRANSPORTS`. */
export type TransportKind = (typeof TRANSPORTS)[number];

/** The transport named by `?transport=` (simple-peer when absent or unknown). */
export function transportFromSearch(search: string): TransportKind {
  const t = new URLSearchParams(search).get('transport');
  return t === 'peerjs' ? 'peerjs' : 'simple-peer';
}

/**
 * `?relay=1` (or `true`): ICE may only use relay candidates (`iceTransportPolicy: 'relay'`), for
 * testing the TURN path between browsers that could reach each other directly.
 */
export function relayOnlyFromSearch(search: string): boolean {
  const r = new URLSearchParams(search).get('relay');
  return r === '1' || r === 'true';
}

/** The location fields the factories need. */
export interface PageLocation {
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
}

/** The lobby server's WebSocket URL for a page served by it. */
export function signalingUrl(loc: PageLocation): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${SIGNALING_PATH}`;
}

/** The protocol's ICE servers as the DOM type (mutable `urls`). */
export function toRtcIceServers(servers: readonly IceServer[]): RTCIceServer[] {
  return servers.map((s) => ({
    urls: typeof s.urls === 'string' ? s.urls : [...s.urls],
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.credential !== undefined ? { credential: s.credential } : {}),
  }));
}

/** A `MeshLink` view of a transport's link plus how it connects to a lobby member. */
export function asMeshLink(link: PeerLink, connect: (member: MemberInfo) => void, disconnect: (id: PeerId) => void, reconnect?: () => void): MeshLink {
  return {
    localId: link.localId,
    unreliable: link.unreliable,
    reliable: link.reliable,
    connectedPeers: () => link.connectedPeers(),
    drainEvents: () => link.drainEvents(),
    close: () => link.close(),
    ...(link.stats === undefined ? {} : { stats: link.stats.bind(link) }),
    ...(link.pathInfo === undefined ? {} : { pathInfo: link.pathInfo.bind(link) }),
    ...(reconnect === undefined ? {} : { reconnect }),
    connect,
    disconnect,
  };
}

/** A browser transport: `prepare` loads its code, `createLink` is `RoomOptions.createLink`. */
export interface BrowserTransport {
  /**
   * Loads the transport's modules. Await it before entering a lobby: `Room` subscribes the link to the
   * signal relay only once `createLink` resolves, and an offer relayed while a module is still
   * downloading would be lost.
   */
  prepare(): Promise<void>;
  createLink(ctx: LinkContext): Promise<MeshLink>;
}

interface SimplePeerModule {
  readonly createSimplePeerLink: typeof createSimplePeerLink;
}
type PeerJsModules = [{ readonly Peer: PeerJsConstructor }, { readonly createPeerJsLink: typeof createPeerJsLink }];

/** The transport `kind` for a page at `loc`; `relayOnly`: relay candidates only (`?relay=1`). */
/** The page's clock, the lag injector's too (`OnlineEnv.now`): the mesh stamps each datagram's arrival with it. */
const arrivalClock = (): number => performance.now();

export function browserTransport(kind: TransportKind, loc: PageLocation, relayOnly = false): BrowserTransport {
  const iceTransportPolicy: RTCIceTransportPolicy = relayOnly ? 'relay' : 'all';
  if (kind === 'simple-peer') {
    // vite aliases simple-peer to its browser bundle (the transport module imports it).
    let loading: Promise<SimplePeerModule> | undefined;
    const load = (): Promise<SimplePeerModule> => (loading ??= import('../transport/simple-peer-link.ts'));
    return {
      prepare: async () => {
        await load();
      },
      createLink: async (ctx) => {
        const { createSimplePeerLink } = await load();
        const link = createSimplePeerLink({ localId: ctx.localId, relay: ctx.relay, iceServers: toRtcIceServers(ctx.iceServers), iceTransportPolicy, now: arrivalClock });
        return asMeshLink(link, (m) => link.connect(m.id), (id) => link.disconnect(id));
      },
    };
  }
  let loading: Promise<PeerJsModules> | undefined;
  const load = (): Promise<PeerJsModules> => (loading ??= Promise.all([import('peerjs'), import('../transport/peerjs-link.ts')]));
  return {
    prepare: async () => {
      await load();
    },
    createLink: async (ctx) => {
      if (ctx.peer === null) throw new Error('the lobby server has no PeerJS mount');
      const [{ Peer }, { createPeerJsLink }] = await load();
      const secure = loc.protocol === 'https:';
      const link = createPeerJsLink({
        localId: ctx.localId,
        now: arrivalClock,
        peerJsId: ctx.peer.id,
        key: ctx.peer.key,
        token: ctx.peer.token,
        host: loc.hostname,
        port: Number(loc.port || (secure ? 443 : 80)),
        path: ctx.peer.path,
        secure,
        Peer,
        iceServers: toRtcIceServers(ctx.iceServers),
        iceTransportPolicy,
      });
      const ready = await link.ready;
      if (!ready.ok) {
        link.close();
        throw new Error(`PeerJS: ${ready.error}`);
      }
      return asMeshLink(link, (m) => link.connect(m.id, m.peerId), (id) => link.disconnect(id), () => link.reconnect());
    },
  };
}
