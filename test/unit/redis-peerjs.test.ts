// PeerJS frames between instances (signaling/cluster/redis-peerjs.ts): what one instance forwards,
// and what the receiving one accepts. A frame arriving from Redis is hostile until checked: it must be
// for a local id, well-formed, addressed to that id, and from a member of the same lobby (not the
// target itself, not a member of another lobby); the sender's own word about its id is checked against
// the registry, and what reaches the PeerJS mount is re-encoded from the checked fields only.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeerFrames } from '../../signaling/cluster/redis-peerjs.ts';
import type { Lobby, Member, Membership } from '../../signaling/lobbies.ts';

const lobby = (code: string): Lobby => ({ code, owner: '', settings: { capacity: 4, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, members: [], hostId: null, started: false, expiry: null });
const member = (l: Lobby, id: string, peerId: string, local: boolean): Membership & { local: boolean } => {
  const m = { id, name: id, ready: false, peerId, peerToken: '', tokenHash: '', local } as unknown as Member & { local: boolean };
  return { lobby: l, member: m, local };
};

function setup() {
  const one = lobby('L1'.padEnd(22, 'x'));
  const two = lobby('L2'.padEnd(22, 'x'));
  const peers = new Map<string, Membership>();
  const add = (l: Lobby, id: string, peerId: string, local: boolean): void => {
    peers.set(peerId, member(l, id, peerId, local));
  };
  add(one, 'ann', 'aaa', true); // ours
  add(one, 'bob', 'bbb', false); // on another instance, same lobby
  add(two, 'cid', 'ccc', false); // on another instance, another lobby
  add(two, 'dee', 'ddd', true); // ours, another lobby
  const sent: { inst: string; json: string }[] = [];
  const counters = { redisRelaysDropped: 0 };
  const frames = new PeerFrames(peers, (m) => (m as Member & { local: boolean }).local, (inst, json) => sent.push({ inst, json }), counters, 4096);
  const delivered: { dst: string; frame: string }[] = [];
  let connected = true;
  frames.setSink((dst, frame) => {
    if (!connected) return false;
    delivered.push({ dst, frame });
    return true;
  });
  return { frames, sent, counters, delivered, disconnect: () => { connected = false; }, reconnect: () => { connected = true; } };
}

const offer = (src: string, dst: string, extra: object = {}): string =>
  JSON.stringify({ type: 'OFFER', src, dst, payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'offer', sdp: 'v=0' } }, ...extra });

afterEach(() => {
  vi.useRealTimers();
});

describe('PeerFrames', () => {
  it('forwards a relay as the frame the peer package would send, to the target instance; heartbeats stay local', () => {
    const { frames, sent } = setup();
    expect(frames.forward('instB', 'bbb', 'aaa', { type: 'CANDIDATE', dst: 'bbb', payload: { type: 'data' } })).toBe(true);
    expect(frames.forward('instB', 'bbb', 'aaa', { type: 'HEARTBEAT' })).toBe(false);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.inst).toBe('instB');
    const message = JSON.parse(sent[0]?.json ?? '') as { t: string; dst: string; x: string };
    expect(message).toMatchObject({ t: 'j', dst: 'bbb' });
    expect(JSON.parse(message.x)).toEqual({ type: 'CANDIDATE', src: 'aaa', dst: 'bbb', payload: { type: 'data' } });
  });

  it('hands a checked frame from a lobby mate to the local PeerJS mount, re-encoded from the checked fields', () => {
    const { frames, delivered } = setup();
    expect(frames.receive('aaa', offer('bbb', 'aaa', { smuggled: 'x' }))).toBe(true);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.dst).toBe('aaa');
    expect(JSON.parse(delivered[0]?.frame ?? '')).toEqual({ type: 'OFFER', src: 'bbb', dst: 'aaa', payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'offer', sdp: 'v=0' } } });
  });

  it.each([
    ['an id not known here', 'zzz', offer('bbb', 'zzz')],
    ['an id of a member on another instance', 'bbb', offer('aaa', 'bbb')],
    ['not JSON', 'aaa', '{"type":"OFFER"'],
    ['not an object', 'aaa', '"OFFER"'],
    ['a type the schema refuses', 'aaa', JSON.stringify({ type: 'EXPIRE', src: 'bbb', dst: 'aaa' })],
    ['a heartbeat', 'aaa', JSON.stringify({ type: 'HEARTBEAT', src: 'bbb' })],
    ['addressed to another id than its entry says', 'aaa', offer('bbb', 'ddd')],
    ['from an id nobody holds', 'aaa', offer('nobody', 'aaa')],
    ['with no sender', 'aaa', JSON.stringify({ type: 'OFFER', dst: 'aaa' })],
    ['with a sender that is not a string', 'aaa', JSON.stringify({ type: 'OFFER', src: ['bbb'], dst: 'aaa' })],
    ['from a member of another lobby (on another instance)', 'aaa', offer('ccc', 'aaa')],
    ['from a member of another lobby (on this instance)', 'aaa', offer('ddd', 'aaa')],
    ['from the target itself', 'aaa', offer('aaa', 'aaa')],
    ['a payload of the wrong shape', 'aaa', JSON.stringify({ type: 'OFFER', src: 'bbb', dst: 'aaa', payload: { sdp: 'not an object' } })],
    ['longer than the bound', 'aaa', offer('bbb', 'aaa', { pad: 'p'.repeat(5000) })],
  ])('refuses a frame for %s (false: counted by the caller), delivering nothing', (_what, dst, frame) => {
    const { frames, delivered, counters } = setup();
    expect(frames.receive(dst, frame)).toBe(false);
    expect(delivered).toEqual([]);
    expect(frames.take(dst)).toEqual([]);
    expect(counters.redisRelaysDropped).toBe(0);
  });

  it('keeps frames for a local id not connected yet (oldest first, at most 64, the rest dropped and counted)', () => {
    const { frames, delivered, counters, disconnect } = setup();
    disconnect();
    for (let i = 0; i < 70; i++) expect(frames.receive('aaa', offer('bbb', 'aaa', { n: i }))).toBe(true);
    expect(delivered).toEqual([]);
    expect(counters.redisRelaysDropped).toBe(6);
    const queued = frames.take('aaa');
    expect(queued).toHaveLength(64);
    expect(JSON.parse(queued[0] ?? '')).toMatchObject({ type: 'OFFER', src: 'bbb' });
    expect(frames.take('aaa')).toEqual([]); // taken once
  });

  it('forgets a queue when its member leaves, and drops one older than 5 s', () => {
    vi.useFakeTimers();
    const { frames, disconnect } = setup();
    disconnect();
    frames.receive('aaa', offer('bbb', 'aaa'));
    frames.forget('aaa');
    expect(frames.take('aaa')).toEqual([]);
    frames.receive('aaa', offer('bbb', 'aaa'));
    vi.advanceTimersByTime(5_001);
    expect(frames.take('aaa')).toEqual([]);
    frames.receive('aaa', offer('bbb', 'aaa'));
    vi.advanceTimersByTime(4_000);
    expect(frames.take('aaa')).toHaveLength(1);
  });
});
