/**
 * Rejoin over real WebRTC (wrtc) for both transports, through `Room` on a real signaling server: a
 * player's page dies mid-match (its links and lobby socket close without a goodbye), the others play
 * on without it, then the same browser (the same rejoin store) opens the lobby link again. It resumes
 * its seat, asks its peers which match runs, fetches the state, and plays on in its own slot: every
 * peer ends on the same state (the returning player's score included) with no desync.
 */
import { describe, expect, it } from 'vitest';
import { checksum, formatChecksum } from '../../src/game/index.ts';
import type { OnlineMatch } from '../../src/lobby/online-match.ts';
import type { SessionEvent } from '../../src/netcode/index.ts';
import { Browser, pagesFixture, run } from './rejoin-browser.ts';
import type { TransportKind } from './room-driver.ts';

/** The rejoin suite for one transport (one file per transport, so vitest runs them in parallel). */
export function describeRejoin(transport: TransportKind): void {
  describe(`rejoin over real WebRTC (${transport})`, () => {
    const f = pagesFixture();

    it.each([2, 3])('%i players: a crashed page reopens the link and is back in its slot, in sync', async (n) => {
      const all = Array.from({ length: n }, (_, i) => new Browser(i === 0 ? 'host' : `p${i}`, 40 + i));
      const { server, browsers } = f;
      browsers.push(...all);
      const host = await (all[0] as Browser).open(server, transport, undefined, n);
      for (const b of all.slice(1)) await b.open(server, transport, host.code);
      expect(await run(all, () => all.every((b) => b.room?.meshReady === true && b.room.members.length === n), 10_000, 0)).toBe(true);
      for (const b of all) b.room?.setReady(true);
      expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 150), 15_000, 150)).toBe(true);

      // The last player's page dies; the others drop it (the server's word) and play on.
      const gone = all[n - 1] as Browser;
      const player = gone.match?.start.localPlayer as number;
      gone.crash();
      const stay = all.slice(0, n - 1);
      expect(await run(stay, () => stay.every((b) => b.matchEvents.some((e) => e.kind === 'disconnected' && e.player === player)), 10_000, 400)).toBe(true);
      expect(await run(stay, () => stay.every((b) => (b.match?.session.currentFrame ?? 0) >= 240), 10_000, 400)).toBe(true);

      // The same browser opens the link again: its seat is resumed, it fetches the match and plays on.
      const reopenedAt = performance.now();
      await gone.open(server, transport, host.code);
      expect(gone.events.some((e) => e.kind === 'rejoining')).toBe(false); // drained on the next tick
      expect(await run(all, () => gone.match !== undefined && stay.every((b) => b.matchEvents.some((e) => e.kind === 'rejoined' && e.player === player)), 15_000, 900)).toBe(true);
      const rejoinMs = performance.now() - reopenedAt;
      expect(gone.events.map((e) => e.kind)).toContain('rejoining');
      expect(gone.match?.start.localPlayer).toBe(player);
      expect(gone.match?.replayAvailable).toBe(false);
      const agreed = stay.map((b) => b.matchEvents.find((e) => e.kind === 'rejoined' && e.player === player));
      expect(new Set(agreed.map((e) => (e?.kind === 'rejoined' ? e.frame : -1))).size).toBe(1);

      // Everyone plays to frame 900 and settles: one state everywhere, the returning player's included.
      const frames = 900;
      expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= frames), 30_000, frames)).toBe(true);
      const settled = await run(all, () => all.every((b) => (b.match?.session.confirmedFrame ?? 0) >= frames - 1), 15_000, frames);
      expect(settled, all.map((b) => `${b.name} ${b.match?.session.currentFrame}/${b.match?.session.confirmedFrame} ${JSON.stringify(b.matchEvents.filter((e) => e.kind !== 'stall' && e.kind !== 'network-interrupted' && e.kind !== 'network-resumed').slice(-4))}`).join('; ')).toBe(true);
      const matches = all.map((b) => b.match as OnlineMatch);
      expect(matches.map((m) => m.session.currentFrame)).toEqual(matches.map(() => frames));
      const sums = matches.map((m) => formatChecksum(checksum(m.state)));
      expect(sums).toEqual(sums.map(() => sums[0]));
      expect(matches.map((m) => m.state.scores)).toEqual(matches.map(() => matches[0]?.state.scores));
      for (const b of all) expect(b.matchEvents.filter((e) => e.kind === 'desync')).toEqual([]);
      console.log(`[rejoin ${transport} ${n}p] link reopened -> playing again: ${Math.round(rejoinMs)} ms`);
      for (const b of all) b.room?.leave();
    }, 90_000);
  });
}


