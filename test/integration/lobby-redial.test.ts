// A peer link that never opens in the lobby (every WebRTC signal of the first attempt lost, so it times
// out) is dialled again by the room while its member is listed, and the mesh heals without a reload.
// Real signaling server on loopback, real WebRTC (simple-peer + wrtc).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, startSignalingServer, type SignalingServer } from '../../signaling/index.ts';
import type { LinkContext, MeshLink, Room } from '../../src/lobby/room.ts';
import type { SignalRelay } from '../../src/transport/signal-relay.ts';
import { createSimplePeerLink } from '../../src/transport/simple-peer-link.ts';
import { loadNodeWebRtc } from '../../src/transport/node-webrtc.ts';
import { closeLobby, driveLobby, eventsOf, type Lobby } from '../support/lobby-suite.ts';
import { openRoom } from '../support/room-driver.ts';

/** A relay that loses every outgoing signal while `lose()` says so (and counts them). */
function losingRelay(relay: SignalRelay, lose: () => boolean, lost: { n: number }): SignalRelay {
  return {
    send(to, payload) {
      if (lose()) lost.n++;
      else relay.send(to, payload);
    },
    onSignal: (handler) => relay.onSignal(handler),
  };
}

describe('a lobby link that fails to open is dialled again', () => {
  let server: SignalingServer;
  let lobby: Lobby | undefined;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, host: '127.0.0.1', logger: silentLogger, staticDir: null });
  });
  afterAll(async () => {
    closeLobby(lobby);
    await server?.close();
  });

  it('every signal of the first attempt lost: it times out, the room dials again, the mesh opens', async () => {
    const wrtc = loadNodeWebRtc();
    let losing = true;
    const lost = { n: 0 };
    const createLink = (ctx: LinkContext): MeshLink => {
      const link = createSimplePeerLink({ localId: ctx.localId, relay: losingRelay(ctx.relay, () => losing, lost), wrtc, connectTimeoutMs: 1500 });
      return { ...link, connectedPeers: () => link.connectedPeers(), drainEvents: () => link.drainEvents(), connect: (m) => link.connect(m.id), disconnect: (id) => link.disconnect(id), close: () => link.close() };
    };
    const base = { wsUrl: server.wsUrl, httpUrl: server.url, transport: 'simple-peer' as const, extra: { createLink } };
    const host = await openRoom({ ...base, name: 'host', create: { capacity: 2 } });
    const guest = await openRoom({ ...base, name: 'p1', code: host.code });
    const rooms: Room[] = [host, guest];
    lobby = { rooms, events: new Map(rooms.map((r) => [r, []])) };
    const l = lobby;
    const timedOut = (): boolean => rooms.some((r) => eventsOf(l, r, 'peer-error').some((e) => /not connected after/.test(e.message)));
    // The first attempt cannot open: its offer, answer and candidates are all lost.
    expect(await driveLobby(l, timedOut, 10_000)).toBe(true);
    expect(rooms.some((r) => r.meshReady)).toBe(false);
    expect(lost.n).toBeGreaterThan(0);
    losing = false;
    // Nobody calls connect again: the rooms' redial does (1 s after the close, then the connection).
    const t0 = performance.now();
    expect(await driveLobby(l, () => rooms.every((r) => r.meshReady), 15_000)).toBe(true);
    console.log(`[lobby redial] mesh open ${(performance.now() - t0).toFixed(0)} ms after the lost attempt timed out (${lost.n} signals lost)`);
  }, 40_000);
});
