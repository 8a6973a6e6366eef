/**
 * The watcher's match screen: the pixi renderer fed by the `SpectatorMatch`'s confirmed playback (a
 * short delay behind the players, never predicted, never rolled back), a "Watching — N players"
 * banner, the scores, a slot for the chat, and the end card once the outcome is confirmed, with
 * "Take the free seat" when the lobby has one (a rematch). No input is read: a watcher only watches.
 */
import { checksum, formatChecksum } from '../game/index.ts';
import type { SpectatorMatch } from '../lobby/spectator-match.ts';
import { h } from './dom.ts';
import { endScreenText, watchingBanner } from './messages.ts';
import { labelOf, scoresLine, standingOf } from './outcome.ts';
import { playerColour } from './palette.ts';
import { createRenderer, type PongRenderer } from './render/index.ts';
import { publishState, testHook, type OnlineHookInfo } from './test-hook.ts';

/** What the watch screen needs from the lobby page. */
export interface WatchViewOptions {
  readonly match: SpectatorMatch;
  /** 1 for the first match watched on this page. */
  readonly matchNumber: number;
  readonly hook: OnlineHookInfo;
  /** Whether a seat can be taken now (the lobby reopened with a free one). */
  readonly freeSeat: () => boolean;
  readonly onTakeSeat: () => void;
  readonly onBackToLobby: () => void;
  readonly onLeave: () => void;
}

/** A mounted watch screen. */
export interface WatchView {
  readonly element: HTMLElement;
  readonly chatSlot: HTMLElement;
  /** Shows the playback as the room's `update` left it; draws when `render`. */
  tick(nowMs: number, render: boolean): void;
  /** A line under the banner (e.g. every player left). */
  note(text: string): void;
  /** The feed stalled: says so until the playback moves again. */
  stalled(): void;
  destroy(): void;
}

/** Mounts the watch screen into `host`. */
export function createWatchView(host: HTMLElement, o: WatchViewOptions): WatchView {
  const { match, hook } = o;
  const players = match.start.order.length;
  const stage = h('div', { class: 'stage loaded', 'data-testid': 'stage' });
  const banner = h('p', { class: 'status-line', role: 'status', 'data-testid': 'watch-banner' });
  const scores = h('p', { class: 'muted meta', 'data-testid': 'watch-scores' });
  const note = h('p', { class: 'message', 'data-testid': 'watch-note' });
  const endTitle = h('h2', { 'data-testid': 'end-title' });
  const endScores = h('ol', { class: 'end-scores', 'data-testid': 'end-scores' });
  const takeSeat = h('button', { type: 'button', class: 'primary', 'data-testid': 'take-seat', text: 'Take the free seat' });
  const back = h('button', { type: 'button', 'data-testid': 'back-to-lobby', text: 'Back to lobby' });
  const end = h('section', { class: 'end-card card', 'data-testid': 'end-screen', hidden: true }, endTitle, endScores, h('div', { class: 'row end-actions' }, takeSeat, back));
  const leave = h('button', { type: 'button', class: 'subtle', 'data-testid': 'leave', text: 'Leave' });
  const chatSlot = h('div', { class: 'chat-slot' });
  const element = h('main', { class: 'page game-page watch-page', 'data-testid': 'watch' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: `Match ${o.matchNumber}` }), leave),
    h('div', { class: 'game-layout' }, h('div', { class: 'stage-wrap' }, stage, end), h('aside', { class: 'side' }, banner, scores, note, chatSlot)));
  host.append(element);
  takeSeat.addEventListener('click', () => o.onTakeSeat());
  back.addEventListener('click', () => o.onBackToLobby());
  leave.addEventListener('click', () => o.onLeave());

  let renderer: PongRenderer | undefined;
  let destroyed = false;
  let ended = false;
  /** Playback frame when the feed stalled (-1: not stalled). */
  let stalledAt = -1;
  void createRenderer(stage).then((r) => {
    if (destroyed) return r.destroy();
    renderer = r;
    stage.prepend(r.canvas);
    testHook().renderFrameMs = () => r.timing.summary();
    testHook().drawnFrames = (sinceMs) => r.frames.since(sinceMs);
  });

  hook.view = 'watching';
  hook.localPlayer = -1;
  hook.names = match.names;
  hook.matchNumber = o.matchNumber;
  hook.winner = -1;
  hook.stats = () => undefined;
  hook.checksumAt = (frame) => {
    const p = match.track?.at(frame);
    return p === undefined ? undefined : { frame: p.frame, checksum: formatChecksum(p.checksum), scores: p.scores, winner: p.winner };
  };
  hook.settle = () => Promise.reject(new Error('a watcher does not settle: compare checksumAt'));
  testHook().page = 'game';
  testHook().extra = { ...testHook().extra, watching: () => match.stats() };

  const showEnd = (): void => {
    ended = true;
    end.hidden = false;
    hook.view = 'ended';
    endTitle.textContent = endScreenText(match.state, match.names).title;
    endScores.replaceChildren(...match.state.scores.map((score, p) => {
      const li = h('li', { text: `${labelOf(match.state, match.names, p)}: ${score}` });
      li.style.color = playerColour(p).css;
      return li;
    }));
  };

  return {
    element,
    chatSlot,
    tick(_nowMs: number, render: boolean): void {
      if (destroyed) return;
      // The room's `update` already advanced the playback (it owns the loop): this only shows it.
      const state = match.state;
      if (stalledAt >= 0 && match.frame > stalledAt) {
        stalledAt = -1;
        note.textContent = '';
      }
      banner.textContent = watchingBanner(players, match.started);
      scores.textContent = match.started ? standingOf(state, match.names) ?? scoresLine(state, match.names) : '';
      if (!ended && match.winner >= 0) showEnd();
      takeSeat.hidden = !o.freeSeat();
      hook.frame = match.frame;
      hook.confirmedFrame = match.session.confirmedFrame;
      hook.confirmedUpTo = match.frame;
      hook.scores = state.scores;
      hook.winner = match.winner;
      hook.standing = standingOf(state, match.names) ?? '';
      hook.absent = state.absent;
      if (render && renderer !== undefined && match.started) {
        const winner = match.winner >= 0 ? endScreenText(state, match.names) : null;
        renderer.render({ state, names: match.names, localPlayer: -1, countdown: undefined, notices: [], winner });
        publishState(state);
      }
      hook.checksum = match.started ? formatChecksum(checksum(state)) : '';
    },
    note(text: string): void {
      stalledAt = -1;
      note.textContent = text;
    },
    stalled(): void {
      stalledAt = match.frame;
      note.textContent = 'Waiting for the players’ inputs…';
    },
    destroy(): void {
      destroyed = true;
      renderer?.destroy();
      element.remove();
    },
  };
}
