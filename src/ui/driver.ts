/**
 * Drives an online page: `requestAnimationFrame` while the tab is visible (ticks that may render), plus
 * a 50 ms fallback that ticks without rendering whenever animation frames stop coming — a background
 * tab (rAF pauses) or a busy headless browser (rAF slows down) — so the lobby and the match keep
 * running. Browsers throttle a hidden page's own timers to about one wake-up per second, but not a
 * dedicated worker's, so the fallback's beat comes from a tiny worker when one can be started (a plain
 * `setInterval` otherwise).
 */

/** Options of `startDriver`. */
export interface DriverOptions {
  /** The clock (`performance.now`). */
  readonly now: () => number;
  /** Fallback period (default 50 ms). */
  readonly intervalMs?: number;
  /** The fallback ticks when no tick happened for this long (default 40 ms). */
  readonly staleMs?: number;
}

/** A running driver. */
export interface Driver {
  stop(): void;
}

/** A periodic beat; `stop` ends it. */
interface Beat {
  stop(): void;
}

/** A worker that posts a message every `ms`; undefined where workers (or blob URLs) are unavailable. */
function workerBeat(ms: number, onBeat: () => void): Beat | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') return undefined;
  let url: string | undefined;
  try {
    url = URL.createObjectURL(new Blob([`setInterval(() => postMessage(0), ${Math.max(1, Math.round(ms))});`], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.onmessage = onBeat;
    URL.revokeObjectURL(url);
    return { stop: () => worker.terminate() };
  } catch {
    if (url !== undefined) URL.revokeObjectURL(url);
    return undefined; // e.g. a Content-Security-Policy without blob: workers
  }
}

function timerBeat(ms: number, onBeat: () => void): Beat {
  const timer = setInterval(onBeat, ms);
  return { stop: () => clearInterval(timer) };
}

/**
 * Calls `tick(nowMs, render)` from animation frames (`render` true) and from the fallback beat
 * (`render` false) until `stop()`.
 */
export function startDriver(tick: (nowMs: number, render: boolean) => void, options: DriverOptions): Driver {
  const intervalMs = options.intervalMs ?? 50;
  const staleMs = options.staleMs ?? 40;
  let last = -Infinity;
  let raf = 0;
  let stopped = false;
  const run = (render: boolean): void => {
    const now = options.now();
    last = now;
    tick(now, render);
  };
  const frame = (): void => {
    if (stopped) return;
    // Scheduled first: an exception in `tick` is reported but does not stop the loop.
    raf = requestAnimationFrame(frame);
    run(true);
  };
  const onBeat = (): void => {
    if (stopped) return;
    if (document.hidden || options.now() - last >= staleMs) run(false);
  };
  const beat = workerBeat(intervalMs, onBeat) ?? timerBeat(intervalMs, onBeat);
  raf = requestAnimationFrame(frame);
  return {
    stop(): void {
      stopped = true;
      beat.stop();
      if (raf !== 0) cancelAnimationFrame(raf);
    },
  };
}
