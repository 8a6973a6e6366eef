/**
 * A full mesh of simple-peer links over real WebRTC (@roamhq/wrtc on loopback), signaled through the
 * in-memory relay hub, for the netcode tests and benchmarks that need real data channels.
 */
import { loadNodeWebRtc } from '../../src/transport/node-webrtc.ts';
import { createMemoryRelayHub } from '../../src/transport/signal-relay.ts';
import { createSimplePeerLink, type SimplePeerLink } from '../../src/transport/simple-peer-link.ts';

/** Polls `check` every 4 ms until it holds; throws, naming `what`, after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 4));
  }
}

/** One link per id, every pair connected and open (both channels); the caller closes them. */
export async function openSimplePeerMesh(ids: readonly string[], timeoutMs = 15_000): Promise<SimplePeerLink[]> {
  const wrtc = loadNodeWebRtc();
  const hub = createMemoryRelayHub();
  const links = ids.map((id) => createSimplePeerLink({ localId: id, relay: hub.relay(id), wrtc }));
  const opened = new Map<SimplePeerLink, number>();
  for (const l of links) for (const other of ids) if (other !== l.localId) l.connect(other);
  try {
    await until('mesh open', () => {
      for (const l of links) opened.set(l, (opened.get(l) ?? 0) + l.drainEvents().filter((e) => e.kind === 'open').length);
      return links.every((l) => opened.get(l) === ids.length - 1);
    }, timeoutMs);
  } catch (e) {
    for (const l of links) l.close();
    throw e;
  }
  return links;
}
