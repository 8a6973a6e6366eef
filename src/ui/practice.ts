/**
 * Practice page: a local match against computer players, to try the controls and the renderer with no
 * network. Runs the simulation at a fixed 60 Hz from `requestAnimationFrame` with an accumulator
 * (rendering at the display's rate), with a 3-2-1 countdown before the first serve.
 */
import { fxToFloat, initialState, makeConfig, step, type GameState } from '../game/index.ts';
import { botInput } from './bot.ts';
import { h } from './dom.ts';
import { savedName } from './landing.ts';
import { NoticeList } from './notices.ts';
import { createInputSampler, type InputSampler } from './input.ts';
import type { Page } from './page.ts';
import { createRenderer, paddleOrigin, type PongRenderer } from './render/index.ts';
import { publishState, resetTestHook, testHook } from './test-hook.ts';

const FRAME_MS = 1000 / 60;
const GO_FRAMES = 40;
/** At most this many simulation frames per animation frame (after a stall, skip instead of spiral). */
const MAX_CATCH_UP = 5;

/**
 * Mounts the practice page (the local player defends the left side) into `root`, with a countdown of
 * `countdownSeconds` before the first serve (the `countdown` URL parameter; 0 skips it).
 */
export function mountPractice(root: HTMLElement, players: number, countdownSeconds = 3): Page {
  resetTestHook('practice');
  const stage = h('div', { class: 'stage loaded', 'data-testid': 'stage' });
  const restart = h('button', { type: 'button', text: 'Restart (R)' });
  const picker = h('div', { class: 'segmented', role: 'group', 'aria-label': 'players' },
    ...[2, 3, 4].map((n) => h('a', { href: `/#/practice?players=${n}`, class: n === players ? 'button selected' : 'button', text: `${n} players` })));
  const help = h('p', { class: 'muted help', text: 'You are orange (left). Keys: W/S or ↑/↓ (A/D and ←/→ work too). Touch: hold above or below your paddle, or drag.' });
  const page = h('div', { class: 'page practice-page' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: 'Practice' }), picker, restart),
    stage, help);
  root.append(page);

  const names = [savedName() || 'Player 1', 'Bot Right', 'Bot Top', 'Bot Bottom'].slice(0, players);
  let state: GameState = initialState(makeConfig({ players, seed: 1 }));
  const countdownFrames = Math.max(0, Math.floor(countdownSeconds)) * 60;
  let countdown = countdownFrames;
  let since = 0;
  let aim: number[] = [];
  let renderer: PongRenderer | undefined;
  let input: InputSampler | undefined;
  let raf = 0;
  let last: number | undefined;
  let carry = 0;
  let destroyed = false;
  const notices = new NoticeList();
  const greet = (): void => notices.add(`First to ${state.config.pointsToWin} points wins`, performance.now(), { ttlMs: 4000, key: 'greet' });
  greet();

  const reset = (): void => {
    state = initialState(makeConfig({ players, seed: (state.config.seed + 1) >>> 0 }));
    countdown = countdownFrames;
    since = 0;
    aim = [];
    greet();
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.code === 'KeyR' && !e.ctrlKey && !e.metaKey) reset();
  };
  restart.addEventListener('click', reset);
  window.addEventListener('keydown', onKey);

  const frame = (): void => {
    if (countdown > 0) {
      countdown--;
      return;
    }
    const inputs = [input?.sample() ?? 0];
    for (let p = 1; p < players; p++) inputs.push(botInput(state, p, aim));
    state = step(state, inputs);
    since++;
  };

  const tick = (time: number): void => {
    raf = 0;
    if (destroyed || renderer === undefined) return;
    carry += last === undefined ? FRAME_MS : Math.min(time - last, FRAME_MS * MAX_CATCH_UP);
    last = time;
    for (let n = 0; carry >= FRAME_MS && n < MAX_CATCH_UP; n++) {
      carry -= FRAME_MS;
      frame();
    }
    const count = countdown > 0 ? String(Math.ceil(countdown / 60)) : since < GO_FRAMES && countdownFrames > 0 ? 'Go!' : undefined;
    renderer.render({ state, names, localPlayer: 0, countdown: count, notices: notices.active(time) });
    publishState(state);
    testHook().extra = { countdown: count ?? '' };
    raf = requestAnimationFrame(tick);
  };

  void createRenderer(stage).then((r) => {
    if (destroyed) {
      r.destroy();
      return;
    }
    renderer = r;
    testHook().renderFrameMs = () => r.timing.summary();
    input = createInputSampler({
      side: 0,
      touchTarget: stage,
      paddleClient: () => {
        const o = paddleOrigin(state.config, 0, fxToFloat(state.paddles[0] ?? 0));
        return r.arenaToClient(o.x, o.y);
      },
    });
    raf = requestAnimationFrame(tick);
  });

  return {
    destroy(): void {
      destroyed = true;
      if (raf !== 0) cancelAnimationFrame(raf);
      window.removeEventListener('keydown', onKey);
      input?.destroy();
      renderer?.destroy();
      page.remove();
    },
  };
}
