/**
 * TURN relay figures with a local coturn (use-auth-secret, started here, as the tests do): time from
 * `connect` on both sides to `open` on both sides of a simple-peer pair with the relay-only ICE policy
 * and TURN REST credentials (`relay_connect_ms_p50`/`_p95` over 20 fresh pairs; each includes the
 * two TURN allocations, their permissions and the relayed ICE checks), and the round-trip time of a
 * small datagram through the relay on the unreliable channel (`relay_rtt_ms_p50`, 200 pings). Loopback
 * only, so these are the relay's own costs, not an internet path. Skipped when `turnserver` is missing.
 */
import { turnCredential } from '../signaling/turn.ts';
import type { Datagram } from '../src/netcode/socket.ts';
import type { PeerLink } from '../src/transport/link.ts';
import { loadNodeWebRtc } from '../src/transport/node-webrtc.ts';
import { createMemoryRelayHub } from '../src/transport/signal-relay.ts';
import { createSimplePeerLink } from '../src/transport/simple-peer-link.ts';
import { coturnUnavailableReason, startCoturn } from '../test/support/coturn.ts';
import { quantileOfSorted as quantile } from '../src/shared/quantile.ts';

const TRIALS = 20;
const PINGS = 200;
const DEADLINE_MS = 10_000;
const SECRET = 'bench-turn-secret-0123456789abcdef';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await tick();
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

async function bothOpen(a: PeerLink, b: PeerLink): Promise<void> {
  let aOpen = false;
  let bOpen = false;
  await until(() => {
    for (const e of a.drainEvents()) {
      if (e.kind === 'error') throw new Error(`bench: relay link failed: ${e.message}`);
      aOpen ||= e.kind === 'open';
    }
    for (const e of b.drainEvents()) {
      if (e.kind === 'error') throw new Error(`bench: relay link failed: ${e.message}`);
      bOpen ||= e.kind === 'open';
    }
    return aOpen && bOpen;
  }, 'open through the relay');
}

/** Run the relay benchmarks; see the file header. */
export async function benchRelay(): Promise<Record<string, number>> {
  const missing = coturnUnavailableReason();
  if (missing !== undefined) throw new Error(missing);
  const wrtc = loadNodeWebRtc();
  const coturn = await startCoturn(SECRET);
  const out: Record<string, number> = {};
  const times: number[] = [];
  try {
    for (let i = 0; i < TRIALS; i += 1) {
      const hub = createMemoryRelayHub();
      const ice = (id: string): RTCIceServer[] => {
        const c = turnCredential(SECRET, id, Date.now(), 600);
        return [{ urls: [...coturn.urls], username: c.username, credential: c.credential }];
      };
      const a = createSimplePeerLink({ localId: 'a', relay: hub.relay('a'), wrtc, iceServers: ice('a'), iceTransportPolicy: 'relay' });
      const b = createSimplePeerLink({ localId: 'b', relay: hub.relay('b'), wrtc, iceServers: ice('b'), iceTransportPolicy: 'relay' });
      const t0 = performance.now();
      a.connect('b');
      b.connect('a');
      await bothOpen(a, b);
      times.push(performance.now() - t0);
      if (i === TRIALS - 1) {
        const path = await a.pathInfo('b');
        if (path?.local !== 'relay') throw new Error(`bench: the selected pair is not relayed (${JSON.stringify(path)})`);
        const rtts: number[] = [];
        for (let seq = 0; seq < PINGS; seq += 1) {
          const ping = new Uint8Array(8);
          new DataView(ping.buffer).setUint32(0, seq);
          const s0 = performance.now();
          a.unreliable.send('b', ping);
          await until(() => {
            for (const d of b.unreliable.receiveAll()) b.unreliable.send(d.from, d.bytes);
            return a.unreliable.receiveAll().some((d: Datagram) => new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint32(0) === seq);
          }, `pong ${seq}`);
          rtts.push(performance.now() - s0);
        }
        rtts.sort((x, y) => x - y);
        out['relay_rtt_ms_p50'] = round(quantile(rtts, 0.5));
      }
      a.close();
      b.close();
      hub.close();
    }
  } finally {
    await coturn.stop();
  }
  times.sort((x, y) => x - y);
  out['relay_connect_ms_p50'] = round(quantile(times, 0.5));
  out['relay_connect_ms_p95'] = round(quantile(times, 0.95));
  return out;
}
