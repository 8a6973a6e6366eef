// Signals that arrive before the transport is ready are buffered for it; a member flooding signals while
// our createLink waits cannot make that buffer grow without bound (review finding 13).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/lobby/protocol.ts';
import { EARLY_SIGNALS } from '../../src/lobby/early-signals.ts';
import { Room, type MeshLink } from '../../src/lobby/room.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';

describe('early signals', () => {
  it.each([
    ['bytes', 15_000, 5000],
    ['count', 10, 5000],
  ] as const)('are kept up to a budget (%s), the rest dropped and counted; honest early signals arrive in order', async (_what, size, flood) => {
    const { client, emit } = fakeSignaling();
    const [a, b] = createLoopbackPair('m2', 'm1');
    let ready: (l: MeshLink) => void = () => undefined;
    const delivered: unknown[] = [];
    const link: MeshLink = { localId: 'm2', unreliable: a, reliable: b, connectedPeers: () => [], drainEvents: () => [], close: () => undefined, connect: () => undefined, disconnect: () => undefined };
    const entering = Room.join(
      {
        signaling: client,
        createLink: (ctx) =>
          new Promise<MeshLink>((resolve) => {
            ready = (l) => {
              ctx.relay.onSignal((_from, data) => delivered.push(data));
              resolve(l);
            };
          }),
        now: () => 0,
        random: () => 7,
      },
      'c'.repeat(22),
      'Bob',
    );
    emit({
      kind: 'joined', memberId: 'm2', code: 'c'.repeat(22), linkPath: '/lobby/' + 'c'.repeat(22), hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
      members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }],
    });
    await new Promise((r) => setTimeout(r, 0)); // the room subscribes once `joined` is in
    emit({ kind: 'signal', from: 'm1', data: { type: 'offer', sdp: 'v=0' } });
    emit({ kind: 'signal', from: 'm1', data: { candidate: 'c1' } });
    const big = 'x'.repeat(size);
    for (let i = 0; i < flood; i++) emit({ kind: 'signal', from: 'm1', data: { candidate: big } });
    ready(link);
    const r = await entering;
    if (!r.ok) throw new Error(r.error);
    expect(delivered.slice(0, 2)).toEqual([{ type: 'offer', sdp: 'v=0' }, { candidate: 'c1' }]);
    expect(delivered.length).toBeLessThanOrEqual(EARLY_SIGNALS.count);
    expect((delivered.length - 2) * size).toBeLessThanOrEqual(EARLY_SIGNALS.bytes);
    if (_what === 'count') expect(delivered).toHaveLength(EARLY_SIGNALS.count);
    expect(r.room.earlySignalsDropped).toBe(flood + 2 - delivered.length);
    emit({ kind: 'signal', from: 'm1', data: { candidate: 'late' } }); // once the transport listens, nothing is held back
    expect(delivered.at(-1)).toEqual({ candidate: 'late' });
  });
});
