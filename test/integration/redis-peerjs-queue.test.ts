// Hostile: PeerJS frames from a member on one instance for a member on another that never opens its
// PeerJS socket (signaling/cluster/redis-peerjs.ts, signaling/peerjs-gate.ts). The receiving instance
// holds them for that id under the same per-peer bounds as the local queue (`peerQueueMessages`,
// `peerQueueBytes`), drops and counts the rest (`peerDropped`, as the local path does), and lets go of
// a queue 5 s old on its own, with no further frame to trigger it. Two instances on a real redis-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PeerFrames } from '../../signaling/cluster/redis-peerjs.ts';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import type { SignalingServerOptions } from '../../signaling/config.ts';
import { startRedis } from '../support/redis.ts';
import type { RedisServer } from '../support/redis.ts';
import { createLobby, joinLobby, until } from './server-hostile-helpers.ts';

const QUEUE_MS = 5_000; // redis-peerjs.ts: how long frames wait for an id that has not connected
const sdp = 'v=0 ' + 'a'.repeat(15_500); // an OFFER frame of ~15.6 KB, as in the review

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

type Held = { frames: number; bytes: number; ageMs: number };

/** Two instances; the PeerFrames of B (the receiving side) and what it holds, read from its queues. */
async function twoInstances(options: SignalingServerOptions = {}) {
  const a = await startSignalingServer({ port: 0, redisUrl: redis.url, ...options });
  const orig = PeerFrames.prototype.setSink;
  const captured: PeerFrames[] = [];
  PeerFrames.prototype.setSink = function (this: PeerFrames, sink) {
    captured.push(this);
    orig.call(this, sink);
  };
  let b: SignalingServer;
  try {
    b = await startSignalingServer({ port: 0, redisUrl: redis.url, ...options });
  } finally {
    PeerFrames.prototype.setSink = orig;
  }
  const framesB = captured[0];
  if (captured.length !== 1 || framesB === undefined) throw new Error('instance B set no PeerJS sink');
  const queues = (framesB as unknown as { queues: Map<string, { atMs: number; frames: string[] }> }).queues;
  const held = (peerId: string): Held => {
    const q = queues.get(peerId);
    return q === undefined ? { frames: 0, bytes: 0, ageMs: 0 } : { frames: q.frames.length, bytes: q.frames.reduce((n, f) => n + Buffer.byteLength(f), 0), ageMs: Date.now() - q.atMs };
  };
  const x = await createLobby(a.wsUrl, 'Xavier');
  const y = await joinLobby(b.wsUrl, x.joined.code, 'Yolanda'); // never opens its PeerJS socket (until told)
  const xPeer = x.joined.peer!;
  const yPeer = y.joined.peer!;
  const px = new WebSocket(`ws://127.0.0.1:${a.port}/peerjs/peerjs?key=peerjs&id=${xPeer.id}&token=${xPeer.token}`);
  await new Promise((r) => px.once('open', r));
  const openY = async (): Promise<{ ws: WebSocket; got: { type: string; payload?: { connectionId?: string } }[] }> => {
    const ws = new WebSocket(`ws://127.0.0.1:${b.port}/peerjs/peerjs?key=peerjs&id=${yPeer.id}&token=${yPeer.token}`);
    const got: { type: string; payload?: { connectionId?: string } }[] = [];
    ws.on('message', (data) => got.push(JSON.parse(String(data)) as (typeof got)[number]));
    await new Promise((r) => ws.once('open', r));
    return { ws, got };
  };
  const close = async (): Promise<void> => {
    px.terminate();
    x.r.ws.terminate();
    y.r.ws.terminate();
    await a.close();
    await b.close();
  };
  return { a, b, held, yId: yPeer.id, px, openY, close };
}

const offer = (dst: string, n: number): string =>
  JSON.stringify({ type: 'OFFER', dst, payload: { type: 'media', connectionId: `c${n}`, sdp: { type: 'offer', sdp } } });
const candidate = (dst: string, n: number): string =>
  JSON.stringify({ type: 'CANDIDATE', dst, payload: { type: 'data', connectionId: `c${n}`, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } } });

