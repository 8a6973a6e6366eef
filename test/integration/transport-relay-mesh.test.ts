// The transports' plumbing without WebRTC: the in-memory signal relay and the mesh bookkeeping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMesh, toBytes, type ChannelKind } from '../../src/transport/mesh.ts';
import { createMemoryRelayHub } from '../../src/transport/signal-relay.ts';

/** Let pending timers (the hub's delivery) run. */
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('memory relay hub', () => {
  it('delivers a JSON copy asynchronously, holds signals until someone subscribes', async () => {
    const hub = createMemoryRelayHub();
    const got: [string, unknown][] = [];
    const payload = { type: 'offer', sdp: 'v=0', nested: { n: 1 } };
    hub.relay('a').send('b', payload);
    hub.relay('a').send('b', { drop: undefined, keep: 2 });
    await flush();
    expect(got).toEqual([]); // b has no handler yet
    const off = hub.relay('b').onSignal((from, p) => got.push([from, p]));
    expect(got).toEqual([]); // never delivered from inside onSignal
    await flush();
    expect(got).toEqual([
      ['a', payload],
      ['a', { keep: 2 }],
    ]);
    expect(got[0]?.[1]).not.toBe(payload);
    off();
    hub.relay('a').send('b', { x: 1 });
    hub.relay('b').send('b', { self: true }); // to itself: dropped
    await flush();
    expect(got).toHaveLength(2);
    expect(hub.delivered()).toBe(2);
    hub.close();
  });

  it('drops everything after close', async () => {
    const hub = createMemoryRelayHub();
    const got: unknown[] = [];
    hub.relay('b').onSignal((_f, p) => got.push(p));
    hub.relay('a').send('b', { x: 1 });
    hub.close();
    await flush();
    expect(got).toEqual([]);
  });
});

describe('toBytes', () => {
  it('copies any binary view into a plain Uint8Array and rejects text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, pre) => {
        const backing = new Uint8Array(pre + bytes.length);
        backing.set(bytes, pre);
        for (const input of [backing.subarray(pre), Buffer.from(bytes), bytes.slice().buffer]) {
          const out = toBytes(input);
          expect(out).not.toBeNull();
          expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
          expect(Array.from(out ?? [])).toEqual(Array.from(bytes));
          expect(out?.buffer).not.toBe((input as { buffer?: unknown }).buffer ?? input);
        }
      }),
    );
    expect(toBytes('text')).toBeNull();
    expect(toBytes(null)).toBeNull();
    expect(toBytes({ length: 1 })).toBeNull();
  });
});

