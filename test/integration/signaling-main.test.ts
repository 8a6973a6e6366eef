// The server's configuration surface: environment parsing, option checks, the token bucket on a
// manual clock, JSON-line logging, and `signaling/main.ts` run as a real process (SIGTERM shutdown).
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { AddressBook, addressKey, normalizeAddress } from '../../signaling/address-limits.ts';
import { jsonLineLogger, optionsFromEnv, parseAllowedOrigins, resolveOptions } from '../../signaling/config.ts';
import { createBucket, takeToken } from '../../signaling/rate-limit.ts';
import { startSignalingServer } from '../../signaling/server.ts';

describe('signaling configuration', () => {
  it('reads PORT, HOST, ICE_SERVERS, ALLOWED_ORIGINS and STATIC_DIR with their defaults', () => {
    expect(optionsFromEnv({})).toEqual({
      ok: true,
      value: { port: 8080, host: '127.0.0.1', staticDir: 'dist', iceServers: [], allowedOrigins: [] },
    });
    const turn = [{ urls: ['turn:127.0.0.1:3478'], username: 'pong', credential: 'secret' }];
    const env = optionsFromEnv({
      PORT: '9000', HOST: '0.0.0.0', STATIC_DIR: 'build', ICE_SERVERS: JSON.stringify(turn),
      ALLOWED_ORIGINS: 'https://pong.example, http://localhost:5173/',
    });
    expect(env).toEqual({
      ok: true,
      value: { port: 9000, host: '0.0.0.0', staticDir: 'build', iceServers: turn, allowedOrigins: ['https://pong.example', 'http://localhost:5173'] },
    });
    // `npm run dev` sets STATIC_DIR='' (vite serves the client): no static files at all, not the cwd.
    expect(optionsFromEnv({ STATIC_DIR: '' })).toMatchObject({ ok: true, value: { staticDir: null } });
  });

  it('rejects bad environment values with a message naming the variable', () => {
    const bad: Record<string, string>[] = [
      { PORT: 'http' }, { PORT: '70000' }, { ICE_SERVERS: '{nope' }, { ICE_SERVERS: '[{"urls":"turn:x"}]' },
      { ICE_SERVERS: '[{"urls":"ftp://x"}]' }, { ALLOWED_ORIGINS: 'not an origin' }, { ALLOWED_ORIGINS: 'https://a.example/path' },
    ];
    for (const env of bad) {
      const result = optionsFromEnv(env);
      expect(result.ok, JSON.stringify(env)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(new RegExp(`^${Object.keys(env)[0]}`));
    }
    expect(parseAllowedOrigins(' , ')).toEqual({ ok: true, value: [] });
  });

  it('reads TRUST_PROXY and every limit variable, and refuses out-of-range limits naming the variable', () => {
    const env = optionsFromEnv({
      TRUST_PROXY: '10.0.0.1, ::ffff:10.0.0.2', MAX_CONNECTIONS_PER_ADDRESS: '5', MAX_LOBBIES_PER_ADDRESS: '3',
      LOBBY_CREATES_PER_MINUTE: '2', LOBBY_CREATE_BURST: '4', JOIN_TIMEOUT_MS: '5000', MAX_BUFFERED_BYTES: '65536',
      RECORDS_PER_SECOND: '5', RECORD_BURST: '8', PEER_QUEUE_MESSAGES: '16', PEER_QUEUE_BYTES: '4096', MAX_CONNECTIONS: '100',
      CLOSE_TIMEOUT_MS: '2000',
    });
    expect(env).toMatchObject({
      ok: true,
      value: {
        trustProxy: ['10.0.0.1', '10.0.0.2'], maxConnectionsPerAddress: 5, maxLobbiesPerAddress: 3, lobbyCreatesPerMinute: 2,
        lobbyCreateBurst: 4, joinTimeoutMs: 5000, maxBufferedBytes: 65536, recordsPerSecond: 5, recordBurst: 8,
        peerQueueMessages: 16, peerQueueBytes: 4096, maxConnections: 100, closeTimeoutMs: 2000,
      },
    });
    for (const bad of [{ TRUST_PROXY: 'proxy.example' }, { JOIN_TIMEOUT_MS: '10' }, { MAX_CONNECTIONS_PER_ADDRESS: '0' },
      { MAX_BUFFERED_BYTES: '1e9' }, { RECORD_BURST: '-1' }, { PEER_QUEUE_BYTES: '12 KiB' }, { CLOSE_TIMEOUT_MS: '99' }]) {
      const result = optionsFromEnv(bad);
      expect(result.ok, JSON.stringify(bad)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(new RegExp(`^${Object.keys(bad)[0]}: `));
    }
  });

  it('takes the client address from X-Forwarded-For only through a trusted proxy, right to left', () => {
    const book = new AddressBook({ maxConnectionsPerAddress: 2, maxSocketsPerAddress: 4, maxLobbiesPerAddress: 1, lobbyCreatesPerMinute: 1, lobbyCreateBurst: 1, trustProxy: ['10.0.0.1', '10.0.0.2'] });
    const req = (peer: string, xff?: string | string[]) =>
      ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
    expect(book.clientAddress(req('::ffff:127.0.0.1', '6.6.6.6'))).toBe('127.0.0.1'); // not a trusted proxy: header ignored
    expect(book.clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'))).toBe('1.2.3.4');
    expect(book.clientAddress(req('10.0.0.1', '1.2.3.4, 10.0.0.2'))).toBe('1.2.3.4'); // two trusted hops
    expect(book.clientAddress(req('10.0.0.1', ['6.6.6.6', '1.2.3.4']))).toBe('1.2.3.4');
    expect(book.clientAddress(req('10.0.0.1', 'garbage'))).toBe('10.0.0.1');
    expect(book.clientAddress(req('10.0.0.1'))).toBe('10.0.0.1');
    expect(normalizeAddress(' ::FFFF:10.0.0.9 ')).toBe('10.0.0.9');
    expect(normalizeAddress('::ffff:a00:9')).toBe('10.0.0.9');
    for (const [address, key] of [['2001:db8:0:7::1', '2001:db8:0:7::/64'], ['2001:0DB8:0000:0007:ffff:1:2:3', '2001:db8:0:7::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'], ['::ffff:1.2.3.4', '1.2.3.4'], ['1.2.3.4', '1.2.3.4']]) {
      expect(addressKey(address), address).toBe(key);
    }
    const v6 = new AddressBook({ maxConnectionsPerAddress: 2, maxSocketsPerAddress: 4, maxLobbiesPerAddress: 1, lobbyCreatesPerMinute: 1, lobbyCreateBurst: 1, trustProxy: ['2001:db8::1'] });
    expect(v6.clientAddress(req('2001:0db8:0:0:0:0:0:1', '2001:db8:5:6:7::8'))).toBe('2001:db8:5:6::/64'); // the proxy however written
    expect(v6.clientAddress(req('2001:db8::2', '1.2.3.4'))).toBe('2001:db8:0:0::/64'); // not the proxy: its own /64
    // Counting: caps, release, and nothing kept for an address that holds nothing.
    expect([book.openConnection('a'), book.openConnection('a'), book.openConnection('a')]).toEqual([true, true, false]);
    expect(book.reserveLobby('a', 0)).toBeNull();
    expect(book.reserveLobby('a', 0)).toBe('too-many-lobbies');
    book.releaseLobby('a');
    expect(book.reserveLobby('a', 1000)).toBe('too-many-lobbies'); // the creation bucket: 1 per minute
    expect(book.reserveLobby('a', 61_000)).toBeNull();
    book.releaseLobby('a');
    book.closeConnection('a');
    book.closeConnection('a');
    expect(book.size).toBe(0);
  });

  it('throws on nonsensical numeric options (a programming error)', () => {
    expect(() => resolveOptions({ heartbeatMs: 0 })).toThrow(/heartbeatMs/);
    expect(() => resolveOptions({ port: 70_000 })).toThrow(/port/);
    expect(resolveOptions({}).maxMessageBytes).toBe(16 * 1024);
  });

  it('rejects when the port is taken, leaving nothing running', async () => {
    const first = await startSignalingServer({ port: 0, peerjs: false });
    await expect(startSignalingServer({ port: first.port, peerjs: false })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });

  it('token bucket: a burst, then the refill rate, on a manual clock', () => {
    const bucket = createBucket(10, 5, 1000);
    const taken = Array.from({ length: 8 }, () => takeToken(bucket, 1000));
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
    expect(takeToken(bucket, 1050)).toBe(false); // half a token refilled
    expect(takeToken(bucket, 1100)).toBe(true); // one token after 100 ms at 10/s
    expect(takeToken(bucket, 1100)).toBe(false);
    const refilled = Array.from({ length: 7 }, () => takeToken(bucket, 60_000));
    expect(refilled.filter(Boolean)).toHaveLength(5); // never more than the burst
  });

  it('logs one JSON line per record with a timestamp', () => {
    const lines: string[] = [];
    jsonLineLogger((line) => lines.push(line))({ event: 'lobby-created', lobby: 'abc123', capacity: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({ event: 'lobby-created', lobby: 'abc123', capacity: 2 });
    expect(Number.isNaN(Date.parse(String(record['time'])))).toBe(false);
  });
});

describe('signaling/main.ts', () => {
  it('prints its URL, logs JSON lines, and shuts down on SIGTERM closing sockets with 1001', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: 'does-not-exist' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const match = await vi.waitFor(() => {
        const m = /lobby socket (ws:\/\/\S+)\)/.exec(out);
        expect(m, out).not.toBeNull();
        return m;
      }, { timeout: 20_000, interval: 20 });
      const ws = new WebSocket(match?.[1] ?? '');
      ws.on('error', () => {});
      await new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await closed).toBe(1001);
      expect(await exited).toBe(0);
      const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { event: string }).event);
      expect(events).toEqual(expect.arrayContaining(['static-missing', 'server-listening', 'shutdown', 'server-closed']));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
