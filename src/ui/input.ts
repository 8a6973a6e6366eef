/**
 * Input sampling for the local player: keyboard and touch (or mouse drag) to the `InputBits` bitfield,
 * read once per simulation frame with `sample()`.
 *
 * Keys (the same for every side, so nobody has to learn a second layout):
 * - W, A, ArrowUp, ArrowLeft  -> `negative`: up on the left/right sides, left on the top/bottom sides;
 * - S, D, ArrowDown, ArrowRight -> `positive`: down on the left/right sides, right on the top/bottom sides.
 * While keys of both directions are held, the one pressed last wins (no dead stop mid-rally).
 *
 * Touch: while a finger is down on the play area, the paddle moves toward the finger along its own
 * axis (drag to steer; a press above/below — or left/right of — the paddle moves it that way). When
 * the caller cannot say where the paddle is on screen, the area is split in halves instead: the
 * upper (left) half means `negative`, the lower (right) half `positive`.
 */
import { InputBits } from '../game/index.ts';
import { isTypingTarget } from './dom.ts';

/** A direction along a paddle's axis. */
export type Direction = -1 | 0 | 1;

/** Key codes (`KeyboardEvent.code`, layout-independent) and the direction each one means. */
export const KEY_DIRECTIONS: Readonly<Record<string, Direction>> = {
  KeyW: -1,
  KeyA: -1,
  ArrowUp: -1,
  ArrowLeft: -1,
  KeyS: 1,
  KeyD: 1,
  ArrowDown: 1,
  ArrowRight: 1,
};

/** The direction a key code means, 0 for keys that do not steer. */
export function keyDirection(code: string): Direction {
  return KEY_DIRECTIONS[code] ?? 0;
}

/** The `InputBits` bitfield for a direction. */
export function directionBits(dir: Direction): number {
  return dir < 0 ? InputBits.negative : dir > 0 ? InputBits.positive : 0;
}

/** True for the left/right sides (paddles move vertically), false for top/bottom. */
export function movesVertically(side: number): boolean {
  return side < 2;
}

/** Direction from a paddle centre `reference` toward a pointer, both along the paddle's axis. */
export function touchDirection(pointer: number, reference: number, deadZone: number): Direction {
  const d = pointer - reference;
  return d > deadZone ? 1 : d < -deadZone ? -1 : 0;
}

/**
 * Direction from which keys are held: the most recently pressed key of the list that steers wins.
 * `held` is in press order (oldest first).
 */
export function heldDirection(held: readonly string[]): Direction {
  for (let i = held.length - 1; i >= 0; i--) {
    const dir = keyDirection(held[i] ?? '');
    if (dir !== 0) return dir;
  }
  return 0;
}

/** Options of `createInputSampler`. */
export interface InputSamplerOptions {
  /** The side the local player defends (0 left, 1 right, 2 top, 3 bottom). */
  readonly side: number;
  /** Where key events are heard (default `window`). */
  readonly keyTarget?: Window | HTMLElement;
  /** The play area that takes touches (and mouse drags); none when absent. */
  readonly touchTarget?: HTMLElement;
  /** The local paddle's centre in client (page) pixels, when known (enables steer-toward-finger). */
  readonly paddleClient?: () => { readonly x: number; readonly y: number } | undefined;
  /** Pixels around the paddle centre within which a touch means "stay" (default 10). */
  readonly deadZonePx?: number;
}

/** Samples the local player's input once per frame. */
export interface InputSampler {
  /** The `InputBits` bitfield for this frame. */
  sample(): number;
  /** Changes the side (the axis used for touches). */
  setSide(side: number): void;
  /** True while a finger (or mouse button) is down on the play area. */
  readonly touching: boolean;
  /** Removes the listeners. */
  destroy(): void;
}

/** Listens to the keyboard and the play area and samples them on demand. */
export function createInputSampler(options: InputSamplerOptions): InputSampler {
  const keyTarget = options.keyTarget ?? window;
  const touchTarget = options.touchTarget;
  const deadZone = options.deadZonePx ?? 10;
  let side = options.side;
  const held: string[] = [];
  let pointer: { id: number; x: number; y: number } | undefined;

  const onKeyDown = (e: Event): void => {
    const k = e as KeyboardEvent;
    if (keyDirection(k.code) === 0 || isTypingTarget(k.target) || k.ctrlKey || k.metaKey || k.altKey) return;
    k.preventDefault(); // arrows would scroll the page
    if (k.repeat && held.includes(k.code)) return;
    const i = held.indexOf(k.code);
    if (i >= 0) held.splice(i, 1);
    held.push(k.code);
  };
  const onKeyUp = (e: Event): void => {
    const i = held.indexOf((e as KeyboardEvent).code);
    if (i >= 0) held.splice(i, 1);
  };
  const onBlur = (): void => {
    held.length = 0;
    pointer = undefined;
  };
  const onPointerDown = (e: PointerEvent): void => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    pointer = { id: e.pointerId, x: e.clientX, y: e.clientY };
    touchTarget?.setPointerCapture?.(e.pointerId);
    e.preventDefault();
  };
  const onPointerMove = (e: PointerEvent): void => {
    if (pointer?.id !== e.pointerId) return;
    pointer.x = e.clientX;
    pointer.y = e.clientY;
  };
  const onPointerEnd = (e: PointerEvent): void => {
    if (pointer?.id === e.pointerId) pointer = undefined;
  };

  keyTarget.addEventListener('keydown', onKeyDown);
  keyTarget.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);
  if (touchTarget !== undefined) {
    touchTarget.style.touchAction = 'none';
    touchTarget.addEventListener('pointerdown', onPointerDown);
    touchTarget.addEventListener('pointermove', onPointerMove);
    touchTarget.addEventListener('pointerup', onPointerEnd);
    touchTarget.addEventListener('pointercancel', onPointerEnd);
  }

  const touchDir = (): Direction => {
    if (pointer === undefined || touchTarget === undefined) return 0;
    const vertical = movesVertically(side);
    const paddle = options.paddleClient?.();
    if (paddle !== undefined) {
      return vertical ? touchDirection(pointer.y, paddle.y, deadZone) : touchDirection(pointer.x, paddle.x, deadZone);
    }
    const r = touchTarget.getBoundingClientRect();
    return vertical ? (pointer.y < r.top + r.height / 2 ? -1 : 1) : (pointer.x < r.left + r.width / 2 ? -1 : 1);
  };

  return {
    sample(): number {
      const keys = heldDirection(held);
      return directionBits(keys !== 0 ? keys : touchDir());
    },
    setSide(next: number): void {
      side = next;
    },
    get touching(): boolean {
      return pointer !== undefined;
    },
    destroy(): void {
      keyTarget.removeEventListener('keydown', onKeyDown);
      keyTarget.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
      if (touchTarget !== undefined) {
        touchTarget.removeEventListener('pointerdown', onPointerDown);
        touchTarget.removeEventListener('pointermove', onPointerMove);
        touchTarget.removeEventListener('pointerup', onPointerEnd);
        touchTarget.removeEventListener('pointercancel', onPointerEnd);
      }
    },
  };
}
