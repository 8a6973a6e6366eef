/**
 * The spectator's match (src/lobby/spectator-match.ts) on a loopback mesh and a manual clock: it shows
 * the initial state until the transfer, then plays `delayFrames` behind the newest confirmed frame at
 * 60 fps, catches up a few frames per update after falling behind, and its track's checksums are the
 * players' confirmed ones.
 */
import { describe, expect, it } from 'vitest';
import { checksum, encodeState, InputBits, makeConfig } from '../../src/game/index.ts';
import { ConfirmedTrack } from '../../src/lobby/confirmed-track.ts';
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
});
