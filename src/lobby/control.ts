/**
 * Messages on the peers' reliable channel (handshake, chat, lobby pings), as UTF-8 JSON with a `t` tag.
 * One valibot schema (`ControlMessageSchema`) defines the whole family; the TypeScript types are
 * inferred from it. Every incoming message is size-checked, decoded and parsed here before anything
 * reads it: a peer's bytes are never trusted, and nothing here throws on them.
 *
 * Size: at most `MAX_CONTROL_BYTES` per message, both ways. Our own sender refuses a larger message
 * (counted in `refused`), so it never reaches WebRTC, whose SCTP stack closes the whole data channel
 * when asked to send above the remote's max-message-size (256 KiB in libwebrtc). A larger message
 * from a peer is dropped and counted (`dropped.oversize`); the link stays up.
 */
import * as v from 'valibot';
import type { PeerId, PeerSocket } from '../netcode/socket.ts';
import { ABORT_CODES, MAX_ABORT_MEMBERS } from './handshake-abort.ts';
import { LOBBY_LIMITS, SETTINGS_RANGES, validateChat } from './protocol.ts';
import { fnv1aText } from '../shared/fnv1a.ts';

/** Largest control message accepted or sent, UTF-8 bytes. */
export const MAX_CONTROL_BYTES = 4096;

/** Largest magnitude of a clock reading on the wire, ms (about 1,100 years: any real clock fits). */
export const MAX_CLOCK_MS = 2 ** 45;

const u32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff_ffff));
const clockMs = v.pipe(v.number(), v.finite(), v.minValue(-MAX_CLOCK_MS), v.maxValue(MAX_CLOCK_MS));
const memberId = v.pipe(v.string(), v.minLength(1), v.maxLength(LOBBY_LIMITS.maxIdChars));
const inRange = (r: { readonly min: number; readonly max: number }) => v.pipe(v.number(), v.integer(), v.minValue(r.min), v.maxValue(r.max));

/** Match parameters every peer must agree on (hashed into READY votes); ranges are the lobby settings'. */
export const MatchSetupSchema = v.pipe(
  v.object({
    players: inRange(SETTINGS_RANGES.capacity),
    pointsToWin: inRange(SETTINGS_RANGES.pointsToWin),
    inputDelay: inRange(SETTINGS_RANGES.inputDelay),
    maxPrediction: inRange(SETTINGS_RANGES.maxPrediction),
  }),
  v.readonly(),
);
/** Match parameters every peer must agree on. */
export type MatchSetup = v.InferOutput<typeof MatchSetupSchema>;

/** A chat line exactly as `validateChat` (the lobby server's rule) would leave it. */
const chatText = v.pipe(
  v.string(),
  v.maxLength(LOBBY_LIMITS.maxChatChars * 2), // UTF-16 units: a cheap bound before the real check
  v.check((s) => {
    const r = validateChat(s);
    return r.ok && r.value === s;
  }, 'not a valid chat line (1..280 printable characters, trimmed)'),
);

/** The fields naming a running match (`rj-match`, `sp-match`). */
const runningMatch = {
  round: u32,
  seed: u32,
  sessionId: u32,
  order: v.pipe(v.array(memberId), v.minLength(SETTINGS_RANGES.capacity.min), v.maxLength(SETTINGS_RANGES.capacity.max), v.readonly()),
  setup: MatchSetupSchema,
};

const msg = <E extends v.ObjectEntries>(entries: E) => v.pipe(v.object(entries), v.readonly());

/** The control-message family. `round` identifies one handshake (a rematch runs a new round). */
export const ControlMessageSchema = v.variant('t', [
  msg({ t: v.literal('hs-sync-req'), round: u32, nonce: u32, t0: clockMs }),
  msg({ t: v.literal('hs-sync-rep'), round: u32, nonce: u32, t0: clockMs, t1: clockMs, t2: clockMs }),
  msg({
    t: v.literal('hs-ready'),
    round: u32,
    ready: v.boolean(),
    protocolVersion: u32,
    gameVersion: u32,
    configHash: v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/)),
    setup: MatchSetupSchema,
    /** The voter's RTT to the host; the host clamps it (`HANDSHAKE_LIMITS.maxVoteRttMs`). */
    rttMs: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(MAX_CLOCK_MS)),
  }),
  msg({
    t: v.literal('hs-start'),
    round: u32,
    seed: u32,
    sessionId: u32,
    order: v.pipe(v.array(memberId), v.minLength(SETTINGS_RANGES.capacity.min), v.maxLength(SETTINGS_RANGES.capacity.max), v.readonly()),
    startAt: clockMs,
    setup: MatchSetupSchema,
  }),
  msg({ t: v.literal('hs-ack'), round: u32, sessionId: u32 }),
  /** An abort: a code from the fixed vocabulary and the member ids it is about, never free text. */
  msg({ t: v.literal('hs-abort'), round: u32, code: v.picklist(ABORT_CODES), about: v.pipe(v.array(memberId), v.maxLength(MAX_ABORT_MEMBERS), v.readonly()) }),
  /**
   * The host's answer to a member's handshake message of another round (`yours`): the host's own
   * round, which that member then follows (room.ts, "Rounds"). Only the host's counts.
   */
  msg({ t: v.literal('hs-round'), round: u32, yours: u32 }),
  msg({ t: v.literal('chat'), text: chatText }),
  /** Lobby ping between members (RTT shown in the member list). */
  msg({ t: v.literal('ping'), nonce: u32, t0: clockMs }),
  msg({ t: v.literal('pong'), nonce: u32, t0: clockMs }),
  /**
   * A player back in a running match (its seat resumed) asks which match it is (room.ts, "Rejoin").
   * `have`: it still runs that match (its lobby socket resumed while its links lived): only a peer
   * that dropped it answers, and that answer sends it back through the rejoin.
   */
  msg({
    t: v.literal('rj-hello'),
    have: v.optional(v.boolean()),
    /** With `have`: per player, the last frame of its notarised records the sender holds (-1: none). */
    cov: v.optional(v.pipe(v.array(v.pipe(v.number(), v.safeInteger(), v.minValue(-1), v.maxValue(2 ** 31))), v.maxLength(SETTINGS_RANGES.capacity.max), v.readonly())),
  }),
  /** The answer of a peer in that match: what the returning player needs to start its session. */
  msg({ t: v.literal('rj-match'), ...runningMatch }),
  /** A player to a watcher (watching.ts): the match that runs now, to follow with a `SpectatorMatch`. */
  msg({ t: v.literal('sp-match'), ...runningMatch }),
]);

