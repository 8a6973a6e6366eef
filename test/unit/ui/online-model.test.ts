/**
 * The online page's pure parts: error and status messages, transport/URL helpers, the confirmed track
 * (checked against a direct simulation, fuzzed over confirmation schedules), lobby texts, landing
 * settings, and the update driver's background fallback (fake timers, stubbed animation frames).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checksum, initialState, makeConfig, step, type GameState } from '../../../src/game/index.ts';
import { ErrorCode } from '../../../src/lobby/protocol.ts';
import { ConfirmedTrack, type ConfirmedInputSource } from '../../../src/match/confirmed-track.ts';
import { startDriver } from '../../../src/ui/driver.ts';
import { formatAhead } from '../../../src/ui/hud.ts';
import { settingFromInput } from '../../../src/ui/landing.ts';
import { asMeshLink, signalingUrl, toRtcIceServers, transportFromSearch } from '../../../src/ui/links.ts';
import { describeSettings, memberRowText } from '../../../src/ui/lobby-view.ts';
import {
  ERROR_MESSAGES, endScreenText, handshakeAbortedMessage, isNameProblem, joinFailureMessage, joinNames,
  peerErrorMessage, replayFileName, serverErrorMessage, signalingClosedMessage, unreachableMessage,
} from '../../../src/ui/messages.ts';
import type { PeerLink } from '../../../src/transport/link.ts';

describe('messages', () => {
  it('every server error code has its own sentence', () => {
    const codes = Object.values(ErrorCode);
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual([...codes].sort());
    const texts = codes.map(serverErrorMessage);
    expect(new Set(texts).size).toBe(codes.length);
    for (const t of texts) expect(t).toMatch(/^[A-Z].*\.$/);
    expect(serverErrorMessage('lobby-full')).toBe('This lobby is full.');
    expect(serverErrorMessage('expired-lobby')).toMatch(/expired/);
    expect(serverErrorMessage('unknown-lobby')).toMatch(/no lobby with this code/);
  });

  it('name problems keep the join form; other failures explain themselves', () => {
    expect(isNameProblem('name-taken')).toBe(true);
    expect(isNameProblem('bad-name')).toBe(true);
    expect(isNameProblem('lobby-full')).toBe(false);
    expect(joinFailureMessage({ error: 'the lobby is full', code: 'lobby-full' })).toBe('This lobby is full.');
    expect(joinFailureMessage({ error: 'timeout' })).toMatch(/stopped answering \(timeout\)/);
    expect(joinFailureMessage({ error: 'closed (1006 )' })).toMatch(/stopped answering/);
    expect(joinFailureMessage({ error: 'weird' })).toBe('Could not enter the lobby: weird');
    expect(unreachableMessage('cannot connect to ws://x/ws: timeout')).toMatch(/^Cannot reach the lobby server.*timeout\)$/);
    expect(signalingClosedMessage('code 1006')).toMatch(/Lost the connection to the lobby server \(code 1006\)/);
  });

  it('WebRTC failures without a path suggest a TURN server', () => {
    for (const detail of ['not connected after 15000 ms', 'Ice connection failed.', 'Connection failed.', 'ICE failed']) {
      expect(peerErrorMessage('Bob', detail)).toMatch(/^WebRTC could not connect to Bob: a TURN server may be needed/);
    }
    expect(peerErrorMessage('Bob', 'input channel error')).toBe('The connection to Bob failed.');
  });

  it("a transport error's text (which a peer's offer can choose) never reaches the screen (review finding 8)", () => {
    const detail = "Failed to set remote offer sdp: contains a MID='VISIT-evil.example' timed out";
    for (const d of [detail, 'ERR_SET_REMOTE_DESCRIPTION: ' + detail.replace('timed out', '')]) expect(peerErrorMessage('Bob', d)).not.toMatch(/evil|VISIT|MID/);
  });

  it('handshake aborts name the reason; version mismatches say so', () => {
    expect(handshakeAbortedMessage('Bob runs protocol version 99, this peer 1')).toBe('Cannot start: version mismatch (Bob runs protocol version 99, this peer 1). Everyone should reload the page.');
    expect(handshakeAbortedMessage('Bob left')).toBe('Match start cancelled: Bob left. Press Ready to try again.');
  });

  it('end screen, replay file name, name lists', () => {
    const won = (players: number, winner: number, scores: number[]): GameState => ({ ...initialState(makeConfig({ players })), winner, scores });
    expect(endScreenText(won(2, 1, [3, 5]), ['Ann', 'Ben'])).toEqual({ title: 'Ben wins!', subtitle: 'Ann 3 · Ben 5' });
    expect(endScreenText(won(3, 2, [0, 1, 2]), ['Ann'])).toEqual({ title: 'Player 3 wins!', subtitle: 'Ann 0 · Player 2 1 · Player 3 2' });
    expect(replayFileName('AbC_12-x', 3)).toBe('rollback-pong-AbC_12-x-3.json');
    expect(joinNames([])).toBe('');
    expect(joinNames(['you'])).toBe('you');
    expect(joinNames(['Ann', 'you'])).toBe('Ann and you');
    expect(joinNames(['Ann', 'Ben', 'you'])).toBe('Ann, Ben and you');
  });
});

describe('links and settings', () => {
  it('picks the transport and the signaling URL from the location', () => {
    expect(transportFromSearch('')).toBe('simple-peer');
    expect(transportFromSearch('?transport=peerjs&lag=10')).toBe('peerjs');
    expect(transportFromSearch('?transport=carrier-pigeon')).toBe('simple-peer');
    expect(signalingUrl({ protocol: 'http:', host: '127.0.0.1:8080', hostname: '127.0.0.1', port: '8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(signalingUrl({ protocol: 'https:', host: 'pong.example', hostname: 'pong.example', port: '' })).toBe('wss://pong.example/ws');
  });

  it('copies ICE servers into the DOM shape', () => {
    const urls = ['turn:a:3478', 'turn:b:3478'] as const;
    const out = toRtcIceServers([{ urls: 'stun:s:3478' }, { urls, username: 'u', credential: 'c' }]);
    expect(out).toEqual([{ urls: 'stun:s:3478' }, { urls: ['turn:a:3478', 'turn:b:3478'], username: 'u', credential: 'c' }]);
    expect(out[1]?.urls).not.toBe(urls);
  });

  it('a mesh link delegates to the transport link and the connect/disconnect functions', () => {
    const calls: string[] = [];
    const socket = { send: () => {}, receiveAll: () => [] };
    const link: PeerLink = {
      localId: 'me', unreliable: socket, reliable: socket,
      connectedPeers: () => ['x'], drainEvents: () => [{ kind: 'open', peer: 'x' }], close: () => calls.push('close'),
    };
    const mesh = asMeshLink(link, (m) => calls.push(`connect ${m.id} ${m.peerId}`), (id) => calls.push(`disconnect ${id}`));
    mesh.connect({ id: 'x', name: 'X', ready: false, peerId: 'px' });
    mesh.disconnect('x');
    mesh.close();
    expect(calls).toEqual(['connect x px', 'disconnect x', 'close']);
    expect(mesh.connectedPeers()).toEqual(['x']);
    expect(mesh.drainEvents()).toEqual([{ kind: 'open', peer: 'x' }]);
    expect(mesh.localId).toBe('me');
    expect(mesh.unreliable).toBe(socket);
  });

  it('landing settings are clamped into the protocol ranges', () => {
    expect(settingFromInput('pointsToWin', '7')).toBe(7);
    expect(settingFromInput('pointsToWin', '0')).toBe(1);
    expect(settingFromInput('pointsToWin', '500')).toBe(99);
    expect(settingFromInput('inputDelay', '11')).toBe(10);
    expect(settingFromInput('inputDelay', '2.6')).toBe(3);
    expect(settingFromInput('maxPrediction', '')).toBe(8);
    expect(settingFromInput('maxPrediction', 'abc')).toBe(8);
    expect(settingFromInput('maxPrediction', '-3')).toBe(1);
  });

  it('lobby texts: settings line, member rows, frames ahead', () => {
    expect(describeSettings({ capacity: 3, pointsToWin: 7, inputDelay: 1, maxPrediction: 8 }, 'peerjs', '')).toBe('up to 3 players · first to 7 · input delay 1 · max prediction 8 · peerjs');
    expect(describeSettings({ capacity: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 }, 'simple-peer', '100±20 ms')).toMatch(/ · lag 100±20 ms$/);
    const m = { id: 'a', name: 'Ann', host: true, ready: true, inMatch: false, pingMs: 41.6 };
    expect(memberRowText(m, false)).toEqual({ name: 'Ann', badges: '★ host', ready: 'Ready', ping: '42 ms' });
    expect(memberRowText(m, true)).toEqual({ name: 'Ann (you)', badges: '★ host', ready: 'Ready', ping: '' });
    expect(memberRowText({ ...m, host: false, ready: false, pingMs: undefined }, false)).toEqual({ name: 'Ann', badges: '', ready: 'Not ready', ping: 'connecting…' });
    expect(memberRowText({ ...m, ready: false, inMatch: true }, false).ready).toBe('In match');
    expect(formatAhead(0.14976661)).toBe('0.1');
    expect(formatAhead(2)).toBe('2');
    expect(formatAhead(-1.96)).toBe('-2');
  });
});

/** A session stand-in: `inputs[f]` become confirmed as `confirmedFrame` grows. */
class FakeSource implements ConfirmedInputSource {
  confirmedFrame = -1;
  currentFrame = 0;
  constructor(readonly inputs: readonly (readonly number[])[]) {}
  confirmedInputs(frame: number): readonly number[] | undefined {
    return frame <= this.confirmedFrame ? this.inputs[frame] : undefined;
  }
}

