/**
 * Serialized game states, for sending a state to a peer during desync forensics: compact JSON bytes,
 * validated field by field when decoded (a peer's bytes are never trusted).
 */
import { parseConfig } from './config.ts';
import type { GameState } from './state.ts';

/** Result of decoding a state. */
export type StateResult = { readonly ok: true; readonly state: GameState } | { readonly ok: false; readonly error: string };

/** The state as UTF-8 JSON bytes. */
export function encodeState(state: GameState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -0x8000_0000 && v <= 0xffff_ffff;
const isIntArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every(isInt);

/** Decodes and validates bytes made by `encodeState`. Never throws. */
export function decodeState(bytes: Uint8Array): StateResult {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, error: 'state is not valid UTF-8 JSON' };
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, error: 'state must be an object' };
  const r = raw as Record<string, unknown>;
  const config = parseConfig(r.config);
  if (!config.ok) return config;
  const n = config.config.players;
  const ball = r.ball as Record<string, unknown> | null | undefined;
  if (typeof ball !== 'object' || ball === null || !['x', 'y', 'vx', 'vy', 'speed'].every((k) => isInt(ball[k]))) {
    return { ok: false, error: 'state.ball is malformed' };
  }
  for (const k of ['frame', 'rng', 'lastHitter', 'serveTimer', 'rally', 'winner', 'absent', 'alone']) {
    if (!isInt(r[k])) return { ok: false, error: `state.${k} must be an integer` };
  }
  if (!isIntArray(r.paddles, n) || !isIntArray(r.scores, n)) return { ok: false, error: 'state.paddles/scores are malformed' };
  if ((r.absent as number) < 0 || (r.absent as number) >= 1 << n || (r.alone as number) < 0) return { ok: false, error: 'state.absent/alone are out of range' };
  const state: GameState = {
    config: config.config,
    frame: r.frame as number,
    rng: r.rng as number,
    ball: { x: ball.x as number, y: ball.y as number, vx: ball.vx as number, vy: ball.vy as number, speed: ball.speed as number },
    paddles: r.paddles,
    scores: r.scores,
    lastHitter: r.lastHitter as number,
    serveTimer: r.serveTimer as number,
    rally: r.rally as number,
    winner: r.winner as number,
    absent: r.absent as number,
    alone: r.alone as number,
  };
  return { ok: true, state };
}
