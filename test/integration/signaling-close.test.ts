// The close handshake on a real signaling server on 127.0.0.1 (lobby sockets and PeerJS transport
// sockets), closed by the client or by the server: the other end gets the close frame with its code
// (not 1006), the server lets go of the connection, and it ends no stream again after that stream
// finished (Node builds a dead `ERR_STREAM_ALREADY_FINISHED`, stack trace and all, for each such
// call: three a connection through ws's close path, about 4 µs each; signaling/closing-streams.ts).
import { Duplex, Writable } from 'node:stream';
import { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';

/** Calls of `end()` that would only build an error nobody receives, on the server's streams. */
const deadEnds: string[] = [];
/** The server's TCP sockets (seen on its 'connection'). */
const serverSockets = new WeakSet<Socket>();
const originals = { writable: Writable.prototype.end, duplex: Duplex.prototype.end };

/** The server's side of a connection: its TCP socket or a ws receiver of a server. */
function serverSide(stream: Writable): string | null {
  if (stream instanceof Socket) return serverSockets.has(stream) ? 'socket' : null;
  return (stream as { _isServer?: unknown })._isServer === true ? 'receiver' : null;
}

function spying(original: Writable['end']): Writable['end'] {
  return function (this: Writable, ...args: unknown[]) {
    const side = serverSide(this);
    if (side !== null && args.every((a) => a === undefined) && this.writableEnded && (this.writableFinished || this.destroyed)) deadEnds.push(side);
    return Reflect.apply(original, this, args) as Writable;
  } as Writable['end'];
}

/** Every client socket of a test, terminated after it (a failed test leaves none behind). */
const clientSockets: WebSocket[] = [];

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  clientSockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The code of the close frame `ws` received (1006: the connection ended without one). */
const closeOf = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

async function idle(server: SignalingServer): Promise<void> {
  const deadline = Date.now() + 3000;
  const busy = (): boolean => server.stats().connections > 0 || server.stats().lobbies > 0;
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(server.stats()).toMatchObject({ connections: 0, lobbies: 0 });
}

describe('signaling server: the close handshake', () => {
  let server: SignalingServer;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0, joinTimeoutMs: 300, emptyLobbyTtlMs: 100 });
    server.httpServer.on('connection', (socket: Socket) => serverSockets.add(socket));
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    deadEnds.length = 0;
    Writable.prototype.end = spying(originals.writable);
    Duplex.prototype.end = spying(originals.duplex) as Duplex['end'];
  });
  afterEach(async () => {
    Writable.prototype.end = originals.writable;
    Duplex.prototype.end = originals.duplex;
    for (const ws of clientSockets.splice(0)) ws.terminate();
    const deadline = Date.now() + 3000;
    while ((server.stats().connections > 0 || server.stats().peerConnections > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  });

  it('closed by the client (in and out of a lobby): the close frame answered, the lobby left, no stream ended again', async () => {
    const a = await open(server.wsUrl);
    a.send(JSON.stringify({ kind: 'create', name: 'Alice' }));
    await new Promise((resolve) => a.once('message', resolve));
    const b = await open(server.wsUrl);
    const closes = [closeOf(a), closeOf(b)];
    a.close(1000);
    b.close(1000);
    expect(await Promise.all(closes)).toEqual([1000, 1000]);
    await idle(server); // the lobby left empty, then expired
    await new Promise((r) => setTimeout(r, 50)); // the TCP 'close' after the 'end'
    expect(deadEnds).toEqual([]);
  });

  it('closed by the server (join timeout): the client gets 4010, no stream ended again', async () => {
    const ws = await open(server.wsUrl);
    expect(await closeOf(ws)).toBe(4010);
    await idle(server);
    await new Promise((r) => setTimeout(r, 50));
    expect(deadEnds).toEqual([]);
  });

  it('a PeerJS transport socket closed by its client: the close frame answered, let go of, no stream ended again', async () => {
    const member = await open(server.wsUrl);
    member.send(JSON.stringify({ kind: 'create', name: 'Alice' }));
    const joined = JSON.parse(String(await new Promise((resolve) => member.once('message', resolve)))) as { peer: { id: string; token: string } | null };
    if (joined.peer === null) throw new Error('no PeerJS credentials');
    const peer = new WebSocket(`${server.url.replace('http', 'ws')}/peerjs/peerjs?key=peerjs&id=${joined.peer.id}&token=${joined.peer.token}`);
    clientSockets.push(peer);
    await new Promise((resolve) => peer.once('message', resolve)); // OPEN (it can come with the upgrade)
    expect(server.stats().peerConnections).toBe(1);
    const closed = closeOf(peer);
    peer.close(1000);
    expect(await closed).toBe(1000);
    const deadline = Date.now() + 3000;
    while (server.stats().peerConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(server.stats().peerConnections).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(deadEnds).toEqual([]);
    member.close(1000);
    await closeOf(member);
    await idle(server);
  });

  it('a connection dropped without a close frame is let go of too', async () => {
    const ws = await open(server.wsUrl);
    const closed = closeOf(ws);
    ws.terminate();
    await closed;
    await idle(server);
  });
});
