/**
 * Departures and silences. On a loopback rig with a manual clock (integer milliseconds), the link
 * events fire at exactly the configured silences; over the simulated network, the peers that remain
 * after one leaves (gracefully or by going silent) stay in sync and agree on the frame from which its
 * input is neutral, and a peer suspended for 2 s comes back without a desync.
 */
import { describe, expect, it } from 'vitest';
import { checksum, InputBits, isAbsent, verifyReplay, type GameState } from '../../src/game/index.ts';
import type { SessionEvent } from '../../src/netcode/index.ts';
import { runSimMatch, type SimMatchResult } from '../../src/sim/match-harness.ts';
import { makeLinkConditions } from '../../src/transport/link-model.ts';
import { eventsOf, makeRig, peerId, pollPeer, runFrame, type RigOptions, type RigPeer } from '../support/netcode.ts';

/** Frames run every 16 ms so that every time is an integer and silences are exact. */
const FRAME_MS = 16;

function twoPeers(options: RigOptions): [RigPeer, RigPeer] {
  const { peers } = makeRig(2, options);
  const [a, b] = peers;
  if (a === undefined || b === undefined) throw new Error('rig');
  return [a, b];
}

/** b then a run frames `from..to-1` (a hears b's packet of each frame at once). */
function lockstep(a: RigPeer, b: RigPeer, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    runFrame(b, t % 3, t * FRAME_MS);
    runFrame(a, (t >> 2) % 4, t * FRAME_MS);
  }
}

/** Polls `peer` every millisecond in (fromMs, toMs], returning its events with their times. */
function pollEveryMs(peer: RigPeer, fromMs: number, toMs: number): { at: number; event: SessionEvent }[] {
  const out: { at: number; event: SessionEvent }[] = [];
  for (let ms = fromMs + 1; ms <= toMs; ms++) {
    const before = peer.events.length;
    pollPeer(peer, ms);
    for (const event of peer.events.slice(before)) out.push({ at: ms, event });
  }
  return out;
}

describe('link events on a manual clock', () => {
  for (const [label, options, interruptMs, disconnectMs] of [
    ['defaults (750 ms / 5000 ms)', {}, 750, 5000],
    ['custom (300 ms / 1200 ms)', { interruptAfterMs: 300, disconnectAfterMs: 1200 }, 300, 1200],
  ] as const) {
    it(`network-interrupted, then disconnected, after exactly the configured silence: ${label}`, () => {
      const [a, b] = twoPeers(options);
      lockstep(a, b, 0, 60);
      const lastHeard = 59 * FRAME_MS;
      const timeline = pollEveryMs(a, lastHeard, lastHeard + disconnectMs + 1000);
      expect(timeline.map((x) => [x.at - lastHeard, x.event.kind])).toEqual([
        [interruptMs, 'network-interrupted'],
        [disconnectMs, 'disconnected'],
      ]);
      expect(timeline[0]?.event).toEqual({ kind: 'network-interrupted', peer: b.id, silentForMs: interruptMs });
      // b's inputs reached frame 59 + input delay 2: its input is neutral from frame 62 on.
      expect(timeline[1]?.event).toEqual({ kind: 'disconnected', peer: b.id, player: 1, frame: 62, reason: 'lost' });
      expect(a.session.stats(lastHeard + disconnectMs).peers[0]?.state).toBe('disconnected');
      // a no longer waits for b: it runs on, with b's input neutral.
      const start = a.session.currentFrame;
      for (let t = 0; t < 30; t++) runFrame(a, 1, lastHeard + disconnectMs + 1000 + t * FRAME_MS);
      expect(a.session.currentFrame).toBe(start + 30);
      expect(a.session.confirmedInputs(start + 10)?.[1]).toBe(0);
    });
  }

  it('network-resumed when packets return before the disconnect timeout; the match goes on in sync', () => {
    const [a, b] = twoPeers({});
    lockstep(a, b, 0, 60);
    const lastHeard = 59 * FRAME_MS;
    const silent = pollEveryMs(a, lastHeard, lastHeard + 1000);
    expect(silent.map((x) => [x.at - lastHeard, x.event.kind])).toEqual([[750, 'network-interrupted']]);
    expect(a.session.stats(lastHeard + 1000).peers[0]?.state).toBe('interrupted');
    // b comes back (a background tab resumed): its next packets end the interruption at once.
    runFrame(b, 0, lastHeard + 1001);
    runFrame(a, 0, lastHeard + 1001);
    expect(a.events.slice(-1)).toEqual([{ kind: 'network-resumed', peer: b.id }]);
    expect(a.session.stats(lastHeard + 1001).peers[0]?.state).toBe('running');
    // Both were at frame 60 (a only polled meanwhile) and ran one more: resume the lockstep.
    const offset = lastHeard + 1001 + FRAME_MS;
    for (let t = 0; t < 120; t++) {
      runFrame(b, t % 3, offset + t * FRAME_MS);
      runFrame(a, 0, offset + t * FRAME_MS);
    }
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(offset + 120 * FRAME_MS, false));
    const frame = a.session.currentFrame;
    expect(frame).toBe(181);
    expect(b.session.currentFrame).toBe(181);
    for (let f = 0; f < frame - 1; f++) expect(a.session.confirmedInputs(f), `frame ${f}`).toEqual(b.session.confirmedInputs(f));
    for (const p of [a, b]) {
      expect(eventsOf(p.events, 'disconnected')).toEqual([]);
      expect(eventsOf(p.events, 'desync')).toEqual([]);
    }
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
  });
});

