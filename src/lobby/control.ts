/**
 * Messages on the peers' reliable channel (handshake, chat, rematch), as UTF-8 JSON with a `t` tag.
 * Every incoming message is validated here before anything reads it; a peer's bytes are never trusted.
 */
import type { PeerId, PeerSocket } from '../netcode/socket.ts';

/** Match parameters every peer must agree on (hashed into READY votes). */
export interface MatchSetup {
  readonly players: number;
  readonly pointsToWin: number;
  readonly inputDelay: number;
  readonly maxPrediction: number;
}

/** Messages on the reliable channel. `round` identifies one handshake (a rematch runs a new round). */
export type ControlMessage =
  | { readonly t: 'hs-sync-req'; readonly round: number; readonly nonce: number; readonly t0: number }
  | { readonly t: 'hs-sync-rep'; readonly round: number; readonly nonce: number; readonly t0: number; readonly t1: number; readonly t2: number }
  | {
      readonly t: 'hs-ready';
      readonly round: number;
      readonly ready: boolean;
      readonly protocolVersion: number;
      readonly gameVersion: number;
      readonly configHash: string;
      readonly setup: MatchSetup;
      readonly rttMs: number;
    }
  | {
      readonly t: 'hs-start';
      readonly round: number;
      readonly seed: number;
      readonly sessionId: number;
      readonly order: readonly PeerId[];
      readonly startAt: number;
      readonly setup: MatchSetup;
    }
  | { readonly t: 'hs-ack'; readonly round: number; readonly sessionId: number }
  | { readonly t: 'hs-abort'; readonly round: number; readonly reason: string }
  | { readonly t: 'chat'; readonly text: string }
  /** Lobby ping between members (RTT shown in the member list). */
  | { readonly t: 'ping'; readonly nonce: number; readonly t0: number }
  | { readonly t: 'pong'; readonly nonce: number; readonly t0: number };

/** Largest control message accepted, bytes. */
export const MAX_CONTROL_BYTES = 4096;

type Parse = { readonly ok: true; readonly message: ControlMessage } | { readonly ok: false; readonly error: string };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isU32 = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

function isSetup(v: unknown): v is MatchSetup {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const inRange = (x: unknown, lo: number, hi: number) => isNum(x) && Number.isInteger(x) && x >= lo && x <= hi;
  return inRange(s.players, 2, 4) && inRange(s.pointsToWin, 1, 99) && inRange(s.inputDelay, 0, 10) && inRange(s.maxPrediction, 1, 16);
}

/** Decodes and validates one control message. Never throws. */
export function parseControlMessage(bytes: Uint8Array): Parse {
  if (bytes.length > MAX_CONTROL_BYTES) return { ok: false, error: 'too large' };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, error: 'not UTF-8 JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'not an object' };
  const m = raw as Record<string, unknown>;
  const bad = (what: string): Parse => ({ ok: false, error: `bad ${String(m.t)}: ${what}` });
  if (m.t === 'chat') return isStr(m.text, 500) && m.text.length > 0 ? { ok: true, message: { t: 'chat', text: m.text } } : bad('text');
  if (m.t === 'ping' || m.t === 'pong') return isU32(m.nonce) && isNum(m.t0) ? { ok: true, message: { t: m.t, nonce: m.nonce, t0: m.t0 } } : bad('fields');
  if (!isU32(m.round)) return bad('round');
  const round = m.round;
  switch (m.t) {
    case 'hs-sync-req':
      return isU32(m.nonce) && isNum(m.t0) ? { ok: true, message: { t: m.t, round, nonce: m.nonce, t0: m.t0 } } : bad('fields');
    case 'hs-sync-rep':
      return isU32(m.nonce) && isNum(m.t0) && isNum(m.t1) && isNum(m.t2) ? { ok: true, message: { t: m.t, round, nonce: m.nonce, t0: m.t0, t1: m.t1, t2: m.t2 } } : bad('fields');
    case 'hs-ready':
      if (typeof m.ready !== 'boolean' || !isU32(m.protocolVersion) || !isU32(m.gameVersion) || !isStr(m.configHash, 16) || !isSetup(m.setup) || !isNum(m.rttMs) || m.rttMs < 0) return bad('fields');
      return { ok: true, message: { t: m.t, round, ready: m.ready, protocolVersion: m.protocolVersion, gameVersion: m.gameVersion, configHash: m.configHash, setup: pickSetup(m.setup), rttMs: m.rttMs } };
    case 'hs-start':
      if (!isU32(m.seed) || !isU32(m.sessionId) || !isNum(m.startAt) || !isSetup(m.setup)) return bad('fields');
      if (!Array.isArray(m.order) || m.order.length < 2 || m.order.length > 4 || !m.order.every((id) => isStr(id, 64))) return bad('order');
      return { ok: true, message: { t: m.t, round, seed: m.seed, sessionId: m.sessionId, order: m.order as string[], startAt: m.startAt, setup: pickSetup(m.setup) } };
    case 'hs-ack':
      return isU32(m.sessionId) ? { ok: true, message: { t: m.t, round, sessionId: m.sessionId } } : bad('fields');
    case 'hs-abort':
      return isStr(m.reason, 300) ? { ok: true, message: { t: m.t, round, reason: m.reason } } : bad('reason');
    default:
      return { ok: false, error: `unknown message ${JSON.stringify(m.t)}` };
  }
}

function pickSetup(s: MatchSetup): MatchSetup {
  return { players: s.players, pointsToWin: s.pointsToWin, inputDelay: s.inputDelay, maxPrediction: s.maxPrediction };
}

/** Encodes a control message. */
export function encodeControlMessage(message: ControlMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

/** Canonical 8-hex-digit FNV-1a hash of a match setup (field order fixed here, not by object keys). */
export function hashSetup(s: MatchSetup): string {
  let h = 0x811c9dc5;
  for (const ch of `${s.players}|${s.pointsToWin}|${s.inputDelay}|${s.maxPrediction}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Typed view of a reliable socket: sends control messages, returns the valid ones received. */
export class ControlChannel {
  /** Messages dropped as invalid. */
  rejected = 0;

  constructor(readonly socket: PeerSocket) {}

  send(to: PeerId, message: ControlMessage): void {
    this.socket.send(to, encodeControlMessage(message));
  }

  receiveAll(): { from: PeerId; message: ControlMessage }[] {
    const out: { from: PeerId; message: ControlMessage }[] = [];
    for (const d of this.socket.receiveAll()) {
      const r = parseControlMessage(d.bytes);
      if (r.ok) out.push({ from: d.from, message: r.message });
      else this.rejected++;
    }
    return out;
  }
}
