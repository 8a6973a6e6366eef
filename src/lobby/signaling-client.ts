/**
 * Client of the lobby signaling server, for the browser and for Node.
 *
 * Wraps one WebSocket (the browser's by default; Node callers pass `ws`'s constructor), sends typed
 * `ClientMessage`s and validates every incoming text with `parseServerMessage` (the valibot schema
 * of the protocol, behind a length and a nesting-depth bound) before any listener sees it. Listeners are registered per `kind` and get the narrowed message type. Besides server
 * messages, three local events exist: `open`, `closed` (code and reason) and `invalid-message`.
 *
 * With `resume`, the client also keeps its lobby membership alive: an app-level `ping` every
 * `heartbeatMs` (the browser cannot send WebSocket pings), and a socket that has received nothing for
 * `silenceMs` counts as dead. When the socket of a member dies (anything but `close()`, a voluntary
 * `leave`, or being `replaced`), the client reconnects with exponential back-off and jitter and sends
 * `join` with the membership's rejoin token: `reconnecting` before each attempt, `resumed` once back,
 * `resume-failed` (then `closed`) when the lobby is gone, the token refused, or every attempt failed.
 */
import * as v from 'valibot';
import { CloseCode, ErrorCode, LOBBY_LIMITS } from './protocol.ts';
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
  | { readonly kind: 'invalid-message'; readonly error: string }
  /**
   * (`resume` only) The lobby socket died (`code`/`reason` of its close; 4000 `silent` when the
   * heartbeat found it silent): attempt `attempt` to resume the membership follows in `delayMs`.
   */
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly delayMs: number; readonly code: number; readonly reason: string }
  /** (`resume` only) The membership is back (same member id; `joined` was emitted just before). */
  | { readonly kind: 'resumed'; readonly joined: JoinedMessage }
  /**
   * (`resume` only) Resuming stopped for good; `closed` follows. `code`: the server's answer
   * (`unknown-lobby` after a restart without the lobby, `expired-lobby`, `bad-rejoin`), `replaced`
   * (another socket resumed this membership), or `unreachable` (every attempt failed).
   */
  | { readonly kind: 'resume-failed'; readonly code: ErrorCode | 'unreachable' };
export type SignalingEventKind = SignalingEvent['kind'];
/** The event type of one kind. */
export type SignalingEventOf<K extends SignalingEventKind> = Extract<SignalingEvent, { readonly kind: K }>;

/** A `joined` message. */
export type JoinedMessage = Extract<ServerMessage, { kind: 'joined' }>;

/** Connection state; a closed client may `connect` again. `reconnecting`: resuming a membership. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Heartbeat and reconnection of `SignalingClientOptions.resume` (every field has a default). */
export interface ResumeOptions {
  /** App-level `ping` interval while a socket is up (default 2.5 s). */
  readonly heartbeatMs?: number;
  /** A socket that received nothing this long is dead (default 7.5 s: noticed within 10 s; also bounds an attempt). */
  readonly silenceMs?: number;
  /** Back-off: attempt n waits a random time in [d/2, d], d = min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Attempts before `resume-failed` with `unreachable` (default 12: about a minute). */
  readonly maxAttempts?: number;
  /** Jitter source in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** Where the browser keeps rejoin tokens, per lobby code (e.g. `localStorage`). */
export interface RejoinStore {
  load(code: string): string | null;
  save(code: string, token: string): void;
  forget(code: string): void;
}

/** Options of `createSignalingClient`. */
export interface SignalingClientOptions {
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructorLike;
  /** How long `connect` waits for the socket to open (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Heartbeat, reconnect and resume the membership (see the file header); off by default. */
  readonly resume?: ResumeOptions | boolean;
  /**
   * Rejoin tokens kept across page loads: a `join` sent without `rejoin` carries the stored token of
   * its lobby, and falls back to a plain join (transparently) if the server answers `bad-rejoin`.
   * Such a join never takes over a seat whose socket is still connected (`replace: false`). Tokens
   * are saved on `joined` and forgotten on a voluntary `leave` (not `keepSeat`) or a failed resume.
   */
  readonly rejoinStore?: RejoinStore;
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

/** Close code of a socket the heartbeat found silent (local: no such frame is ever sent). */
const SILENT_CLOSE = 4000;
/** Server answers after which resuming cannot succeed. */
const FINAL_RESUME_ERRORS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.unknownLobby, ErrorCode.expiredLobby, ErrorCode.badRejoin, ErrorCode.badMessage,
]);

