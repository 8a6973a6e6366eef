import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialState, makeConfig, step, InputBits, checksum, formatChecksum } from '../../../src/game/index.ts';
import type { SessionEvent } from '../../../src/netcode/types.ts';
import { botInput } from '../../../src/ui/bot.ts';
import { lobbyCodeFromInput } from '../../../src/ui/landing.ts';
import { NoticeList, applySessionEvent, noticeForEvent } from '../../../src/ui/notices.ts';
import { parseRoute, routeHref, type Route } from '../../../src/ui/router.ts';
import { summarizeState } from '../../../src/ui/test-hook.ts';

describe('routes', () => {
  it('parses paths and hashes', () => {
    expect(parseRoute('/')).toEqual({ kind: 'landing' });
    expect(parseRoute('/index.html')).toEqual({ kind: 'landing' });
    expect(parseRoute('/lobby/AbC-12_x')).toEqual({ kind: 'lobby', code: 'AbC-12_x' });
    expect(parseRoute('/lobby/AbC/')).toEqual({ kind: 'lobby', code: 'AbC' });
    expect(parseRoute('/', '', '#/replay')).toEqual({ kind: 'replay' });
    expect(parseRoute('/', '', '#replay')).toEqual({ kind: 'replay' });
    expect(parseRoute('/replay')).toEqual({ kind: 'replay' });
    expect(parseRoute('/', '', '#/practice?players=4&countdown=0')).toEqual({ kind: 'practice', players: 4, countdownSeconds: 0 });
    expect(parseRoute('/practice', '?players=9')).toEqual({ kind: 'practice', players: 2, countdownSeconds: 3 });
    expect(parseRoute('/lobby/bad code!')).toEqual({ kind: 'not-found', path: '/lobby/bad code!' });
    expect(parseRoute('/', '', '#/nope')).toEqual({ kind: 'not-found', path: '#/nope' });
    expect(parseRoute('/replay/AbCdEfGhIjKl-_12')).toEqual({ kind: 'shared-replay', id: 'AbCdEfGhIjKl-_12' });
    expect(parseRoute('/', '', '#/replay/AbCdEfGhIjKl-_12')).toEqual({ kind: 'shared-replay', id: 'AbCdEfGhIjKl-_12' });
    expect(parseRoute('/replay/short')).toEqual({ kind: 'not-found', path: '/replay/short' });
    expect(parseRoute('/matches')).toEqual({ kind: 'matches' });
  });

  it('round-trips every route through its href', () => {
    const route: fc.Arbitrary<Route> = fc.oneof(
      fc.constant({ kind: 'landing' } as const),
      fc.constant({ kind: 'replay' } as const),
      fc.constant({ kind: 'widgets' } as const),
      fc.constant({ kind: 'matches' } as const),
      fc.record({ kind: fc.constant('shared-replay' as const), id: fc.stringMatching(/^[A-Za-z0-9_-]{16}$/) }),
      fc.record({ kind: fc.constant('practice' as const), players: fc.integer({ min: 2, max: 4 }), countdownSeconds: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('lobby' as const), code: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/) }),
    );
    fc.assert(
      fc.property(route, (r) => {
        const u = new URL(routeHref(r), 'http://host');
        expect(parseRoute(u.pathname, u.search, u.hash)).toEqual(r);
      }),
    );
  });

  it('extracts lobby codes from codes and links', () => {
    expect(lobbyCodeFromInput('  Q7XK2 ')).toBe('Q7XK2');
    expect(lobbyCodeFromInput('http://localhost:8080/lobby/Q7XK2')).toBe('Q7XK2');
    expect(lobbyCodeFromInput('https://pong.example/lobby/Q7XK2?x=1#y')).toBe('Q7XK2');
    expect(lobbyCodeFromInput('not a code')).toBeUndefined();
    expect(lobbyCodeFromInput('')).toBeUndefined();
  });
});

