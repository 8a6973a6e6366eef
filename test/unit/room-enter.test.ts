/**
 * Room.enter: signals that arrive between `joined` and the transport subscribing (createLink may wait on
 * the network) are buffered and delivered, not lost; a transport that fails to start is a clear error.
 */
import { describe, expect, it } from 'vitest';
import { Room, type LinkContext, type MeshLink, type RoomOptions } from '../../src/lobby/room.ts';
import { DEFAULT_SETTINGS, type ClientMessage, type Result, type ServerMessage } from '../../src/lobby/protocol.ts';
import type { SignalingClient, SignalingEvent, SignalingEventKind, SignalingEventOf } from '../../src/lobby/signaling-client.ts';
import { createLoopbackPair } from '../../src/transport/loopback.ts';

/** A signaling client whose server is the test: `emit` plays a server message, `sent` records ours. */
function fakeSignaling() {
  const handlers = new Map<string, Set<(e: SignalingEvent) => void>>();
  const sent: ClientMessage[] = [];
  const waiters: { kinds: readonly string[]; resolve: (e: SignalingEvent) => void }[] = [];
  const client: SignalingClient = {
    state: 'open',
    connect: async () => ({ ok: true, value: undefined }),
    send: (m) => (sent.push(m), true),
    on: (kind, handler) => {
      const set = handlers.get(kind) ?? new Set();
      handlers.set(kind, set);
      const h = handler as (e: SignalingEvent) => void;
      set.add(h);
      return () => set.delete(h);
    },
    next: <K extends SignalingEventKind>(kinds: readonly K[]): Promise<Result<SignalingEventOf<K>>> =>
      new Promise((resolve) => {
        waiters.push({ kinds, resolve: (e) => resolve({ ok: true, value: e as SignalingEventOf<K> }) });
      }),
    close: () => undefined,
  };
  const emit = (m: ServerMessage): void => {
    const w = waiters.findIndex((x) => x.kinds.includes(m.kind));
    if (w >= 0) waiters.splice(w, 1)[0]?.resolve(m);
    for (const h of handlers.get(m.kind) ?? []) h(m);
  };
  return { client, sent, emit };
}

const joined: ServerMessage = {
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

function fakeLink(): MeshLink {
  const [a] = [...createLoopbackPair('m2', 'm1')];
  const socket = a ?? { send: () => undefined, receiveAll: () => [] };
  return { localId: 'm2', unreliable: socket, reliable: socket, connectedPeers: () => [], drainEvents: () => [], close: () => undefined, connect: () => undefined, disconnect: () => undefined };
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
