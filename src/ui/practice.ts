/**
 * Practice page: a local match against computer players, to try the controls and the renderer with no
 * network. The one match runner (src/match/runner.ts) runs it at a fixed 60 Hz on a `LocalSession`
 * from `requestAnimationFrame` (rendering at the display's rate), with a 3-2-1 countdown before the
 * first serve.
 */
import { fxToFloat, initialState, makeConfig } from '../game/index.ts';
import { LocalSession } from '../match/local-session.ts';
import { MatchRunner } from '../match/runner.ts';
import { botInput } from './bot.ts';
import { h } from './dom.ts';
import { savedName } from './landing.ts';
import { NoticeList } from './notices.ts';
import { createInputSampler, type InputSampler } from './input.ts';
import type { Page } from './page.ts';
import { createRenderer, paddleOrigin, type PongRenderer } from './render/index.ts';
import { publishState, resetTestHook, testHook } from './test-hook.ts';

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
  const countdownMs = Math.max(0, Math.floor(countdownSeconds)) * 1000;
  let seed = 1;
  let aim: number[] = [];
  let runner: MatchRunner;
  let renderer: PongRenderer | undefined;
  let input: InputSampler | undefined;
  let raf = 0;
  let destroyed = false;
  const notices = new NoticeList();
  /** A new match: the runner's first frame is due `countdownMs` from now. */
  const newMatch = (nowMs: number): void => {
    const config = makeConfig({ players, seed });
    aim = [];
    const bots = (local: number): number[] => [local, ...Array.from({ length: players - 1 }, (_, i) => botInput(runner.state, i + 1, aim))];
    runner = new MatchRunner({ session: new LocalSession(bots), config, startState: initialState(config), startMs: nowMs + countdownMs, maxFramesPerUpdate: MAX_CATCH_UP });
    notices.add(`First to ${config.pointsToWin} points wins`, nowMs, { ttlMs: 4000, key: 'greet' });
  };
  newMatch(performance.now());

  const reset = (): void => {
    seed = (seed + 1) >>> 0;
    newMatch(performance.now());
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.code === 'KeyR' && !e.ctrlKey && !e.metaKey) reset();
  };
  restart.addEventListener('click', reset);
  window.addEventListener('keydown', onKey);

  const tick = (time: number): void => {
    raf = 0;
    if (destroyed || renderer === undefined) return;
    runner.update(time, () => input?.sample() ?? 0);
    const state = runner.state;
    const left = runner.startMs - time;
    const count = left > 0 ? String(Math.ceil(left / 1000)) : runner.frame < GO_FRAMES && countdownMs > 0 ? 'Go!' : undefined;
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
        const s = runner.state;
        const o = paddleOrigin(s.config, 0, fxToFloat(s.paddles[0] ?? 0));
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
