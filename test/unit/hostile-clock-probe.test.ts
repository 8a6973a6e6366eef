/** Clock probes: a reply's echo of our send time is the peer's word; the RTT comes from our own record. */
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/netcode/codec.ts';
import { PeerEndpoint } from '../../src/netcode/endpoint.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';

function probe(): { e: PeerEndpoint; nonce: number; t0: number } {
  const mesh = createLoopbackMesh(['a', 'b']);
  const a = mesh.get('a');
  const b = mesh.get('b');
  if (a === undefined || b === undefined) throw new Error('no mesh');
  const e = new PeerEndpoint('b', 1, 42, a, 0);
  e.sendSyncRequest(10_000);
  const [d] = b.receiveAll();
  const r = d === undefined ? undefined : decodePacket(d.bytes);
  if (r === undefined || !r.ok || r.packet.message.kind !== 'sync-request') throw new Error('no probe');
  return { e, nonce: r.packet.message.nonce, t0: r.packet.message.t0 };
}

describe('clock-probe replies', () => {
  it('drops and counts a reply that echoes a send time its probe never had (no 9 s RTT from a liar)', () => {
    const { e, nonce, t0 } = probe();
    e.onSyncReply({ kind: 'sync-reply', nonce, t0: t0 - 9_000, t1: 0, t2: 0 }, 10_020);
    expect(e.clock.samples).toBe(0);
    expect(e.rejected['sync-mismatch']).toBe(1);
  });

  it('takes an honest reply, its RTT measured from our own send time', () => {
    const { e, nonce, t0 } = probe();
    e.onSyncReply({ kind: 'sync-reply', nonce, t0, t1: 5, t2: 5 }, 10_020);
    expect(e.clock.samples).toBe(1);
    expect(e.clock.rttMs).toBe(20);
    expect(e.rejected['sync-mismatch']).toBe(0);
  });
});
