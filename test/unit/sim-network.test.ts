import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PeerId, PeerSocket } from '../../src/netcode/socket.ts';
import { makeLinkConditions, type LinkConditions } from '../../src/transport/link-model.ts';
import { DeliveryQueue, SimNetwork } from '../../src/transport/sim-network.ts';

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const firstBytes = (socket: PeerSocket): number[] => socket.receiveAll().map((d) => d.bytes[0] ?? -1);

function sockets(net: SimNetwork, ids: readonly PeerId[]): Map<PeerId, PeerSocket> {
  return new Map(ids.map((id) => [id, net.createSocket(id)]));
}

function get(map: Map<PeerId, PeerSocket>, id: PeerId): PeerSocket {
  const s = map.get(id);
  if (s === undefined) throw new Error(`no socket ${id}`);
  return s;
}

describe('DeliveryQueue', () => {
  it('pops in (time, push order) order, like a stable sort', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), fc.integer({ min: 0, max: 20 }), (times, cut) => {
      const q = new DeliveryQueue<number>();
      times.forEach((t, i) => q.push(t, i));
      const expected = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((e) => e.i);
      const due = q.popDue(cut);
      expect(due).toEqual(expected.slice(0, due.length));
      expect(due.every((i) => (times[i] ?? Infinity) <= cut)).toBe(true);
      expect([...due, ...q.drain()]).toEqual(expected);
      expect(q.size).toBe(0);
    }), { numRuns: 300 });
  });

  it('popNextDue hands out one due item at a time, in the order popDue would, then undefined', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 100 }), fc.integer({ min: 0, max: 20 }), (times, cut) => {
      const a = new DeliveryQueue<number>();
      const b = new DeliveryQueue<number>();
      times.forEach((t, i) => (a.push(t, i), b.push(t, i)));
      const one: number[] = [];
      for (let item = a.popNextDue(cut); item !== undefined; item = a.popNextDue(cut)) one.push(item);
      expect(one).toEqual(b.popDue(cut));
      expect(a.size).toBe(b.size);
    }), { numRuns: 200 });
  });
});