/** Every page plays to `frames` and settles: one state everywhere, no desync. */
async function expectWhole(all: Browser[], frames: number): Promise<void> {
  expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= frames), 30_000, frames)).toBe(true);
  expect(await run(all, () => all.every((b) => (b.match?.session.confirmedFrame ?? 0) >= frames - 1), 15_000, frames)).toBe(true);
  const matches = all.map((b) => b.match as OnlineMatch);
  expect(matches.map((m) => m.session.currentFrame)).toEqual(matches.map(() => frames));
  const sums = matches.map((m) => formatChecksum(checksum(m.state)));
  expect(sums, JSON.stringify(all.map((b) => b.matchEvents.filter((e) => e.kind !== 'stall' && e.kind !== 'network-interrupted' && e.kind !== 'network-resumed').slice(-5)))).toEqual(sums.map(() => sums[0]));
  for (const b of all) expect(b.matchEvents.filter((e) => e.kind === 'desync')).toEqual([]);
}

const rejoinedAt = (b: Browser, player: number): SessionEvent | undefined => b.matchEvents.find((e) => e.kind === 'rejoined' && e.player === player);

/**
 * A return at the edges of a match (issue #11, item 2): during the start countdown (the others are
 * not playing yet when the page dies, and may still be counting down when it comes back), and in a
 * rematch (a second match of the lobby, with its own session).
 */
export function describeRejoinEdges(transport: TransportKind): void {
  describe(`rejoin at the edges of a match (${transport})`, () => {
    const f = pagesFixture();

    it('during the countdown: a page dies before frame 0, reopens, and plays in its slot', async () => {
      const all = [new Browser('host', 81), new Browser('p1', 82)];
      const { server, browsers } = f;
      browsers.push(...all);
      const [host, gone] = all as [Browser, Browser];
      const room = await host.open(server, transport, undefined, 2, { countdownMs: 2500 });
      await gone.open(server, transport, room.code, 2, { countdownMs: 2500 });
      expect(await run(all, () => all.every((b) => b.room?.meshReady === true), 10_000, 0)).toBe(true);
      for (const b of all) b.room?.setReady(true);
      const now = (): number => performance.now();
      expect(await run(all, () => all.every((b) => b.match !== undefined), 10_000, 0)).toBe(true);
      expect(gone.match?.countdownMs(now())).toBeGreaterThan(500); // still counting down
      const player = gone.match?.start.localPlayer as number;
      gone.crash();
      await gone.open(server, transport, room.code, 2, { countdownMs: 2500 });
      const back = await run(all, () => gone.match !== undefined && rejoinedAt(host, player) !== undefined, 15_000, 900);
      expect(back, JSON.stringify({ gone: gone.events.map((e) => e.kind), host: host.matchEvents.filter((e) => e.kind !== 'stall').slice(-6), frame: host.match?.session.currentFrame })).toBe(true);
      expect(gone.match?.start.localPlayer).toBe(player);
      expect(gone.match?.start.sessionId).toBe(host.match?.start.sessionId);
      await expectWhole(all, 1200);
      for (const b of all) b.room?.leave();
    }, 60_000);

    it('in a rematch: the second match of the lobby takes its player back', async () => {
      const all = [new Browser('host', 91), new Browser('p1', 92), new Browser('p2', 93)];
      const { server, browsers } = f;
      browsers.push(...all);
      const [host, , gone] = all as [Browser, Browser, Browser];
      const room = await host.open(server, transport, undefined, 3);
      for (const b of all.slice(1)) await b.open(server, transport, room.code);
      expect(await run(all, () => all.every((b) => b.room?.meshReady === true && b.room.members.length === 3), 10_000, 0)).toBe(true);
      for (const b of all) b.room?.setReady(true);
      expect(await run(all, () => all.every((b) => (b.match?.session.currentFrame ?? 0) >= 120), 15_000, 120)).toBe(true);
      const first = host.match?.start.sessionId;
      // Back to the lobby, and a rematch.
      for (const b of all) b.room?.endMatch();
      expect(await run(all, () => all.every((b) => b.match === undefined && b.room?.meshReady === true), 10_000, 0)).toBe(true);
      for (const b of all) b.room?.setReady(true);
      expect(await run(all, () => all.every((b) => b.match !== undefined && b.match.start.sessionId !== first && b.match.session.currentFrame >= 120), 15_000, 120)).toBe(true);
      const player = gone.match?.start.localPlayer as number;
      gone.crash();
      const stay = all.slice(0, 2);
      expect(await run(stay, () => stay.every((b) => b.matchEvents.some((e) => e.kind === 'disconnected' && e.player === player)), 10_000, 400)).toBe(true);
      await gone.open(server, transport, room.code);
      expect(await run(all, () => gone.match !== undefined && stay.every((b) => rejoinedAt(b, player) !== undefined), 15_000, 900)).toBe(true);
      expect(gone.match?.start.sessionId).toBe(host.match?.start.sessionId);
      expect(gone.match?.start.localPlayer).toBe(player);
      await expectWhole(all, 900);
      for (const b of all) b.room?.leave();
    }, 90_000);
  });
}
