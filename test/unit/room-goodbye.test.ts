// A goodbye reads as a goodbye (issue #9, item 2): a peer closing its tab breaks its channels (an
// "input channel error") just before the lobby server's `member-left` arrives. The room holds a link
// error for a short grace and drops it when the member left meanwhile; a member still listed after the
// grace gets its error told.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/lobby/protocol.ts';
import { PEER_ERROR_GRACE_MS, Room, type MeshLink } from '../../src/lobby/room.ts';
import type { LinkEvent } from '../../src/transport/link.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';

async function room(): Promise<{ room: Room; emit: ReturnType<typeof fakeSignaling>['emit']; events: LinkEvent[] }> {
  const { client, emit } = fakeSignaling();
  const [a, b] = createLoopbackPair('m2', 'm1');
  const events: LinkEvent[] = [];
  const link: MeshLink = { localId: 'm2', unreliable: a, reliable: b, connectedPeers: () => [], drainEvents: () => events.splice(0), close: () => undefined, connect: () => undefined, disconnect: () => undefined };
  const entering = Room.join({ signaling: client, createLink: () => link, now: () => 0, random: () => 7 }, 'c'.repeat(22), 'Bob');
  emit({
    kind: 'joined', memberId: 'm2', code: 'c'.repeat(22), linkPath: '/lobby/' + 'c'.repeat(22), hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
    members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }, { id: 'm3', name: 'Cid', ready: false, peerId: '' }],
  });
  const r = await entering;
  if (!r.ok) throw new Error(r.error);
  return { room: r.room, emit, events };
}

const peerErrors = (r: Room): string[] => r.drainEvents().flatMap((e) => (e.kind === 'peer-error' ? [e.peer] : []));

describe('a link error around a goodbye', () => {
  it('is dropped when the member leaves within the grace, told when it stays', async () => {
    const { room: r, emit, events } = await room();
    events.push({ kind: 'error', peer: 'm1', message: 'input channel error' }, { kind: 'error', peer: 'm3', message: 'input channel error' });
    r.update(0);
    expect(peerErrors(r)).toEqual([]); // not at once
    emit({ kind: 'member-left', memberId: 'm1', reason: 'left' }); // Ann closed her tab
    r.update(PEER_ERROR_GRACE_MS - 1);
    expect(peerErrors(r)).toEqual([]);
    r.update(PEER_ERROR_GRACE_MS);
    expect(peerErrors(r)).toEqual(['m3']); // Cid is still listed: its link really failed
    r.update(PEER_ERROR_GRACE_MS * 3);
    expect(peerErrors(r)).toEqual([]); // told once
  });
});
