// A lobby socket the SERVER has closed is done, even when its client never answers the close frame
// (`ws` would pass its frames on while CLOSING, for its 30 s close timeout): nothing it sends after the
// close is acted on, and a member closed for a reason that ends its membership (4012, 4008) is gone
// from its lobby at once, not when the TCP connection finally ends. Nor does it keep its TCP connection
// (its buffered bytes, its address's counts) for ws's 30 s: it is cut `closeTimeoutMs` after the close.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../src/lobby/protocol.ts';
import { startSignalingServer } from '../../signaling/server.ts';
import { createLobby, until } from './server-hostile-helpers.ts';

/** A WebSocket client on a bare TCP socket that never answers the server's close frame. */
interface Deaf {
  readonly texts: string[];
  readonly closes: { code: number; reason: string }[];
  /** Whether the TCP connection has ended. */
  ended(): boolean;
  send(message: unknown): void;
  destroy(): void;
}

function deafClient(port: number, path = '/ws'): Promise<Deaf> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect({ host: '127.0.0.1', port });
    const texts: string[] = [];
    const closes: Deaf['closes'] = [];
    let ended = false;
    let upgraded = false;
    let buf = Buffer.alloc(0);
    sock.on('close', () => { ended = true; });
    sock.on('error', () => {});
    const sendText = (text: string): void => {
      // Masked text frame, short or 16-bit length (every message here is below 64 KiB).
      const payload = Buffer.from(text);
      const mask = randomBytes(4);
      const header = payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
      if (!sock.destroyed) sock.write(Buffer.concat([header, mask, payload]));
    };
    sock.on('connect', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
        upgraded = true;
        resolve({
          texts,
          closes,
          ended: () => ended,
          send: (message) => sendText(JSON.stringify(message)),
          destroy: () => sock.destroy(),
        });
      }
      // Server frames are unmasked; a close frame (8) is recorded and never answered.
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        if (buf.length < off + len) return;
        const opcode = buf[0]! & 0x0f;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 1) texts.push(payload.toString());
        else if (opcode === 8) closes.push({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() });
      }
    });
  });
}

/** A deaf client joined to `code`; resolves with its member id. */
async function deafMember(port: number, code: string, name: string): Promise<{ deaf: Deaf; id: string }> {
  const deaf = await deafClient(port);
  deaf.send({ kind: 'join', code, name });
  const joined = await until(() => deaf.texts.find((t) => t.startsWith('{"kind":"joined"')), 'joined');
  return { deaf, id: (JSON.parse(joined) as { memberId: string }).memberId };
}

/** After the server's close frame to `b` (just seen): `a` hears `member-left` of it within 2 s. */
async function expectLeftAtOnce(a: Awaited<ReturnType<typeof createLobby>>, b: { readonly id: string }): Promise<void> {
  const closedAt = Date.now();
  const left = await a.r.take('member-left', 2_000);
  expect(left).toEqual({ kind: 'member-left', memberId: b.id, reason: 'disconnected' });
  expect(Date.now() - closedAt).toBeLessThan(2_000);
}

/** A server (with `options`), Alice's lobby, and Mallory in it on a deaf client; then `body`. */
async function withDeafMember(
  options: Partial<Parameters<typeof startSignalingServer>[0]>,
  body: (a: Awaited<ReturnType<typeof createLobby>>, b: { deaf: Deaf; id: string }, server: Awaited<ReturnType<typeof startSignalingServer>>) => Promise<void>,
): Promise<void> {
  const server = await startSignalingServer({ port: 0, peerjs: false, ...options });
  let deaf: Deaf | null = null;
  try {
    const a = await createLobby(server.wsUrl, 'Alice');
    const b = await deafMember(server.port, a.joined.code, 'Mallory');
    deaf = b.deaf;
    await a.r.take('member-joined');
    await body(a, b, server);
    a.r.ws.close();
  } finally {
    deaf?.destroy();
    await server.close();
  }
}

