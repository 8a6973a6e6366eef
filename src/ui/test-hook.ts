/**
 * `window.rollbackPong`: a read-only window into the page for end-to-end tests and curious testers
 * (documented in docs/ui.md). Pages publish into it; nothing reads it back, so it cannot change the game.
 */
import { checksum, formatChecksum, fxToFloat, type GameState } from '../game/index.ts';
import type { SessionStats } from '../netcode/types.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import type { DrawnFrame } from './render/frame-log.ts';
import type { TimingSummary } from './render/timing.ts';

/** Names of the pages (`game`: the lobby route while a match is shown). */
export type PageName = 'landing' | 'lobby' | 'game' | 'replay' | 'practice' | 'widgets' | 'not-found';

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

/** Where the online page is. */
export type OnlineView = 'join' | 'joining' | 'lobby' | 'game' | 'watching' | 'ended' | 'closed';

/** A lobby member as the online page shows it. */
export interface OnlineMemberInfo {
  readonly id: string;
  readonly name: string;
  readonly host: boolean;
  /** Ready for the next match (`Room.readiness`; false while in the match). */
  readonly ready: boolean;
  /** Still in the running match (shown as "In match"). */
  readonly inMatch: boolean;
  /** Round trip over the peers' reliable channel, once measured. */
  readonly pingMs: number | undefined;
}

/** A confirmed frame's digest (checksum in hex). */
export interface ConfirmedPointInfo {
  readonly frame: number;
  readonly checksum: string;
  readonly scores: readonly number[];
  readonly winner: number;
}

/** What `settle` reports once the page stopped advancing and every simulated frame is confirmed. */
export interface SettleResult extends ConfirmedPointInfo {
  /** Checksum of the state the session itself holds at `frame` (must equal `checksum`). */
  readonly liveChecksum: string;
}

/** The scripted-input override: a function of the frame about to be simulated, fixed bits, or null. */
export type ScriptedInput = ((frame: number) => number) | number | null;

/** The online lobby/match page (see docs/ui.md). */
export interface OnlineHookInfo {
  view: OnlineView;
  code: string;
  /** Our lobby member id ('' before joining). */
  memberId: string;
  /** Whether we play (`member`) or watch (`watcher`: `checksumAt` then reads the spectator's confirmed playback). */
  role: 'member' | 'watcher';
  /** The lobby's watchers (name and id), in join order. */
  watchers: readonly { readonly id: string; readonly name: string }[];
  transport: string;
  members: readonly OnlineMemberInfo[];
  meshReady: boolean;
  /** The last status line and error message shown ('' for none). */
  status: string;
  error: string;
  /** Matches started on this page (1 for the first). */
  matchNumber: number;
  localPlayer: number;
  names: readonly string[];
  /** Session frame (frames simulated), -1 before a match. */
  frame: number;
  /** Checksum (hex) of the current, possibly predicted, state. */
  checksum: string;
  /** Last input frame every peer holds confirmed. */
  confirmedFrame: number;
  /** Latest frame whose state is final (confirmed track). */
  confirmedUpTo: number;
  /** Scores of the current state. */
  scores: readonly number[];
  /** Confirmed winner, -1 while none. */
  winner: number;
  /** `performance.timeOrigin + startedAtMs`: when frame 0 ran (absolute ms), undefined before. */
  startedAt: number | undefined;
  /** `performance.timeOrigin + localStartMs`: when frame 0 was scheduled (absolute ms). */
  scheduledStartAt: number | undefined;
  /** Notices on screen now, and every notice shown with its local time (`performance.now()`). */
  notices: readonly string[];
  noticeLog: readonly { readonly text: string; readonly atMs: number }[];
  /** The arena's standing line now ("Match point: Alice", "Waiting for Bob to return… 42 s"), '' when none. */
  standing: string;
  /** Players absent from the match in the current state (bit p: player p left), rules 2. */
  absent: number;
  /** Desync reports seen. */
  desyncs: number;
  /** Current artificial network conditions on incoming inputs. */
  lag: LinkConditions | undefined;
  /** Replay downloads started on this page. */
  replayDownloads: number;
  /** Smooth corrections on (`?smooth=0` or the lag panel's checkbox turn it off); set once a match shows. */
  smoothing?: boolean;
  /** Corrections blended / snapped (too long, e.g. a goal on one timeline only) by the smoother so far. */
  corrections?: { readonly blended: number; readonly snapped: number };
  /** Session stats now (undefined before a match). */
  stats(): SessionStats | undefined;
  /** Overrides the keyboard: a function of the frame, fixed input bits, or null to give it back. */
  scriptInput(input: ScriptedInput): void;
  /** Digest of a confirmed frame still remembered (the last minute), undefined otherwise. */
  checksumAt(frame: number): ConfirmedPointInfo | undefined;
  /**
   * Stops advancing once the session reaches `frame` (default: now) and resolves when that frame is
   * confirmed. Peers settled at the same `frame` (or compared with `checksumAt`) must agree.
   */
  settle(frame?: number): Promise<SettleResult>;
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
  /**
   * What the current page's renderer drew at or after `sinceMs` (page clock, `performance.now()`): per
   * frame the render time and the ball/paddle positions on screen (the latest 1200 frames).
   */
  drawnFrames?: ((sinceMs?: number) => readonly DrawnFrame[]) | undefined;
  /** The online lobby and match (undefined on other pages). */
  online: OnlineHookInfo | undefined;
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
  const created: RollbackPongHook = { version: 1, page: 'landing', frame: -1, checksum: '', state: undefined, replay: undefined, renderFrameMs: undefined, online: undefined, extra: {} };
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
  hook.drawnFrames = undefined;
  hook.online = undefined;
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
