/**
 * Input latency a player feels, in real Chromium over loopback WebRTC (the built client, the real
 * signaling server): from a key press — the `KeyboardEvent.timeStamp` on the pressing page — to the
 * first rendered frame that shows the paddle moving, on the pressing page (`local`) and on the other
 * player's page (`remote`), with an injected one-way latency of 0 and 50 ms (`?lag=` on both pages: each
 * delays what it receives).
 *
 * Method: Alice (left side, keyboard) and Bob (idle) play; per trial Alice's page gets a real key press
 * (CDP `Input.dispatchKeyEvent` through playwright, alternating ArrowDown / ArrowUp so the paddle never
 * reaches a wall), held 150 ms, then a rest. Both pages' renderers log each drawn frame (render time
 * right after submitting it, and the paddle positions drawn, after correction smoothing: see
 * render/frame-log.ts). The latency of a trial on a page is the first drawn frame at or after the press
 * whose Alice paddle differs from the one drawn before the press by more than 0.5 arena units, minus the
 * press time. Both pages run in one browser, so `performance.timeOrigin + t` is one clock for both.
 * Keys: `input_latency_local_ms_p50/p95_lagL`, `input_latency_remote_ms_p50/p95_lagL` for L = 0, 50, the
 * input delay and frame time they are judged against (`input_latency_input_delay_frames`), and the
 * `_goal_` figures (local: input delay + 1 frame; remote: latency + input delay + 1 frame), and
 * `input_latency_draw_interval_ms_p50/p95_lagL`: the time between consecutive drawn frames on both pages
 * during the trials — 16.7 when Chromium keeps up with 60 Hz; on a starved machine (software WebGL,
 * shared cores) animation frames come late, and every latency grows with this interval;
 * `input_latency_render_wait_ms_p50_lagL`: of the latency, the median time the state that first showed
 * the move waited between being simulated and being drawn (0-1 ms when the step and the render run in
 * the same animation frame; larger when a non-rendering fallback tick simulated it);
 * `input_latency_canvas2d`: 1 when the pages drew with pixi's 2D-canvas back end (the renderer's choice
 * on a software WebGL, i.e. this GPU-less machine), 0 for WebGL. `LATENCY_RENDERER=webgl|canvas` forces
 * one (`?renderer=` on both pages) to compare them; `LATENCY_SMOOTH=0|1` sets correction smoothing
 * (`?smooth=`, default on).
 * Bounded: about 40 s; throws (the runner prints "skipped") when Chromium is missing.
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumUnavailableReason, startAppServer, type AppServer } from '../test/e2e/support/chromium.ts';
import { closeAll, createLobbyViaUi, joinViaLink, readyAndStart, waitForFrame, waitForMesh, type Player } from '../test/e2e/support/online-flow.ts';
import type { DrawnFrame } from '../src/ui/render/frame-log.ts';
import { quantile } from '../src/shared/quantile.ts';

const DEADLINE_MS = 120_000;
const TRIALS = Number(process.env.LATENCY_TRIALS ?? 16);
const HOLD_MS = 150;
const REST_MS = 450;
const MOVED = 0.5;
const TICK_MS = 1000 / 60;
const LAGS = [0, 50] as const;
/**
 * Extra query for both pages: `&renderer=…` when `LATENCY_RENDERER` names a back end, `&smooth=0|1` when
 * `LATENCY_SMOOTH` is set (correction smoothing is on by default and shows a remote move one frame later:
 * the frame of a correction draws the old timeline, see render/smoother.ts).
 */
const RENDERER = `${process.env.LATENCY_RENDERER === 'webgl' || process.env.LATENCY_RENDERER === 'canvas' ? `&renderer=${process.env.LATENCY_RENDERER}` : ''}${process.env.LATENCY_SMOOTH === '0' || process.env.LATENCY_SMOOTH === '1' ? `&smooth=${process.env.LATENCY_SMOOTH}` : ''}`;
/** Chromium throttles pages it considers hidden or occluded (two windows at once here). */
const BACKGROUND_FLAGS = ['--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows', '--disable-background-timer-throttling'];

interface Press {
  /** Absolute ms (timeOrigin + timeStamp) of the keydown. */
  readonly at: number;
}

