// The signaling client's heartbeat, reconnection and resume (issue #11), against a real signaling
// server on 127.0.0.1, with network faults made by a TCP proxy the test controls: a reset link, a
// link that goes silent (only the heartbeat can tell), the server unreachable for a while (same
// process: the membership resumes), a restarted server without the lobby (clear `unknown-lobby`, no
// more attempts), attempts running out, a takeover by another socket, a voluntary leave; and the
// rejoin store a browser keeps its tokens in. Back-off delays are checked against their formula with
// a fixed jitter source: no assertion depends on how long anything took.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, silentLogger } from '../../signaling/index.ts';
import type { SignalingServer } from '../../signaling/index.ts';
import { CloseCode } from '../../src/lobby/protocol.ts';
import type { RejoinStore, ResumeOptions, SignalingEventOf } from '../../src/lobby/signaling-client.ts';
import { createLobby, joinLobby } from '../support/lobby-clients.ts';
import type { TestClient } from '../support/lobby-clients.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import type { TcpProxy } from '../support/tcp-proxy.ts';

const BASE_MS = 40;
const MAX_MS = 160;
/** Fast settings for tests; `random: () => 0.5` makes every delay exactly 3/4 of its cap. */
const RESUME: ResumeOptions = { heartbeatMs: 50, silenceMs: 400, baseDelayMs: BASE_MS, maxDelayMs: MAX_MS, maxAttempts: 40, random: () => 0.5 };
const expectedDelay = (attempt: number): number => Math.round(0.75 * Math.min(MAX_MS, BASE_MS * 2 ** (attempt - 1)));
const options = (extra: ResumeOptions = {}) => ({ resume: { ...RESUME, ...extra } });

const SERVER_OPTIONS = { host: '127.0.0.1', logger: silentLogger, staticDir: null, maxLobbiesPerAddress: 1000, lobbyCreateBurst: 1000 } as const;

/** Waits for the `resumed` of `c` and checks it kept `memberId`. */
async function expectResumed(c: TestClient, memberId: string): Promise<SignalingEventOf<'resumed'>> {
  const resumed = await c.take('resumed', 10_000);
  expect(resumed.joined.memberId).toBe(memberId);
  expect(c.client.state).toBe('open');
  return resumed;
}

