// Real WebRTC (wrtc) between simple-peer links in one Node process, signaled through the in-memory
// relay hub. Only host candidates: traffic stays on this machine (loopback / the test namespace).
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Datagram, PeerId } from '../../src/netcode/socket.ts';
import type { LinkEvent, PeerLink } from '../../src/transport/link.ts';
import { INPUT_CHANNEL_ID, MESH_LIMITS } from '../../src/transport/mesh.ts';
import { loadNodeWebRtc } from '../../src/transport/node-webrtc.ts';
import { createMemoryRelayHub, type MemoryRelayHub, type SignalRelay } from '../../src/transport/signal-relay.ts';
import { createSimplePeerLink, type SimplePeerLink, type WrtcLike } from '../../src/transport/simple-peer-link.ts';

let wrtc: WrtcLike;
let hub: MemoryRelayHub;
const live: SimplePeerLink[] = [];

/** Events seen so far per link (drainEvents empties the link's own queue). */
const seen = new Map<PeerLink, LinkEvent[]>();
const eventsOf = (link: PeerLink): LinkEvent[] => {
  const list = seen.get(link) ?? [];
  list.push(...link.drainEvents());
  seen.set(link, list);
  return list;
};

/** Every signal sent, by type (offer/answer/candidate), recorded on the way into the hub. */
const signals: { from: PeerId; to: PeerId; type: string }[] = [];
function recordingRelay(id: PeerId): SignalRelay {
  const inner = hub.relay(id);
  return {
    send(to, payload) {
      const type = (payload as { type?: unknown }).type;
      signals.push({ from: id, to, type: typeof type === 'string' ? type : '?' });
      inner.send(to, payload);
    },
    onSignal: (handler) => inner.onSignal(handler),
  };
}

function makeLink(id: PeerId, extra: { connectTimeoutMs?: number } = {}): SimplePeerLink {
  const link = createSimplePeerLink({ localId: id, relay: recordingRelay(id), wrtc, ...extra });
  live.push(link);
  return link;
}

/** Create links for `ids` and connect every pair from both sides; wait for all `open` events. */
async function mesh(ids: PeerId[]): Promise<SimplePeerLink[]> {
  const links = ids.map((id) => makeLink(id));
  for (const link of links) for (const other of ids) if (other !== link.localId) link.connect(other);
  await vi.waitFor(() => expect(links.every((l) => eventsOf(l).filter((e) => e.kind === 'open').length === ids.length - 1), 'full mesh open').toBe(true), { timeout: 8000, interval: 5 });
  return links;
}

