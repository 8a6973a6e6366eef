// Real WebRTC (wrtc) between PeerJS links in one Node process, brokered by a real PeerJS server
// (`peer` on express 4) listening on 127.0.0.1. Only host candidates, no STUN/TURN.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Datagram, PeerId } from '../../src/netcode/socket.ts';
import type { LinkEvent, PeerLink } from '../../src/transport/link.ts';
import { INPUT_CHANNEL_ID } from '../../src/transport/mesh.ts';
import { installPeerJsGlobals, startPeerJsServer, type PeerJsServerHandle } from '../../src/transport/node-webrtc.ts';
import { createPeerJsLink, type PeerJsConstructor, type PeerJsLink } from '../../src/transport/peerjs-link.ts';

let Peer: PeerJsConstructor;
let server: PeerJsServerHandle;
const live: PeerJsLink[] = [];

const seen = new Map<PeerLink, LinkEvent[]>();
const eventsOf = (link: PeerLink): LinkEvent[] => {
  const list = seen.get(link) ?? [];
  list.push(...link.drainEvents());
  seen.set(link, list);
  return list;
};

async function collect(receive: () => Datagram[], count: number): Promise<Datagram[]> {
  const into: Datagram[] = [];
  await vi.waitFor(() => {
    into.push(...receive());
    expect(into.length, `${count} datagrams`).toBeGreaterThanOrEqual(count);
  }, { timeout: 8000, interval: 5 });
  return into;
}

let run = 0;
/** A link for member `member`; PeerJS ids are unique per test so the server never sees a reuse. */
function makeLink(member: PeerId, extra: { connectTimeoutMs?: number; peerJsId?: string } = {}): PeerJsLink {
  const link = createPeerJsLink({
    localId: member,
    peerJsId: extra.peerJsId ?? `pj-${member}-${run}`,
    host: server.host,
    port: server.port,
    path: server.path,
    Peer,
    ...(extra.connectTimeoutMs !== undefined ? { connectTimeoutMs: extra.connectTimeoutMs } : {}),
  });
  live.push(link);
  return link;
}