describe('signaling client: heartbeat, reconnect, resume', () => {
  let server: SignalingServer;
  let proxy: TcpProxy;
  const closers: (() => unknown)[] = [];
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, ...SERVER_OPTIONS });
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await server?.close();
  });
  const viaProxy = async (): Promise<string> => {
    proxy = await startTcpProxy(server.port);
    closers.push(() => proxy.close());
    return `ws://127.0.0.1:${proxy.port}/ws`;
  };
  /** Alice (direct) hosts; Bob joins through the proxy with `resume`. */
  const pair = async (extra: ResumeOptions = {}) => {
    const alice = await createLobby(server.wsUrl, 'Alice');
    const bob = await joinLobby(await viaProxy(), alice.joined.code, 'Bob', undefined, options(extra));
    await alice.take('member-joined');
    closers.push(() => alice.client.close(), () => bob.client.close());
    return { alice, bob, bobId: bob.joined.memberId };
  };

  it('a reset link: reconnecting (attempt 1), then resumed with the same id; the others see it leave and come back', async () => {
    const { alice, bob, bobId } = await pair();
    proxy.cut();
    const reconnecting = await bob.take('reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1, delayMs: expectedDelay(1), code: 1006 });
    expect(bob.client.state).toBe('reconnecting');
    expect(bob.client.send({ kind: 'chat', text: 'lost' })).toBe(false); // nothing is sent while down
    await expectResumed(bob, bobId);
    expect((await bob.take('joined')).memberId).toBe(bobId); // emitted too, just before `resumed`
    expect(await alice.take('member-left')).toEqual({ kind: 'member-left', memberId: bobId, reason: 'disconnected' });
    expect(await alice.take('member-joined')).toMatchObject({ member: { id: bobId, name: 'Bob' }, rejoined: true });
    expect(bob.client.send({ kind: 'chat', text: 'back' })).toBe(true);
    expect(await alice.take('chat')).toEqual({ kind: 'chat', from: bobId, text: 'back' });
    // Again: resumes as often as it drops, and the attempt count starts over.
    proxy.cut();
    expect(await bob.take('reconnecting')).toMatchObject({ attempt: 1 });
    await expectResumed(bob, bobId);
    expect(bob.pending('closed')).toBe(0);
  });

  it('a link that dies silently: the heartbeat notices, and the resume takes over the socket the server still lists', async () => {
    const { alice, bob, bobId } = await pair();
    await bob.sync();
    proxy.freeze();
    const reconnecting = await bob.take('reconnecting', 5000);
    expect(reconnecting).toMatchObject({ attempt: 1, code: 4000, reason: 'silent' });
    await expectResumed(bob, bobId);
    // The server had not noticed the old socket die (its heartbeat is 10 s): the resume replaced it.
    expect(await alice.take('member-left')).toEqual({ kind: 'member-left', memberId: bobId, reason: 'disconnected' });
    expect(await alice.take('member-joined')).toMatchObject({ member: { id: bobId }, rejoined: true });
    await alice.sync();
    expect(alice.pending('member-left')).toBe(0);
  });

  it('the server unreachable for a while (same process): back-off attempts, then resumed', async () => {
    const { alice, bob, bobId } = await pair();
    await proxy.stop();
    const attempts: SignalingEventOf<'reconnecting'>[] = [];
    while (attempts.length < 5) attempts.push(await bob.take('reconnecting', 5000));
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(attempts.map((a) => a.delayMs)).toEqual([1, 2, 3, 4, 5].map(expectedDelay));
    expect(Math.max(...attempts.map((a) => a.delayMs))).toBeLessThanOrEqual(MAX_MS);
    await proxy.start();
    await expectResumed(bob, bobId);
    expect((await alice.take('member-joined')).rejoined).toBe(true);
  });

  it('jitter spreads the delays within [cap/2, cap]', async () => {
    let i = 0;
    const randoms = [0, 0.999, 0.25];
    const { bob } = await pair({ random: () => randoms[i++ % randoms.length] ?? 0 });
    await proxy.stop();
    const delays: number[] = [];
    while (delays.length < 3) delays.push((await bob.take('reconnecting', 5000)).delayMs);
    expect(delays).toEqual([Math.round(BASE_MS / 2), Math.round(BASE_MS * 2 * (0.5 + 0.999 / 2)), Math.round(BASE_MS * 4 * 0.625)]);
    await proxy.start();
    await bob.take('resumed', 10_000);
  });

  it('attempts run out: resume-failed (unreachable), then closed, and nothing more', async () => {
    const { bob } = await pair({ maxAttempts: 3 });
    await proxy.stop();
    for (let n = 1; n <= 3; n++) expect((await bob.take('reconnecting', 5000)).attempt).toBe(n);
    expect(await bob.take('resume-failed', 5000)).toEqual({ kind: 'resume-failed', code: 'unreachable' });
    expect(await bob.take('closed')).toMatchObject({ kind: 'closed' });
    expect(bob.client.state).toBe('closed');
    await proxy.start();
    await new Promise((r) => setTimeout(r, 4 * MAX_MS));
    expect(bob.pending('reconnecting')).toBe(0);
    expect(proxy.accepted).toBe(1); // the first connection only: three attempts found no listener
  });

  it('taken over by another socket with its token (4014): resume-failed (replaced), no attempt to take it back', async () => {
    const { alice, bob, bobId } = await pair();
    const thief = await joinLobby(server.wsUrl, alice.joined.code, 'Bob', bob.joined.rejoinToken);
    closers.push(() => thief.client.close());
    expect(thief.joined.memberId).toBe(bobId);
    expect(await bob.take('resume-failed')).toEqual({ kind: 'resume-failed', code: 'replaced' });
    expect(await bob.take('closed')).toMatchObject({ code: CloseCode.replaced });
    await new Promise((r) => setTimeout(r, 4 * MAX_MS));
    expect(bob.pending('reconnecting')).toBe(0);
    await alice.sync();
    expect(alice.log.filter((e) => e.kind === 'member-joined')).toHaveLength(2); // Bob, then the takeover
  });

  it('after a voluntary leave or close() a lost socket is not resumed', async () => {
    const { alice, bob } = await pair();
    expect(bob.client.send({ kind: 'leave' })).toBe(true);
    await alice.take('member-left');
    proxy.cut();
    expect((await bob.take('closed')).code).toBe(1006);
    expect(bob.pending('reconnecting')).toBe(0);

    const carol = await joinLobby(server.wsUrl, alice.joined.code, 'Carol', undefined, options());
    carol.client.close();
    expect((await carol.take('closed')).code).toBe(1000);
    await new Promise((r) => setTimeout(r, 4 * MAX_MS));
    expect(carol.pending('reconnecting') + bob.pending('reconnecting')).toBe(0);
  });

  it('close() while waiting to reconnect stops for good', async () => {
    const { bob } = await pair();
    await proxy.stop();
    await bob.take('reconnecting', 5000);
    bob.client.close();
    expect(await bob.take('closed')).toMatchObject({ code: 1000 });
    expect(bob.client.state).toBe('closed');
    await proxy.start();
    await new Promise((r) => setTimeout(r, 4 * MAX_MS));
    expect(bob.pending('reconnecting') + bob.pending('resumed')).toBe(0);
  });

  it('a rejoin store: a later plain join of the same lobby resumes the stored seat; a stale token falls back to a fresh join; leave forgets', async () => {
    const tokens = new Map<string, string>();
    const store: RejoinStore = {
      load: (code) => tokens.get(code) ?? null,
      save: (code, token) => void tokens.set(code, token),
      forget: (code) => void tokens.delete(code),
    };
    const alice = await createLobby(server.wsUrl, 'Alice', { capacity: 3 });
    closers.push(() => alice.client.close());
    const code = alice.joined.code;
    // The first page: joins, and its token is kept.
    const page1 = await joinLobby(server.wsUrl, code, 'Bob', undefined, { rejoinStore: store });
    expect(tokens.get(code)).toBe(page1.joined.rejoinToken);
    page1.client.close(); // the tab crashed: no leave
    await page1.take('closed');
    // The link opened again (same browser): a plain join, answered with the same seat.
    const page2 = await joinLobby(server.wsUrl, code, 'Bob', undefined, { rejoinStore: store });
    expect(page2.joined.memberId).toBe(page1.joined.memberId);
    expect(page2.pending('error')).toBe(0);
    // The same lobby opened in a second tab of this browser while the first is connected: the stored
    // token does not take the first tab's seat; the second tab joins as a new member.
    const tab2 = await joinLobby(server.wsUrl, code, 'Bob two', undefined, { rejoinStore: store });
    expect(tab2.joined.memberId).not.toBe(page1.joined.memberId);
    await page2.sync();
    expect(page2.pending('closed')).toBe(0);
    tab2.client.send({ kind: 'leave' });
    tab2.client.close();
    tokens.set(code, page2.joined.rejoinToken ?? '');
    // A voluntary leave forgets the token; the next join is a new member.
    page2.client.send({ kind: 'leave' });
    expect(tokens.has(code)).toBe(false);
    page2.client.close();
    // A stale token (its seat gone): the join goes through as a fresh one, no error surfaces.
    tokens.set(code, Buffer.alloc(32, 7).toString('base64url'));
    const page3 = await joinLobby(server.wsUrl, code, 'Bob', undefined, { rejoinStore: store });
    expect(page3.joined.memberId).not.toBe(page1.joined.memberId);
    expect(page3.pending('error')).toBe(0);
    expect(tokens.get(code)).toBe(page3.joined.rejoinToken);
    // Not a token at all (storage edited by hand): forgotten, plain join.
    page3.client.send({ kind: 'leave', keepSeat: true }); // the page goes away: the seat is kept
    expect(tokens.get(code)).toBe(page3.joined.rejoinToken);
    page3.client.close();
    const other = await createLobby(server.wsUrl, 'Zed');
    closers.push(() => other.client.close());
    tokens.set(other.joined.code, 'not a token');
    const page4 = await joinLobby(server.wsUrl, other.joined.code, 'Bob', undefined, { rejoinStore: store });
    expect(page4.joined.members).toHaveLength(2);
    page4.client.close();
  });
});