describe('SimNetwork basics', () => {
  it('delivers on a perfect link at the same virtual instant', () => {
    const net = new SimNetwork({ seed: 1 });
    const s = sockets(net, ['a', 'b']);
    get(s, 'a').send('b', bytes(7));
    expect(get(s, 'b').receiveAll()).toEqual([{ from: 'a', bytes: bytes(7) }]);
    expect(get(s, 'b').receiveAll()).toEqual([]);
  });

  it('holds packets until their delivery time, then orders them by time with ties in send order', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: makeLinkConditions({ latencyMs: 50 }) });
    const s = sockets(net, ['a', 'b', 'c']);
    net.setLink('a', 'c', makeLinkConditions({ latencyMs: 30 }));
    get(s, 'b').send('c', bytes(1)); // due 50
    get(s, 'a').send('c', bytes(2)); // due 30
    net.advanceTo(20);
    get(s, 'a').send('c', bytes(3)); // due 50, sent after 1
    net.advanceTo(49);
    expect(firstBytes(get(s, 'c'))).toEqual([2]);
    expect(net.nextDeliveryAt('c')).toBe(50);
    net.advanceBy(1);
    expect(firstBytes(get(s, 'c'))).toEqual([1, 3]);
    expect(net.nextDeliveryAt()).toBeUndefined();
  });

  it('copies the bytes on send, and gives each duplicate its own buffer', () => {
    const net = new SimNetwork({ seed: 4, defaultLink: makeLinkConditions({ duplicate: 1 }) });
    const s = sockets(net, ['a', 'b']);
    const buffer = bytes(1, 2, 3);
    get(s, 'a').send('b', buffer);
    buffer[0] = 99;
    const got = get(s, 'b').receiveAll();
    expect(got.map((d) => Array.from(d.bytes))).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(got[0]?.bytes).not.toBe(got[1]?.bytes);
  });

  it('refuses to go back in time and to create a socket twice', () => {
    const net = new SimNetwork({ seed: 1, startMs: 100 });
    expect(net.now).toBe(100);
    expect(() => net.advanceTo(99)).toThrow(RangeError);
    expect(() => net.advanceBy(Number.NaN)).toThrow(RangeError);
    net.createSocket('a');
    expect(() => net.createSocket('a')).toThrow(/already has a socket/);
    expect(() => net.setAllLinks(makeLinkConditions({ loss: 3 }))).toThrow(RangeError);
  });

  it('drops sends to unknown peers and to oneself, counting them', () => {
    const net = new SimNetwork({ seed: 1 });
    const a = net.createSocket('a');
    a.send('nobody', bytes(1));
    a.send('a', bytes(1));
    expect(a.receiveAll()).toEqual([]);
    expect(net.unknownDestinationDrops).toBe(2);
  });

  it('supports asymmetric links and setAllLinks for existing and future links', () => {
    const net = new SimNetwork({ seed: 1 });
    const s = sockets(net, ['a', 'b']);
    net.setLink('a', 'b', makeLinkConditions({ latencyMs: 100 }));
    net.setLink('b', 'a', makeLinkConditions({ latencyMs: 10 }));
    expect(net.getLink('a', 'b').latencyMs).toBe(100);
    get(s, 'a').send('b', bytes(1));
    get(s, 'b').send('a', bytes(2));
    net.advanceTo(10);
    expect(firstBytes(get(s, 'a'))).toEqual([2]);
    expect(firstBytes(get(s, 'b'))).toEqual([]);
    net.advanceTo(100);
    expect(firstBytes(get(s, 'b'))).toEqual([1]);

    net.setAllLinks(makeLinkConditions({ latencyMs: 5 }));
    const c = net.createSocket('c');
    get(s, 'a').send('b', bytes(3));
    c.send('a', bytes(4));
    net.advanceBy(5);
    expect(firstBytes(get(s, 'b'))).toEqual([3]);
    expect(firstBytes(get(s, 'a'))).toEqual([4]);
  });

  it('counts packets and bytes per directed link', () => {
    const net = new SimNetwork({ seed: 2, defaultLink: makeLinkConditions({ loss: 0.2, duplicate: 0.2 }) });
    const s = sockets(net, ['a', 'b']);
    for (let i = 0; i < 1_000; i++) get(s, 'a').send('b', new Uint8Array(10));
    const received = get(s, 'b').receiveAll().length;
    const st = net.linkStats('a', 'b');
    expect(st.sentPackets).toBe(1_000);
    expect(st.sentBytes).toBe(10_000);
    expect(st.deliveredPackets).toBe(received);
    expect(st.deliveredBytes).toBe(received * 10);
    expect(received).toBe(1_000 - st.lostPackets + st.duplicatedPackets);
    expect(st.lostPackets).toBeGreaterThan(100);
    expect(net.linkStats('b', 'a').sentPackets).toBe(0);
  });
});

