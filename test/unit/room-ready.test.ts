// One truth for "ready" (issue #9, item 6): the lobby server's flags, mirrored by every room (the
// host's `reopen` clears them all on the server without a word per member, so each room clears its
// copies the same way and a member already Ready for the rematch tells the server again), and
// "in match" for a member the server's `lobby-started` found in the match until it tells its flag.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ClientMessage } from '../../src/lobby/protocol.ts';
import { Room, type MeshLink } from '../../src/lobby/room.ts';
import { WatchRoom } from '../../src/lobby/watch-room.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';

async function room(): Promise<{ room: Room; emit: ReturnType<typeof fakeSignaling>['emit']; sent: ClientMessage[] }> {
  const { client, emit, sent } = fakeSignaling();
  const [a, b] = createLoopbackPair('m2', 'm1');
  const link: MeshLink = { localId: 'm2', unreliable: a, reliable: b, connectedPeers: () => [], drainEvents: () => [], close: () => undefined, connect: () => undefined, disconnect: () => undefined };
  const entering = Room.join({ signaling: client, createLink: () => link, now: () => 0, random: () => 7 }, 'c'.repeat(22), 'Bob');
  emit({
    kind: 'joined', memberId: 'm2', code: 'c'.repeat(22), linkPath: '/lobby/' + 'c'.repeat(22), hostId: 'm1', settings: DEFAULT_SETTINGS, started: false, iceServers: [], peer: null,
    members: [{ id: 'm1', name: 'Ann', ready: true, peerId: '' }, { id: 'm2', name: 'Bob', ready: true, peerId: '' }, { id: 'm3', name: 'Cid', ready: true, peerId: '' }],
  });
  const r = await entering;
  if (!r.ok) throw new Error(r.error);
  return { room: r.room, emit, sent };
}

const readiness = (r: Room): string[] => r.members.map((m) => r.readiness(m.id));
const flags = (r: Room): boolean[] => r.members.map((m) => m.ready);
const readySent = (sent: readonly ClientMessage[]): boolean[] => sent.flatMap((m) => (m.kind === 'set-ready' ? [m.ready] : []));

describe('ready in the lobby', () => {
  it('members of the started match read "in match" until they tell their flag; the reopen clears every copy', async () => {
    const { room: r, emit, sent } = await room();
    emit({ kind: 'lobby-started' });
    expect(readiness(r)).toEqual(['in-match', 'not-ready', 'in-match']); // we are back in the lobby, not ready
    // We press Ready for the rematch (the server echoes it); Ann and Cid are still on their end screens.
    r.setReady(true);
    emit({ kind: 'member-updated', member: { id: 'm2', name: 'Bob', ready: true, peerId: '' } });
    expect(readiness(r)).toEqual(['in-match', 'ready', 'in-match']);
    // Ann (the host) comes back: `reopen` (the server clears every flag, ours included), then her Not ready.
    emit({ kind: 'lobby-reopened' });
    expect(flags(r)).toEqual([false, false, false]); // what the server now holds
    expect(readySent(sent)).toEqual([true, true]); // and we tell it again that we are Ready
    emit({ kind: 'member-updated', member: { id: 'm1', name: 'Ann', ready: false, peerId: '' } });
    emit({ kind: 'member-updated', member: { id: 'm2', name: 'Bob', ready: true, peerId: '' } });
    expect(readiness(r)).toEqual(['not-ready', 'ready', 'in-match']);
    expect(flags(r)).toEqual([false, true, false]); // Cid's copy: cleared, as on the server
    // Cid leaves his match for the lobby without a Ready: his flag tells it.
    emit({ kind: 'member-updated', member: { id: 'm3', name: 'Cid', ready: false, peerId: '' } });
    expect(readiness(r)).toEqual(['not-ready', 'ready', 'not-ready']);
    // Everyone's displayed state is the server's flag now (ours is our own choice, which we sent).
    expect(readiness(r).map((x) => x === 'ready')).toEqual(flags(r));
  });

  it('a reopen while we are not ready sends nothing, and clears flags the server cleared', async () => {
    const { room: r, emit, sent } = await room();
    emit({ kind: 'lobby-reopened' });
    expect(flags(r)).toEqual([false, false, false]);
    expect(readiness(r)).toEqual(['not-ready', 'not-ready', 'not-ready']);
    expect(readySent(sent)).toEqual([]);
  });
});

// A watcher's lobby screen shows the same truth: "In match" only for the players still in the
// started match, not for everyone while the lobby is started (issue #9, item 6).
describe('ready on a watcher\'s lobby screen', () => {
  async function watcher(): Promise<{ room: WatchRoom; emit: ReturnType<typeof fakeSignaling>['emit'] }> {
    const { client, emit } = fakeSignaling();
    const [a, b] = createLoopbackPair('w1', 'm1');
    const link: MeshLink = { localId: 'w1', unreliable: a, reliable: b, connectedPeers: () => [], drainEvents: () => [], close: () => undefined, connect: () => undefined, disconnect: () => undefined };
    const entering = WatchRoom.watch({ signaling: client, createLink: () => link, now: () => 0, random: () => 7 }, 'c'.repeat(22), 'Wat');
    emit({
      kind: 'joined', memberId: 'w1', code: 'c'.repeat(22), linkPath: '/lobby/' + 'c'.repeat(22), hostId: 'm1', settings: DEFAULT_SETTINGS, started: true, iceServers: [], peer: null,
      members: [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }, { id: 'm3', name: 'Cid', ready: false, peerId: '' }],
      role: 'watcher', watchers: [{ id: 'w1', name: 'Wat', peerId: '' }],
    });
    const r = await entering;
    if (!r.ok) throw new Error(r.error);
    return { room: r.room, emit };
  }
  const shown = (r: WatchRoom): string[] => r.members.map((m) => r.readiness(m.id));

  it('players of the running match read "in match" until they tell their flag, then their flag', async () => {
    const { room: r, emit } = await watcher();
    expect(shown(r)).toEqual(['in-match', 'in-match', 'in-match']); // joined a started lobby
    emit({ kind: 'member-updated', member: { id: 'm2', name: 'Bob', ready: false, peerId: '' } }); // Bob left his match
    expect(shown(r)).toEqual(['in-match', 'not-ready', 'in-match']);
    emit({ kind: 'member-updated', member: { id: 'm2', name: 'Bob', ready: true, peerId: '' } }); // and is Ready again
    emit({ kind: 'lobby-reopened' }); // Ann (the host) back from the match: every flag cleared
    expect(shown(r)).toEqual(['in-match', 'not-ready', 'in-match']);
    emit({ kind: 'member-updated', member: { id: 'm1', name: 'Ann', ready: false, peerId: '' } });
    emit({ kind: 'member-left', memberId: 'm3', reason: 'left' });
    expect(shown(r)).toEqual(['not-ready', 'not-ready']);
    emit({ kind: 'lobby-started' }); // the rematch
    expect(shown(r)).toEqual(['in-match', 'in-match']);
  });
});