/** Messages on the reliable channel. */
export type ControlMessage = v.InferOutput<typeof ControlMessageSchema>;
/** The handshake's messages (every one names its round). */
export type HandshakeMessage = Extract<ControlMessage, { t: `hs-${string}` }>;
/** Whether `m` is one of the handshake's messages. */
export function isHandshakeMessage(m: ControlMessage): m is HandshakeMessage {
  return m.t.startsWith('hs-');
}
/** One message type of the family. */
export type ControlOf<T extends ControlMessage['t']> = Extract<ControlMessage, { t: T }>;

/** Why an incoming message was dropped. */
export type ControlDrop = 'oversize' | 'malformed';

type Parse = { readonly ok: true; readonly message: ControlMessage } | { readonly ok: false; readonly reason: ControlDrop; readonly error: string };

/** Decodes and validates one control message. Never throws. */
export function parseControlMessage(bytes: Uint8Array): Parse {
  if (bytes.length > MAX_CONTROL_BYTES) return { ok: false, reason: 'oversize', error: `too large (${bytes.length} > ${MAX_CONTROL_BYTES} bytes)` };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: 'malformed', error: 'not UTF-8 JSON' };
  }
  const r = v.safeParse(ControlMessageSchema, raw);
  if (r.success) return { ok: true, message: r.output };
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  const tag = typeof raw === 'object' && raw !== null && 't' in raw ? String((raw as { t: unknown }).t).slice(0, 20) : '?';
  return { ok: false, reason: 'malformed', error: `bad ${tag}${path === '' ? '' : ` ${path}`}: ${issue.message}` };
}

/** Encodes a control message. */
export function encodeControlMessage(message: ControlMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

/** Canonical 8-hex-digit FNV-1a hash of a match setup (field order fixed here, not by object keys). */
export function hashSetup(s: MatchSetup): string {
  const h = fnv1aText(`${s.players}|${s.pointsToWin}|${s.inputDelay}|${s.maxPrediction}`);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** "pointsToWin 5 vs 7, inputDelay 2 vs 3". */
export function describeSetupDiff(mine: MatchSetup, theirs: MatchSetup): string {
  const keys = ['players', 'pointsToWin', 'inputDelay', 'maxPrediction'] as const;
  const parts = keys.filter((k) => mine[k] !== theirs[k]).map((k) => `${k} ${mine[k]} here vs ${theirs[k]} there`);
  return parts.length > 0 ? parts.join(', ') : 'configuration hash differs';
}

/** Typed view of a reliable socket: sends control messages, returns the valid ones received. */
export class ControlChannel {
  /** Incoming messages dropped, by reason. */
  readonly dropped: Record<ControlDrop, number> = { oversize: 0, malformed: 0 };
  /** Outgoing messages refused because they would exceed `MAX_CONTROL_BYTES` (a bug or a hostile UI). */
  refused = 0;

  constructor(readonly socket: PeerSocket) {}

  /** Incoming messages dropped for any reason. */
  get rejected(): number {
    return this.dropped.oversize + this.dropped.malformed;
  }

  /** Sends `message`; refuses (returns false, counts) one that would exceed the size limit. */
  send(to: PeerId, message: ControlMessage): boolean {
    const bytes = encodeControlMessage(message);
    if (bytes.length > MAX_CONTROL_BYTES) {
      this.refused++;
      return false;
    }
    this.socket.send(to, bytes);
    return true;
  }

  receiveAll(): { from: PeerId; message: ControlMessage }[] {
    const out: { from: PeerId; message: ControlMessage }[] = [];
    for (const d of this.socket.receiveAll()) {
      const r = parseControlMessage(d.bytes);
      if (r.ok) out.push({ from: d.from, message: r.message });
      else this.dropped[r.reason]++;
    }
    return out;
  }
}
