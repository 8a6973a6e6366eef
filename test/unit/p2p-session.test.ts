import { describe, expect, it } from 'vitest';
import { checksum, type GameState } from '../../src/game/index.ts';
import { encodePacket, P2PSession, SESSION_DEFAULTS, type SessionRequest } from '../../src/netcode/index.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';
import { eventsOf, makeRig, runFrame, TICK_MS, trace, type RigPeer } from '../support/netcode.ts';

const at = (tick: number): number => tick * TICK_MS;

/** Runs ticks `from..to-1`: every peer in `order` runs one frame with `input(player, tick)`. */
function lockstep(order: readonly RigPeer[], from: number, to: number, input: (player: number, tick: number) => number): void {
  for (let t = from; t < to; t++) for (const p of order) runFrame(p, input(p.player, t), at(t));
}

function peer(peers: readonly RigPeer[], i: number): RigPeer {
  const p = peers[i];
  if (p === undefined) throw new Error(`no peer ${i}`);
  return p;
}

function advances(requests: readonly SessionRequest<GameState>[]): Extract<SessionRequest<GameState>, { kind: 'advance' }>[] {
  return requests.filter((r): r is Extract<SessionRequest<GameState>, { kind: 'advance' }> => r.kind === 'advance');
}

describe('P2PSession requests', () => {
  it('saves then advances each frame, with the default input delay of 2 frames', () => {
    const { peers } = makeRig(2);
    const a = peer(peers, 0);
    expect(a.session.inputDelay).toBe(SESSION_DEFAULTS.inputDelay);
    expect(a.session.inputDelay).toBe(2);
    const r0 = runFrame(a, 3, at(0));
    expect(trace(r0)).toEqual(['save 0', 'advance 0']);
    expect(advances(r0)[0]?.inputs).toEqual([0, 0]);
    runFrame(a, 1, at(1));
    const r2 = runFrame(a, 1, at(2));
    expect(trace(r2)).toEqual(['save 2', 'advance 2']);
    expect(advances(r2)[0]?.inputs[0]).toBe(3); // given at frame 0, scheduled 2 frames later
    expect(a.session.currentFrame).toBe(3);
    expect(a.sim.state.frame).toBe(3);
  });

  it('on a late input that differs from the prediction: loads the first wrong frame and re-simulates from it', () => {
    const { peers } = makeRig(2, { inputDelay: 0 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    a.socket.hold(b.id);
    lockstep([a, b], 0, 6, (p, t) => (p === 1 && t >= 3 ? 2 : 0)); // b's input changes at frame 3
    expect(a.session.stats(at(6)).predictedFrames).toBe(6);
    a.socket.release(b.id);
    const requests = runFrame(a, 0, at(6));
    expect(trace(requests)).toEqual(['load 3', 'advance 3', 'save 4', 'advance 4', 'save 5', 'advance 5', 'save 6', 'advance 6']);
    const load = requests[0];
    expect(load?.kind === 'load' ? load.state.frame : -1).toBe(3);
    expect(advances(requests).map((r) => r.inputs)).toEqual([[0, 2], [0, 2], [0, 2], [0, 2]]);
    const stats = a.session.stats(at(6));
    expect(stats.rollbacks).toBe(1);
    expect(stats.resimulatedFrames).toBe(3);
    expect(stats.maxRollbackFrames).toBe(3);
    expect(stats.rollbackHistogram[3]).toBe(1);
    // After the correction both peers agree on the state of frame 7.
    runFrame(b, 2, at(6));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
  });

  it('on a late input equal to the prediction: no load, no rollback', () => {
    const { peers } = makeRig(2, { inputDelay: 0 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    a.socket.hold(b.id);
    lockstep([a, b], 0, 6, (p, t) => (p === 0 ? t % 4 : 0));
    a.socket.release(b.id);
    const requests = runFrame(a, 0, at(6));
    expect(trace(requests)).toEqual(['save 6', 'advance 6']);
    expect(a.session.stats(at(6)).rollbacks).toBe(0);
    runFrame(b, 0, at(6));
    // b presses at frame 7 and holds: a's prediction (0, b's last known input) is wrong from 7 ...
    a.socket.hold(b.id);
    lockstep([a, b], 7, 12, (p) => (p === 1 ? 1 : 0));
    a.socket.release(b.id);
    expect(trace(runFrame(a, 0, at(12)))[0]).toBe('load 7');
    runFrame(b, 1, at(12));
    // ... but once a knows b holds 1, predicting 1 for frames b has not sent yet is right.
    a.socket.hold(b.id);
    lockstep([a, b], 13, 18, (p) => (p === 1 ? 1 : 0));
    a.socket.release(b.id);
    expect(trace(runFrame(a, 0, at(18)))).toEqual(['save 18', 'advance 18']);
    expect(a.session.stats(at(18)).rollbacks).toBe(1);
  });

  it('with several late players, rolls back to the earliest wrong frame among them', () => {
    const { peers } = makeRig(3, { inputDelay: 0 });
    const [a, b, c] = [peer(peers, 0), peer(peers, 1), peer(peers, 2)];
    a.socket.hold(b.id);
    a.socket.hold(c.id);
    lockstep([a, b, c], 0, 7, (p, t) => (p === 1 && t >= 4 ? 1 : p === 2 && t >= 2 ? 2 : 0));
    a.socket.release(b.id);
    expect(trace(runFrame(a, 0, at(7))).slice(0, 2)).toEqual(['load 4', 'advance 4']);
    a.socket.release(c.id);
    lockstep([b, c], 7, 8, (p) => (p === 1 ? 1 : 2));
    expect(trace(runFrame(a, 0, at(8))).slice(0, 2)).toEqual(['load 2', 'advance 2']);
    lockstep([b, c], 8, 9, (p) => (p === 1 ? 1 : 2));
    lockstep([a, b, c], 9, 12, (p) => (p === 1 ? 1 : p === 2 ? 2 : 0));
    expect(a.sim.state.frame).toBe(12);
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    expect(checksum(a.sim.state)).toBe(checksum(c.sim.state));
  });
});

describe('P2PSession desync detection', () => {
  it('no false desync when the packet that corrects a prediction also makes the frame final', () => {
    // Regression: the frame became final in the same call as the rollback that re-simulated it, and the
    // detector promoted the checksum of the *predicted* simulation (the re-saves land one call later).
    const { peers } = makeRig(2, { inputDelay: 0, maxPrediction: 16, checksumInterval: 10 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    a.socket.hold(b.id);
    lockstep([a, b], 0, 12, (p, t) => (p === 1 && t >= 9 ? 2 : 0)); // b's press changes the state of frame 10
    a.socket.release(b.id);
    expect(trace(runFrame(a, 0, at(12))).slice(0, 1)).toEqual(['load 9']);
    lockstep([b], 12, 13, () => 2);
    lockstep([a, b], 13, 40, (p) => (p === 1 ? 2 : 0));
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(at(40), false));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    expect(a.session.confirmedFrame).toBeGreaterThanOrEqual(30); // frames 10, 20, 30 were compared
    expect([...eventsOf(a.events, 'desync'), ...eventsOf(b.events, 'desync')]).toEqual([]);
  });

  it('reports a real divergence with the frame and both checksums', () => {
    const { peers } = makeRig(2, { checksumInterval: 10 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    lockstep([a, b], 0, 15, (p, t) => (p + t) % 3);
    b.sim.state = { ...b.sim.state, rally: b.sim.state.rally + 1 }; // b's state of frame 15 is corrupted
    lockstep([a, b], 15, 40, (p, t) => (p + t) % 3);
    const reports = [...eventsOf(a.events, 'desync'), ...eventsOf(b.events, 'desync')].map((e) => e.report);
    expect(reports.length).toBeGreaterThan(0);
    // The first tracked frame after the corruption is the first one reported, by both sides.
    expect(Math.min(...reports.map((r) => r.frame))).toBe(20);
    expect(reports.every((r) => r.frame >= 20 && r.localChecksum !== r.remoteChecksum)).toBe(true);
    const byA = reports.find((r) => r.peer === b.id && r.frame === 20);
    const byB = reports.find((r) => r.peer === a.id && r.frame === 20);
    expect(byA?.remoteChecksum).toBe(byB?.localChecksum);
    expect(byA?.localChecksum).toBe(byB?.remoteChecksum);
  });
});

describe('P2PSession stalls', () => {
  it('stops after maxPrediction frames without remote input: one stall event per episode', () => {
    const { peers } = makeRig(2, { inputDelay: 0, maxPrediction: 8 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    let advanced = 0;
    for (let t = 0; t < 20; t++) advanced += advances(runFrame(a, 1, at(t))).length;
    expect(advanced).toBe(8);
    expect(a.session.currentFrame).toBe(8);
    expect(eventsOf(a.events, 'stall')).toEqual([{ kind: 'stall', frame: 8, waitingFor: [1] }]);
    expect(a.session.stats(at(20)).stalls).toBe(1);
    // One frame of b's input lets a run one frame, then it stalls again: a second episode.
    runFrame(b, 0, at(20));
    expect(trace(runFrame(a, 1, at(21)))).toEqual(['save 8', 'advance 8']);
    expect(runFrame(a, 1, at(22))).toEqual([]);
    expect(runFrame(a, 1, at(23))).toEqual([]);
    expect(eventsOf(a.events, 'stall').map((e) => e.frame)).toEqual([8, 9]);
    expect(a.session.stats(at(23)).stalls).toBe(2);
  });

  it('honours a custom prediction window and names only the players it waits for', () => {
    const { peers } = makeRig(3, { inputDelay: 0, maxPrediction: 3 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    for (let t = 0; t < 10; t++) {
      runFrame(b, 0, at(t));
      runFrame(a, 0, at(t));
    }
    expect(a.session.currentFrame).toBe(3);
    expect(eventsOf(a.events, 'stall')).toEqual([{ kind: 'stall', frame: 3, waitingFor: [2] }]);
  });
});

describe('P2PSession input delay', () => {
  for (let delay = 0; delay <= 10; delay++) {
    it(`schedules the local input ${delay} frame(s) later`, () => {
      const { peers } = makeRig(2, { inputDelay: delay });
      const [a, b] = [peer(peers, 0), peer(peers, 1)];
      const input = (p: number, t: number): number => (p === 0 ? 1 + (t % 3) : t % 4 === 0 ? 2 : 0);
      lockstep([a, b], 0, 30, input);
      for (const s of [a.session, b.session]) {
        for (let f = 0; f < 30 - 1; f++) {
          const expected = f < delay ? [0, 0] : [input(0, f - delay), input(1, f - delay)];
          expect(s.confirmedInputs(f), `frame ${f}`).toEqual(expected);
        }
      }
    });
  }

  it('changes mid-match (raised, then lowered) without a desync between two peers', () => {
    const { peers } = makeRig(2, { checksumInterval: 10 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    const input = (p: number, t: number): number => (p === 0 ? (t >> 2) % 4 : (t >> 3) % 4);
    const changes = new Map<number, () => void>([
      [30, () => a.session.setInputDelay(5)],
      [50, () => b.session.setInputDelay(0)],
      [80, () => a.session.setInputDelay(1)],
      [120, () => b.session.setInputDelay(10)],
    ]);
    for (let t = 0; t < 200; t++) {
      changes.get(t)?.();
      lockstep([a, b], t, t + 1, input);
    }
    expect(a.session.inputDelay).toBe(1);
    expect(b.session.inputDelay).toBe(10);
    // Settle: let each receive the other's last inputs and correct its last predictions.
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(at(200), false));
    expect(a.session.currentFrame).toBe(200);
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    for (const p of [a, b]) expect(eventsOf(p.events, 'desync')).toEqual([]);
    // Raising a's delay from 2 to 5 at frame 30 repeated its input of frame 29 for frames 32-34.
    expect(a.session.confirmedInputs(33)?.[0]).toBe(input(0, 29));
    expect(a.session.confirmedInputs(35)?.[0]).toBe(input(0, 30));
    for (let f = 0; f < 199; f++) expect(a.session.confirmedInputs(f), `frame ${f}`).toEqual(b.session.confirmedInputs(f));
  });
});

describe('P2PSession options and inputs', () => {
  const [sa] = [createLoopbackMesh(['a', 'b']).get('a')];
  const base = { players: 2, localPlayer: 0, remotes: [{ player: 1, peer: 'b' }], socket: sa ?? { send: () => {}, receiveAll: () => [] }, sessionId: 1, startMs: 0 };

  it.each([
    ['1 player', { players: 1, remotes: [] }],
    ['5 players', { players: 5 }],
    ['2.5 players', { players: 2.5 }],
    ['a local player out of range', { localPlayer: 2 }],
    ['a negative local player', { localPlayer: -1 }],
    ['a remote with the local player', { remotes: [{ player: 0, peer: 'b' }] }],
    ['a remote player out of range', { remotes: [{ player: 2, peer: 'b' }] }],
    ['a missing remote', { players: 3 }],
    ['two remotes for one player', { players: 3, remotes: [{ player: 1, peer: 'b' }, { player: 1, peer: 'c' }] }],
    ['input delay -1', { inputDelay: -1 }],
    ['input delay 11', { inputDelay: 11 }],
    ['input delay 1.5', { inputDelay: 1.5 }],
    ['max prediction 0', { maxPrediction: 0 }],
    ['max prediction 17', { maxPrediction: 17 }],
    ['checksum interval 0', { checksumInterval: 0 }],
    ['departed input 256', { departedInput: 256 }],
    ['departed input -1', { departedInput: -1 }],
  ])('throws RangeError for %s', (_name, patch) => {
    expect(() => new P2PSession({ ...base, ...patch })).toThrow(RangeError);
  });

  it('accepts the bounds', () => {
    expect(new P2PSession({ ...base, inputDelay: 0, maxPrediction: 1 }).maxPrediction).toBe(1);
    expect(new P2PSession({ ...base, inputDelay: 10, maxPrediction: 16 }).inputDelay).toBe(10);
  });

  it('rejects bad local inputs and input delays at run time', () => {
    const s = new P2PSession({ ...base });
    expect(() => s.addLocalInput(256)).toThrow(RangeError);
    expect(() => s.addLocalInput(-1)).toThrow(RangeError);
    expect(() => s.addLocalInput(0.5)).toThrow(RangeError);
    expect(() => s.setInputDelay(11)).toThrow(RangeError);
    expect(() => s.setInputDelay(-1)).toThrow(RangeError);
    expect(s.inputDelay).toBe(2);
  });
});

describe('P2PSession packet filtering', () => {
  it('drops and counts packets from unknown peers, other sessions, other players and garbage', () => {
    const { peers, sockets } = makeRig(2, {}, undefined, ['stranger']);
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    lockstep([a, b], 0, 5, () => 1);
    a.session.poll(at(5)); // drain b's genuine packets first
    const before = a.session.stats(at(5)).peers[0];
    const stranger = sockets.get('stranger');
    const bRaw = sockets.get(b.id);
    if (stranger === undefined || bRaw === undefined) throw new Error('rig sockets missing');
    stranger.send(a.id, encodePacket({ sessionId: 42, message: { kind: 'keep-alive' } }));
    bRaw.send(a.id, encodePacket({ sessionId: 43, message: { kind: 'keep-alive' } }));
    bRaw.send(a.id, Uint8Array.from([1, 2, 3, 4]));
    // b claims to send the inputs of player 0 (a's own player): refused.
    const forged = { kind: 'input' as const, player: 0, startFrame: 0, inputs: [3, 3, 3, 3, 3, 3, 3, 3], ackFrame: -1, senderFrame: 5, senderTimeMs: 0, status: [{ disconnected: false, lastFrame: 0 }, { disconnected: false, lastFrame: 0 }] };
    bRaw.send(a.id, encodePacket({ sessionId: 42, message: forged }));
    a.session.poll(at(5));
    expect(a.session.unknownPeerPackets).toBe(1);
    const after = a.session.stats(at(5)).peers[0];
    expect(after?.packetsRejected).toBe((before?.packetsRejected ?? 0) + 3);
    // A forged packet breaks a rule: dropped before it counts as hearing from the peer.
    expect(after?.packetsIn).toBe(before?.packetsIn ?? 0);
    expect(after?.rejected).toMatchObject({ session: 1, decode: 1, 'wrong-player': 1 });
    lockstep([a, b], 5, 10, () => 1);
    expect(a.session.confirmedInputs(3)).toEqual([1, 1]);
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
  });

  it('a peer heard only through packets of another session is silent', () => {
    const { peers, sockets } = makeRig(2, { interruptAfterMs: 100 });
    const a = peer(peers, 0);
    const bRaw = sockets.get('p1');
    for (let ms = 0; ms <= 150; ms += 10) {
      bRaw?.send(a.id, encodePacket({ sessionId: 7, message: { kind: 'keep-alive' } }));
      a.session.poll(ms);
    }
    expect(eventsOf(a.session.drainEvents(), 'network-interrupted')).toHaveLength(1);
  });
});

describe('P2PSession after a local pause (blocked main thread, throttled tab)', () => {
  /** Two peers in step for 10 ticks; then `a` pauses for 60 ticks (1 s) while `b` runs or is silent. */
  function pausedRig(bRunsDuringPause: boolean) {
    const { peers } = makeRig(2);
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    lockstep([a, b], 0, 10, () => 0);
    a.session.drainEvents();
    a.socket.hold(b.id); // what b sends during the pause is still queued behind a's first call
    if (bRunsDuringPause) for (let t = 10; t < 70; t++) runFrame(b, 0, at(t));
    return { a, b };
  }

  it("does not blame the peer for its own pause: datagrams queued behind it are read first", () => {
    const { a } = pausedRig(true);
    a.session.poll(at(70));
    a.socket.release('p1');
    a.session.poll(at(70) + 2);
    runFrame(a, 0, at(70) + 4);
    const events = [...a.session.drainEvents(), ...a.events];
    expect(eventsOf(events, 'network-interrupted')).toEqual([]);
    expect(a.session.stats(at(71)).peers[0]?.state).toBe('running');
  });

  it('still flags a peer that really went silent, on the call after the pause', () => {
    const { a } = pausedRig(false);
    a.session.poll(at(70));
    expect(eventsOf(a.session.drainEvents(), 'network-interrupted')).toEqual([]);
    a.session.poll(at(70) + 2);
    expect(eventsOf(a.session.drainEvents(), 'network-interrupted')).toMatchObject([{ peer: 'p1' }]);
  });

  it('a tab throttled to one call a second still drops a peer that left', () => {
    const { a } = pausedRig(false);
    const events = [];
    let ms = at(10);
    while (ms < at(10) + 10_000 && eventsOf(events, 'disconnected').length === 0) {
      ms += 1000;
      a.session.poll(ms);
      events.push(...a.session.drainEvents());
    }
    expect(eventsOf(events, 'disconnected')).toMatchObject([{ peer: 'p1', player: 1 }]);
    // Judged on every other call at worst: within one extra second of the 5 s timeout.
    expect(ms - at(9)).toBeLessThanOrEqual(SESSION_DEFAULTS.disconnectAfterMs + 2000);
  });
});

describe('P2PSession confirmed inputs and leaving', () => {
  it('confirmedInputs is undefined until every player\'s input of the frame is held', () => {
    const { peers } = makeRig(2, { inputDelay: 0 });
    const [a, b] = [peer(peers, 0), peer(peers, 1)];
    a.socket.hold(b.id);
    lockstep([a, b], 0, 4, (p, t) => p * 10 + t);
    expect(a.session.confirmedInputs(0)).toBeUndefined();
    expect(b.session.confirmedInputs(3)).toEqual([3, 13]);
    expect(b.session.confirmedInputs(4)).toBeUndefined();
    a.socket.release(b.id);
    a.session.poll(at(4));
    expect(a.session.confirmedInputs(0)).toEqual([0, 10]);
    expect(a.session.confirmedInputs(3)).toEqual([3, 13]);
  });

  it('leave() stops the leaver; the others drop it at the same frame and go on without stalling, in sync', () => {
    const { peers } = makeRig(3);
    const [a, b, c] = [peer(peers, 0), peer(peers, 1), peer(peers, 2)];
    const input = (p: number, t: number): number => (t + p) % 4;
    lockstep([a, b, c], 0, 30, input);
    c.session.leave(at(30));
    expect(c.session.advanceFrame(at(30))).toEqual([]);
    lockstep([a, b], 30, 130, input);
    expect(a.session.currentFrame).toBe(130);
    const drops = [...eventsOf(a.events, 'disconnected'), ...eventsOf(b.events, 'disconnected')];
    expect(drops).toHaveLength(2);
    expect(new Set(drops.map((d) => `${d.peer}/${d.player}/${d.frame}`))).toEqual(new Set(['p2/2/32']));
    expect(drops.map((d) => d.reason)).toEqual(['left', 'left']); // c said goodbye itself
    for (let f = 0; f < 32; f++) expect(a.session.confirmedInputs(f)?.[2]).toBe(f < 2 ? 0 : input(2, f - 2));
    for (let f = 32; f < 128; f++) expect(a.session.confirmedInputs(f)?.[2]).toBe(0);
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(at(130), false));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    expect(a.session.stats(at(130)).peers.find((s) => s.player === 2)?.state).toBe('disconnected');
  });

  it("peerLeft (the lobby server's word) drops a leaver whose goodbye was lost: at once, at one frame, in sync", () => {
    const { peers } = makeRig(3);
    const [a, b, c] = [peer(peers, 0), peer(peers, 1), peer(peers, 2)];
    const input = (p: number, t: number): number => (t + p) % 4;
    lockstep([a, b, c], 0, 26, input);
    b.socket.hold(c.id); // b's last few packets from c never arrive: b holds fewer of c's inputs than a
    lockstep([a, b, c], 26, 30, input);
    // c's tab closes; its datagrams are lost, only the lobby server tells a and b.
    a.session.peerLeft(c.id);
    b.session.peerLeft(c.id);
    b.session.peerLeft(c.id); // twice: no effect
    lockstep([a, b], 30, 130, input);
    expect(a.session.currentFrame).toBe(130);
    expect(b.session.currentFrame).toBe(130);
    const drops = [...eventsOf(a.events, 'disconnected'), ...eventsOf(b.events, 'disconnected')];
    expect(drops.map((d) => d.reason)).toEqual(['left', 'left']);
    expect(new Set(drops.map((d) => `${d.peer}/${d.player}/${d.frame}`)).size).toBe(1); // one agreed frame
    const frame = drops[0]?.frame ?? -1;
    expect(frame).toBeLessThan(32); // b's lower frame won: a rolled back its later real inputs of c
    for (let f = frame; f < 128; f++) expect(a.session.confirmedInputs(f)?.[2]).toBe(0);
    expect(eventsOf(a.events, 'network-interrupted')).toEqual([]); // dropped before any timeout
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(at(130), false));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    a.session.peerLeft('nobody'); // an unknown peer: ignored
  });

  it('two departures in one 4-player match (a goodbye, then a silence): the last two agree on both and stay in sync', () => {
    const { peers } = makeRig(4, { disconnectAfterMs: 1000 });
    const [a, b, c, d] = [peer(peers, 0), peer(peers, 1), peer(peers, 2), peer(peers, 3)];
    const input = (p: number, t: number): number => (t * 3 + p) % 4;
    lockstep([a, b, c, d], 0, 40, input);
    d.session.leave(at(40)); // d says goodbye
    lockstep([a, b, c], 40, 80, input);
    lockstep([a, b], 80, 300, input); // c falls silent: a and b stall until they drop it after 1 s, then go on
    expect(a.session.currentFrame).toBe(b.session.currentFrame);
    expect(a.session.currentFrame).toBeGreaterThan(240);
    for (const [who, reason] of [[d, 'left'], [c, 'lost']] as const) {
      const drops = [a, b].map((p) => eventsOf(p.events, 'disconnected').find((e) => e.peer === who.id));
      expect(drops.map((e) => e?.reason)).toEqual([reason, reason]);
      expect(drops[0]?.frame).toBe(drops[1]?.frame);
    }
    for (const p of [a, b, a, b]) p.sim.execute(p.session.advanceFrame(at(300), false));
    expect(checksum(a.sim.state)).toBe(checksum(b.sim.state));
    expect(a.session.confirmedInputs(a.session.currentFrame - 10)?.slice(2)).toEqual([0, 0]);
  });
});
