/**
 * Test clients of a real signaling server: a `SignalingClient` (from `src/lobby`) plus a queue of
 * every event it got, consumed in order by kind, and helpers to create and join lobbies.
 */
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { LobbySettings, ServerMessage } from '../../src/lobby/protocol.ts';
import { createSignalingClient } from '../../src/lobby/signaling-client.ts';
import type {
  SignalingClient, SignalingClientOptions, SignalingEvent, SignalingEventKind, SignalingEventOf,
} from '../../src/lobby/signaling-client.ts';

const KINDS: readonly SignalingEventKind[] = [
  'joined', 'member-joined', 'member-left', 'member-updated', 'host-changed', 'signal', 'chat', 'error',
  'lobby-started', 'lobby-reopened', 'pong', 'record', 'closed', 'invalid-message', 'reconnecting', 'resumed',
  'resume-failed',
];

/** A client plus everything it received. */
export interface TestClient {
  readonly client: SignalingClient;
  /** Every event so far, in order (also the consumed ones). */
  readonly log: SignalingEvent[];
  /** The oldest unconsumed event of `kind` (waits up to `timeoutMs`, then throws). */
  take<K extends SignalingEventKind>(kind: K, timeoutMs?: number): Promise<SignalingEventOf<K>>;
  /** Round trip through the server: everything sent to us before now has arrived after this. */
  sync(): Promise<void>;
  /** Unconsumed events of `kind`. */
  pending(kind: SignalingEventKind): number;
}

type Joined = Extract<ServerMessage, { kind: 'joined' }>;

let nonce = 0;

/** A client of `wsUrl`, connected (its events queued from before `connect`). */
export async function connectClient(wsUrl: string, options: SignalingClientOptions = {}): Promise<TestClient> {
  const client = createSignalingClient({ WebSocket, ...options });
  const events: SignalingEvent[] = [];
  const log: SignalingEvent[] = [];
  let wake: (() => void) | null = null;
  for (const kind of KINDS) {
    client.on(kind, (event) => {
      events.push(event);
      log.push(event);
      wake?.();
    });
  }
  expect(await client.connect(wsUrl)).toEqual({ ok: true, value: undefined });
  const take = async <K extends SignalingEventKind>(kind: K, timeoutMs = 5000): Promise<SignalingEventOf<K>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.kind === kind);
      if (i >= 0) return events.splice(i, 1)[0] as SignalingEventOf<K>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${kind} within ${timeoutMs} ms; queued: ${events.map((e) => e.kind).join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const sync = async (): Promise<void> => {
    nonce += 1;
    expect(client.send({ kind: 'ping', nonce })).toBe(true);
    expect((await take('pong')).nonce).toBe(nonce);
  };
  return { client, log, take, sync, pending: (kind) => events.filter((e) => e.kind === kind).length };
}

/** A client that created a lobby. */
export async function createLobby(wsUrl: string, name: string, settings: Partial<LobbySettings> = {}, options: SignalingClientOptions = {}): Promise<TestClient & { joined: Joined }> {
  const c = await connectClient(wsUrl, options);
  c.client.send({ kind: 'create', name, settings });
  return { ...c, joined: await c.take('joined') };
}

/** A client that joined lobby `code` (with `rejoin`: resumed a membership). */
export async function joinLobby(wsUrl: string, code: string, name: string, rejoin?: string, options: SignalingClientOptions = {}): Promise<TestClient & { joined: Joined }> {
  const c = await connectClient(wsUrl, options);
  c.client.send(rejoin === undefined ? { kind: 'join', code, name } : { kind: 'join', code, name, rejoin });
  return { ...c, joined: await c.take('joined') };
}

/** The error code a `join` gets (the client is closed afterwards). */
export async function refusedJoin(wsUrl: string, code: string, name: string, rejoin?: string): Promise<string> {
  const c = await connectClient(wsUrl);
  c.client.send(rejoin === undefined ? { kind: 'join', code, name } : { kind: 'join', code, name, rejoin });
  const error = await c.take('error');
  c.client.close();
  return error.code;
}
