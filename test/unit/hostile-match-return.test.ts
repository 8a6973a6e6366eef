// After our lobby socket resumed mid-match with our links alive, we ask the peers (`rj-hello` with
// `have`): one that dropped us meanwhile answers `rj-match`, and we go back into its match. A member's
// word that it dropped us is a word about us as the others see us: alone it must not make us drop a
// match our session still plays with the others (they still hold us, so they would refuse our return,
// and we would have thrown a healthy match away). Only when every player our session still runs with
// (not dropped by it) says the same do we go back; a word that stays alone is ignored, and counted,
// once the probe window closes.
import { describe, expect, it, vi } from 'vitest';
import { ControlChannel, type ControlOf } from '../../src/lobby/control.ts';
import { MatchReturn } from '../../src/lobby/match-return.ts';
import { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { MemberInfo } from '../../src/lobby/protocol.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';

const ids = ['m1', 'm2', 'm3'];
const setup = { players: 3, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };
const word: ControlOf<'rj-match'> = { t: 'rj-match', round: 1, seed: 7, sessionId: 42, order: ids, setup };

/** A 3-player match; `playing` are the pages whose sessions run (m1, ours, always does). */
function world(playing: string[]) {
  const datagrams = createLoopbackMesh(ids);
  const control = createLoopbackMesh(ids);
  let now = 0;
  const matches = new Map<string, OnlineMatch>();
  for (const id of ids) {
    const socket = datagrams.get(id);
    if (socket === undefined) throw new Error('no socket');
    const link = { localId: id, unreliable: socket, reliable: socket, connectedPeers: () => ids.filter((x) => x !== id), drainEvents: () => [], close: () => undefined };
    matches.set(id, new OnlineMatch({
      link, now: () => now,
      start: { round: 1, seed: 7, sessionId: 42, order: ids, localPlayer: ids.indexOf(id), setup, startAtHostMs: 0, localStartMs: 0, clockOffsetMs: 0 },
      notary: { send: () => undefined, up: true, report: () => undefined },
    }));
  }
  const ours = matches.get('m1') as OnlineMatch;
  let match: OnlineMatch | undefined = ours;
  const members: MemberInfo[] = ids.map((id) => ({ id, name: id, ready: false, peerId: '' }));
  const dropMatch = vi.fn(() => {
    match = undefined;
  });
  const rejoining = vi.fn();
  const failed: string[] = [];
  const returns = new MatchReturn({
    localId: 'm1', control: new ControlChannel(control.get('m1') as NonNullable<ReturnType<typeof control.get>>), open: new Set(['m2', 'm3']),
    members: () => members, match: () => match, round: () => 1, unreliable: datagrams.get('m1') as NonNullable<ReturnType<typeof datagrams.get>>,
    connect: () => undefined, signalingOpen: () => true, dropMatch,
    startMatch: () => { throw new Error('no transfer in this test'); }, rejoining, failed: (r) => failed.push(r),
  });
  const inbox = (id: string) => new ControlChannel(control.get(id) as NonNullable<ReturnType<typeof control.get>>);
  /** Runs every playing page (and our returns) up to `untilMs`. */
  const run = (untilMs: number) => {
    for (; now < untilMs; now += 17) {
      for (const id of ['m1', ...playing]) if (id !== 'm1' || match === ours) matches.get(id)?.update(now, 0);
      returns.update(now);
    }
    return now;
  };
  return { ours, returns, dropMatch, rejoining, failed, inbox, run, now: () => now, match: () => match };
}

describe('MatchReturn probe: a member says it dropped us', () => {
  it('one hostile member\'s rj-match, the others still playing with us: our match goes on, the word is counted', () => {
    const w = world(['m2', 'm3']);
    const t0 = w.run(1000);
    expect(w.ours.session.droppedPeers()).toEqual([]);
    expect(w.returns.resumed(true, t0)).toBe(true); // links alive: the match goes on, the peers are probed
    // m2 never dropped us (it plays on with us) but claims it did; m3 still plays with us and says nothing.
    w.returns.answer('m2', word, t0 + 10);
    for (let i = 0; i < 100; i++) w.returns.answer('m2', word, t0 + 20 + i); // again and again: one word
    expect(w.dropMatch).not.toHaveBeenCalled();
    expect(w.rejoining).not.toHaveBeenCalled();
    expect(w.returns.active).toBe(false);
    // The probe window ends: still our match, with everyone in it; the lone word was counted once.
    w.run(t0 + 7000);
    expect(w.match()).toBe(w.ours);
    expect(w.ours.session.droppedPeers()).toEqual([]);
    expect(w.ours.session.currentFrame).toBeGreaterThan(300);
    expect(w.returns.ignoredDropWords).toBe(1);
    // After the window, nothing it says counts any more (as before).
    w.returns.answer('m2', word, w.now());
    w.returns.answer('m3', word, w.now());
    expect(w.dropMatch).not.toHaveBeenCalled();
    expect(w.failed).toEqual([]);
  });

  it('every other player says it dropped us (they went silent): we go back into their match', () => {
    const w = world([]); // m2 and m3 dropped us: nothing of theirs reaches our session any more
    const t0 = w.run(1000);
    expect(w.ours.session.droppedPeers()).toEqual([]); // not silent long enough to be dropped here yet
    expect(w.returns.resumed(true, t0)).toBe(true);
    w.inbox('m2').receiveAll();
    w.inbox('m3').receiveAll();
    w.returns.answer('m2', word, t0 + 10);
    expect(w.dropMatch).not.toHaveBeenCalled(); // m3 has not said so yet
    w.returns.answer('m3', word, t0 + 20);
    expect(w.dropMatch).toHaveBeenCalledTimes(1);
    expect(w.rejoining).toHaveBeenCalledTimes(1);
    expect(w.returns.active).toBe(true);
    // Both answers count for the return: nobody needs asking again, and the fetch begins.
    expect(w.inbox('m2').receiveAll()).toEqual([]);
    w.returns.update(t0 + 30);
    expect(w.failed).toEqual([]);
    expect(w.returns.ignoredDropWords).toBe(0);
  });

  it('a lone word waits: it counts once every player still in our match says the same within the window', () => {
    const w = world(['m3']); // m2 dropped us (silent to us); m3 plays on with us
    const t0 = w.run(1000);
    expect(w.returns.resumed(true, t0)).toBe(true);
    w.returns.answer('m2', word, t0 + 10);
    w.run(t0 + 4900); // m2's silence drops it in our session too (after 5 s)
    expect(w.ours.session.droppedPeers()).toEqual(['m2']);
    expect(w.dropMatch).not.toHaveBeenCalled(); // m3, still in our match, has not said so
    w.returns.answer('m3', word, t0 + 4950); // now it does: every player still in our match agrees
    expect(w.dropMatch).toHaveBeenCalledTimes(1);
    expect(w.returns.active).toBe(true);
    expect(w.failed).toEqual([]);
  });

  it('a lone word counts once our session has dropped every other player it was waiting for', () => {
    const playing = ['m3'];
    const w = world(playing); // m2 dropped us (silent to us); m3 plays a little longer, then goes silent too
    w.run(500);
    playing.length = 0;
    const t0 = w.run(1000);
    expect(w.returns.resumed(true, t0)).toBe(true);
    w.returns.answer('m2', word, t0 + 10);
    w.run(t0 + 4000);
    expect(w.dropMatch).not.toHaveBeenCalled(); // m3 not dropped here yet: its word is awaited
    w.run(t0 + 4900); // m3 dropped for its silence (5 s after its last input): nobody else to ask
    expect(w.ours.session.droppedPeers()).toEqual(['m2', 'm3']);
    expect(w.dropMatch).toHaveBeenCalledTimes(1);
    expect(w.returns.active).toBe(true);
    expect(w.returns.ignoredDropWords).toBe(0);
  });

  it('two players: the one other player is every player still in our match, its word is enough', () => {
    const datagrams = createLoopbackMesh(['m1', 'm2']);
    const socket = datagrams.get('m1');
    if (socket === undefined) throw new Error('no socket');
    const two = { ...setup, players: 2 };
    const link = { localId: 'm1', unreliable: socket, reliable: socket, connectedPeers: () => ['m2'], drainEvents: () => [], close: () => undefined };
    let now = 0;
    const match = new OnlineMatch({
      link, now: () => now,
      start: { round: 1, seed: 7, sessionId: 42, order: ['m1', 'm2'], localPlayer: 0, setup: two, startAtHostMs: 0, localStartMs: 0, clockOffsetMs: 0 },
      notary: { send: () => undefined, up: true, report: () => undefined },
    });
    const dropMatch = vi.fn();
    const returns = new MatchReturn({
      localId: 'm1', control: new ControlChannel(socket), open: new Set(['m2']), members: () => [{ id: 'm1', name: 'a', ready: false, peerId: '' }, { id: 'm2', name: 'b', ready: false, peerId: '' }],
      match: () => match, round: () => 1, unreliable: socket, connect: () => undefined, signalingOpen: () => true, dropMatch,
      startMatch: () => match, rejoining: () => undefined, failed: () => undefined,
    });
    for (now = 17; now < 1000; now += 17) match.update(now, 0);
    expect(returns.resumed(true, now)).toBe(true);
    returns.answer('m2', { ...word, order: ['m1', 'm2'], setup: two }, now + 10);
    expect(dropMatch).toHaveBeenCalledTimes(1);
    expect(returns.active).toBe(true);
  });
});
