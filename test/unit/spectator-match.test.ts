/**
 * The spectator's match (src/lobby/spectator-match.ts) on a loopback mesh and a manual clock: it shows
 * the initial state until the transfer, then plays `delayFrames` behind the newest confirmed frame at
 * 60 fps, catches up a few frames per update after falling behind, and its track's checksums are the
 * players' confirmed ones.
 */
import { describe, expect, it } from 'vitest';
import { checksum, encodeState, initialState, InputBits, makeConfig, step } from '../../src/game/index.ts';
import { encodePacket, encodeTransfer } from '../../src/netcode/index.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';
import { ConfirmedTrack } from '../../src/match/confirmed-track.ts';
import { SpectatorMatch } from '../../src/lobby/spectator-match.ts';
import type { PeerLink } from '../../src/transport/link.ts';
import { makeRig, runFrame, TICK_MS } from '../support/netcode.ts';

const at = (tick: number): number => tick * TICK_MS;

function setup() {
  const seed = 7;
  const config = makeConfig({ players: 2, seed, pointsToWin: 99 });
  const { peers, sockets } = makeRig(2, { encodeState, departedInput: InputBits.absent }, config, ['sa']);
  const socket = sockets.get('sa');
  if (socket === undefined) throw new Error('no socket');
  const link: PeerLink = { localId: 'sa', unreliable: socket, reliable: socket, connectedPeers: () => ['p0', 'p1'], drainEvents: () => [], close: () => undefined };
  for (const p of peers) p.session.watch('sa');
  let clock = 0;
  const match = new SpectatorMatch({ link, start: { seed, sessionId: 42, order: ['p0', 'p1'], setup: { players: 2, pointsToWin: 99, inputDelay: 2, maxPrediction: 8 } }, names: ['Ann', 'Ben'], now: () => clock });
  const tracks = peers.map(() => new ConfirmedTrack(config));
  const tick = (t: number, watch = true): void => {
    clock = at(t);
    for (const [i, p] of peers.entries()) {
      runFrame(p, (t >> 3) % 4, at(t));
      tracks[i]?.advance(p.session);
    }
    if (watch) match.update(at(t));
  };
  return { match, tick, tracks, config };
}

describe('SpectatorMatch', () => {
  it('waits for the transfer, then plays a fixed delay behind the newest confirmed frame', () => {
    const { match, tick, tracks, config } = setup();
    expect(match.started).toBe(false);
    expect(match.frame).toBe(-1);
    expect(checksum(match.state)).toBe(checksum(new ConfirmedTrack(config).state));
    for (let t = 0; t < 200; t++) tick(t, t >= 100);
    expect(match.started).toBe(true);
    expect(match.session.start?.frame).toBeGreaterThan(90);
    const behind = match.stats().behind;
    expect(behind).toBeGreaterThanOrEqual(match.delayFrames);
    expect(behind).toBeLessThanOrEqual(match.delayFrames + 3);
    for (let f = match.session.start?.frame ?? 0; f <= match.frame; f++) expect(match.track?.at(f)?.checksum).toBe(tracks[0]?.at(f)?.checksum);
    expect(match.names).toEqual(['Ann', 'Ben']);
    expect(match.winner).toBe(-1);
  });

  it('after a pause (no updates for 2 s) catches up a few extra frames per update, then holds the delay', () => {
    const { match, tick } = setup();
    for (let t = 0; t < 200; t++) tick(t);
    for (let t = 200; t < 320; t++) tick(t, false); // the tab was in the background
    for (let t = 320; t < 324; t++) tick(t); // the feeds of the missed frames come in, 64 frames each
    expect(match.stats().behind).toBeGreaterThan(40);
    const before = match.frame;
    tick(324);
    const stepped = match.frame - before; // one frame due, plus the catch-up
    expect(stepped).toBeGreaterThan(1);
    expect(stepped).toBeLessThanOrEqual(5);
    for (let t = 325; t < 500; t++) tick(t);
    expect(match.stats().behind).toBeLessThanOrEqual(match.delayFrames + 3);
  });

  it('after a pause longer than the inputs kept (10 s) starts over from a fresh transfer', () => {
    const { match, tick, tracks } = setup();
    for (let t = 0; t < 200; t++) tick(t);
    for (let t = 200; t < 1000; t++) tick(t, t % 60 === 0); // about one update a second: it falls far behind
    expect(match.stats().behind).toBeGreaterThan(600);
    for (let t = 1000; t < 1100; t++) tick(t);
    expect(match.drainEvents().map((e) => e.kind)).toContain('restarted');
    expect(match.stats().behind).toBeLessThanOrEqual(match.delayFrames + 3);
    expect(match.track?.at(match.frame)?.checksum).toBe(tracks[0]?.at(match.frame)?.checksum);
  });

  it('refuses a transferred state of another shape or frame, with a valid checksum (a hostile feeder)', () => {
    const mesh = createLoopbackMesh(['p0', 'sa']);
    const feeder = mesh.get('p0');
    const socket = mesh.get('sa');
    if (feeder === undefined || socket === undefined) throw new Error('no socket');
    const link: PeerLink = { localId: 'sa', unreliable: socket, reliable: socket, connectedPeers: () => ['p0'], drainEvents: () => [], close: () => undefined };
    const match = new SpectatorMatch({ link, start: { seed: 1, sessionId: 9, order: ['p0', 'p1'], setup: { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 } }, names: [], now: () => 0 });
    const none = { departedAfter: -1, coverage: -1, inputs: [] };
    const send = (state: ReturnType<typeof initialState>, frame: number): void => {
      const payload = encodeTransfer({ sessionId: 9, epoch: 0, frame, resumeFrame: 0, checksum: checksum(state), state: encodeState(state), players: [none, none] });
      if (payload === undefined) throw new Error('no payload');
      feeder.send('sa', encodePacket({ sessionId: 9, message: { kind: 'spectate-feed', body: { kind: 'transfer', payload } } }));
    };
    const four = initialState(makeConfig({ players: 4, seed: 1, pointsToWin: 5 }));
    send(four, 0); // four players in a two-player match
    const two = step(initialState(makeConfig({ players: 2, seed: 1, pointsToWin: 5 })), [0, 0]);
    send(two, 5); // the state of frame 1, claimed as frame 5's
    match.update(0);
    expect(match.started).toBe(false);
    expect(match.stats().session.dropped.state).toBe(2);
    send(two, 1);
    match.update(10);
    expect(match.started).toBe(true);
    expect(match.frame).toBe(1);
  });
});
