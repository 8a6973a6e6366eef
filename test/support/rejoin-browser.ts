/**
 * A headless browser for rejoin scenarios (tests and the bench): one player whose rejoin store outlives
 * its page (a `Room` over real WebRTC with its signaling client), driven tick by tick with bot input.
 */
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { silentLogger, startSignalingServer, type SignalingServer } from '../../signaling/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import { Room, type RoomEvent, type RoomOptions } from '../../src/lobby/room.ts';
import { createSignalingClient, type RejoinStore, type ResumeOptions, type SignalingClient, type WebSocketConstructorLike } from '../../src/lobby/signaling-client.ts';
import type { MeshLink } from '../../src/lobby/room.ts';
import type { Datagram, PeerSocket } from '../../src/netcode/socket.ts';
import type { SessionEvent } from '../../src/netcode/index.ts';
import { RandomBot } from '../../src/sim/bot.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { drive, nodeLinkFactory, testRandom, type TransportKind } from './room-driver.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** The lag each page injects on its incoming input datagrams. */
export const LAG = makeLinkConditions({ latencyMs: 30, jitterMs: 5, loss: 0.02 });

/** A browser: its rejoin store outlives its page (a `Room` and its signaling client). */
export class Browser {
  private readonly tokens = new Map<string, string>();
  readonly store: RejoinStore = {
    load: (code) => this.tokens.get(code) ?? null,
    save: (code, token) => void this.tokens.set(code, token),
    forget: (code) => void this.tokens.delete(code),
  };
  signaling: SignalingClient | undefined;
  room: Room | undefined;
  readonly events: RoomEvent[] = [];
  readonly matchEvents: SessionEvent[] = [];
  readonly bot: RandomBot;

  constructor(readonly name: string, seed: number) {
    this.bot = new RandomBot(seed);
  }

  /** While true, this page's network is down: nothing reaches or leaves its peer-to-peer links. */
  offline = false;

  /**
   * Opens a page: creates the lobby (`code` undefined) or opens its link. `net.wsUrl` reaches the
   * signaling server another way (a proxy the test can cut), `net.httpUrl` its PeerJS server;
   * `net.resume` keeps the lobby socket alive; `net.countdownMs` (default 0) is the start countdown.
   */
  async open(server: SignalingServer, transport: TransportKind, code?: string, capacity = 4, net: { readonly wsUrl?: string; readonly httpUrl?: string; readonly resume?: ResumeOptions; readonly countdownMs?: number } = {}): Promise<Room> {
    const signaling = createSignalingClient({ WebSocket: WebSocket as unknown as WebSocketConstructorLike, rejoinStore: this.store, ...(net.resume !== undefined ? { resume: net.resume } : {}) });
    const c = await signaling.connect(net.wsUrl ?? server.wsUrl);
    if (!c.ok) throw new Error(`signaling: ${c.error}`);
    const factory = await nodeLinkFactory(transport, net.httpUrl ?? server.url);
    const createLink = async (ctx: Parameters<typeof factory>[0]): Promise<MeshLink> => this.cuttable(await factory(ctx));
    const options: RoomOptions = { signaling, createLink, now: () => performance.now(), random: testRandom, countdownMs: net.countdownMs ?? 0, lag: LAG, disconnectAfterMs: 2500 };
    const r = code === undefined ? await Room.create(options, this.name, { capacity }) : await Room.join(options, code, this.name);
    if (!r.ok) throw new Error(`lobby: ${r.error}`);
    this.signaling = signaling;
    this.room = r.room;
    return r.room;
  }

  /** The link, with its traffic dropped both ways while `offline` (the channels themselves stay up). */
  private cuttable(link: MeshLink): MeshLink {
    const wrap = (socket: PeerSocket): PeerSocket => ({
      send: (to, bytes) => {
        if (!this.offline) socket.send(to, bytes);
      },
      receiveAll: (): Datagram[] => {
        const got = socket.receiveAll();
        return this.offline ? [] : got;
      },
    });
    const unreliable = wrap(link.unreliable);
    const reliable = wrap(link.reliable);
    return new Proxy(link, { get: (target, key) => (key === 'unreliable' ? unreliable : key === 'reliable' ? reliable : Reflect.get(target, key)) });
  }

  /** The page dies: no goodbye, its links and its lobby socket just close. */
  crash(): void {
    this.room?.link.close();
    this.signaling?.close();
    this.room = undefined;
  }

  get match(): OnlineMatch | undefined {
    return this.room?.match;
  }

  /**
   * One tick of the page: the room, the match (bot input), the events. The match stops exactly at
   * `frames` (the runner's `until`), then it only keeps talking.
   */
  tick(now: number, frames: number): void {
    const room = this.room;
    if (room === undefined) return;
    room.update(now);
    this.events.push(...room.drainEvents());
    const m = room.match;
    if (m === undefined) return;
    m.update(now, () => this.bot.next(), frames); // never past `frames`: from there it settles
    this.matchEvents.push(...m.drainEvents());
  }
}

/** Ticks every browser (`frames`: the frame each match stops at) until `done()` or the time limit. */
export async function run(browsers: Browser[], done: () => boolean, limitMs: number, frames: number): Promise<boolean> {
  return drive([], done, limitMs, (now) => {
    for (const b of browsers) b.tick(now, frames);
  });
}

/** What `pagesFixture` gives a describe block (read inside its tests: set in `beforeAll`). */
export interface PagesFixture {
  readonly server: SignalingServer;
  /** A TCP proxy in front of the server (only with `proxy`). */
  readonly proxy: TcpProxy;
  /** `server.wsUrl` through the proxy. */
  readonly wsViaProxy: string;
  /** `server.url` through the proxy (PeerJS). */
  readonly httpViaProxy: string;
  /** Pages of the block: they leave the lobby after it. */
  readonly browsers: Browser[];
}

/** A real signaling server on 127.0.0.1 (and a proxy in front, with `proxy`) for one describe block. */
export function pagesFixture(options: { readonly proxy?: boolean } = {}): PagesFixture {
  let server: SignalingServer | undefined;
  let proxy: TcpProxy | undefined;
  const browsers: Browser[] = [];
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`pagesFixture: no ${what} (outside a test, or without { proxy: true })`);
    return v;
  };
  const port = (): string => new URL(need(server, 'server').url).port;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
    if (options.proxy === true) proxy = await startTcpProxy(Number(port()));
  });
  afterAll(async () => {
    for (const b of browsers) b.room?.leave();
    await proxy?.close();
    await server?.close();
  });
  return {
    get server() {
      return need(server, 'server');
    },
    get proxy() {
      return need(proxy, 'proxy');
    },
    get wsViaProxy() {
      return need(server, 'server').wsUrl.replace(`:${port()}/`, `:${need(proxy, 'proxy').port}/`);
    },
    get httpViaProxy() {
      return need(server, 'server').url.replace(`:${port()}`, `:${need(proxy, 'proxy').port}`);
    },
    browsers,
  };
}
