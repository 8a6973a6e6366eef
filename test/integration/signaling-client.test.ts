// The signaling client against a scripted `ws` server on 127.0.0.1: connection states, validation of
// every incoming message, typed listeners and unsubscription, close codes and reasons, failures.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { WebSocket as ServerSocket } from 'ws';
import { createSignalingClient } from '../../src/lobby/signaling-client.ts';
import type { SignalingEvent } from '../../src/lobby/signaling-client.ts';

describe('signaling client', () => {
  let wss: WebSocketServer;
  let url: string;
  /** The server side of the most recent connection, and what it received. */
  let peer: Promise<{ socket: ServerSocket; received: string[] }>;
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => wss.close(resolve));
  });
  const expectConnection = (): void => {
    peer = new Promise((resolve) => wss.once('connection', (socket) => {
      const received: string[] = [];
      socket.on('message', (data) => received.push(String(data)));
      resolve({ socket, received });
    }));
  };

  it('connects, sends typed messages as JSON, and reports the close code and reason', async () => {
    expectConnection();
    const client = createSignalingClient({ WebSocket });
    expect(client.state).toBe('idle');
    expect(client.send({ kind: 'ping', nonce: 1 })).toBe(false); // not open: nothing sent
    const connecting = client.connect(url);
    expect(client.state).toBe('connecting');
    expect(await connecting).toEqual({ ok: true, value: undefined });
    expect(client.state).toBe('open');
    expect(await client.connect(url)).toEqual({ ok: false, error: 'already connected' });
    const { socket, received } = await peer;
    expect(client.send({ kind: 'join', code: 'AbCdEfGhIjKlMnOpQrStUv', name: 'Bob' })).toBe(true);
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 2000, interval: 5 });
    expect(JSON.parse(received[0] ?? 'null')).toEqual({ kind: 'join', code: 'AbCdEfGhIjKlMnOpQrStUv', name: 'Bob' });
    const closed = client.next(['closed']);
    socket.close(4008, 'rate-limited');
    expect(await closed).toEqual({ ok: true, value: { kind: 'closed', code: 4008, reason: 'rate-limited', wasClean: true } });
    expect(client.state).toBe('closed');
  });

  it('sends records with sendRecord (only valid record data), receives them as typed events, refuses deep nesting', async () => {
    expectConnection();
    const client = createSignalingClient({ WebSocket });
    expect(client.sendRecord('QUJD')).toBe(false); // not open
    await client.connect(url);
    const { socket, received } = await peer;
    expect(client.sendRecord('QUJD')).toBe(true);
    for (const bad of ['', 'not base64!', 'A'.repeat(1401)]) expect(client.sendRecord(bad), bad).toBe(false);
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 2000, interval: 5 });
    expect(received.map((t) => JSON.parse(t) as unknown)).toEqual([{ kind: 'record', data: 'QUJD' }]);
    const record = client.next(['record']);
    const invalid = client.next(['invalid-message']);
    socket.send(JSON.stringify({ kind: 'signal', from: 'm1', data: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown }));
    socket.send(JSON.stringify({ kind: 'record', from: 'm1', data: 'QQ' }));
    expect(await invalid).toEqual({ ok: true, value: { kind: 'invalid-message', error: 'too-deep' } });
    expect(await record).toEqual({ ok: true, value: { kind: 'record', from: 'm1', data: 'QQ' } });
    client.close();
  });

  it('delivers only validated messages; anything else becomes invalid-message', async () => {
    expectConnection();
    const client = createSignalingClient({ WebSocket });
    await client.connect(url);
    const { socket } = await peer;
    const seen: SignalingEvent[] = [];
    const offInvalid = client.on('invalid-message', (e) => seen.push(e));
    client.on('chat', (e) => seen.push(e));
    const offSignal = client.on('signal', (e) => seen.push(e));
    const bad = [
      'nope', '[1]', '{"kind":"boom"}', '{"kind":"chat","from":"m1"}', '{"kind":"error","code":"made-up","message":"x"}',
      '{"kind":"joined","memberId":"m","code":"c","linkPath":"/lobby/c","members":[{"id":"m","name":"","ready":false,"peerId":""}],"hostId":"m","started":false,"settings":{},"iceServers":[],"peer":null}',
      '{"kind":"joined","memberId":"m","code":"c","linkPath":"/lobby/c","members":[],"hostId":"m","started":false,"settings":{"capacity":9},"iceServers":[],"peer":null}',
      '{"kind":"joined","memberId":"m","code":"c","linkPath":"/lobby/c","members":[],"hostId":"m","started":false,"settings":{},"iceServers":[{"urls":"turn:x"}],"peer":null}',
    ];
    for (const text of bad) socket.send(text);
    socket.send(Buffer.from('{}'), { binary: true });
    socket.send(JSON.stringify({ kind: 'chat', from: 'm1', text: 'gg' }));
    const last = client.next(['chat']);
    expect(await last).toEqual({ ok: true, value: { kind: 'chat', from: 'm1', text: 'gg' } });
    expect(seen.filter((e) => e.kind === 'invalid-message')).toHaveLength(bad.length + 1);
    expect(seen.at(-1)).toEqual({ kind: 'chat', from: 'm1', text: 'gg' });
    // Unsubscribed listeners hear nothing more.
    offInvalid();
    offSignal();
    const before = seen.length;
    socket.send('garbage');
    socket.send(JSON.stringify({ kind: 'signal', from: 'm1', data: { sdp: 'x' } }));
    socket.send(JSON.stringify({ kind: 'chat', from: 'm1', text: 'again' }));
    await client.next(['chat']);
    expect(seen.slice(before)).toEqual([{ kind: 'chat', from: 'm1', text: 'again' }]);
    client.close();
    await client.next(['closed']);
  });

  it('next() fails on timeout and when the connection closes first', async () => {
    expectConnection();
    const client = createSignalingClient({ WebSocket });
    await client.connect(url);
    const { socket } = await peer;
    expect(await client.next(['pong'], 30)).toEqual({ ok: false, error: 'timeout' });
    const waiting = client.next(['joined']);
    socket.close(1001, 'server shutting down');
    expect(await waiting).toEqual({ ok: false, error: 'closed (1001 server shutting down)' });
  });

  it('fails to connect to a closed port or a bad URL, with a value rather than an exception', async () => {
    const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => probe.once('listening', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = createSignalingClient({ WebSocket });
    const result = await client.connect(`ws://127.0.0.1:${port}/ws`);
    expect(result.ok).toBe(false);
    expect(client.state).toBe('closed');
    const bad = await createSignalingClient({ WebSocket }).connect('not a url');
    expect(bad.ok).toBe(false);
    // A server that accepts TCP but never answers the upgrade: connect gives up after its timeout.
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const slow = createSignalingClient({ WebSocket, connectTimeoutMs: 100 });
    expect(await slow.connect(`ws://127.0.0.1:${silentPort}/ws`)).toEqual({ ok: false, error: `cannot connect to ws://127.0.0.1:${silentPort}/ws: timeout` });
    expect(slow.state).toBe('closed');
    silent.close();
  });
});