describe('mesh bookkeeping', () => {
  const handle = (log: string[], name: string) => ({
    send: (ch: ChannelKind, b: Uint8Array) => log.push(`${name}:${ch}:${b.length}`),
    destroy: () => log.push(`${name}:destroy`),
  });

  it('opens a peer only when both channels are open and sends only to open peers', () => {
    const log: string[] = [];
    const mesh = createMesh('me');
    const e = mesh.add('p', handle(log, 'p'));
    mesh.reliable.send('p', new Uint8Array(1));
    mesh.channelOpen(e, 'reliable');
    expect(mesh.drainEvents()).toEqual([]);
    mesh.unreliable.send('p', new Uint8Array(2));
    expect(log).toEqual([]);
    mesh.channelOpen(e, 'unreliable');
    mesh.channelOpen(e, 'unreliable');
    expect(mesh.drainEvents()).toEqual([{ kind: 'open', peer: 'p' }]);
    expect(mesh.connectedPeers()).toEqual(['p']);
    mesh.unreliable.send('p', new Uint8Array(3));
    mesh.reliable.send('q', new Uint8Array(3));
    expect(log).toEqual(['p:unreliable:3']);
  });

  it('ignores stale entries after a replacement and reports error then close once', () => {
    const log: string[] = [];
    const mesh = createMesh('me');
    const old = mesh.add('p', handle(log, 'old'));
    const cur = mesh.add('p', handle(log, 'new'));
    expect(log).toEqual(['old:destroy']);
    mesh.channelOpen(old, 'reliable');
    mesh.channelOpen(old, 'unreliable');
    mesh.deliver(old, 'unreliable', new Uint8Array([1]));
    mesh.remove(old, 'late');
    expect(mesh.drainEvents()).toEqual([]);
    expect(mesh.unreliable.receiveAll()).toEqual([]);
    mesh.deliver(cur, 'unreliable', new Uint8Array([2]).buffer);
    mesh.deliver(cur, 'unreliable', 'a string is not a datagram');
    expect(mesh.unreliable.receiveAll()).toEqual([{ from: 'p', bytes: new Uint8Array([2]) }]);
    mesh.remove(cur, 'boom');
    mesh.remove(cur, 'again');
    expect(mesh.drainEvents()).toEqual([
      { kind: 'error', peer: 'p', message: 'boom' },
      { kind: 'close', peer: 'p' },
    ]);
    expect(log).toEqual(['old:destroy', 'new:destroy']);
  });

  it("bounds the inbound queue per peer, dropping the sender's newest", () => {
    const mesh = createMesh('me', { maxQueuedDatagrams: 3 });
    const e = mesh.add('p', handle([], 'p'));
    for (let i = 0; i < 5; i += 1) mesh.deliver(e, 'reliable', new Uint8Array([i]));
    expect(mesh.reliable.receiveAll().map((d) => d.bytes[0])).toEqual([0, 1, 2]);
    expect(mesh.reliable.receiveAll()).toEqual([]);
  });

  it('stamps each inbound datagram with its arrival time when given a clock, and not without one', () => {
    let t = 100;
    const mesh = createMesh('me', { now: () => t });
    const e = mesh.add('p', handle([], 'p'));
    mesh.deliver(e, 'unreliable', new Uint8Array([1]));
    t = 116.5;
    mesh.deliver(e, 'unreliable', new Uint8Array([2]));
    t = 130;
    expect(mesh.unreliable.receiveAll().map((d) => [d.bytes[0], d.at])).toEqual([[1, 100], [2, 116.5]]);
    const plain = createMesh('me');
    plain.deliver(plain.add('p', handle([], 'p')), 'unreliable', new Uint8Array([3]));
    expect(plain.unreliable.receiveAll()).toEqual([{ from: 'p', bytes: new Uint8Array([3]) }]);
  });

  it("one peer's flood cannot push out another peer's messages (count and bytes)", () => {
    const mesh = createMesh('me', { limits: { queuedBytes: 1000 } });
    const b = mesh.add('b', handle([], 'b'));
    const m = mesh.add('m', handle([], 'm'));
    mesh.deliver(b, 'reliable', new Uint8Array([42]));
    for (let i = 0; i < 5000; i += 1) mesh.deliver(m, 'reliable', new Uint8Array([i & 0xff]));
    mesh.deliver(b, 'reliable', new Uint8Array([43]));
    const got = mesh.reliable.receiveAll();
    expect(got.filter((d) => d.from === 'b').map((d) => d.bytes[0])).toEqual([42, 43]);
    expect(got.filter((d) => d.from === 'm')).toHaveLength(1000); // m's own byte budget
    expect(mesh.stats().overflow.reliable).toBe(4000);
    for (let i = 0; i < 5000; i += 1) mesh.deliver(m, 'unreliable', new Uint8Array(1));
    mesh.deliver(b, 'unreliable', new Uint8Array([7]));
    expect(mesh.unreliable.receiveAll().filter((d) => d.from === 'b')).toHaveLength(1);
  });

  it('drops an oversize message before copying it, refuses oversize sends, and bounds the queue in bytes; all counted', () => {
    const log: string[] = [];
    const mesh = createMesh('me', { limits: { reliableBytes: 100, unreliableBytes: 50, queuedBytes: 250 } });
    const e = mesh.add('p', handle(log, 'p'));
    mesh.channelOpen(e, 'reliable');
    mesh.channelOpen(e, 'unreliable');
    mesh.deliver(e, 'reliable', new Uint8Array(101));
    mesh.deliver(e, 'unreliable', new ArrayBuffer(51));
    mesh.reliable.send('p', new Uint8Array(101));
    mesh.reliable.send('p', new Uint8Array(100));
    expect(log).toEqual(['p:reliable:100']);
    for (let i = 0; i < 4; i += 1) mesh.deliver(e, 'reliable', new Uint8Array(100).fill(i));
    expect(mesh.reliable.receiveAll().map((d) => d.bytes[0])).toEqual([0, 1]); // 250 bytes hold two of them
    expect(mesh.unreliable.receiveAll()).toEqual([]);
    expect(mesh.stats()).toEqual({ oversize: { reliable: 1, unreliable: 1 }, refused: { reliable: 1, unreliable: 0 }, overflow: { reliable: 2, unreliable: 0 } });
    expect(mesh.connectedPeers()).toEqual(['p']);
  });

  it('closeAll destroys every peer silently and is idempotent', () => {
    const log: string[] = [];
    const mesh = createMesh('me');
    mesh.add('a', handle(log, 'a'));
    mesh.add('b', handle(log, 'b'));
    mesh.closeAll();
    mesh.closeAll();
    expect(log.sort()).toEqual(['a:destroy', 'b:destroy']);
    expect(mesh.drainEvents()).toEqual([]);
    expect(mesh.isClosed()).toBe(true);
    expect(mesh.connectedPeers()).toEqual([]);
  });
});