describe('SimNetwork outages and suspension', () => {
  it('loses every packet on the wire during an outage, both ways for cutLink', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: makeLinkConditions({ latencyMs: 30 }) });
    const s = sockets(net, ['a', 'b']);
    net.cutLink('a', 'b', 100, 200);
    const sendAt = (t: number, v: number): void => {
      net.advanceTo(t);
      get(s, 'a').send('b', bytes(v));
      get(s, 'b').send('a', bytes(v));
    };
    sendAt(50, 1); // due 80: before the cut
    sendAt(90, 2); // due 120: in flight when the cut starts
    sendAt(150, 3); // sent during the cut
    sendAt(199, 4); // sent during the cut, due after it
    sendAt(200, 5); // sent as the cut ends
    net.advanceTo(1_000);
    expect(firstBytes(get(s, 'b'))).toEqual([1, 5]);
    expect(firstBytes(get(s, 'a'))).toEqual([1, 5]);
    expect(net.linkStats('a', 'b').outageDroppedPackets).toBe(3);
  });

  it('setOutage cuts one direction only and applies to packets already in flight', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: makeLinkConditions({ latencyMs: 30 }) });
    const s = sockets(net, ['a', 'b']);
    get(s, 'a').send('b', bytes(1));
    get(s, 'b').send('a', bytes(2));
    net.setOutage('a', 'b', 10, 20); // declared after the send
    net.advanceTo(30);
    expect(firstBytes(get(s, 'b'))).toEqual([]);
    expect(firstBytes(get(s, 'a'))).toEqual([2]);
  });

  it('a suspended peer neither sends nor receives, then gets everything queued that was not lost', () => {
    const net = new SimNetwork({ seed: 3, defaultLink: makeLinkConditions({ latencyMs: 20, loss: 0.1 }) });
    const s = sockets(net, ['a', 'b']);
    net.suspend('b', 100, 300);
    let sent = 0;
    for (let t = 50; t <= 250; t += 10) {
      net.advanceTo(t);
      get(s, 'a').send('b', bytes(sent++));
      if (t === 150) {
        expect(net.isSuspended('b')).toBe(true);
        expect(get(s, 'b').receiveAll()).toEqual([]);
        get(s, 'b').send('a', bytes(200));
        expect(net.linkStats('b', 'a').suspendedSends).toBe(1);
      }
    }
    expect(net.isSuspended('b', 99)).toBe(false);
    net.advanceTo(299);
    expect(get(s, 'b').receiveAll()).toEqual([]);
    net.advanceTo(300);
    const got = firstBytes(get(s, 'b'));
    expect(got.length).toBe(sent - net.linkStats('a', 'b').lostPackets);
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual([...got].sort((x, y) => x - y));
    expect(firstBytes(get(s, 'a'))).toEqual([]);
    get(s, 'b').send('a', bytes(201));
    net.advanceBy(20);
    expect(firstBytes(get(s, 'a'))).toEqual([201]);
  });
});

describe('SimNetwork determinism and speed', () => {
  const rough: LinkConditions = makeLinkConditions({
    latencyMs: 40, jitterMs: 15, loss: 0.03, duplicate: 0.02, reorder: 0.03, burstLoss: { enter: 0.005, exit: 0.3 },
  });

  /** 4 peers at 60 Hz, each frame every peer sends a 20-byte packet to every other; returns a trace. */
  function simulate(seed: number, frames: number, order: readonly PeerId[] = ['p0', 'p1', 'p2', 'p3']): string[] {
    const net = new SimNetwork({ seed, defaultLink: rough });
    const s = sockets(net, order);
    const ids = ['p0', 'p1', 'p2', 'p3'];
    const packet = new Uint8Array(20);
    const trace: string[] = [];
    for (let f = 0; f < frames; f++) {
      net.advanceTo((f * 1000) / 60);
      for (const id of ids) {
        for (const d of get(s, id).receiveAll()) trace.push(`${f}:${d.from}>${id}:${d.bytes[0]}.${d.bytes[1]}`);
      }
      for (const id of ids) {
        for (const to of ids) {
          if (to === id) continue;
          packet[0] = f & 0xff;
          packet[1] = (f >> 8) & 0xff;
          get(s, id).send(to, packet);
        }
      }
    }
    return trace;
  }

  it('same seed, same run; different seed, different run; socket creation order irrelevant', () => {
    const a = simulate(99, 600);
    expect(a.length).toBeGreaterThan(600 * 12 * 0.9);
    expect(simulate(99, 600)).toEqual(a);
    expect(simulate(99, 600, ['p3', 'p1', 'p0', 'p2'])).toEqual(a);
    expect(simulate(100, 600)).not.toEqual(a);
  });

  it('runs 4 peers x 60 Hz x 10,000 frames quickly', () => {
    const start = performance.now();
    const trace = simulate(5, 10_000);
    const elapsed = performance.now() - start;
    expect(trace.length).toBeGreaterThan(10_000 * 12 * 0.9);
    expect(elapsed).toBeLessThan(5_000);
  });
});
