/**
 * `window.rollbackPong`: a read-only window into the page for end-to-end tests and curious testers
 * (documented in docs/ui.md). Pages publish into it; nothing reads it back, so it cannot change the game.
 */
import { checksum, formatChecksum, fxToFloat, type GameState } from '../game/index.ts';
import type { TimingSummary } from './render/timing.ts';

/** Names of the pages. */
export type PageName = 'landing' | 'lobby' | 'replay' | 'practice' | 'widgets' | 'not-found';

/** A JSON-friendly digest of a game state. */
export interface StateSummary {
  readonly frame: number;
  /** `formatChecksum(checksum(state))`: 8 lowercase hex digits. */
  readonly checksum: string;
  readonly players: number;
  readonly scores: readonly number[];
  /** Paddle centres along their sides, arena units. */
  readonly paddles: readonly number[];
  readonly ball: { readonly x: number; readonly y: number };
  readonly serveTimer: number;
  readonly winner: number;
}

/** The replay viewer's status. */
export interface ReplayHookInfo {
  /** True once a replay parsed successfully. */
  readonly loaded: boolean;
  readonly fileName: string;
  readonly status: 'empty' | 'error' | 'verifying' | 'verified' | 'mismatch';
  readonly frames: number;
  /** Current frame shown. */
  readonly frame: number;
  /** Last frame whose recorded checksum matched. */
  readonly verifiedUpTo: number;
  /** Highest frame simulated so far. */
  readonly simulatedUpTo: number;
  /** Final checksum (hex) once verified. */
  readonly finalChecksum?: string;
  /** First mismatch, checksums in hex. */
  readonly mismatch?: { readonly frame: number; readonly expected: string; readonly actual: string };
  /** Parse error text. */
  readonly error?: string;
  readonly playing: boolean;
  readonly speed: number;
}

/** Everything under `window.rollbackPong`. */
export interface RollbackPongHook {
  readonly version: 1;
  page: PageName;
  /** Frame of the state last drawn (-1 before any). */
  frame: number;
  /** Checksum (hex) of the state last drawn ('' before any). */
  checksum: string;
  state: StateSummary | undefined;
  replay: ReplayHookInfo | undefined;
  /** `render_frame_ms` summary of the current page's renderer. */
  renderFrameMs: (() => TimingSummary) | undefined;
  /** Extra fields a page (e.g. the online match) wants to expose. */
  extra: Record<string, unknown>;
}

declare global {
  interface Window {
    /** See docs/ui.md. */
    rollbackPong?: RollbackPongHook;
  }
}

/** The page's hook object (created on first use). */
export function testHook(): RollbackPongHook {
  const existing = window.rollbackPong;
  if (existing !== undefined) return existing;
  const created: RollbackPongHook = { version: 1, page: 'landing', frame: -1, checksum: '', state: undefined, replay: undefined, renderFrameMs: undefined, extra: {} };
  window.rollbackPong = created;
  return created;
}

/** Resets the hook for a newly mounted page. */
export function resetTestHook(page: PageName): void {
  const hook = testHook();
  hook.page = page;
  hook.frame = -1;
  hook.checksum = '';
  hook.state = undefined;
  hook.replay = undefined;
  hook.renderFrameMs = undefined;
  hook.extra = {};
}

/** Digest of a state (reads only). */
export function summarizeState(s: GameState): StateSummary {
  return {
    frame: s.frame,
    checksum: formatChecksum(checksum(s)),
    players: s.config.players,
    scores: s.scores.slice(),
    paddles: s.paddles.map(fxToFloat),
    ball: { x: fxToFloat(s.ball.x), y: fxToFloat(s.ball.y) },
    serveTimer: s.serveTimer,
    winner: s.winner,
  };
}

/** Publishes the state just drawn (skipped when the frame did not change). */
export function publishState(s: GameState): void {
  const hook = testHook();
  if (hook.state !== undefined && hook.frame === s.frame && hook.state.checksum === formatChecksum(checksum(s))) return;
  hook.state = summarizeState(s);
  hook.frame = s.frame;
  hook.checksum = hook.state.checksum;
}
