// The real `peerjs` client (on wrtc in Node) against the signaling server's PeerJS mount: members of a
// lobby register with the ids and tokens from `joined` and open a data connection through it; an id
// the server did not issue never opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSignalingServer } from '../../signaling/server.ts';
import type { SignalingServer } from '../../signaling/server.ts';
import { createSignalingClient } from '../../src/lobby/signaling-client.ts';
import type { PeerCredentials } from '../../src/lobby/protocol.ts';
import { installPeerJsGlobals } from '../../src/transport/node-webrtc.ts';
import type { PeerJsConstructor } from '../../src/transport/peerjs-link.ts';

/** Joins (or creates) a lobby and returns the PeerJS credentials from `joined`. */
async function credentials(server: SignalingServer, name: string, code?: string): Promise<{ code: string; peer: PeerCredentials }> {
  const client = createSignalingClient({ WebSocket });
  expect((await client.connect(server.wsUrl)).ok).toBe(true);
  const joined = client.next(['joined']);
  client.send(code === undefined ? { kind: 'create', name } : { kind: 'join', code, name });
  const result = await joined;
  if (!result.ok || result.value.peer === null) throw new Error('no PeerJS credentials');
  return { code: result.value.code, peer: result.value.peer };
}

describe('signaling server: PeerJS mount with the real peerjs client', () => {
  let server: SignalingServer;
  let Peer: PeerJsConstructor;
  beforeAll(async () => {
    server = await startSignalingServer({ port: 0 });
    Peer = await installPeerJsGlobals();
  });
  afterAll(async () => {
    await server.close();
  });

  const open = (creds: PeerCredentials) => {
    const peer = new Peer(creds.id, {
      host: '127.0.0.1', port: server.port, path: creds.path, key: creds.key, token: creds.token,
      secure: false, config: { iceServers: [] }, debug: 0,
    });
    const opened = new Promise<string>((resolve) => {
      peer.on('open', (id: string) => resolve(`open ${id}`));
      peer.on('error', (error: { type?: string }) => resolve(`error ${error.type ?? ''}`));
    });
    return { peer, opened };
  };

  it('registers issued ids and opens a data connection between lobby members', async () => {
    const a = await credentials(server, 'Alice');
    const b = await credentials(server, 'Bob', a.code);
    const pa = open(a.peer);
    const pb = open(b.peer);
    try {
      expect(await pa.opened).toBe(`open ${a.peer.id}`);
      expect(await pb.opened).toBe(`open ${b.peer.id}`);
      const received = new Promise<unknown>((resolve) => {
        pb.peer.on('connection', (conn: { on(e: 'data', f: (d: unknown) => void): void }) => conn.on('data', resolve));
      });
      const conn = pa.peer.connect(b.peer.id, { reliable: true });
      await new Promise<void>((resolve) => conn.on('open', () => resolve()));
      conn.send('hello through the mount');
      expect(await received).toBe('hello through the mount');
    } finally {
      pa.peer.destroy();
      pb.peer.destroy();
    }
  });

  it('never opens an id the server did not issue', async () => {
    const made = open({ id: 'f'.repeat(32), token: 'guess', path: '/peerjs', key: 'peerjs' });
    try {
      expect(await made.opened).toMatch(/^error/);
    } finally {
      made.peer.destroy();
    }
  });
});