/** Installs a keydown logger (absolute timestamps) on the page. */
async function logKeys(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { benchKeys?: number[] };
    if (w.benchKeys !== undefined) return;
    const keys: number[] = [];
    w.benchKeys = keys;
    window.addEventListener('keydown', (e) => {
      if (!e.repeat) keys.push(performance.timeOrigin + e.timeStamp);
    }, { capture: true });
  });
}

async function drawnSince(page: Page, absMs: number): Promise<{ origin: number; frames: readonly DrawnFrame[] }> {
  return page.evaluate((since) => ({
    origin: performance.timeOrigin,
    frames: window.rollbackPong?.drawnFrames?.(since - performance.timeOrigin) ?? [],
  }), absMs);
}

/** When a press showed on a page: total latency, and how much of it the drawn state waited for its frame. */
interface Shown {
  readonly ms: number;
  /** Drawn-frame time minus the time its state was simulated (waiting for an animation frame). */
  readonly renderWaitMs: number;
}

/** Latency of one press on one page's drawn frames (undefined when no drawn frame showed the move). */
function latencyOf(press: Press, drawn: { origin: number; frames: readonly DrawnFrame[] }, player: number): Shown | undefined {
  let rest: number | undefined;
  for (const f of drawn.frames) {
    const at = drawn.origin + f.atMs;
    const pos = f.paddles[player] ?? 0;
    if (at < press.at) {
      rest = pos;
      continue;
    }
    if (rest === undefined) return undefined; // no frame before the press in the window
    if (Math.abs(pos - rest) > MOVED) return { ms: at - press.at, renderWaitMs: f.simulatedAtMs === undefined ? Number.NaN : f.atMs - f.simulatedAtMs };
  }
  return undefined;
}

const pct = (values: readonly number[], q: number): number => quantile(values, q);

const round = (x: number): number => Math.round(x * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when the page's game canvas is a 2D canvas (pixi's canvas back end), false for WebGL. */
async function drawsWith2d(page: Page): Promise<boolean> {
  return page.evaluate(() => document.querySelector<HTMLCanvasElement>('canvas.pong-canvas')?.getContext('2d') != null);
}