function reference(players: number, seed: number, inputs: readonly (readonly number[])[]): GameState[] {
  const states = [initialState(makeConfig({ players, seed, pointsToWin: 2 }))];
  for (const row of inputs) states.push(step(states[states.length - 1] as GameState, row));
  return states;
}

describe('ConfirmedTrack', () => {
  it('matches a direct simulation at every confirmed frame, whatever the confirmation schedule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 10 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        (players, seed, frames, schedule, inputSeed) => {
          const inputs = Array.from({ length: frames }, (_, f) => Array.from({ length: players }, (_, p) => ((f >> 4) * 7 + p * 5 + inputSeed) % 4));
          const states = reference(players, seed, inputs);
          const source = new FakeSource(inputs);
          const track = new ConfirmedTrack(makeConfig({ players, seed, pointsToWin: 2 }), 64);
          for (const [confirmStep, ahead] of schedule) {
            source.confirmedFrame = Math.min(frames - 1, source.confirmedFrame + confirmStep);
            source.currentFrame = Math.min(frames, source.confirmedFrame + 1 + ahead);
            track.advance(source);
            const expectedFrame = Math.min(source.confirmedFrame, source.currentFrame - 1) + 1;
            expect(track.frame).toBe(expectedFrame);
            expect(track.winner).toBe(states[expectedFrame]?.winner);
            for (let f = Math.max(0, expectedFrame - 70); f <= expectedFrame + 3; f++) {
              const p = track.at(f);
              if (f > expectedFrame || f <= expectedFrame - 64) expect(p).toBeUndefined();
              else expect(p).toEqual({ frame: f, checksum: checksum(states[f] as GameState), scores: states[f]?.scores, winner: states[f]?.winner });
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('spreads a long catch-up over calls and stops at an unconfirmed input', () => {
    const inputs = Array.from({ length: 100 }, () => [1, 2]);
    const source = new FakeSource(inputs);
    source.confirmedFrame = 99;
    source.currentFrame = 100;
    const track = new ConfirmedTrack(makeConfig({ players: 2, seed: 5, pointsToWin: 2 }));
    expect(track.advance(source, 30)).toBe(30);
    expect(track.frame).toBe(30);
    expect(track.advance(source)).toBe(70);
    expect(track.at(100)?.checksum).toBe(checksum(reference(2, 5, inputs)[100] as GameState));
    expect(track.advance(source)).toBe(0);
    const gap = new FakeSource(inputs);
    gap.confirmedFrame = 50;
    gap.currentFrame = 60;
    gap.confirmedInputs = (f) => (f === 20 ? undefined : inputs[f]);
    const t2 = new ConfirmedTrack(makeConfig({ players: 2, seed: 5 }));
    t2.advance(gap);
    expect(t2.frame).toBe(20);
    expect(t2.at(-1)).toBeUndefined();
    expect(t2.at(1.5)).toBeUndefined();
    expect(() => new ConfirmedTrack(makeConfig({ players: 2 }), 0)).toThrow(RangeError);
  });
});

describe('startDriver', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  function rig(): { ticks: [number, boolean][]; pumpRaf: () => void; doc: { hidden: boolean } } {
    vi.useFakeTimers();
    let callbacks: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => callbacks.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {
      callbacks = [];
    });
    const doc = { hidden: false };
    vi.stubGlobal('document', doc);
    return {
      ticks: [],
      doc,
      pumpRaf: () => {
        const due = callbacks;
        callbacks = [];
        for (const cb of due) cb(Date.now());
      },
    };
  }

  it('ticks from animation frames (render) and falls back to the timer (no render) when they stop or the tab hides', () => {
    const r = rig();
    const driver = startDriver((t, render) => r.ticks.push([t, render]), { now: () => Date.now() });
    for (let i = 0; i < 12; i++) {
      vi.advanceTimersByTime(16);
      r.pumpRaf();
    }
    expect(r.ticks.length).toBe(12);
    expect(r.ticks.every(([, render]) => render)).toBe(true);

    r.ticks.length = 0; // animation frames stop (background tab, busy browser)
    vi.advanceTimersByTime(500);
    expect(r.ticks.length).toBeGreaterThanOrEqual(9);
    expect(r.ticks.every(([, render]) => !render)).toBe(true);

    r.ticks.length = 0; // hidden: the timer ticks even when frames would be fresh
    r.doc.hidden = true;
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(50);
      r.pumpRaf();
    }
    expect(r.ticks.filter(([, render]) => !render).length).toBe(6);

    driver.stop();
    r.ticks.length = 0;
    vi.advanceTimersByTime(500);
    r.pumpRaf();
    expect(r.ticks).toEqual([]);
  });

  it('takes its background beat from a worker when one can start (hidden pages throttle their own timers)', () => {
    const r = rig();
    const workers: { script: string; onmessage: (() => void) | null; terminated: boolean }[] = [];
    class FakeWorker {
      onmessage: (() => void) | null = null;
      terminated = false;
      constructor(url: string) {
        workers.push(this as unknown as (typeof workers)[number]);
        this.script = url;
      }
      script: string;
      terminate(): void {
        this.terminated = true;
      }
    }
    vi.stubGlobal('Worker', FakeWorker);
    const driver = startDriver((t, render) => r.ticks.push([t, render]), { now: () => Date.now() });
    expect(workers).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(r.ticks).toEqual([]); // no setInterval beat: the worker's messages drive the fallback
    workers[0]?.onmessage?.();
    expect(r.ticks).toEqual([[Date.now(), false]]);
    driver.stop();
    expect(workers[0]?.terminated).toBe(true);
  });

  it('keeps running after a tick throws', () => {
    const r = rig();
    let n = 0;
    const driver = startDriver(() => {
      n++;
      if (n === 1) throw new Error('boom');
    }, { now: () => Date.now() });
    expect(() => r.pumpRaf()).toThrow('boom');
    r.pumpRaf();
    expect(n).toBe(2);
    driver.stop();
  });
});