const LINK = makeLinkConditions({ latencyMs: 40, jitterMs: 15, loss: 0.08 });

function verifiedState(replay: SimMatchResult['peers'][number]['replay']): GameState {
  const v = verifyReplay(replay);
  if (!v.ok) throw new Error(`replay does not verify at frame ${v.frame}`);
  return v.state;
}

/** Checks a match one player left: the others completed, in sync, and agree on its neutral frame. */
function expectCleanDeparture(r: SimMatchResult, players: number, departed: number, how: 'silent' | 'notice'): number {
  const where = `${players} players, player ${departed} leaves (${how}): ${r.failure ?? ''}`;
  expect(r.completed, where).toBe(true);
  expect(r.inSync, where).toBe(true);
  expect(r.replaysVerify, where).toBe(true);
  expect(r.desyncEvents, where).toBe(0);
  for (const p of r.peers) expect(eventsOf(p.events, 'state-lost'), where).toEqual([]);
  expect(r.peers.map((p) => p.player).sort(), where).toEqual(Array.from({ length: players }, (_, p) => p).filter((p) => p !== departed));
  const drops = r.peers.map((p) => eventsOf(p.events, 'disconnected'));
  for (const d of drops) expect(d.map((e) => [e.peer, e.player]), where).toEqual([[peerId(departed), departed]]);
  const frames = new Set(drops.flat().map((e) => e.frame));
  expect(frames.size, `${where}: every peer names the same frame, got ${[...frames].join(', ')}`).toBe(1);
  const frame = [...frames][0] ?? -1;
  // That frame is where the departed player's recorded input becomes the harness's `departedInput` (the
  // game's absent bit), on every peer, and the game has it out of the match (its side a wall).
  for (const p of r.peers) {
    for (let f = frame; f < p.replay.frames; f++) expect(p.replay.inputs[f]?.[departed], `${where}: frame ${f}`).toBe(InputBits.absent);
    if (frame < p.replay.frames) expect(isAbsent(verifiedState(p.replay), departed), where).toBe(true);
  }
  for (const p of r.peers) {
    const interrupted = eventsOf(p.events, 'network-interrupted').filter((e) => e.peer === peerId(departed));
    // A silent leaver is first "interrupted"; a graceful one is dropped at once.
    expect(interrupted.length, where).toBe(how === 'silent' ? 1 : 0);
    expect(eventsOf(p.events, 'local-disconnected'), where).toEqual([]);
  }
  return frame;
}

describe('a peer leaves a match over the simulated network', () => {
  for (const players of [4, 3]) {
    for (const how of ['silent', 'notice'] as const) {
      it(`${players} players, one leaves (${how}): the others finish in sync and agree on the frame`, () => {
        const departed = players === 4 ? 2 : 0;
        const atFrame = 300;
        const r = runSimMatch({ players, seed: 60 + players, frames: 900, link: LINK, leave: { player: departed, atFrame, how } });
        const frame = expectCleanDeparture(r, players, departed, how);
        // It played until it left: its input is neutral from (about) the frame it left at.
        expect(frame).toBeGreaterThan(atFrame - 20);
        expect(frame).toBeLessThanOrEqual(atFrame + 2 + 1);
      });
    }
  }

  it('several seeds and leave frames, 3 and 4 players, both ways', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const players = 3 + (seed % 2);
      const departed = seed % players;
      const how = seed % 4 < 2 ? 'silent' : 'notice';
      const r = runSimMatch({ players, seed, frames: 700, link: LINK, leave: { player: departed, atFrame: 150 + 37 * seed, how } });
      expectCleanDeparture(r, players, departed, how);
    }
  });
});

describe('a peer suspended for 2 s', () => {
  for (const players of [2, 4]) {
    it(`${players} players: resumes without a desync; the others report interrupted, then resumed`, () => {
      const suspended = 1;
      const r = runSimMatch({ players, seed: 90 + players, frames: 900, link: LINK, suspend: { player: suspended, atMs: 3000, durationMs: 2000 } });
      expect(r.completed, r.failure).toBe(true);
      expect(r.inSync).toBe(true);
      expect(r.replaysVerify).toBe(true);
      expect(r.desyncEvents).toBe(0);
      for (const p of r.peers) {
        expect(eventsOf(p.events, 'disconnected')).toEqual([]);
        if (p.player === suspended) continue;
        const link = p.events.filter((e) => (e.kind === 'network-interrupted' || e.kind === 'network-resumed') && e.peer === peerId(suspended));
        expect(link.map((e) => e.kind)).toEqual(['network-interrupted', 'network-resumed']);
        expect(p.stats.stalls).toBeGreaterThan(0); // it had to wait for the suspended peer's inputs
      }
    });
  }
});