describe('notices', () => {
  const nameOf = (peer: string): string => ({ b: 'Bob' })[peer] ?? peer;
  it('turns session events into sentences, or nothing for internal ones', () => {
    expect(noticeForEvent({ kind: 'network-interrupted', peer: 'b', silentForMs: 600 }, nameOf)).toBe("Bob's connection interrupted…");
    expect(noticeForEvent({ kind: 'network-resumed', peer: 'b' }, nameOf)).toBe('Bob is back');
    expect(noticeForEvent({ kind: 'disconnected', peer: 'b', player: 1, frame: 9, reason: 'lost' }, nameOf)).toBe('Bob disconnected');
    expect(noticeForEvent({ kind: 'disconnected', peer: 'b', player: 1, frame: 9, reason: 'left' }, nameOf)).toBe('Bob left the match');
    expect(noticeForEvent({ kind: 'desync', report: { frame: 120, localChecksum: 1, remoteChecksum: 0xabc } }, nameOf)).toBe('Desync detected at frame 120 (00000001 ≠ 00000abc)');
    expect(noticeForEvent({ kind: 'state-lost', peer: 'b', player: 1, frame: 9, reason: 'departure' }, nameOf)).toBe("Bob's departure was agreed too late to replay here: your game is out of sync");
    expect(noticeForEvent({ kind: 'state-lost', peer: 'b', player: 1, frame: 9, reason: 'record' }, nameOf)).toBe("Bob's input was corrected too late to replay here: your game is out of sync");
    expect(noticeForEvent({ kind: 'synchronized', peer: 'b' }, nameOf)).toBeUndefined();
    expect(noticeForEvent({ kind: 'stall', frame: 3, waitingFor: [1] }, nameOf)).toBeUndefined();
  });

  it('keeps an interruption until the peer resumes, then fades the resume notice', () => {
    const list = new NoticeList();
    const ev = (e: SessionEvent, t: number): void => applySessionEvent(list, e, t, nameOf);
    ev({ kind: 'network-interrupted', peer: 'b', silentForMs: 600 }, 0);
    expect(list.active(1_000_000)).toEqual(["Bob's connection interrupted…"]);
    ev({ kind: 'network-resumed', peer: 'b' }, 1_000_000);
    expect(list.active(1_000_001)).toEqual(['Bob is back']);
    expect(list.active(1_002_500)).toEqual([]);
  });

  it('expires notices, replaces by key and keeps at most `limit`', () => {
    const list = new NoticeList(2);
    list.add('a', 0, { ttlMs: 100 });
    list.add('b', 50, { ttlMs: 100 });
    expect(list.active(99)).toEqual(['a', 'b']);
    expect(list.active(100)).toEqual(['b']);
    list.add('c', 100);
    list.add('d', 100);
    expect(list.active(101)).toEqual(['c', 'd']);
    list.add('c2', 100, { key: 'c' });
    expect(list.active(101)).toEqual(['d', 'c2']);
    list.remove('d');
    expect(list.active(101)).toEqual(['c2']);
  });
});

describe('practice bot and state summary', () => {
  it('returns one direction bit, deterministically, and misses now and then', () => {
    const config = makeConfig({ players: 4, pointsToWin: 99, seed: 21 });
    const run = (): { inputs: number[]; scores: readonly number[] } => {
      let s = initialState(config);
      const aim: number[] = [];
      const inputs: number[] = [];
      for (let f = 0; f < 3000; f++) {
        const row = [0, 1, 2, 3].map((p) => botInput(s, p, aim));
        inputs.push(...row);
        s = step(s, row);
      }
      return { inputs, scores: s.scores };
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a.inputs.every((b) => b === 0 || b === InputBits.negative || b === InputBits.positive)).toBe(true);
    expect(a.scores.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
  });

  it('summarises a state for the test hook without changing it', () => {
    const s = initialState(makeConfig({ players: 3 }));
    expect(summarizeState(s)).toEqual({
      frame: 0, checksum: formatChecksum(checksum(s)), players: 3, scores: [0, 0, 0], paddles: [500, 500, 500],
      ball: { x: 500, y: 500 }, serveTimer: 60, winner: -1,
    });
  });
});