/** Creates a signaling client; nothing happens until `connect`. */
export function createSignalingClient(options: SignalingClientOptions = {}): SignalingClient {
  const Socket = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructorLike | undefined);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const r = options.resume === true ? {} : options.resume === false ? undefined : options.resume;
  const resume = r === undefined ? null : {
    heartbeatMs: r.heartbeatMs ?? 2_500,
    silenceMs: r.silenceMs ?? 7_500,
    baseDelayMs: r.baseDelayMs ?? 500,
    maxDelayMs: r.maxDelayMs ?? 10_000,
    maxAttempts: r.maxAttempts ?? 12,
    random: r.random ?? Math.random,
  };
  const store = options.rejoinStore;
  const handlers = new Map<SignalingEventKind, Set<AnyHandler>>();
  let socket: WebSocketLike | null = null;
  let state: ConnectionState = 'idle';
  let url = '';
  /** The lobby membership to resume (from the last `joined`); null outside a lobby. */
  let membership: { readonly code: string; readonly name: string; readonly token: string } | null = null;
  /** A `join` we sent with a stored token: on `bad-rejoin`, sent again without it. */
  let storedRejoin: { readonly code: string; readonly name: string } | null = null;
  /** Resume state: the current socket carries a rejoin `join` awaiting its answer; attempt count. */
  let resuming = false;
  let attempt = 0;
  let lastClose = { code: 1006, reason: '' };
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let lastHeardMs = 0;
  let heartbeatNonce = 0;

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

  const rawSend = (message: ClientMessage): void => {
    socket?.send(encodeMessage(message));
  };

  const stopTimers = (): void => {
    if (heartbeat !== null) clearInterval(heartbeat);
    if (retryTimer !== null) clearTimeout(retryTimer);
    heartbeat = null;
    retryTimer = null;
  };

  /** Ends the connection for good: `resume-failed` (when given), then `closed`. */
  const finish = (failed: ErrorCode | 'unreachable' | null, code: number, reason: string): void => {
    stopTimers();
    const ws = socket;
    socket = null;
    resuming = false;
    if (failed !== null && membership !== null) store?.forget(membership.code);
    membership = null;
    state = 'closed';
    if (ws !== null) {
      try {
        ws.close();
      } catch {
        // closing a socket that is still connecting may throw in some implementations
      }
    }
    if (failed !== null) emit({ kind: 'resume-failed', code: failed });
    emit({ kind: 'closed', code, reason, wasClean: false });
  };

  /** The current socket is gone (`code`, `reason`): resume the membership, or report the close. */
  const lost = (code: number, reason: string, wasClean: boolean): void => {
    stopTimers();
    socket = null;
    resuming = false;
    lastClose = { code, reason };
    if (resume === null || membership === null) {
      state = 'closed';
      emit({ kind: 'closed', code, reason, wasClean });
      return;
    }
    if (code === CloseCode.replaced) return finish(ErrorCode.replaced, code, reason);
    if (attempt >= resume.maxAttempts) return finish('unreachable', code, reason);
    attempt += 1;
    const cap = Math.min(resume.maxDelayMs, resume.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(cap / 2 + (resume.random() * cap) / 2);
    state = 'reconnecting';
    retryTimer = setTimeout(reconnect, delayMs);
    emit({ kind: 'reconnecting', attempt, delayMs, code, reason });
  };

  const onMessage = (event: { readonly data: unknown }): void => {
    if (typeof event.data !== 'string') return emit({ kind: 'invalid-message', error: 'binary frame' });
    if (event.data.length > LOBBY_LIMITS.maxMessageBytes * 4) return emit({ kind: 'invalid-message', error: 'message too large' });
    const parsed = parseServerMessage(event.data);
    if (!parsed.ok) return emit({ kind: 'invalid-message', error: parsed.error });
    const message = parsed.value;
    if (message.kind === 'pong' && message.nonce < 0) return; // our heartbeat's
    if (message.kind === 'joined') {
      const name = message.members.find((m) => m.id === message.memberId)?.name ?? '';
      membership = message.rejoinToken === undefined ? null : { code: message.code, name, token: message.rejoinToken };
      if (membership !== null) store?.save(membership.code, membership.token);
      storedRejoin = null;
      if (resuming) {
        resuming = false;
        attempt = 0;
        state = 'open';
        emit(message);
        return emit({ kind: 'resumed', joined: message });
      }
    } else if (message.kind === 'error') {
      if (storedRejoin !== null && message.code === ErrorCode.badRejoin) {
        // The stored seat is gone: join as a new member, as the caller asked.
        store?.forget(storedRejoin.code);
        rawSend({ kind: 'join', code: storedRejoin.code, name: storedRejoin.name });
        storedRejoin = null;
        return;
      }
      storedRejoin = null;
      if (resuming) {
        // The answer to our rejoin `join`: final (the lobby or seat is gone), or worth another attempt.
        emit(message);
        if (FINAL_RESUME_ERRORS.has(message.code)) return finish(message.code, lastClose.code, message.code);
        const ws = socket;
        socket = null;
        ws?.close();
        return lost(lastClose.code, message.code, false);
      }
    }
    emit(message);
  };

  /** Heartbeat tick: ping, and give up on a socket that has been silent for `silenceMs`. */
  const beat = (): void => {
    if (resume === null || socket === null) return;
    if (Date.now() - lastHeardMs > resume.silenceMs) {
      const ws = socket;
      socket = null; // its late events are ignored
      try {
        ws.close();
      } catch {
        // see `finish`
      }
      return lost(SILENT_CLOSE, 'silent', false);
    }
    if (socket.readyState === 1) rawSend({ kind: 'ping', nonce: -(++heartbeatNonce) });
  };

  /** Opens a socket to `url` and wires it; `rejoin`: resume the membership once it is open. */
  const open = (rejoin: boolean): WebSocketLike | string => {
    if (Socket === undefined) return 'no WebSocket implementation';
    let ws: WebSocketLike;
    try {
      ws = new Socket(url);
    } catch (error) {
      return `cannot open ${url}: ${String(error)}`;
    }
    socket = ws;
    lastHeardMs = Date.now();
    if (resume !== null) heartbeat = setInterval(beat, Math.min(resume.heartbeatMs, resume.silenceMs / 2));
    ws.onopen = () => {
      if (socket !== ws) return;
      lastHeardMs = Date.now();
      if (rejoin && membership !== null) {
        resuming = true;
        rawSend({ kind: 'join', code: membership.code, name: membership.name, rejoin: membership.token });
        return;
      }
      state = 'open';
      emit({ kind: 'open' });
    };
    ws.onmessage = (event: { readonly data: unknown }) => {
      if (socket !== ws) return;
      lastHeardMs = Date.now();
      onMessage(event);
    };
    ws.onerror = () => {}; // the close event that follows carries what there is to know
    ws.onclose = (event: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => {
      if (socket === ws) lost(event.code, event.reason, event.wasClean);
    };
    return ws;
  };

  function reconnect(): void {
    retryTimer = null;
    const opened = open(true);
    if (typeof opened === 'string') lost(1006, opened, false);
  }

  const next = <K extends SignalingEventKind>(kinds: readonly K[], timeoutMs = 10_000): Promise<Result<SignalingEventOf<K>>> =>
    new Promise((resolve) => {
      const offs: (() => void)[] = [];
      const done = (result: Result<SignalingEventOf<K>>): void => {
        for (const off of offs) off();
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
      for (const kind of kinds) offs.push(on(kind, (event) => done({ ok: true, value: event })));
      if (!(kinds as readonly SignalingEventKind[]).includes('closed')) {
        offs.push(on('closed', (event) => done({ ok: false, error: `closed (${event.code} ${event.reason})` })));
      }
    });

  const connect = (target: string): Promise<Result<void>> => {
    if (state === 'connecting' || state === 'open' || state === 'reconnecting') return Promise.resolve({ ok: false, error: 'already connected' });
    url = target;
    membership = null;
    attempt = 0;
    const ws = open(false);
    if (typeof ws === 'string') return Promise.resolve({ ok: false, error: ws });
    state = 'connecting';
    const opened = next(['open'], connectTimeoutMs);
    return opened.then((result) => {
      if (result.ok) return { ok: true, value: undefined };
      if (socket === ws && state === 'connecting') {
        stopTimers();
        socket = null;
        state = 'closed';
        ws.close();
      }
      return { ok: false, error: `cannot connect to ${target}: ${result.error}` };
    });
  };

  const send = (message: ClientMessage): boolean => {
    if (socket === null || state !== 'open') return false;
    if (message.kind === 'leave') {
      // Either way nothing to resume on this socket; a voluntary leave also gives up the stored seat.
      if (membership !== null && message.keepSeat !== true) store?.forget(membership.code);
      membership = null;
    }
    if (message.kind === 'join' && message.rejoin === undefined && store !== undefined) {
      const token = store.load(message.code);
      if (token !== null) {
        // `replace: false`: a seat still held by a live socket (this lobby open in another tab of
        // the same browser) is not taken over; that tab's player joins as a new member instead.
        const withToken = v.safeParse(ClientMessageSchema, { ...message, rejoin: token, replace: false });
        if (withToken.success) {
          storedRejoin = { code: message.code, name: message.name };
          rawSend(withToken.output);
          return true;
        }
        store.forget(message.code); // not a token at all
      }
    }
    rawSend(message);
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
      membership = null; // closed on purpose: never resumed
      if (socket === null) {
        if (state === 'reconnecting') finish(null, code, reason);
        return;
      }
      if (state === 'connecting') {
        socket.close();
        return;
      }
      socket.close(code, reason);
    },
  };
}
