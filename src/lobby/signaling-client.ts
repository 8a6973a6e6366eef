/**
 * Client of the lobby signaling server, for the browser and for Node.
 *
 * Wraps one WebSocket (the browser's by default; Node callers pass `ws`'s constructor), sends typed
 * `ClientMessage`s and validates every incoming text with `parseServerMessage` (the valibot schema
 * of the protocol, behind a length and a nesting-depth bound) before any listener sees it. Listeners are registered per `kind` and get the narrowed message type. Besides server
 * messages, three local events exist: `open`, `closed` (code and reason) and `invalid-message`.
 */
import * as v from 'valibot';
import { LOBBY_LIMITS } from './protocol.ts';
import { ClientMessageSchema, encodeMessage, parseServerMessage } from './protocol-schema.ts';
import type { ClientMessage, Result, ServerMessage } from './protocol.ts';

/**
 * The part of a WebSocket this client uses; both the DOM `WebSocket` and `ws`'s satisfy it.
 * Handler slots take `never`: the socket calls them with its own event type, we only assign them.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `WebSocket` from the `ws` package). */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** Everything a listener can receive: server messages plus local connection events. */
export type SignalingEvent =
  | ServerMessage
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  /** A server message that failed validation (it is dropped). */
  | { readonly kind: 'invalid-message'; readonly error: string };
export type SignalingEventKind = SignalingEvent['kind'];
/** The event type of one kind. */
export type SignalingEventOf<K extends SignalingEventKind> = Extract<SignalingEvent, { readonly kind: K }>;

/** Connection state; a closed client may `connect` again. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closed';

/** Options of `createSignalingClient`. */
export interface SignalingClientOptions {
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructorLike;
  /** How long `connect` waits for the socket to open (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** A signaling connection. */
export interface SignalingClient {
  readonly state: ConnectionState;
  /** Opens the socket (e.g. `ws://host:8080/ws`); resolves once it is open, or with the failure. */
  connect(url: string): Promise<Result<void>>;
  /** Sends a message; false (and nothing sent) when the socket is not open. */
  send(message: ClientMessage): boolean;
  /**
   * Sends a notary record (base64 or base64url, 1..1400 characters) to every other member of the
   * lobby; they receive `{ kind: 'record', from, data }` with `from` set by the server. False (and
   * nothing sent) when the socket is not open or `data` is not valid record data. The server drops
   * records above its rate limit (10/s, burst 20 by default) and answers the first with `rate-limited`.
   */
  sendRecord(data: string): boolean;
  /** Calls `handler` for every event of `kind` until the returned function is called. */
  on<K extends SignalingEventKind>(kind: K, handler: (event: SignalingEventOf<K>) => void): () => void;
  /**
   * The next event of one of `kinds`. Fails with `closed` if the connection closes first (unless
   * `closed` is one of `kinds`) and with `timeout` after `timeoutMs` (default 10 s).
   */
  next<K extends SignalingEventKind>(kinds: readonly K[], timeoutMs?: number): Promise<Result<SignalingEventOf<K>>>;
  /** Closes the socket (1000 by default). The `closed` event follows. */
  close(code?: number, reason?: string): void;
}

type AnyHandler = (event: SignalingEvent) => void;

/** Creates a signaling client; nothing happens until `connect`. */
export function createSignalingClient(options: SignalingClientOptions = {}): SignalingClient {
  const Socket = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructorLike | undefined);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const handlers = new Map<SignalingEventKind, Set<AnyHandler>>();
  let socket: WebSocketLike | null = null;
  let state: ConnectionState = 'idle';

  const emit = (event: SignalingEvent): void => {
    const set = handlers.get(event.kind);
    if (set === undefined) return;
    let failure: { error: unknown } | null = null;
    for (const handler of [...set]) {
      try {
        handler(event);
      } catch (error) {
        failure ??= { error };
      }
    }
    // Every listener ran; a listener's bug still surfaces.
    if (failure !== null) throw failure.error;
  };

  const on = <K extends SignalingEventKind>(kind: K, handler: (event: SignalingEventOf<K>) => void): (() => void) => {
    let set = handlers.get(kind);
    if (set === undefined) {
      set = new Set();
      handlers.set(kind, set);
    }
    // Sound: `emit` only passes events whose kind is `kind` to this set.
    const stored = handler as AnyHandler;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  };

  const onMessage = (event: { readonly data: unknown }): void => {
    if (typeof event.data !== 'string') return emit({ kind: 'invalid-message', error: 'binary frame' });
    if (event.data.length > LOBBY_LIMITS.maxMessageBytes * 4) return emit({ kind: 'invalid-message', error: 'message too large' });
    const parsed = parseServerMessage(event.data);
    emit(parsed.ok ? parsed.value : { kind: 'invalid-message', error: parsed.error });
  };

  const next = <K extends SignalingEventKind>(kinds: readonly K[], timeoutMs = 10_000): Promise<Result<SignalingEventOf<K>>> =>
    new Promise((resolve) => {
      const offs: (() => void)[] = [];
      const finish = (result: Result<SignalingEventOf<K>>): void => {
        for (const off of offs) off();
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
      for (const kind of kinds) offs.push(on(kind, (event) => finish({ ok: true, value: event })));
      if (!(kinds as readonly SignalingEventKind[]).includes('closed')) {
        offs.push(on('closed', (event) => finish({ ok: false, error: `closed (${event.code} ${event.reason})` })));
      }
    });

  const connect = (url: string): Promise<Result<void>> => {
    if (state === 'connecting' || state === 'open') return Promise.resolve({ ok: false, error: 'already connected' });
    if (Socket === undefined) return Promise.resolve({ ok: false, error: 'no WebSocket implementation' });
    let ws: WebSocketLike;
    try {
      ws = new Socket(url);
    } catch (error) {
      return Promise.resolve({ ok: false, error: `cannot open ${url}: ${String(error)}` });
    }
    socket = ws;
    state = 'connecting';
    const opened = next(['open'], connectTimeoutMs);
    ws.onopen = () => {
      if (socket !== ws) return;
      state = 'open';
      emit({ kind: 'open' });
    };
    ws.onmessage = (event: { readonly data: unknown }) => {
      if (socket === ws) onMessage(event);
    };
    ws.onerror = () => {}; // the close event that follows carries what there is to know
    ws.onclose = (event: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => {
      if (socket !== ws) return;
      socket = null;
      state = 'closed';
      emit({ kind: 'closed', code: event.code, reason: event.reason, wasClean: event.wasClean });
    };
    return opened.then((result) => {
      if (result.ok) return { ok: true, value: undefined };
      if (socket === ws && state === 'connecting') {
        socket = null;
        state = 'closed';
        ws.close();
      }
      return { ok: false, error: `cannot connect to ${url}: ${result.error}` };
    });
  };

  const send = (message: ClientMessage): boolean => {
    if (socket === null || state !== 'open') return false;
    socket.send(encodeMessage(message));
    return true;
  };

  return {
    get state() {
      return state;
    },
    connect,
    send,
    sendRecord: (data) => {
      const message = v.safeParse(ClientMessageSchema, { kind: 'record', data });
      return message.success && send(message.output);
    },
    on,
    next,
    close: (code = 1000, reason = '') => {
      if (socket === null) return;
      if (state === 'connecting') {
        socket.close();
        return;
      }
      socket.close(code, reason);
    },
  };
}