describe('a lobby socket the server closed, whose client ignores the close frame', () => {
  it('4012 dropped-by-peers: its later records are not relayed, and member-left comes at once', () => withDeafMember({}, async (a, b, server) => {
    a.r.send({ kind: 'report', member: b.id });
    await until(() => b.deaf.closes[0], 'close frame');
    expect(b.deaf.closes[0]).toEqual({ code: CloseCode.droppedByPeers, reason: ErrorCode.droppedByPeers });
    // It keeps talking over the closing socket: records, and a chat line.
    for (let i = 0; i < 5; i++) b.deaf.send({ kind: 'record', data: `AAAA${i}` });
    b.deaf.send({ kind: 'chat', text: 'still here' });
    await expectLeftAtOnce(a, b);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.r.count('record')).toBe(0);
    expect(a.r.count('chat')).toBe(0);
    expect(server.stats().recordsRelayed).toBe(0);
    // The hostile condition held throughout: its TCP connection is still open (ws's close timeout).
    expect(b.deaf.ended()).toBe(false);
  }));

  it('4008 rate-limited: the member leaves its lobby at once, not when its TCP connection ends', () => withDeafMember({ messagesPerSecond: 1, messageBurst: 4 }, async (a, b) => {
    for (let i = 0; i < 12; i++) b.deaf.send({ kind: 'ping', nonce: i });
    await until(() => b.deaf.closes[0], 'close frame');
    expect(b.deaf.closes[0]).toEqual({ code: CloseCode.rateLimited, reason: ErrorCode.rateLimited });
    await expectLeftAtOnce(a, b);
    expect(b.deaf.ended()).toBe(false);
  }));

  it('4010 join-timeout: a create after the close frame creates no lobby', async () => {
    const server = await startSignalingServer({ port: 0, peerjs: false, joinTimeoutMs: 300 });
    let deaf: Deaf | null = null;
    try {
      deaf = await deafClient(server.port);
      const d = deaf;
      await until(() => d.closes[0], 'close frame');
      expect(d.closes[0]).toEqual({ code: CloseCode.joinTimeout, reason: ErrorCode.joinTimeout });
      d.send({ kind: 'create', name: 'Late' });
      d.send({ kind: 'ping', nonce: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(server.stats().lobbies).toBe(0);
      expect(d.texts.filter((t) => !t.startsWith('{"kind":"error"'))).toEqual([]);
      expect(d.ended()).toBe(false);
    } finally {
      deaf?.destroy();
      await server.close();
    }
  });

  it('is cut closeTimeoutMs after the close frame (lobby socket, 4012): its TCP connection ends, its count is released', () => withDeafMember({ closeTimeoutMs: 300 }, async (a, b, server) => {
    expect(server.stats().connections).toBe(2);
    a.r.send({ kind: 'report', member: b.id });
    await until(() => b.deaf.closes[0], 'close frame');
    const closedAt = Date.now();
    await until(() => b.deaf.ended(), 'TCP end', 3_000);
    expect(Date.now() - closedAt).toBeLessThan(2_000);
    await until(() => server.stats().connections === 1, 'connection released', 1_000);
  }));

  it('is cut closeTimeoutMs after the close frame (PeerJS socket, 4008)', async () => {
    const server = await startSignalingServer({ port: 0, closeTimeoutMs: 300, messagesPerSecond: 10, messageBurst: 20 });
    let deaf: Deaf | null = null;
    try {
      const a = await createLobby(server.wsUrl, 'Alice');
      const peer = a.joined.peer;
      if (peer === null) throw new Error('no PeerJS credentials');
      const d = await deafClient(server.port, `/peerjs/peerjs?key=peerjs&id=${peer.id}&token=${peer.token}`);
      deaf = d;
      await until(() => d.texts.find((t) => t.includes('"OPEN"')), 'OPEN');
      for (let i = 0; i < 40; i++) d.send({ type: 'HEARTBEAT' });
      await until(() => d.closes[0], 'close frame');
      expect(d.closes[0]?.code).toBe(CloseCode.rateLimited);
      const closedAt = Date.now();
      await until(() => d.ended(), 'TCP end', 3_000);
      expect(Date.now() - closedAt).toBeLessThan(2_000);
      expect(server.stats().peerConnections).toBe(0);
      a.r.ws.close();
    } finally {
      deaf?.destroy();
      await server.close();
    }
  });
});
