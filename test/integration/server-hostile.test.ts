// Hostile clients against a real signaling server on 127.0.0.1, lobby WebSocket side: deep nesting,
// huge messages, one address creating/leaving lobbies from a dozen sockets, one address opening many
// connections, X-Forwarded-For spoofing (with and without a trusted proxy), sockets that never join,
// a member that stops reading, record floods and spoofed `from`. After each: the server is up and
// another lobby works (`expectHealthy`). Every loop is bounded in count and time.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLobby, expectHealthy, from, hostileServer, joinLobby, raw, until } from './server-hostile-helpers.ts';
import type { Raw } from './server-hostile-helpers.ts';

const { start, track } = hostileServer();

describe('hostile lobby clients: message shape', () => {
  it('refuses deeply nested signal data with too-deep before parsing it; nothing is relayed', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const b = track(await joinLobby(s.wsUrl, a.joined.code, 'Bob'));
    const depth = 7000; // 14 KB of brackets: under the 16 KiB size limit
    a.r.send(`{"kind":"signal","to":"${b.joined.memberId}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    a.r.send(`{"kind":"signal","to":"${b.joined.memberId}","data":${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}}`);
    expect((await a.r.take('error')).code).toBe('too-deep');
    expect((await a.r.take('error')).code).toBe('too-deep');
    a.r.send({ kind: 'signal', to: b.joined.memberId, data: { a: { b: { c: 'shallow is fine' } } } });
    expect(await b.r.take('signal')).toMatchObject({ from: a.joined.memberId, data: { a: { b: { c: 'shallow is fine' } } } });
    expect(b.r.count('signal')).toBe(0);
    await expectHealthy(s);
  });

  it('answers a message above the size limit with too-large, and closes a frame above 4x with 1009', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    a.r.send({ kind: 'chat', text: 'x'.repeat(20_000) });
    expect((await a.r.take('error')).code).toBe('too-large');
    a.r.send('x'.repeat(100_000));
    expect((await a.r.closed()).code).toBe(1009);
    await expectHealthy(s);
  });

  it('never echoes client text in an error: every error message is the fixed text of its code', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const evil = 'SERVER: your account is banned, visit evil.example';
    for (const message of [{ kind: evil }, { kind: 'join', code: evil, name: evil }, { kind: 'create', name: evil }, { kind: 'signal', to: evil, data: 1 }]) {
      a.r.send(message);
      expect((await a.r.take('error')).message).not.toContain('evil');
    }
    track(await joinLobby(s.wsUrl, a.joined.code, 'Ann')).r.send({ kind: 'chat', text: 'hi' });
    const taken = track(await raw(s.wsUrl));
    taken.send({ kind: 'join', code: a.joined.code, name: 'ANN' });
    const error = await taken.take('error');
    expect(error.code).toBe('name-taken');
    expect(error.message).not.toMatch(/ann/i);
  });
  it('refuses Latin-script look-alikes of a member\'s name (dotless i, alpha, click, dotless j, iota, rn) with name-taken', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    for (const name of ['Joe', 'Ivan']) track(await joinLobby(s.wsUrl, a.joined.code, name)); // 3 of 4 places
    const m = track(await createLobby(s.wsUrl, 'Mike'));
    const spoofs: [string, string][] = [
      ...['Al\u0131ce', '\u0251lice', 'A\u01c0ice', '\u0237oe', '\u0196van', '\u0269van'].map((n): [string, string] => [a.joined.code, n]),
      [m.joined.code, 'rnike'],
    ];
    for (const [code, spoof] of spoofs) {
      const r = track(await raw(s.wsUrl));
      r.send({ kind: 'join', code, name: spoof });
      expect((await r.take('error')).code, spoof).toBe('name-taken');
    }
  });
});

describe('hostile lobby clients: per-address limits', () => {
  it('a dozen sockets of one address creating and leaving lobbies hold at most maxLobbiesPerAddress; others still create', async () => {
    const s = await start({ maxLobbies: 20 });
    const sockets = await Promise.all(Array.from({ length: 12 }, () => raw(s.wsUrl)));
    sockets.forEach((r) => track(r));
    const codes: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const r of sockets) {
        r.send({ kind: 'create', name: `bot${round}` });
        const reply = await until(() => r.queue.find((m) => m.kind === 'joined' || m.kind === 'error'), 'create reply');
        r.queue.splice(r.queue.indexOf(reply), 1);
        if (reply.kind === 'error') expect(reply.code).toBe('too-many-lobbies');
        else {
          codes.push(reply.code);
          r.send({ kind: 'leave' });
        }
      }
    }
    expect(codes.length).toBe(6); // the default burst (6 per minute) of one address: not the global 20
    expect(s.stats().lobbies).toBeLessThanOrEqual(8);
    await expectHealthy(s); // another address still creates, although empty lobbies wait 2 min to expire
  });

  it('one address cannot take every connection slot: past maxConnectionsPerAddress it is refused with 4029', async () => {
    const s = await start({ maxConnectionsPerAddress: 5, maxConnections: 50 });
    const accepted = await Promise.all(Array.from({ length: 5 }, () => raw(s.wsUrl)));
    accepted.forEach((r) => track(r));
    const refused = track(await raw(s.wsUrl));
    expect(await refused.take('error')).toMatchObject({ code: 'too-many-connections' });
    expect(await refused.closed()).toEqual({ code: 4029, reason: 'too-many-connections' });
    expect(s.stats().refusedPerAddress).toBe(1);
    accepted[0]?.ws.close();
    await until(() => s.stats().connections === 4, 'slot freed');
    const again = track(await raw(s.wsUrl));
    again.send({ kind: 'ping', nonce: 1 });
    expect(await again.take('pong')).toEqual({ kind: 'pong', nonce: 1 });
    await expectHealthy(s);
  });

  it('ignores X-Forwarded-For without a trusted proxy: spoofed addresses still count as the TCP peer', async () => {
    const s = await start({ maxConnectionsPerAddress: 3 });
    const spoofed = await Promise.all(Array.from({ length: 3 }, (_, i) => raw(s.wsUrl, { headers: { 'x-forwarded-for': `10.0.0.${i}` } })));
    spoofed.forEach((r) => track(r));
    const fourth = track(await raw(s.wsUrl, { headers: { 'x-forwarded-for': '10.9.9.9' } }));
    expect((await fourth.closed()).code).toBe(4029);
    await expectHealthy(s);
  });

  it('honours X-Forwarded-For from a trusted proxy only, reading the right-most untrusted hop', async () => {
    const s = await start({ maxConnectionsPerAddress: 2, trustProxy: ['127.0.0.1'] });
    const xff = (chain: string) => ({ headers: { 'x-forwarded-for': chain } });
    // The client wrote "1.1.1.1" itself; the proxy appended the address it saw (10.0.0.1).
    track(await raw(s.wsUrl, xff('1.1.1.1, 10.0.0.1')));
    track(await raw(s.wsUrl, xff('2.2.2.2, 10.0.0.1')));
    expect((await track(await raw(s.wsUrl, xff('3.3.3.3, 10.0.0.1'))).closed()).code).toBe(4029);
    const other = track(await raw(s.wsUrl, xff('10.0.0.2')));
    other.send({ kind: 'ping', nonce: 2 });
    expect(await other.take('pong')).toMatchObject({ nonce: 2 });
    // From an untrusted peer (127.0.0.5), the header is ignored: that peer has its own 2 slots.
    track(await raw(s.wsUrl, { ...xff('10.0.0.1'), ...from('127.0.0.5') }));
    track(await raw(s.wsUrl, { ...xff('10.0.0.1'), ...from('127.0.0.5') }));
    expect((await track(await raw(s.wsUrl, { ...xff('10.0.0.3'), ...from('127.0.0.5') })).closed()).code).toBe(4029);
    await expectHealthy(s);
  });
  it('counts an IPv6 client by its /64, and an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    const s = await start({ maxConnectionsPerAddress: 2, trustProxy: ['127.0.0.1'] });
    const xff = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    // One /64 written three ways (zeros compressed or not, upper case): two slots in all.
    track(await raw(s.wsUrl, xff('2001:db8:0:7::1')));
    track(await raw(s.wsUrl, xff('2001:DB8:0:7:ffff:ffff:ffff:ffff')));
    expect((await track(await raw(s.wsUrl, xff('2001:0db8:0000:0007:1234::9'))).closed()).code).toBe(4029);
    const neighbour = track(await raw(s.wsUrl, xff('2001:db8:0:8::1'))); // the next /64 is another address
    neighbour.send({ kind: 'ping', nonce: 1 });
    expect(await neighbour.take('pong')).toMatchObject({ nonce: 1 });
    track(await raw(s.wsUrl, xff('10.1.2.3')));
    track(await raw(s.wsUrl, xff('::ffff:10.1.2.3')));
    expect((await track(await raw(s.wsUrl, xff('::ffff:a01:203'))).closed()).code).toBe(4029); // hex form of 10.1.2.3
    await expectHealthy(s);
  });
});

/** A WebSocket upgrade over raw TCP that never answers anything (not even the close frame). */
async function mute(port: number, localAddress: string, path = '/ws'): Promise<{ upgraded: boolean; isClosed: () => boolean; destroy: () => void }> {
  const tcp = connect({ port, host: '127.0.0.1', localAddress });
  let closed = false;
  let head = '';
  tcp.on('error', () => {}).on('close', () => { closed = true; });
  tcp.on('data', (chunk: Buffer) => { head += chunk.toString('latin1'); });
  await new Promise<void>((resolve) => tcp.once('connect', () => resolve()).once('close', () => resolve()));
  tcp.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  await until(() => closed || head.includes('\r\n\r\n'), 'upgrade answer').catch(() => null);
  return { upgraded: head.startsWith('HTTP/1.1 101'), isClosed: () => closed, destroy: () => tcp.destroy() };
}

describe('hostile lobby clients: refused and raw sockets', () => {
  it('refused upgrades that never answer the close frame do not count and are cut: another address still gets in', async () => {
    const s = await start({ maxConnections: 20, maxConnectionsPerAddress: 2, maxSocketsPerAddress: 100 });
    const mutes: Awaited<ReturnType<typeof mute>>[] = [];
    for (let i = 0; i < 25; i++) mutes.push(await mute(s.port, '127.0.0.1'));
    try {
      expect(mutes.every((m) => m.upgraded)).toBe(true);
      expect(s.stats().connections).toBe(2);
      expect(s.stats().refusedPerAddress).toBe(23);
      await expectHealthy(s, '127.0.0.2'); // not server-full (4013)
      await until(() => mutes.filter((m) => m.isClosed()).length === 23, 'refused sockets cut', 4000);
      expect(mutes.slice(0, 2).some((m) => m.isClosed())).toBe(false); // the two accepted ones live on
    } finally {
      for (const m of mutes) m.destroy();
    }
  });

  it('caps raw TCP sockets per address before any upgrade (maxSocketsPerAddress): the excess is destroyed', async () => {
    const s = await start({ maxSocketsPerAddress: 4, maxConnectionsPerAddress: 2 });
    const sockets = Array.from({ length: 10 }, () => {
      const tcp = connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
      const state = { tcp, closed: false };
      tcp.on('error', () => {}).on('close', () => { state.closed = true; }).resume();
      return state;
    });
    try {
      await until(() => sockets.filter((x) => x.closed).length === 6, 'excess sockets destroyed', 3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sockets.filter((x) => x.closed).length).toBe(6);
      expect(s.stats().refusedPerAddress).toBe(6);
      await expectHealthy(s); // other addresses are untouched
      for (const x of sockets) x.tcp.destroy();
      // The address gets its sockets back once the server has seen them close.
      let again: Raw | null = null;
      for (const deadline = Date.now() + 3000; again === null && Date.now() < deadline;) {
        again = await raw(s.wsUrl, from('127.0.0.3')).catch(() => null);
      }
      if (again === null) throw new Error('127.0.0.3 never got a socket back');
      track(again);
      again.send({ kind: 'ping', nonce: 4 });
      expect(await again.take('pong')).toMatchObject({ nonce: 4 });
    } finally {
      for (const x of sockets) x.tcp.destroy();
    }
  });

  it('a lobby socket gives its TCP socket count back when it closes, however it closes', async () => {
    const s = await start({ maxSocketsPerAddress: 3, maxConnectionsPerAddress: 3, joinTimeoutMs: 300 });
    for (let round = 0; round < 3; round++) {
      // At the cap each round: a socket not given back would get the next round's third one refused.
      const sockets = [await raw(s.wsUrl, from('127.0.0.4')), await raw(s.wsUrl, from('127.0.0.4')), await raw(s.wsUrl, from('127.0.0.4'))];
      for (const [i, r] of sockets.entries()) {
        r.send({ kind: 'ping', nonce: i });
        expect(await r.take('pong')).toMatchObject({ nonce: i });
      }
      expect(s.stats().addresses).toBe(1);
      sockets[0]?.ws.close(); // a clean close
      sockets[1]?.ws.terminate(); // a dropped TCP socket
      expect((await sockets[2]?.closed(3000))?.code).toBe(4010); // closed by the server (no lobby in time)
      await until(() => s.stats().addresses === 0 || null, 'the address released', 3000);
    }
    await expectHealthy(s);
  });
});

describe('hostile lobby clients: idle and slow sockets', () => {
  it('closes a lobby socket that never creates or joins (4010), also after leaving; a raw TCP socket that never upgrades is cut', async () => {
    const s = await start({ joinTimeoutMs: 300 });
    const idle = track(await raw(s.wsUrl));
    expect((await idle.take('error', 3000)).code).toBe('join-timeout');
    expect(await idle.closed(3000)).toEqual({ code: 4010, reason: 'join-timeout' });
    const member = track(await createLobby(s.wsUrl, 'Alice'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    member.r.send({ kind: 'ping', nonce: 3 });
    expect(await member.r.take('pong')).toMatchObject({ nonce: 3 }); // a member is not idle
    member.r.send({ kind: 'leave' });
    expect((await member.r.closed(3000)).code).toBe(4010);
    const tcp = connect(s.port, '127.0.0.1');
    let cut = false;
    tcp.on('error', () => {}).on('close', () => { cut = true; }).resume();
    tcp.write('GET /ws HTTP/1.1\r\nHost: x\r\n'); // never finishes its headers
    await until(() => cut, 'TCP socket cut', 5000);
    tcp.destroy();
    expect(s.stats().closedJoinTimeout).toBe(2);
    await expectHealthy(s);
  });

  it('a member cannot get a slow-reading member closed: relays past the watermark are dropped, counted, one rate-limited to the sender', async () => {
    const s = await start({ maxBufferedBytes: 256 * 1024, messagesPerSecond: 100_000, messageBurst: 100_000, relayBurstBytes: 1024 * 1024 * 1024 });
    const victim = track(await createLobby(s.wsUrl, 'Sleepy'));
    const flooder = track(await joinLobby(s.wsUrl, victim.joined.code, 'Flood'));
    const friend = track(await joinLobby(s.wsUrl, victim.joined.code, 'Friend'));
    await victim.r.take('member-joined');
    await victim.r.take('member-joined');
    // The victim stops reading: its TCP socket is paused, so the kernel buffers fill and then the server's.
    const tcp = (victim.r.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const data = { blob: 'x'.repeat(15_000) };
    let sent = 0;
    for (; sent < 3000 && s.stats().relaysDropped < 50; sent++) {
      flooder.r.send({ kind: 'signal', to: victim.joined.memberId, data });
      if (sent % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => s.stats().relaysDropped >= 50, 'relays dropped at the watermark', 10_000);
    flooder.r.send({ kind: 'record', data: 'QUJD' }); // records and chat take the same path (small: they may fit)
    flooder.r.send({ kind: 'chat', text: 'spam' });
    await flooder.r.take('chat'); // the sender's own echo still arrives
    expect(s.stats().closedSlowReaders).toBe(0);
    expect(flooder.r.queue.filter((m) => m.kind === 'error').map((m) => m.kind === 'error' && m.code)).toEqual(['rate-limited']);
    tcp.resume();
    // The victim is still a member: it reads everything that was not dropped, then a friend's chat.
    friend.r.send({ kind: 'chat', text: 'are you there?' });
    await until(() => victim.r.queue.some((m) => m.kind === 'chat' && m.text === 'are you there?'), 'friend chat after resume', 10_000);
    // Everything the flooder relayed (its signals, record and chat line) arrived, but what was dropped.
    const fromFlooder = victim.r.queue.filter((m) => (m.kind === 'signal' || m.kind === 'record' || m.kind === 'chat') && m.from === flooder.joined.memberId);
    expect(fromFlooder.length).toBe(sent + 2 - s.stats().relaysDropped);
    expect(friend.r.count('member-left')).toBe(0);
    expect(s.stats().closedSlowReaders).toBe(0);
    await expectHealthy(s);
  }, 30_000);

  it('bounds the relay bytes one member pushes at another (multi-byte text counted in bytes); others still reach it', async () => {
    const s = await start({ relayBytesPerSecond: 1024, relayBurstBytes: 64 * 1024 });
    const victim = track(await createLobby(s.wsUrl, 'Target'));
    const flooder = track(await joinLobby(s.wsUrl, victim.joined.code, 'Flood'));
    const friend = track(await joinLobby(s.wsUrl, victim.joined.code, 'Friend'));
    const data = '\u20ac'.repeat(4000); // 4,000 UTF-16 units, 12,000 bytes of UTF-8
    const relayed = Buffer.byteLength(JSON.stringify({ kind: 'signal', from: flooder.joined.memberId, data }));
    const fit = Math.floor((64 * 1024) / relayed);
    expect(fit).toBe(5); // counted in UTF-16 units, 16 would fit
    for (let i = 0; i < 20; i++) flooder.r.send({ kind: 'signal', to: victim.joined.memberId, data });
    flooder.r.send({ kind: 'ping', nonce: 1 });
    await flooder.r.take('pong');
    friend.r.send({ kind: 'signal', to: victim.joined.memberId, data: 'hello' }); // its own budget
    await until(() => victim.r.queue.some((m) => m.kind === 'signal' && m.from === friend.joined.memberId), 'friend signal');
    expect(victim.r.queue.filter((m) => m.kind === 'signal' && m.from === flooder.joined.memberId).length).toBe(fit);
    expect(s.stats().relaysDropped).toBe(20 - fit);
    expect(flooder.r.count('error')).toBe(1);
    expect((await flooder.r.take('error')).code).toBe('rate-limited');
    await expectHealthy(s);
  });

  it('still closes a genuinely slow reader (4009) once the server\'s own messages to it pass maxBufferedBytes', async () => {
    const s = await start({ maxBufferedBytes: 256 * 1024, messagesPerSecond: 100_000, messageBurst: 100_000, relayBurstBytes: 1024 * 1024 * 1024 });
    const reader = track(await createLobby(s.wsUrl, 'Sleepy'));
    const other = track(await joinLobby(s.wsUrl, reader.joined.code, 'Other'));
    await reader.r.take('member-joined');
    const tcp = (reader.r.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    // Relays fill the kernel buffers and the server's up to the watermark (then they are dropped)...
    const data = { blob: 'x'.repeat(15_000) };
    for (let i = 0; i < 3000 && s.stats().relaysDropped === 0; i++) {
      other.r.send({ kind: 'signal', to: reader.joined.memberId, data });
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => s.stats().relaysDropped > 0, 'watermark reached', 10_000);
    // ...then the server's own messages (member updates) find no room: the reader is closed.
    for (let i = 0; i < 20_000 && s.stats().closedSlowReaders === 0; i++) {
      other.r.send({ kind: 'set-ready', ready: i % 2 === 0 });
      if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => s.stats().closedSlowReaders === 1, 'slow reader closed', 10_000);
    tcp.resume();
    expect((await reader.r.closed(10_000)).code).toBe(4009);
    expect(await other.r.take('member-left', 5000)).toMatchObject({ memberId: reader.joined.memberId });
    await expectHealthy(s);
  }, 30_000);
});

describe('hostile lobby clients: records', () => {
  it('relays a record to every other member with the server-set `from`; a spoofed `from` is ignored', async () => {
    const s = await start();
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const b = track(await joinLobby(s.wsUrl, a.joined.code, 'Bob'));
    const c = track(await joinLobby(s.wsUrl, a.joined.code, 'Carol'));
    a.r.send({ kind: 'record', from: b.joined.memberId, data: 'QUJD' });
    expect(await b.r.take('record')).toEqual({ kind: 'record', from: a.joined.memberId, data: 'QUJD' });
    expect(await c.r.take('record')).toEqual({ kind: 'record', from: a.joined.memberId, data: 'QUJD' });
    a.r.send({ kind: 'signal', to: c.joined.memberId, from: b.joined.memberId, data: { sdp: 'x' } });
    expect(await c.r.take('signal')).toMatchObject({ from: a.joined.memberId });
    a.r.send({ kind: 'ping', nonce: 9 });
    await a.r.take('pong');
    expect(a.r.count('record')).toBe(0); // not echoed to the sender
    for (const bad of [{ kind: 'record', data: '' }, { kind: 'record', data: 'no spaces!' }, { kind: 'record', data: 'A'.repeat(1401) }, { kind: 'record', data: { toString: 1 } }]) {
      a.r.send(bad);
      expect((await a.r.take('error')).code).toBe('bad-message');
    }
    const outsider = track(await raw(s.wsUrl));
    outsider.send({ kind: 'record', data: 'QQ' });
    expect((await outsider.take('error')).code).toBe('not-in-lobby');
    await expectHealthy(s);
  });

  it('drops a record flood past the per-member bucket, counted, with one rate-limited error', async () => {
    const s = await start({ recordsPerSecond: 10, recordBurst: 20 });
    const a = track(await createLobby(s.wsUrl, 'Alice'));
    const b = track(await joinLobby(s.wsUrl, a.joined.code, 'Bob'));
    const flood = 60; // under the connection's own message burst (100): only the record bucket acts
    for (let i = 0; i < flood; i++) a.r.send({ kind: 'record', data: `QQ${i.toString(36)}` });
    a.r.send({ kind: 'ping', nonce: 1 });
    await a.r.take('pong');
    b.r.send({ kind: 'ping', nonce: 1 });
    await b.r.take('pong');
    const relayed = b.r.count('record');
    expect(relayed).toBeGreaterThanOrEqual(20);
    expect(relayed).toBeLessThan(30); // the burst plus what refilled while the flood arrived
    expect(a.r.count('error')).toBe(1);
    expect((await a.r.take('error')).code).toBe('rate-limited');
    expect(s.stats().recordsDropped).toBe(flood - relayed);
    await new Promise((resolve) => setTimeout(resolve, 250)); // refill: records flow again
    a.r.send({ kind: 'record', data: 'QUdBSU4' });
    await until(() => b.r.queue.some((m) => m.kind === 'record' && m.data === 'QUdBSU4'), 'record after refill');
    await expectHealthy(s);
  });
});
