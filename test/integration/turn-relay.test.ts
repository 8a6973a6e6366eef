// TURN through a real coturn (use-auth-secret) started by this file: two members of a lobby on a real
// signaling server with TURN configured get their own time-limited credentials in `joined`, connect
// with the relay-only ICE policy over real WebRTC (wrtc; simple-peer and PeerJS), the selected pair is
// a relay pair (getStats), and a short match plays to the same checksum. With credentials coturn
// refuses (the server's secret is not coturn's; a username that expired) the link fails, explained.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSignalingServer, type SignalingServer } from '../../signaling/index.ts';
import { turnCredential } from '../../signaling/turn.ts';
import type { Room, RoomEvent } from '../../src/lobby/room.ts';
import { pathKind, RELAY_ERROR_PREFIX } from '../../src/transport/ice-path.ts';
import { describeCoturn, startCoturn, type Coturn } from '../support/coturn-suite.ts';
import { closeLobby, openLobby, playAndSettle, readyAndCommit, type Lobby } from '../support/lobby-suite.ts';
import { drive, nodeLinkFactory, openRoom, type NodeIce, type TransportKind } from '../support/room-driver.ts';

const SECRET = 'integration-turn-secret-0123456789';
const TRANSPORTS: readonly TransportKind[] = ['simple-peer', 'peerjs'];

describeCoturn('TURN relay through coturn (wrtc)', () => {
  let coturn: Coturn;
  const servers: SignalingServer[] = [];
  const lobbies: Lobby[] = [];
  const rooms: Room[] = [];

  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
  });
  afterAll(async () => {
    for (const l of lobbies) closeLobby(l);
    for (const r of rooms) r.leave();
    await Promise.all(servers.map((s) => s.close()));
    await coturn?.stop();
  });

  const server = async (secret: string): Promise<SignalingServer> => {
    const s = await startSignalingServer({ turn: { secret, urls: coturn.urls, ttlS: 600 } });
    servers.push(s);
    return s;
  };
  const relayOnly = (kind: TransportKind, url: string, ice: NodeIce = { policy: 'relay' }) =>
    nodeLinkFactory(kind, url, undefined, ice).then((createLink) => () => ({ createLink }));

  for (const kind of TRANSPORTS) {
    it(`${kind}: relay-only members connect through coturn with the server's credentials and play a match`, { timeout: 60_000 }, async () => {
      const s = await server(SECRET);
      const lobby = await openLobby(s, kind, 2, await relayOnly(kind, s.url));
      lobbies.push(lobby);
      const [a, b] = lobby.rooms as [Room, Room];
      for (const [room, other] of [[a, b], [b, a]] as const) {
        const path = await room.link.pathInfo?.(other.localId);
        expect(path, `${kind}: ${room.localId} -> ${other.localId}`).toBeDefined();
        expect(path?.local).toBe('relay');
        expect(pathKind(path ?? { local: 'unknown', remote: 'unknown', rttMs: undefined })).toBe('relay');
      }
      expect(s.stats().turnCredentialsIssued).toBe(2);
      await readyAndCommit(lobby);
      const result = await playAndSettle(lobby, 240, 77);
      expect(result.checksums).toHaveLength(2);
      // RTT of the relayed pair, measured by ICE's own checks (both legs through coturn, on loopback).
      const rtt = (await a.link.pathInfo?.(b.localId))?.rttMs;
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(1000);
      closeLobby(lobby);
    });
  }

  /** Opens two relay-only rooms and drives them until both report a peer error (or the limit). */
  const failingPair = async (kind: TransportKind, s: SignalingServer, ice: NodeIce): Promise<{ errors: string[]; opened: number }> => {
    const createLink = await nodeLinkFactory(kind, s.url, undefined, ice);
    const base = { wsUrl: s.wsUrl, httpUrl: s.url, transport: kind, extra: { createLink } } as const;
    const a = await openRoom({ ...base, name: 'alice', create: { capacity: 2 } });
    rooms.push(a);
    const b = await openRoom({ ...base, name: 'bob', code: a.code });
    rooms.push(b);
    const events = new Map<Room, RoomEvent[]>([[a, []], [b, []]]);
    const errorsOf = (r: Room): string[] => (events.get(r) ?? []).flatMap((e) => (e.kind === 'peer-error' ? [e.message] : []));
    await drive([a, b], () => [a, b].every((r) => errorsOf(r).length > 0), 20_000, () => {
      for (const r of [a, b]) events.get(r)?.push(...r.drainEvents());
    });
    const opened = [a, b].filter((r) => r.meshReady).length;
    return { errors: [...errorsOf(a), ...errorsOf(b)], opened };
  };

  for (const kind of TRANSPORTS) {
    it(`${kind}: a server whose TURN secret is not coturn's hands out refused credentials: the link fails, explained`, { timeout: 40_000 }, async () => {
      const s = await server('not-the-coturn-secret-9876543210');
      const { errors, opened } = await failingPair(kind, s, { policy: 'relay' });
      expect(opened).toBe(0);
      expect(errors).toHaveLength(2);
      // coturn answered 401 to the allocation (an icecandidateerror), and gathering ended without a relay address.
      for (const e of errors) expect(e).toBe(`${RELAY_ERROR_PREFIX}turn-refused`);
    });
  }

  it('simple-peer: an expired username (right secret) is refused by coturn: the link fails, explained', { timeout: 40_000 }, async () => {
    const s = await startSignalingServer({});
    servers.push(s);
    const expired = turnCredential(SECRET, 'late', Date.now() - 2 * 3600_000, 60);
    const ice: NodeIce = { policy: 'relay', servers: [{ urls: [...coturn.urls], username: expired.username, credential: expired.credential }] };
    const { errors, opened } = await failingPair('simple-peer', s, ice);
    expect(opened).toBe(0);
    expect(errors).toEqual([`${RELAY_ERROR_PREFIX}turn-refused`, `${RELAY_ERROR_PREFIX}turn-refused`]);
  });

  it('simple-peer: the same credential, not expired, connects (the expiry is what coturn refused)', { timeout: 40_000 }, async () => {
    const s = await startSignalingServer({});
    servers.push(s);
    const fresh = turnCredential(SECRET, 'late', Date.now(), 60);
    const createLink = await nodeLinkFactory('simple-peer', s.url, undefined, { policy: 'relay', servers: [{ urls: [...coturn.urls], username: fresh.username, credential: fresh.credential }] });
    const lobby = await openLobby(s, 'simple-peer', 2, () => ({ createLink }));
    lobbies.push(lobby);
    const [a, b] = lobby.rooms as [Room, Room];
    expect((await a.link.pathInfo?.(b.localId))?.local).toBe('relay');
    closeLobby(lobby);
  });

  it('relay-only without any TURN server fails at once with its own reason', { timeout: 20_000 }, async () => {
    const s = await startSignalingServer({});
    servers.push(s);
    const { errors, opened } = await failingPair('simple-peer', s, { policy: 'relay' });
    expect(opened).toBe(0);
    expect(errors).toEqual([`${RELAY_ERROR_PREFIX}no-turn-server`, `${RELAY_ERROR_PREFIX}no-turn-server`]);
  });
});