describe('PeerJS frames for a member on another instance that has not opened its PeerJS socket', () => {
  it('are held within peerQueueBytes (64 KiB), the rest dropped and counted on the receiving instance; the held ones reach it when it connects', async () => {
    const { a, b, held, yId, px, openY, close } = await twoInstances();
    try {
      const sent = 16; // ~250 KB: within the sender's relay burst (256 KiB), so A forwards all of them
      let maxBytes = 0;
      let maxFrames = 0;
      for (let i = 0; i < sent; i++) {
        px.send(offer(yId, i));
        await new Promise((r) => setTimeout(r, 20));
        maxBytes = Math.max(maxBytes, held(yId).bytes);
        maxFrames = Math.max(maxFrames, held(yId).frames);
      }
      // Every frame reached B: held there, or dropped and counted.
      await until(() => held(yId).frames + b.stats().peerDropped >= sent, `all ${sent} frames handled on B`, 5_000);
      const now = held(yId);
      maxBytes = Math.max(maxBytes, now.bytes);
      console.log(`sent ${sent} frames; held on instance B: ${JSON.stringify(now)}; max held bytes ${maxBytes}; dropped on B ${b.stats().peerDropped}`);
      expect(a.stats().peerDropped).toBe(0);
      expect(maxBytes).toBeLessThanOrEqual(64 * 1024);
      expect(maxFrames).toBeLessThanOrEqual(32);
      expect(now.frames).toBeGreaterThan(0);
      expect(b.stats().peerDropped).toBe(sent - now.frames);
      // Y connects within the 5 s: it gets the held frames, oldest first, and the count starts again.
      const y = await openY();
      await until(() => y.got.filter((m) => m.type === 'OFFER').length >= now.frames, 'the held OFFERs', 3_000);
      const offers = y.got.filter((m) => m.type === 'OFFER').map((m) => m.payload?.connectionId);
      expect(offers).toEqual(Array.from({ length: now.frames }, (_, i) => `c${i}`));
      expect(held(yId).frames).toBe(0);
      y.ws.terminate();
    } finally {
      await close();
    }
  }, 30_000);

  it('are held within peerQueueMessages, the rest dropped and counted', async () => {
    const { b, held, yId, px, close } = await twoInstances({ peerQueueMessages: 4 });
    try {
      const sent = 12;
      for (let i = 0; i < sent; i++) px.send(candidate(yId, i));
      await until(() => held(yId).frames + b.stats().peerDropped >= sent, `all ${sent} frames handled on B`, 5_000);
      console.log(`sent ${sent} candidates with peerQueueMessages 4; held on instance B: ${JSON.stringify(held(yId))}; dropped on B ${b.stats().peerDropped}`);
      expect(held(yId).frames).toBe(4);
      expect(b.stats().peerDropped).toBe(sent - 4);
    } finally {
      await close();
    }
  }, 30_000);

  it('an idle queue is emptied once 5 s old, with no further frame arriving; nothing stale reaches the member later', async () => {
    const { b, held, yId, px, openY, close } = await twoInstances();
    try {
      const t0 = Date.now();
      for (let i = 0; i < 3; i++) px.send(offer(yId, i));
      await until(() => held(yId).frames === 3, 'three frames held on B', 5_000);
      expect(b.stats().peerDropped).toBe(0);
      // Idle from here: nothing else is sent to Y. Emptied past QUEUE_MS, within one sweep (the 2 s cluster heartbeat) more.
      await until(() => held(yId).frames === 0, 'the idle queue emptied', QUEUE_MS + 4_000);
      const emptiedAfterMs = Date.now() - t0;
      console.log(`idle queue on B emptied ${emptiedAfterMs} ms after the first frame; held now ${JSON.stringify(held(yId))}`);
      expect(emptiedAfterMs).toBeGreaterThanOrEqual(QUEUE_MS - 100);
      const y = await openY();
      await new Promise((r) => setTimeout(r, 300));
      expect(y.got.filter((m) => m.type === 'OFFER')).toEqual([]);
      y.ws.terminate();
    } finally {
      await close();
    }
  }, 30_000);
});