describe('signaling client: a restarted server without the lobby', () => {
  it('says unknown-lobby clearly (resume-failed), closes, and stops retrying', async () => {
    const first = await startSignalingServer({ port: 0, ...SERVER_OPTIONS });
    const port = first.port;
    const alice = await createLobby(first.wsUrl, 'Alice');
    const bob = await joinLobby(first.wsUrl, alice.joined.code, 'Bob', undefined, options());
    await first.close(); // every socket gets 1001; the lobbies are gone with the process state
    expect(await bob.take('reconnecting', 5000)).toMatchObject({ attempt: 1, code: 1001 });
    const second = await startSignalingServer({ port, ...SERVER_OPTIONS });
    try {
      expect(await bob.take('resume-failed', 10_000)).toEqual({ kind: 'resume-failed', code: 'unknown-lobby' });
      expect((await bob.take('error')).code).toBe('unknown-lobby');
      expect(await bob.take('closed')).toMatchObject({ reason: 'unknown-lobby' });
      expect(bob.client.state).toBe('closed');
      await new Promise((r) => setTimeout(r, 4 * MAX_MS));
      expect(bob.pending('reconnecting')).toBe(0);
      expect(second.stats().connections).toBe(0);
    } finally {
      alice.client.close();
      bob.client.close();
      await second.close();
    }
  });
});
