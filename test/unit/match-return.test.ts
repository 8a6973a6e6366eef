// A member still in our match whose lobby socket resumed asks us (`rj-hello` with `have` and its record
// coverage) to re-send our records from where its copy ends. A hostile member flooding such hellos must
// not fill our record backlog with repeats (that would delay our own records, and get us blamed for
// withholding them): one re-send per member per probe window.
import { describe, expect, it, vi } from 'vitest';
import { ControlChannel } from '../../src/lobby/control.ts';
import { MatchReturn } from '../../src/lobby/match-return.ts';
import { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { MemberInfo } from '../../src/lobby/protocol.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';

describe('MatchReturn: a hello from a member still in our match', () => {
  it('re-sends our records once per member per probe window, however many hellos come', () => {
    const mesh = createLoopbackMesh(['m1', 'm2']);
    const socket = mesh.get('m1');
    if (socket === undefined) throw new Error('no socket');
    const link = { localId: 'm1', unreliable: socket, reliable: socket, connectedPeers: () => ['m2'], drainEvents: () => [], close: () => undefined };
    let now = 0;
    const match = new OnlineMatch({
      link,
      now: () => now,
      start: { round: 1, seed: 7, sessionId: 42, order: ['m1', 'm2'], localPlayer: 0, setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, startAtHostMs: 0, localStartMs: 0, clockOffsetMs: 0 },
      notary: { send: () => undefined, up: true, report: () => undefined },
    });
    const republish = vi.spyOn(match.session, 'republishRecords');
    const members: MemberInfo[] = [{ id: 'm1', name: 'Ann', ready: false, peerId: '' }, { id: 'm2', name: 'Bob', ready: false, peerId: '' }];
    const returns = new MatchReturn({
      localId: 'm1', control: new ControlChannel(socket), open: new Set(['m2']), members: () => members, match: () => match, round: () => 1,
      unreliable: socket, connect: () => undefined, signalingOpen: () => true, dropMatch: () => undefined,
      startMatch: () => match, rejoining: () => undefined, failed: () => undefined,
    });
    for (now = 17; now < 1700; now += 17) match.update(now, 0); // 100 frames (m2 silent, not dropped yet)
    expect(match.session.droppedPeers()).toEqual([]);
    const t0 = now;
    for (let i = 0; i < 1000; i++) returns.hello('m2', true, [10, 10], t0 + i); // a flood within one second
    expect(republish).toHaveBeenCalledTimes(1);
    expect(republish).toHaveBeenCalledWith(11);
    returns.hello('m2', true, [20, 20], t0 + 6000); // a later resume: again
    expect(republish).toHaveBeenCalledTimes(2);
    returns.hello('m9', true, [0, 0], t0 + 6001); // not a player of the match: nothing
    returns.hello('m2', true, undefined, t0 + 20_000); // no coverage: nothing to re-send
    expect(republish).toHaveBeenCalledTimes(2);
  });
});
