/**
 * Room.enter: signals that arrive between `joined` and the transport subscribing (createLink may wait on
 * the network) are buffered and delivered, not lost; a transport that fails to start is a clear error.
 * A member who leaves keeps its name in what the room reports about the departure.
 */
import { describe, expect, it } from 'vitest';
import { Room, type LinkContext, type MeshLink, type RoomOptions } from '../../src/lobby/room.ts';
import { DEFAULT_SETTINGS, type ServerMessage } from '../../src/lobby/protocol.ts';
import type { SignalingClient } from '../../src/lobby/signaling-client.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';
import { fakeSignaling } from '../support/fake-signaling.ts';


const joined: ServerMessage & { kind: 'joined' } = {
  kind: 'joined',
  memberId: 'm2',
  code: 'c'.repeat(22),
  linkPath: '/lobby/' + 'c'.repeat(22),
  members: [
    { id: 'm1', name: 'Ann', ready: false, peerId: '' },
    { id: 'm2', name: 'Bob', ready: false, peerId: '' },
  ],
  hostId: 'm1',
  settings: DEFAULT_SETTINGS,
  started: false,
  iceServers: [],
  peer: null,
};

function fakeLink(events: ReturnType<MeshLink['drainEvents']> = []): MeshLink {
  const [a] = [...createLoopbackPair('m2', 'm1')];
  const socket = a ?? { send: () => undefined, receiveAll: () => [] };
  const drainEvents = (): ReturnType<MeshLink['drainEvents']> => events.splice(0, events.length);
  return { localId: 'm2', unreliable: socket, reliable: socket, connectedPeers: () => [], drainEvents, close: () => undefined, connect: () => undefined, disconnect: () => undefined };
}

function options(signaling: SignalingClient, createLink: (ctx: LinkContext) => Promise<MeshLink>): RoomOptions {
  return { signaling, createLink, now: () => 0, random: () => 7 };
}

describe('Room.enter', () => {
  it('buffers signals that arrive before the transport subscribes and delivers them in order', async () => {
    const { client, emit } = fakeSignaling();
    let release: (() => void) | undefined;
    const received: unknown[] = [];
    const entering = Room.join(
      options(client, async (ctx) => {
        await new Promise<void>((r) => (release = r)); // the transport is still starting…
        ctx.relay.onSignal((from, data) => received.push([from, data]));
        return fakeLink();
      }),
      joined.code,
      'Bob',
    );
    emit(joined);
    await Promise.resolve();
    emit({ kind: 'signal', from: 'm1', data: { type: 'offer', sdp: 'x' } }); // …when the offer arrives
    emit({ kind: 'signal', from: 'm1', data: { candidate: 'c1' } });
    release?.();
    const r = await entering;
    expect(r.ok).toBe(true);
    expect(received).toEqual([
      ['m1', { type: 'offer', sdp: 'x' }],
      ['m1', { candidate: 'c1' }],
    ]);
    emit({ kind: 'signal', from: 'm1', data: { candidate: 'c2' } }); // later ones go straight through
    expect(received).toHaveLength(3);
  });

  it('reports a transport that cannot start as an error and leaves the lobby', async () => {
    const { client, emit, sent } = fakeSignaling();
    const entering = Room.join(options(client, async () => Promise.reject(new Error('PeerJS server refused the id'))), joined.code, 'Bob');
    emit(joined);
    const r = await entering;
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('PeerJS server refused the id') });
    expect(sent.at(-1)).toEqual({ kind: 'leave' });
  });
});

describe('Room departures', () => {
  it("names a member who left in the handshake's abort reason, whichever of signaling or the channel reports it first", async () => {
    // Over PeerJS the server's member-left often beats the data channel's close; the name must survive.
    for (const order of ['signaling first', 'channel first'] as const) {
      const { client, emit } = fakeSignaling();
      const linkEvents: ReturnType<MeshLink['drainEvents']> = [
        { kind: 'open', peer: 'm1' },
        { kind: 'open', peer: 'm3' },
      ];
      const entering = Room.join(options(client, async () => fakeLink(linkEvents)), joined.code, 'Bob');
      emit({ ...joined, members: [...joined.members, { id: 'm3', name: 'Cat', ready: false, peerId: '' }] });
      const r = await entering;
      if (!r.ok) throw new Error(r.error);
      const room = r.room;
      room.update(0);
      expect(room.handshake?.phase).toBe('syncing');
      if (order === 'channel first') linkEvents.push({ kind: 'close', peer: 'm3' });
      else emit({ kind: 'member-left', memberId: 'm3', reason: 'left' });
      room.update(1);
      if (order === 'channel first') emit({ kind: 'member-left', memberId: 'm3', reason: 'left' });
      else linkEvents.push({ kind: 'close', peer: 'm3' });
      room.update(2);
      const aborted = room.drainEvents().filter((e) => e.kind === 'handshake-aborted');
      expect(aborted, order).toEqual([{ kind: 'handshake-aborted', code: 'left', about: ['m3'], reason: 'Cat left', starting: false }]); // nobody was Ready
      expect(room.nameOf('m3')).toBe('Cat');
      expect(room.members.map((m) => m.id)).toEqual(['m1', 'm2']);
    }
  });
});
