/**
 * Transport figures on loopback with real WebRTC (wrtc in Node): connection set-up time of each
 * transport (from `connect` on both sides to `open` on both sides, median of a few pairs) and the
 * round-trip time of a small datagram over the unreliable input channel (ping/pong, polled the way
 * a game loop polls, median and p99 of 200). Bounded: well under 15 s.
 */
import type { Datagram, PeerSocket } from '../src/netcode/socket.ts';
import type { PeerLink } from '../src/transport/link.ts';
import { installPeerJsGlobals, loadNodeWebRtc, startPeerJsServer } from '../src/transport/node-webrtc.ts';
import { createPeerJsLink } from '../src/transport/peerjs-link.ts';
import { createMemoryRelayHub } from '../src/transport/signal-relay.ts';
import { createSimplePeerLink } from '../src/transport/simple-peer-link.ts';
import { quantileOfSorted as quantile } from '../src/shared/quantile.ts';

const TRIALS = 5;
const PINGS = 200;
const DEADLINE_MS = 5000;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await tick();
  }
}

const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Wait until both links report `open` for each other. */
async function bothOpen(a: PeerLink, b: PeerLink): Promise<void> {
  let aOpen = false;
  let bOpen = false;
  await until(() => {
    aOpen ||= a.drainEvents().some((e) => e.kind === 'open');
    bOpen ||= b.drainEvents().some((e) => e.kind === 'open');
    return aOpen && bOpen;
  }, 'open');
}

/** Ping/pong `PINGS` 8-byte datagrams from `a` to `b` over the unreliable sockets; RTTs in ms. */
async function pingPong(a: PeerLink, b: PeerLink): Promise<number[]> {
  const rtts: number[] = [];
  const echo = (sock: PeerSocket, got: Datagram[]): void => {
    for (const d of got) sock.send(d.from, d.bytes);
  };
  for (let seq = 0; seq < PINGS; seq += 1) {
    const ping = new Uint8Array(8);
    new DataView(ping.buffer).setUint32(0, seq);
    const t0 = performance.now();
    a.unreliable.send(b.localId, ping);
    let back = false;
    await until(() => {
      echo(b.unreliable, b.unreliable.receiveAll());
      back = a.unreliable.receiveAll().some((d) => new DataView(d.bytes.buffer).getUint32(0) === seq);
      return back;
    }, `pong ${seq}`);
    rtts.push(performance.now() - t0);
  }
  return rtts.sort((x, y) => x - y);
}

/** Run the transport benchmarks; see the file header for what each key means. */
export async function benchTransports(): Promise<Record<string, number>> {
  const wrtc = loadNodeWebRtc();
  const out: Record<string, number> = {};

  // simple-peer: fresh pair per trial through the in-memory relay.
  const spConnect: number[] = [];
  for (let i = 0; i < TRIALS; i += 1) {
    const hub = createMemoryRelayHub();
    const a = createSimplePeerLink({ localId: 'a', relay: hub.relay('a'), wrtc });
    const b = createSimplePeerLink({ localId: 'b', relay: hub.relay('b'), wrtc });
    const t0 = performance.now();
    a.connect('b');
    b.connect('a');
    await bothOpen(a, b);
    spConnect.push(performance.now() - t0);
    if (i === TRIALS - 1) {
      const rtts = await pingPong(a, b);
      out['datachannel_rtt_ms_p50'] = round(quantile(rtts, 0.5));
      out['datachannel_rtt_ms_p99'] = round(quantile(rtts, 0.99));
    }
    a.close();
    b.close();
    hub.close();
  }
  out['simplepeer_connect_ms'] = round(median(spConnect));

  // PeerJS: a real PeerJS server on 127.0.0.1; registration is timed apart from the connection.
  const Peer = await installPeerJsGlobals();
  const server = await startPeerJsServer();
  const pjConnect: number[] = [];
  const pjRegister: number[] = [];
  try {
    for (let i = 0; i < TRIALS; i += 1) {
      const common = { host: server.host, port: server.port, path: server.path, Peer };
      const r0 = performance.now();
      const a = createPeerJsLink({ ...common, localId: 'a', peerJsId: `bench-a-${i}` });
      const b = createPeerJsLink({ ...common, localId: 'b', peerJsId: `bench-b-${i}` });
      const [ra, rb] = await Promise.all([a.ready, b.ready]);
      if (!ra.ok || !rb.ok) throw new Error('bench: PeerJS registration failed');
      pjRegister.push(performance.now() - r0);
      const t0 = performance.now();
      a.connect('b', b.peerJsId);
      b.connect('a', a.peerJsId);
      await bothOpen(a, b);
      pjConnect.push(performance.now() - t0);
      if (i === TRIALS - 1) out['peerjs_rtt_ms_p50'] = round(quantile(await pingPong(a, b), 0.5));
      a.close();
      b.close();
    }
  } finally {
    await server.close();
  }
  out['peerjs_connect_ms'] = round(median(pjConnect));
  out['peerjs_register_ms'] = round(median(pjRegister));
  return out;
}