/** Two linked members, connected from both sides; resolves once both saw `open`. */
async function pair(x: PeerId, y: PeerId): Promise<[PeerJsLink, PeerJsLink]> {
  const a = makeLink(x);
  const b = makeLink(y);
  a.connect(y, b.peerJsId);
  b.connect(x, a.peerJsId);
  await vi.waitFor(() => expect([a, b].every((l) => eventsOf(l).some((e) => e.kind === 'open')), 'both open').toBe(true), { timeout: 8000, interval: 5 });
  return [a, b];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

beforeAll(async () => {
  Peer = await installPeerJsGlobals();
  server = await startPeerJsServer();
});

afterEach(() => {
  for (const link of live.splice(0)) link.close();
  seen.clear();
  run += 1;
});

afterAll(async () => {
  for (const link of live.splice(0)) link.close();
  await server.close();
});

describe('PeerJS link', () => {
  it('registers with the server, connects two members and carries bytes on both channels', async () => {
    const [a, b] = await pair('alice', 'bob');
    expect(await a.ready).toEqual({ ok: true });
    expect(eventsOf(a)).toEqual([{ kind: 'open', peer: 'bob' }]);
    expect(eventsOf(b)).toEqual([{ kind: 'open', peer: 'alice' }]);
    expect(a.connectedPeers()).toEqual(['bob']);
    expect(b.connectedPeers()).toEqual(['alice']);

    a.unreliable.send('bob', new Uint8Array([1, 2, 3]));
    b.unreliable.send('alice', new Uint8Array([4, 0, 255]));
    a.reliable.send('bob', new Uint8Array([6]));
    b.reliable.send('alice', new Uint8Array([7, 8]));
    // `from` is the member id, not the PeerJS id.
    expect(await collect(() => b.unreliable.receiveAll(), 1)).toEqual([{ from: 'alice', bytes: new Uint8Array([1, 2, 3]) }]);
    expect(await collect(() => a.unreliable.receiveAll(), 1)).toEqual([{ from: 'bob', bytes: new Uint8Array([4, 0, 255]) }]);
    expect(await collect(() => b.reliable.receiveAll(), 1)).toEqual([{ from: 'alice', bytes: new Uint8Array([6]) }]);
    expect(await collect(() => a.reliable.receiveAll(), 1)).toEqual([{ from: 'bob', bytes: new Uint8Array([7, 8]) }]);
  }, 15_000);

  it('uses a negotiated unordered maxRetransmits-0 input channel and a reliable ordered DataConnection', async () => {
    const [a, b] = await pair('alice', 'bob');
    for (const [link, other] of [[a, 'bob'], [b, 'alice']] as const) {
      const info = link.channelInfo(other);
      expect(info?.unreliable).toMatchObject({ negotiated: true, id: INPUT_CHANNEL_ID, ordered: false, maxRetransmits: 0, readyState: 'open' });
      expect(info?.reliable).toMatchObject({ negotiated: false, ordered: true, readyState: 'open' });
      expect([null, 65535]).toContain(info?.reliable?.maxRetransmits);
      expect([null, 65535]).toContain(info?.reliable?.maxPacketLifeTime);
    }
  }, 15_000);

  it('keeps random byte strings intact (raw serialization, views into larger buffers)', async () => {
    const [a, b] = await pair('alice', 'bob');
    const message = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 1200 }), fc.nat(16));
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 10 }), async (batch) => {
        const sent = batch.map(([bytes, pre]) => {
          const backing = new Uint8Array(pre + bytes.length + 8).fill(0xab);
          backing.set(bytes, pre);
          return backing.subarray(pre, pre + bytes.length);
        });
        for (const view of sent) {
          b.reliable.send('alice', view);
          b.unreliable.send('alice', view);
        }
        const reliable = await collect(() => a.reliable.receiveAll(), sent.length);
        const unreliable = await collect(() => a.unreliable.receiveAll(), sent.length);
        expect(reliable.map((d) => hex(d.bytes))).toEqual(sent.map(hex));
        expect(unreliable.map((d) => hex(d.bytes)).sort()).toEqual(sent.map(hex).sort());
        expect(new Set([...reliable, ...unreliable].map((d) => d.from))).toEqual(new Set(['bob']));
      }),
      { numRuns: 20 },
    );
  }, 15_000);

  it('accepts the offer even when the answering side learns of the caller later', async () => {
    const a = makeLink('a1');
    const b = makeLink('b1');
    await b.ready;
    a.connect('b1', b.peerJsId); // b has not called connect yet: the metadata names the caller
    await vi.waitFor(() => expect(eventsOf(b).some((e) => e.kind === 'open' && e.peer === 'a1'), 'b open').toBe(true), { timeout: 8000, interval: 5 });
    b.connect('a1', a.peerJsId); // now a no-op
    await vi.waitFor(() => expect(eventsOf(a).some((e) => e.kind === 'open' && e.peer === 'b1'), 'a open').toBe(true), { timeout: 8000, interval: 5 });
    b.unreliable.send('a1', new Uint8Array([9]));
    expect(await collect(() => a.unreliable.receiveAll(), 1)).toEqual([{ from: 'b1', bytes: new Uint8Array([9]) }]);
  }, 15_000);

  it('reports a closed member to the other side; close() is idempotent and sends are dropped', async () => {
    const [a, b] = await pair('alice', 'bob');
    b.close();
    b.close();
    await vi.waitFor(() => expect(eventsOf(a).some((e) => e.kind === 'close' && e.peer === 'bob'), 'alice sees bob close').toBe(true), { timeout: 8000, interval: 5 });
    expect(a.connectedPeers()).toEqual([]);
    expect(() => a.unreliable.send('bob', new Uint8Array([1]))).not.toThrow();
    expect(() => a.reliable.send('bob', new Uint8Array([1]))).not.toThrow();
    expect(() => b.reliable.send('alice', new Uint8Array([1]))).not.toThrow();
    expect(eventsOf(a).filter((e) => e.kind === 'close')).toEqual([{ kind: 'close', peer: 'bob' }]);
    expect(await b.ready).toEqual({ ok: true }); // already settled before close
  }, 15_000);

  it('fails a connection to an unknown PeerJS id with error then close', async () => {
    const a = makeLink('a', { connectTimeoutMs: 800 });
    a.connect('b', 'nobody-home');
    await vi.waitFor(() => expect(eventsOf(a).some((e) => e.kind === 'close'), 'close of b').toBe(true), { timeout: 6000, interval: 5 });
    expect(eventsOf(a).map((e) => e.kind)).toEqual(['error', 'close']);
    expect(eventsOf(a)[0]).toMatchObject({ kind: 'error', peer: 'b' });
  }, 15_000);

  it('settles ready with an error when the PeerJS id is taken', async () => {
    const first = makeLink('x', { peerJsId: `taken-${run}` });
    expect(await first.ready).toEqual({ ok: true });
    const second = makeLink('y', { peerJsId: `taken-${run}` });
    const result = await second.ready;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/unavailable-id|taken/i);
  }, 15_000);
});
