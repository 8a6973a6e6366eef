/**
 * The replay viewer's model (no DOM): plays a `Replay` forward and backward, seeks, and verifies the
 * recorded checksums as it simulates.
 *
 * Seeking: the state after every `cacheInterval`-th frame (60 by default) is kept once simulated, so a
 * seek re-simulates at most `cacheInterval - 1` frames from the nearest cached state at or before the
 * target — or continues from the current frame when that is closer. Cached states are immer snapshots:
 * storing one is storing a reference.
 *
 * Verification: the simulation frontier (`simulatedUpTo`, the highest frame ever simulated) only
 * grows one frame at a time from 0, and every frame it reaches is compared with the replay's recorded
 * checksum for that frame, if any, and with the final checksum at the last frame. So the cache always
 * holds every multiple of `cacheInterval` up to the frontier, and the first mismatch found is the
 * first one in the file. Long seeks take a frame budget so the page stays responsive.
 */
import { checksum, initialState, step, type GameState, type Replay } from '../game/index.ts';

/** Where verification stands. */
export type VerifyStatus =
  /** Every recorded checksum up to `verifiedUpTo` matched; the rest of the replay is not simulated yet. */
  | { readonly kind: 'verifying'; readonly verifiedUpTo: number }
  /** The whole replay re-simulated to every recorded checksum and the final one. */
  | { readonly kind: 'verified'; readonly frames: number; readonly checksum: number }
  /** The first frame whose checksum differs from the recording. */
  | { readonly kind: 'mismatch'; readonly frame: number; readonly expected: number; readonly actual: number };

/** Options of a `ReplayPlayer`. */
export interface ReplayPlayerOptions {
  /** Frames between two cached states (default 60). */
  readonly cacheInterval?: number;
}

/** Plays a replay; see the file header. */
export class ReplayPlayer {
  /** Frames between cached states. */
  readonly cacheInterval: number;
  private readonly expected = new Map<number, number>();
  private readonly cache: GameState[] = [];
  private current: GameState;
  private frontier = 0;
  private verifiedFrame = 0;
  private verdict: VerifyStatus;

  constructor(readonly replay: Replay, options: ReplayPlayerOptions = {}) {
    this.cacheInterval = options.cacheInterval ?? 60;
    if (!Number.isInteger(this.cacheInterval) || this.cacheInterval < 1) throw new RangeError('cacheInterval must be a positive integer');
    for (const [frame, sum] of replay.checksums) this.expected.set(frame, sum);
    this.current = initialState(replay.config);
    this.cache.push(this.current);
    this.verdict = { kind: 'verifying', verifiedUpTo: 0 };
    if (replay.frames === 0) this.check(this.current);
  }

  /** The frame of the current state (0..frames). */
  get frame(): number {
    return this.current.frame;
  }

  /** The current state (never mutate it). */
  get state(): GameState {
    return this.current;
  }

  /** Number of frames in the replay (the last seekable frame). */
  get frames(): number {
    return this.replay.frames;
  }

  /** True at the last frame. */
  get atEnd(): boolean {
    return this.current.frame >= this.replay.frames;
  }

  /** The highest frame simulated (and checked) so far. */
  get simulatedUpTo(): number {
    return this.frontier;
  }

  /** The last frame whose recorded checksum matched (0 before any). */
  get verifiedUpTo(): number {
    return this.verifiedFrame;
  }

  /** The verification status. */
  get status(): VerifyStatus {
    return this.verdict;
  }

  /** Frames whose states are cached (ascending). */
  cachedFrames(): number[] {
    return this.cache.map((s) => s.frame);
  }

  /** Advances one frame; false (and no change) at the end. */
  stepForward(): boolean {
    if (this.atEnd) return false;
    this.advance();
    return true;
  }

  /** Goes back one frame (re-simulating from a cached state); false at frame 0. */
  stepBack(): boolean {
    if (this.current.frame === 0) return false;
    this.seek(this.current.frame - 1);
    return true;
  }

  /**
   * Moves toward `target` (clamped to 0..frames), simulating at most `budget` frames.
   * Returns true when the target was reached; call again to continue a long seek.
   */
  seek(target: number, budget = Number.POSITIVE_INFINITY): boolean {
    const goal = Math.min(this.replay.frames, Math.max(0, Math.floor(target)));
    if (goal === this.current.frame) return true;
    const slot = Math.min(Math.floor(goal / this.cacheInterval), this.cache.length - 1);
    const base = this.cache[slot];
    if (base === undefined) throw new Error('unreachable: the cache holds frame 0');
    if (this.current.frame > goal || this.current.frame < base.frame) this.current = base;
    for (let n = 0; this.current.frame < goal; n++) {
      if (n >= budget) return false;
      this.advance();
    }
    return true;
  }

  private advance(): void {
    const f = this.current.frame;
    this.current = step(this.current, this.replay.inputs[f] ?? []);
    const next = f + 1;
    if (next <= this.frontier) return;
    this.frontier = next;
    if (next % this.cacheInterval === 0) this.cache.push(this.current);
    this.check(this.current);
  }

  /** Compares the state at the frontier with the recording (only until the first mismatch). */
  private check(state: GameState): void {
    if (this.verdict.kind === 'mismatch') return;
    const frame = state.frame;
    const recorded = this.expected.get(frame);
    const isLast = frame === this.replay.frames;
    if (recorded === undefined && !isLast) return;
    const actual = checksum(state);
    if (recorded !== undefined && recorded !== actual) {
      this.verdict = { kind: 'mismatch', frame, expected: recorded, actual };
      return;
    }
    if (isLast && actual !== this.replay.finalChecksum) {
      this.verdict = { kind: 'mismatch', frame, expected: this.replay.finalChecksum, actual };
      return;
    }
    this.verifiedFrame = frame;
    this.verdict = isLast ? { kind: 'verified', frames: frame, checksum: actual } : { kind: 'verifying', verifiedUpTo: this.verifiedFrame };
  }
}