/** Collect datagrams from `socket` until `count` have arrived. */
async function collect(receive: () => Datagram[], count: number, into: Datagram[] = []): Promise<Datagram[]> {
  await vi.waitFor(() => {
    into.push(...receive());
    expect(into.length, `${count} datagrams`).toBeGreaterThanOrEqual(count);
  }, { timeout: 8000, interval: 5 });
  return into;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

beforeAll(() => {
  wrtc = loadNodeWebRtc();
});

afterEach(() => {
  for (const link of live.splice(0)) link.close();
  seen.clear();
  signals.length = 0;
  hub.close();
});

afterAll(() => {
  for (const link of live.splice(0)) link.close();
});

describe('simple-peer link', () => {
  it('connects two peers and carries bytes both ways on both channels', async () => {
    hub = createMemoryRelayHub();
    const [a, b] = await mesh(['alice', 'bob']);
    if (a === undefined || b === undefined) throw new Error('unreachable');
    expect(eventsOf(a)).toEqual([{ kind: 'open', peer: 'bob' }]);
    expect(eventsOf(b)).toEqual([{ kind: 'open', peer: 'alice' }]);
    expect(a.connectedPeers()).toEqual(['bob']);
    expect(hub.delivered()).toBeGreaterThanOrEqual(2); // at least an offer and an answer

    a.unreliable.send('bob', new Uint8Array([1, 2, 3]));
    b.unreliable.send('alice', new Uint8Array([4, 5]));
    a.reliable.send('bob', new Uint8Array([6]));
    b.reliable.send('alice', new Uint8Array([7, 8, 9, 10]));
    const atB = await collect(() => b.unreliable.receiveAll(), 1);
    const atA = await collect(() => a.unreliable.receiveAll(), 1);
    const relB = await collect(() => b.reliable.receiveAll(), 1);
    const relA = await collect(() => a.reliable.receiveAll(), 1);
    expect(atB).toEqual([{ from: 'alice', bytes: new Uint8Array([1, 2, 3]) }]);
    expect(atA).toEqual([{ from: 'bob', bytes: new Uint8Array([4, 5]) }]);
    expect(relB).toEqual([{ from: 'alice', bytes: new Uint8Array([6]) }]);
    expect(relA).toEqual([{ from: 'bob', bytes: new Uint8Array([7, 8, 9, 10]) }]);
    // Received bytes are plain Uint8Arrays (not Buffers) that own their memory.
    expect(Object.getPrototypeOf(relA[0]?.bytes)).toBe(Uint8Array.prototype);
  }, 15_000);

  it('opens the input channel unordered with maxRetransmits 0, the other reliable and ordered', async () => {
    hub = createMemoryRelayHub();
    const [a, b] = await mesh(['alice', 'bob']);
    if (a === undefined || b === undefined) throw new Error('unreachable');
    for (const [link, other] of [[a, 'bob'], [b, 'alice']] as const) {
      const info = link.channelInfo(other);
      expect(info?.unreliable).toMatchObject({
        negotiated: true,
        id: INPUT_CHANNEL_ID,
        ordered: false,
        maxRetransmits: 0,
        readyState: 'open',
      });
      expect(info?.reliable).toMatchObject({ negotiated: false, ordered: true, readyState: 'open' });
      // "Not set" reads null in browsers and 65535 in wrtc: no lifetime limit on either channel,
      // no retransmission limit on the reliable one.
      expect([null, 65535]).toContain(info?.unreliable?.maxPacketLifeTime);
      expect([null, 65535]).toContain(info?.reliable?.maxPacketLifeTime);
      expect([null, 65535]).toContain(info?.reliable?.maxRetransmits);
    }
  }, 15_000);

  it('keeps random byte strings intact on both channels (also views into larger buffers)', async () => {
    hub = createMemoryRelayHub();
    const [a, b] = await mesh(['alice', 'bob']);
    if (a === undefined || b === undefined) throw new Error('unreachable');
    const message = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 1200 }), fc.nat(16), fc.nat(16));
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 12 }), async (batch) => {
        const sent = batch.map(([bytes, pre, post]) => {
          // Send a view with bytes either side of it: only the view's window may travel.
          const backing = new Uint8Array(pre + bytes.length + post).fill(0xee);
          backing.set(bytes, pre);
          return { view: backing.subarray(pre, pre + bytes.length), copy: Uint8Array.from(bytes) };
        });
        for (const { view } of sent) {
          a.reliable.send('bob', view);
          a.unreliable.send('bob', view);
        }
        const reliable = await collect(() => b.reliable.receiveAll(), sent.length);
        const unreliable = await collect(() => b.unreliable.receiveAll(), sent.length);
        // Reliable: same bytes, same order. Unreliable: the same multiset (order not guaranteed).
        expect(reliable.map((d) => hex(d.bytes))).toEqual(sent.map((s) => hex(s.copy)));
        expect(unreliable.map((d) => hex(d.bytes)).sort()).toEqual(sent.map((s) => hex(s.copy)).sort());
        expect(new Set([...reliable, ...unreliable].map((d) => d.from))).toEqual(new Set(['alice']));
      }),
      { numRuns: 25 },
    );
  }, 15_000);

  it('builds a 4-peer full mesh with exactly one offer per pair', async () => {
    hub = createMemoryRelayHub();
    const ids = ['p1', 'p2', 'p3', 'p4'];
    const links = await mesh(ids);
    const offers = signals.filter((s) => s.type === 'offer').map((s) => `${s.from}>${s.to}`);
    expect(offers.sort()).toEqual(['p1>p2', 'p1>p3', 'p1>p4', 'p2>p3', 'p2>p4', 'p3>p4']);
    expect(signals.filter((s) => s.type === 'answer')).toHaveLength(6);
    for (const link of links) {
      expect(link.connectedPeers().sort()).toEqual(ids.filter((id) => id !== link.localId));
    }
    for (const from of links) {
      for (const to of ids) {
        if (to === from.localId) continue;
        const tag = new TextEncoder().encode(`${from.localId}>${to}`);
        from.unreliable.send(to, tag);
        from.reliable.send(to, tag);
      }
    }
    for (const link of links) {
      const expected = ids.filter((id) => id !== link.localId).map((id) => `${id}>${link.localId}`).sort();
      const decode = (ds: Datagram[]): string[] => ds.map((d) => new TextDecoder().decode(d.bytes)).sort();
      const un = await collect(() => link.unreliable.receiveAll(), 3);
      const rel = await collect(() => link.reliable.receiveAll(), 3);
      expect(decode(un)).toEqual(expected);
      expect(decode(rel)).toEqual(expected);
      for (const d of [...un, ...rel]) expect(new TextDecoder().decode(d.bytes).startsWith(`${d.from}>`)).toBe(true);
    }
  }, 15_000);

  it('reports a closed peer to the others, drops sends to it, and close() is idempotent', async () => {
    hub = createMemoryRelayHub();
    const [a, b, c] = await mesh(['a', 'b', 'c']);
    if (a === undefined || b === undefined || c === undefined) throw new Error('unreachable');
    c.close();
    c.close(); // idempotent
    await vi.waitFor(() => expect([a, b].every((l) => eventsOf(l).some((e) => e.kind === 'close' && e.peer === 'c')), 'close of c seen by a and b').toBe(true), { timeout: 8000, interval: 5 });
    expect(a.connectedPeers()).toEqual(['b']);
    expect(b.connectedPeers()).toEqual(['a']);
    expect(c.connectedPeers()).toEqual([]);
    expect(() => a.unreliable.send('c', new Uint8Array([1]))).not.toThrow();
    expect(() => a.reliable.send('c', new Uint8Array([1]))).not.toThrow();
    expect(() => c.unreliable.send('a', new Uint8Array([1]))).not.toThrow();
    expect(() => a.unreliable.send('nobody', new Uint8Array([1]))).not.toThrow();
    // The surviving pair still works.
    a.unreliable.send('b', new Uint8Array([42]));
    expect(await collect(() => b.unreliable.receiveAll(), 1)).toEqual([{ from: 'a', bytes: new Uint8Array([42]) }]);
    // Each close is reported exactly once.
    expect(eventsOf(a).filter((e) => e.kind === 'close')).toEqual([{ kind: 'close', peer: 'c' }]);
  }, 15_000);

  it('disconnect(peer) closes one connection on both sides', async () => {
    hub = createMemoryRelayHub();
    const [a, b] = await mesh(['a', 'b']);
    if (a === undefined || b === undefined) throw new Error('unreachable');
    a.disconnect('b');
    expect(eventsOf(a)).toContainEqual({ kind: 'close', peer: 'b' });
    expect(a.connectedPeers()).toEqual([]);
    await vi.waitFor(() => expect(eventsOf(b).some((e) => e.kind === 'close' && e.peer === 'a'), 'b sees a close').toBe(true), { timeout: 8000, interval: 5 });
  }, 15_000);

  it('replaces a connection when the smaller peer starts over with a new offer', async () => {
    hub = createMemoryRelayHub();
    // The first incarnation of "a" stops hearing signals, as a reloaded page would.
    let muted = false;
    const inner = hub.relay('a');
    const oldA = createSimplePeerLink({
      localId: 'a',
      wrtc,
      relay: { send: (to, p) => inner.send(to, p), onSignal: (h) => inner.onSignal((f, p) => (muted ? undefined : h(f, p))) },
    });
    live.push(oldA);
    const b = makeLink('b');
    oldA.connect('b');
    b.connect('a');
    await vi.waitFor(() => expect(eventsOf(b).some((e) => e.kind === 'open'), 'first open').toBe(true), { timeout: 8000, interval: 5 });
    muted = true;
    const newA = makeLink('a');
    newA.connect('b');
    await vi.waitFor(() => expect(eventsOf(newA).some((e) => e.kind === 'open') && eventsOf(b).filter((e) => e.kind === 'open').length === 2, 'second open on both sides').toBe(true), { timeout: 8000, interval: 5 });
    expect(eventsOf(b).map((e) => e.kind)).toEqual(['open', 'error', 'close', 'open']);
    expect(eventsOf(b)[1]).toMatchObject({ kind: 'error', peer: 'a', message: expect.stringMatching(/restarted/) });
    expect(b.connectedPeers()).toEqual(['a']);
    newA.unreliable.send('b', new Uint8Array([5]));
    expect(await collect(() => b.unreliable.receiveAll(), 1)).toEqual([{ from: 'a', bytes: new Uint8Array([5]) }]);
    await vi.waitFor(() => expect(eventsOf(oldA).some((e) => e.kind === 'close'), 'old a sees its connection end').toBe(true), { timeout: 8000, interval: 5 });
  }, 15_000);

  it('fails a connection that never opens with error then close', async () => {
    hub = createMemoryRelayHub();
    const a = makeLink('a', { connectTimeoutMs: 300 });
    a.connect('ghost'); // nobody answers the offer
    await vi.waitFor(() => expect(eventsOf(a).some((e) => e.kind === 'close'), 'timeout events').toBe(true), { timeout: 8000, interval: 5 });
    const events = eventsOf(a);
    expect(events.map((e) => e.kind)).toEqual(['error', 'close']);
    expect(events[0]).toMatchObject({ kind: 'error', peer: 'ghost' });
    expect(a.connectedPeers()).toEqual([]);
  }, 15_000);

  it('ignores malformed and unsolicited signals', async () => {
    hub = createMemoryRelayHub();
    const a = makeLink('m');
    const rogue = hub.relay('zz');
    for (const junk of [null, 42, 'offer', { type: 'offer' }, { type: 'candidate' }, { type: 'answer', sdp: 'x' }]) {
      rogue.send('m', junk);
    }
    // An offer from a larger id is not ours to answer (only the smaller id offers).
    rogue.send('m', { type: 'offer', sdp: 'v=0\r\n' });
    await vi.waitFor(() => expect(hub.delivered() >= 7, 'signals delivered').toBe(true), { timeout: 8000, interval: 5 });
    expect(eventsOf(a)).toEqual([]);
    expect(a.connectedPeers()).toEqual([]);
    expect(a.channelInfo('zz')).toBeUndefined();
  }, 15_000);

  it('size limits: an oversize send is refused (not handed to wrtc, which would close the channel); an oversize message received is dropped before copying and counted; the link stays up', async () => {
    hub = createMemoryRelayHub();
    const a = makeLink('alice');
    // Bob plays a modified client without our limits.
    const b = createSimplePeerLink({ localId: 'bob', relay: recordingRelay('bob'), wrtc, meshLimits: { reliableBytes: 2 ** 30, unreliableBytes: 2 ** 30 } });
    live.push(b);
    a.connect('bob');
    b.connect('alice');
    await vi.waitFor(() => expect(eventsOf(a).some((e) => e.kind === 'open') && eventsOf(b).some((e) => e.kind === 'open'), 'open').toBe(true), { timeout: 8000, interval: 5 });
    a.reliable.send('bob', new Uint8Array(MESH_LIMITS.reliableBytes + 1));
    a.unreliable.send('bob', new Uint8Array(MESH_LIMITS.unreliableBytes + 1));
    a.reliable.send('bob', new Uint8Array(300 * 1024)); // above SCTP's 256 KiB max-message-size
    expect(a.stats().refused).toEqual({ reliable: 2, unreliable: 1 });
    b.reliable.send('alice', new Uint8Array(200 * 1024)); // within SCTP's limit: arrives, above ours
    b.reliable.send('alice', new Uint8Array([42]));
    const got = await collect(() => a.reliable.receiveAll(), 1);
    expect(got).toEqual([{ from: 'bob', bytes: new Uint8Array([42]) }]);
    expect(a.stats().oversize.reliable).toBe(1);
    expect(a.connectedPeers()).toEqual(['bob']);
    expect(eventsOf(a).filter((e) => e.kind === 'close')).toEqual([]);
  });

  it('rejects connecting to itself as a programming error', () => {
    hub = createMemoryRelayHub();
    const a = makeLink('self');
    expect(() => a.connect('self')).toThrow(/itself/);
  });
});