async function measureLag(server: AppServer, browser: Browser, lag: number): Promise<{ local: number[]; remote: number[]; inputDelay: number; intervals: number[]; waits: number[]; canvas2d: boolean }> {
  const players: Player[] = [];
  try {
    const created = await createLobbyViaUi(browser, server, { name: 'Alice', players: 2, pointsToWin: 99, query: `?countdown=0&lag=${lag}${RENDERER}` });
    players.push(created.player);
    players.push(await joinViaLink(browser, created.link, 'Bob', `?lag=${lag}${RENDERER}`));
    await waitForMesh(players, 2, 20_000);
    await readyAndStart(players, 20_000);
    const [alice, bob] = players;
    if (alice === undefined || bob === undefined) throw new Error('two players expected');
    await Promise.all(players.map((p) => waitForFrame(p.page, 90, 20_000)));
    await logKeys(alice.page);
    const canvas2d = (await Promise.all(players.map((p) => drawsWith2d(p.page)))).every((c) => c);
    const local: number[] = [];
    const remote: number[] = [];
    const intervals: number[] = [];
    const waits: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const start = await alice.page.evaluate(() => performance.timeOrigin + performance.now());
      const key = t % 2 === 0 ? 'ArrowDown' : 'ArrowUp';
      await alice.page.keyboard.down(key);
      await sleep(HOLD_MS);
      await alice.page.keyboard.up(key);
      await sleep(REST_MS + lag * 2);
      const at = await alice.page.evaluate((since) => ((window as unknown as { benchKeys?: number[] }).benchKeys ?? []).filter((k) => k >= since), start);
      const pressAt = at[0];
      if (pressAt === undefined) throw new Error(`trial ${t}: the keydown never reached the page`);
      const [mine, theirs] = await Promise.all([drawnSince(alice.page, start - 200), drawnSince(bob.page, start - 200)]);
      const l = latencyOf({ at: pressAt }, mine, 0);
      const r = latencyOf({ at: pressAt }, theirs, 0);
      if (l !== undefined) local.push(l.ms);
      if (r !== undefined) remote.push(r.ms);
      if (l !== undefined) waits.push(l.renderWaitMs);
      if (r !== undefined) waits.push(r.renderWaitMs);
      for (const d of [mine, theirs]) for (let i = 1; i < d.frames.length; i++) intervals.push((d.frames[i]?.atMs ?? 0) - (d.frames[i - 1]?.atMs ?? 0));
      if (process.env.LATENCY_DEBUG !== undefined) {
        const trace = (d: typeof mine, upTo: number | undefined): string => d.frames.filter((f) => d.origin + f.atMs >= pressAt - 20 && (upTo === undefined || d.origin + f.atMs <= pressAt + upTo)).map((f) => `${Math.round(d.origin + f.atMs - pressAt)}:${f.frame}:${Math.round(f.paddles[0] ?? 0)}`).join(' ');
        console.error(`lag ${lag} trial ${t}: local ${l?.ms.toFixed(1)} (render wait ${l?.renderWaitMs.toFixed(1)}) remote ${r?.ms.toFixed(1)} (render wait ${r?.renderWaitMs.toFixed(1)})\n  A ${trace(mine, l?.ms)}\n  B ${trace(theirs, r?.ms)}`);
      }
    }
    if (process.env.LATENCY_DEBUG !== undefined) {
      for (const p of players) console.error(p.name, JSON.stringify(await p.page.evaluate(() => { const s = window.rollbackPong?.online?.stats(); return { frame: s?.frame, ahead: s?.framesAhead, tick: s?.tickRateFactor, rollbacks: s?.rollbacks, stalls: s?.stalls, hist: s?.rollbackHistogram.slice(0, 12), render: window.rollbackPong?.renderFrameMs?.() }; })));
    }
    const inputDelay = await alice.page.evaluate(() => window.rollbackPong?.online?.stats()?.inputDelay ?? Number.NaN);
    const errors = players.flatMap((p) => p.errors);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    if (local.length < TRIALS / 2 || remote.length < TRIALS / 2) throw new Error(`lag ${lag}: only ${local.length}/${remote.length} of ${TRIALS} presses were seen on screen`);
    return { local, remote, inputDelay, intervals, waits, canvas2d };
  } finally {
    await closeAll(players);
  }
}

/** Runs both latency settings; at most about two minutes. */
export async function benchLatency(): Promise<Record<string, number>> {
  const reason = chromiumUnavailableReason();
  if (reason !== undefined) throw new Error(`no browser: ${reason}`);
  const extra = process.env.LATENCY_FLAGS === undefined ? [] : BACKGROUND_FLAGS;
  const [server, browser] = await Promise.all([startAppServer(), chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extra], timeout: 30_000 })]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`latency bench exceeded ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    });
    const run = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      let delay = Number.NaN;
      for (const lag of LAGS) {
        const r = await measureLag(server, browser, lag);
        delay = r.inputDelay;
        out[`input_latency_local_ms_p50_lag${lag}`] = round(pct(r.local, 0.5));
        out[`input_latency_local_ms_p95_lag${lag}`] = round(pct(r.local, 0.95));
        out[`input_latency_remote_ms_p50_lag${lag}`] = round(pct(r.remote, 0.5));
        out[`input_latency_remote_ms_p95_lag${lag}`] = round(pct(r.remote, 0.95));
        out[`input_latency_remote_goal_ms_lag${lag}`] = round(lag + (r.inputDelay + 1) * TICK_MS);
        out[`input_latency_draw_interval_ms_p50_lag${lag}`] = round(pct(r.intervals, 0.5));
        out[`input_latency_draw_interval_ms_p95_lag${lag}`] = round(pct(r.intervals, 0.95));
        out[`input_latency_render_wait_ms_p50_lag${lag}`] = round(pct(r.waits, 0.5));
        out.input_latency_canvas2d = r.canvas2d ? 1 : 0;
      }
      out.input_latency_input_delay_frames = delay;
      out.input_latency_local_goal_ms = round((delay + 1) * TICK_MS);
      return out;
    };
    return await Promise.race([run(), deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchLatency());
  process.exit(0);
}
