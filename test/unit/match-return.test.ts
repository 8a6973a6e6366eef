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

// A returning player fetches the running match once every member it sees has told it the same match.
// After a server outage the others' lobby sockets resume one by one: a member listed only after the
// fetch began must still be asked (its hold is needed for the resume frame), and its word must agree;
// and a member that answered before its own notary was back could not hold us then: it is asked again.
describe('MatchReturn: a member whose lobby socket resumes after the fetch began', () => {
  const setup = { players: 3, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };
  const word = { t: 'rj-match' as const, round: 1, seed: 7, sessionId: 42, order: ['m1', 'm2', 'm3'], setup };
  const member = (id: string): MemberInfo => ({ id, name: id, ready: false, peerId: '' });

  function returning() {
    const control = createLoopbackMesh(['m1', 'm2', 'm3']);
    const datagrams = createLoopbackMesh(['m1', 'm2', 'm3']);
    const own = control.get('m3');
    const unreliable = datagrams.get('m3');
    if (own === undefined || unreliable === undefined) throw new Error('no socket');
    const members: MemberInfo[] = [member('m3'), member('m1')]; // m2's lobby socket has not resumed yet
    const failed: string[] = [];
    const returns = new MatchReturn({
      localId: 'm3', control: new ControlChannel(own), open: new Set(['m1', 'm2']), members: () => members, match: () => undefined, round: () => 1,
      unreliable, connect: () => undefined, signalingOpen: () => true, dropMatch: () => undefined,
      startMatch: () => { throw new Error('no transfer in this test'); }, rejoining: () => undefined, failed: (r) => failed.push(r),
    });
    const inbox = (id: string) => new ControlChannel(control.get(id) as NonNullable<ReturnType<typeof control.get>>);
    const requests = (id: string) => (datagrams.get(id)?.receiveAll() ?? []).filter((d) => d.from === 'm3').length;
    return { returns, members, failed, inbox, requests };
  }

  it('asks the late member too and fetches from it once it agrees', () => {
    const { returns, members, failed, inbox, requests } = returning();
    const m1 = inbox('m1');
    const m2 = inbox('m2');
    returns.begin(0);
    returns.answer('m1', word, 10);
    returns.update(20); // every listed member answered: the fetch begins (asking m1)
    expect(requests('m1')).toBeGreaterThan(0);
    expect(requests('m2')).toBe(0);
    m1.receiveAll();
    m2.receiveAll();
    members.push(member('m2')); // its lobby socket resumed
    returns.update(600);
    expect(m2.receiveAll().map((x) => x.message.t)).toEqual(['rj-hello']); // asked: it will hold us
    // m1 answered, but is asked again until the match arrives: an answer does not mean it could hold
    // us then (its notary not back yet after an outage), and a hold is idempotent.
    expect(m1.receiveAll().map((x) => x.message.t)).toEqual(['rj-hello']);
    returns.answer('m2', word, 650);
    returns.update(900);
    expect(requests('m2')).toBeGreaterThan(0); // the transfer may come from it as well
    expect(failed).toEqual([]);
    expect(returns.active).toBe(true);
  });

  it('gives up when the late member names another match', () => {
    const { returns, members, failed } = returning();
    returns.begin(0);
    returns.answer('m1', word, 10);
    returns.update(20);
    members.push(member('m2'));
    returns.answer('m2', { ...word, sessionId: 43 }, 650);
    expect(failed).toEqual(['the other players disagree about the match']);
    expect(returns.active).toBe(false);
  });
});

// A link that fails in the lobby (a lost offer, a connection attempt that timed out) is dialled again
// with back-off while its member is listed, as one that dies mid-match is; a member who left is not.
describe('MatchReturn: links that close in the lobby', () => {
  const member = (id: string): MemberInfo => ({ id, name: id, ready: false, peerId: '' });

  function lobby(members: MemberInfo[]) {
    const mesh = createLoopbackMesh(['m1', 'm2', 'm3']);
    const socket = mesh.get('m1');
    if (socket === undefined) throw new Error('no socket');
    const open = new Set<string>();
    const dialled: string[] = [];
    const returns = new MatchReturn({
      localId: 'm1', control: new ControlChannel(socket), open, members: () => members, match: () => undefined, round: () => 0,
      unreliable: socket, connect: (m) => dialled.push(m.id), signalingOpen: () => true, dropMatch: () => undefined,
      startMatch: () => { throw new Error('no match in this test'); }, rejoining: () => undefined, failed: () => undefined,
    });
    return { returns, open, dialled };
  }

  it('dials a listed member again after 1 s, then 2 s, 4 s … up to 10 s, and from 1 s again once a link opened', () => {
    const { returns, open, dialled } = lobby([member('m1'), member('m2')]);
    const redialsAt: number[] = [];
    let now = 0;
    returns.linkEvent('close', 'm2', now);
    for (; now <= 40_000; now += 100) {
      const before = dialled.length;
      returns.update(now);
      if (dialled.length > before) {
        redialsAt.push(now);
        returns.linkEvent('close', 'm2', now); // the new attempt fails too
      }
    }
    // Gaps 1, 2, 4, 8, 10, 10 … s.
    expect(redialsAt.slice(0, 6)).toEqual([1000, 3000, 7000, 15_000, 25_000, 35_000]);
    open.add('m2');
    returns.linkEvent('open', 'm2', now);
    open.delete('m2');
    returns.linkEvent('close', 'm2', now);
    const count = dialled.length;
    returns.update(now + 999);
    expect(dialled.length).toBe(count);
    returns.update(now + 1000);
    expect(dialled.length).toBe(count + 1);
  });

  it('does not dial a member who is no longer listed, nor one whose link opened meanwhile', () => {
    const members = [member('m1'), member('m2'), member('m3')];
    const { returns, open, dialled } = lobby(members);
    returns.linkEvent('close', 'm2', 0);
    returns.linkEvent('close', 'm3', 0);
    members.splice(1, 1); // m2 left: its link was closed on purpose
    open.add('m3'); // m3's link was built again by someone else (a resume) and opened
    returns.update(5000);
    expect(dialled).toEqual([]);
  });
});
