/**
 * The online match screen: the pixi renderer fed by the match's (possibly predicted) state, a
 * countdown from the synchronized start, network notices, the HUD, the live lag panel, a slot for the
 * in-game chat, and the end screen (winner, scores, Rematch, Download replay) once the win is
 * *confirmed* (a predicted point can still be rolled back). The match runs at a fixed 60 Hz inside
 * `OnlineMatch.update`; this view calls it from `tick` with the sampled (or scripted) input.
 */
import { checksum, encodeReplay, formatChecksum, fxToFloat, wonByForfeit, type GameState } from '../game/index.ts';
import type { PlayableMatch } from '../lobby/online-match.ts';
import type { SessionEvent } from '../netcode/types.ts';
import type { PeerId } from '../netcode/socket.ts';
import { pathKind, type IcePath } from '../transport/ice-path.ts';
import type { LinkConditions } from '../transport/link-model.ts';
import type { ConfirmedPoint } from '../match/confirmed-track.ts';
import { h } from './dom.ts';
import { createHud, type Hud } from './hud.ts';
import { createInputSampler, type InputSampler } from './input.ts';
import { createLagPanel, type LagPanel } from './lag-panel.ts';
import { applySessionEvent, noticeForEvent, NoticeList } from './notices.ts';
import { playerColour, SIDE_NAMES } from './palette.ts';
import { endScreenText, replayFileName } from './messages.ts';
import { labelOf, standingOf } from './outcome.ts';
import { createShareControl, keepMatchHistory } from './share-replay.ts';
import { CorrectionSmoother, createRenderer, oldTimeline, paddleOrigin, positionsOf, profileFromSearch, smoothingFromSearch, TickProfile, type PongRenderer } from './render/index.ts';
import { publishState, testHook, type ConfirmedPointInfo, type OnlineHookInfo, type SettleResult } from './test-hook.ts';

const HUD_EVERY_MS = 250;
/** Shown while this page is on the minority side of a partition (see `OnlineMatch.cutOff`). */
const CUT_OFF_NOTICE = 'Cut off from the other players: waiting for the network to come back…';

/** How often the HUD's ICE path (selected candidate pair, `getStats`) is read per peer. */
const PATH_EVERY_MS = 1000;
/** Notices kept in the test hook's log. */
const NOTICE_LOG_LIMIT = 200;
const GO_FRAMES = 40;

/** The tester's last *Smooth corrections* choice on this page, kept for the next match (like the lag). */
let smoothingChoice: boolean | undefined;

/** What the game screen needs from the lobby page. */
export interface GameViewOptions {
  readonly match: PlayableMatch;
  readonly code: string;
  /** 1 for the first match of this page. */
  readonly matchNumber: number;
  /** Player names in player order. */
  readonly names: readonly string[];
  readonly now: () => number;
  /** `performance.timeOrigin` (absolute time = origin + `now()`). */
  readonly timeOrigin: number;
  /** The shared hook object this view keeps current. */
  readonly hook: OnlineHookInfo;
  /** Lag to apply now (URL parameters or the last panel settings). */
  readonly lag: LinkConditions;
  /** The scripted-input override (undefined: keyboard/touch). */
  readonly scripted: (frame: number) => number | undefined;
  readonly onLagChange: (lag: LinkConditions) => void;
  /** The HUD is open at the start (the page keeps its state from one match to the next). */
  readonly hudVisible?: boolean;
  /** The player opened or closed the HUD. */
  readonly onHudToggle?: (visible: boolean) => void;
  /** The selected ICE candidate pair to a peer (the link's `pathInfo`); absent: no ICE path in the HUD. */
  readonly pathInfo?: (peer: PeerId) => Promise<IcePath | undefined>;
  readonly onRematch: () => void;
  readonly onBackToLobby: () => void;
  readonly onLeave: () => void;
}

/** A mounted game screen. */
export interface GameView {
  readonly element: HTMLElement;
  readonly chatSlot: HTMLElement;
  /** Runs due frames; draws when `render`. */
  tick(nowMs: number, render: boolean): void;
  /** Shows a short notice over the arena (e.g. a chat line or a lobby server problem). */
  notice(text: string, ttlMs?: number): void;
  destroy(): void;
}

function pointInfo(p: ConfirmedPoint): ConfirmedPointInfo {
  return { frame: p.frame, checksum: formatChecksum(p.checksum), scores: p.scores, winner: p.winner };
}

interface SettleWaiter {
  readonly target: number;
  readonly resolve: (r: SettleResult) => void;
}

/** Mounts the game screen into `host`. */
export function createGameView(host: HTMLElement, o: GameViewOptions): GameView {
  const { match, names, hook } = o;
  /** The runner's read-only view: states, frames, the confirmed timeline (the match's own). */
  const run = match.view;
  const local = match.start.localPlayer;
  const colour = playerColour(local);
  const stage = h('div', { class: 'stage loaded', 'data-testid': 'stage' });
  const endTitle = h('h2', { 'data-testid': 'end-title' });
  const endScores = h('ol', { class: 'end-scores', 'data-testid': 'end-scores' });
  const rematch = h('button', { type: 'button', class: 'primary', 'data-testid': 'rematch', text: 'Rematch' });
  const download = h('button', { type: 'button', 'data-testid': 'download-replay', text: 'Download replay' });
  const back = h('button', { type: 'button', 'data-testid': 'back-to-lobby', text: 'Back to lobby' });
  const share = createShareControl(() => encodeReplay(match.replay()), o.code);
  // A match rejoined mid-way holds no frames before the return: no whole replay to offer.
  const replayActions = match.replayAvailable ? [download, share.button] : [];
  const end = h('section', { class: 'end-card card', 'data-testid': 'end-screen', hidden: true }, endTitle, endScores, h('div', { class: 'row end-actions' }, rematch, ...replayActions, back), share.panel);
  // Outside the stage: the stage captures pointers for touch steering, which would eat the buttons' clicks.
  const stageWrap = h('div', { class: 'stage-wrap' }, stage, end);
  const leave = h('button', { type: 'button', class: 'subtle', 'data-testid': 'leave', text: 'Leave' });
  const who = h('span', { class: 'you', text: `You: ${names[local] ?? ''} (${colour.name}, ${SIDE_NAMES[local] ?? ''})` });
  who.style.color = colour.css;
  const hudHost = h('div', { class: 'hud-host' });
  const lagHost = h('details', { class: 'lag-details', 'data-testid': 'lag-details' }, h('summary', { text: 'Lag injection' }));
  const chatSlot = h('div', { class: 'chat-slot' });
  const element = h('main', { class: 'page game-page', 'data-testid': 'game' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: `Match ${o.matchNumber}` }), who, leave),
    h('div', { class: 'game-layout' }, stageWrap, h('aside', { class: 'side' }, hudHost, lagHost, chatSlot)));
  host.append(element);

  const notices = new NoticeList();
  const noticeLog: { text: string; atMs: number }[] = [];
  const settles: SettleWaiter[] = [];
  const gone = new Set<string>();
  let localGone = false;
  let desyncs = 0;
  let ended: 'won' | 'abandoned' | undefined;
  let lastHudMs = -Infinity;
  let lastPathMs = -Infinity;
  let pathsPending = false;
  /** The ICE path per peer, for the HUD and the test hook (`extra.icePaths`: peer -> host/srflx/relay). */
  const pollPaths = (): void => {
    const read = o.pathInfo;
    if (read === undefined || pathsPending) return;
    pathsPending = true;
    const peers = match.start.order.filter((_, player) => player !== local);
    void Promise.all(peers.map((peer) => read(peer).then((path) => [peer, path] as const, () => [peer, undefined] as const))).then((results) => {
      pathsPending = false;
      if (destroyed) return;
      const kinds: Record<string, string> = {};
      for (const [peer, path] of results) {
        hud.setPath(peer, path);
        kinds[peer] = path === undefined ? '' : pathKind(path);
      }
      testHook().extra = { ...testHook().extra, icePaths: kinds };
    });
  };
  let renderer: PongRenderer | undefined;
  let input: InputSampler | undefined;
  let destroyed = false;
  const hud: Hud = createHud(hudHost, { nameOf: (p) => labelOf(run.state, names, p), visible: o.hudVisible ?? false, ...(o.onHudToggle !== undefined ? { onToggle: o.onHudToggle } : {}) });
  let lag = o.lag;
  match.setLag(lag);
  const smoother = new CorrectionSmoother({ enabled: smoothingChoice ?? smoothingFromSearch(typeof location === 'undefined' ? '' : location.search) });
  hook.smoothing = smoother.enabled;
  /** The state drawn before the last one that advanced (to infer each player's last input). */
  let previous: GameState = run.state;
  let lastDecayMs: number | undefined;
  /** Tick time at which the current state was produced (a new frame or a correction). */
  let simulatedAtMs: number | undefined;
  const lagPanel: LagPanel = createLagPanel(lagHost, {
    initial: { latencyMs: lag.latencyMs, jitterMs: lag.jitterMs, loss: lag.loss, duplicate: lag.duplicate, reorder: lag.reorder },
    onChange: (s) => {
      lag = { ...lag, ...s };
      match.setLag(lag);
      hook.lag = lag;
      o.onLagChange(lag);
    },
    smoothing: {
      initial: smoother.enabled,
      onChange: (on) => {
        smoother.enabled = on;
        smoothingChoice = on;
        hook.smoothing = on;
      },
    },
  });

  /**
   * Runs `work` (which runs the match's frames) and, when it rolled back, hands the smoother the
   * jump: the old timeline carried on to the new frame versus the corrected state.
   */
  const simulate = (nowMs: number, work: () => void): void => {
    const before = run.state;
    const steps = run.steps;
    work();
    const after = run.state;
    const advanced = after.frame - before.frame;
    const resimulated = run.steps - steps - Math.max(0, advanced);
    if (resimulated > 0 && smoother.enabled && advanced >= 0) {
      smoother.correct(positionsOf(oldTimeline(previous, before, advanced)), positionsOf(after), local);
      hook.corrections = { blended: smoother.blended, snapped: smoother.snaps };
    }
    if (advanced > 0) previous = before;
    if (after !== before) simulatedAtMs = nowMs;
  };

  const nameOfPeer = (peer: string): string => names[match.start.order.indexOf(peer)] ?? peer;
  const log = (text: string, atMs: number): void => {
    noticeLog.push({ text, atMs });
    if (noticeLog.length > NOTICE_LOG_LIMIT) noticeLog.splice(0, noticeLog.length - NOTICE_LOG_LIMIT);
  };
  const addNotice = (text: string, nowMs: number, ttlMs = 4000): void => {
    notices.add(text, nowMs, { ttlMs });
    log(text, nowMs);
  };
  const onEvent = (e: SessionEvent, nowMs: number): void => {
    const text = noticeForEvent(e, nameOfPeer);
    if (text !== undefined) log(text, nowMs);
    applySessionEvent(notices, e, nowMs, nameOfPeer);
    if (e.kind === 'desync' || e.kind === 'state-lost') desyncs++; // both mean this page left the others' game
    else if (e.kind === 'disconnected') gone.add(e.peer);
    else if (e.kind === 'local-disconnected') localGone = true;
    // For developers: which fields of the state differ (the notice only says that they do).
    else if (e.kind === 'desync-diff') console.warn(`desync with ${nameOfPeer(e.peer)} at frame ${e.frame}:`, e.diff);
  };
  addNotice(`First to ${match.config.pointsToWin} points wins`, o.now());

  rematch.addEventListener('click', () => o.onRematch());
  back.addEventListener('click', () => o.onBackToLobby());
  leave.addEventListener('click', () => o.onLeave());
  download.addEventListener('click', () => {
    const blob = new Blob([encodeReplay(match.replay())], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: replayFileName(o.code, o.matchNumber) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    hook.replayDownloads++;
  });

  const showEnd = (kind: 'won' | 'abandoned'): void => {
    ended = kind;
    end.hidden = false;
    hook.view = 'ended';
    if (kind === 'won') {
      const s = endScreenText(run.confirmedState, names);
      endTitle.textContent = s.title;
      rematch.hidden = wonByForfeit(run.confirmedState); // everyone else left: nobody to play a rematch with
      if (keepMatchHistory()) share.share();
    } else {
      endTitle.textContent = localGone ? 'You were disconnected from the match' : 'Everyone else left the match';
      rematch.hidden = true;
    }
    const final = run.confirmedState;
    endScores.replaceChildren(...final.scores.map((score, p) => {
      const li = h('li', { text: `${labelOf(final, names, p)}: ${score}` });
      li.style.color = playerColour(p).css;
      return li;
    }));
  };

  const settleStep = (nowMs: number): void => {
    simulate(nowMs, () => match.hold(nowMs));
    for (const e of match.drainEvents()) onEvent(e, nowMs);
  };

  const resolveSettles = (): void => {
    for (let i = settles.length - 1; i >= 0; i--) {
      const w = settles[i];
      if (w === undefined || run.confirmedState.frame < w.target) continue;
      const p = run.confirmedAt(w.target);
      if (p === undefined) continue;
      settles.splice(i, 1);
      const live = run.state.frame === w.target ? formatChecksum(checksum(run.state)) : '';
      w.resolve({ ...pointInfo(p), liveChecksum: live });
    }
  };

  const publish = (nowMs: number): void => {
    hook.frame = run.frame;
    hook.confirmedFrame = run.confirmedFrame;
    hook.confirmedUpTo = run.confirmedState.frame;
    hook.scores = run.state.scores;
    hook.winner = run.winner;
    hook.startedAt = run.startedAtMs === undefined ? undefined : o.timeOrigin + run.startedAtMs;
    hook.notices = notices.active(nowMs);
    hook.standing = standingOf(run.state, names) ?? '';
    hook.absent = run.state.absent;
    hook.desyncs = desyncs;
  };

  hook.view = 'game';
  hook.localPlayer = local;
  hook.names = names;
  hook.matchNumber = o.matchNumber;
  hook.frame = run.frame;
  hook.winner = -1;
  hook.startedAt = undefined;
  hook.scheduledStartAt = o.timeOrigin + match.start.localStartMs;
  hook.noticeLog = noticeLog;
  hook.lag = lag;
  hook.stats = () => match.stats(o.now());
  hook.checksumAt = (frame) => {
    const p = run.confirmedAt(frame);
    return p === undefined ? undefined : pointInfo(p);
  };
  hook.settle = (frame) => new Promise((resolve) => settles.push({ target: Math.max(0, Math.floor(frame ?? run.frame)), resolve }));
  testHook().page = 'game';
  // `?profile=1`: per-phase tick timings for developers and the latency bench (docs/performance.md).
  const profile = typeof location !== 'undefined' && profileFromSearch(location.search) ? new TickProfile(o.now) : undefined;
  if (profile !== undefined) testHook().extra.tickProfile = () => profile.summary();

  void createRenderer(stage).then((r) => {
    if (destroyed) {
      r.destroy();
      return;
    }
    renderer = r;
    stage.prepend(r.canvas);
    testHook().renderFrameMs = () => r.timing.summary();
    testHook().drawnFrames = (sinceMs) => r.frames.since(sinceMs);
    input = createInputSampler({
      side: local,
      touchTarget: stage,
      paddleClient: () => {
        const s = run.state;
        const c = paddleOrigin(s.config, local, fxToFloat(s.paddles[local] ?? 0));
        return r.arenaToClient(c.x, c.y);
      },
    });
  });

  const countdownText = (nowMs: number): string | undefined => {
    const ms = match.countdownMs(nowMs);
    if (ms > 0) return String(Math.max(1, Math.ceil(ms / 1000)));
    return run.frame < GO_FRAMES ? 'Go!' : undefined;
  };

  return {
    element,
    chatSlot,
    tick(nowMs: number, render: boolean): void {
      if (destroyed) return;
      profile?.begin();
      // Decay before this tick's corrections: the frame of a correction shows the old timeline's position.
      if (lastDecayMs !== undefined) smoother.decay(nowMs - lastDecayMs);
      lastDecayMs = nowMs;
      // Settling (the test hook's `settle`): no frame past the lowest target, only talk until it is final.
      const stopAt = settles.reduce((m, w) => Math.min(m, w.target), Number.POSITIVE_INFINITY);
      if (run.frame >= stopAt) settleStep(nowMs);
      else {
        const bits = o.scripted(run.frame) ?? input?.sample() ?? 0;
        simulate(nowMs, () => match.update(nowMs, bits, stopAt));
        for (const e of match.drainEvents()) onEvent(e, nowMs);
        // The minority side of a partition waits instead of playing alone (OnlineMatch.cutOff).
        if (match.cutOff) notices.add(CUT_OFF_NOTICE, nowMs, { key: 'cut-off', ttlMs: Number.POSITIVE_INFINITY });
        else notices.remove('cut-off');
      }
      profile?.end('session');
      resolveSettles();
      if (ended === undefined) {
        if (run.winner >= 0) showEnd('won');
        // Under rules 2 a match everyone else left waits for them (the arena counts down), then the one
        // left wins by forfeit (a confirmed win like any other); rules 1 has no such wait.
        else if (localGone || (match.config.rules < 2 && gone.size > 0 && gone.size >= match.start.order.length - 1)) showEnd('abandoned');
      }
      publish(nowMs);
      profile?.end('track');
      if (nowMs - lastHudMs >= HUD_EVERY_MS) {
        lastHudMs = nowMs;
        hud.update(match.stats(nowMs));
      }
      if (nowMs - lastPathMs >= PATH_EVERY_MS) {
        lastPathMs = nowMs;
        pollPaths();
      }
      profile?.end('hud');
      if (render && renderer !== undefined) {
        // Once the end card is up it holds the verdict: the arena shows the last frame under it, not a
        // second (and oversized) copy of the winner line.
        const winner = run.winner >= 0 && ended === undefined ? endScreenText(run.confirmedState, names) : null;
        const display = smoother.apply(positionsOf(run.state));
        renderer.render({ state: run.state, names, localPlayer: local, countdown: countdownText(nowMs), notices: notices.active(nowMs), winner, display, simulatedAtMs });
        publishState(run.state);
        profile?.end('render');
      }
      hook.checksum = formatChecksum(checksum(run.state));
      profile?.end('checksum');
      profile?.finish();
    },
    notice(text: string, ttlMs = 5000): void {
      addNotice(text, o.now(), ttlMs);
    },
    destroy(): void {
      destroyed = true;
      input?.destroy();
      renderer?.destroy();
      hud.destroy();
      lagPanel.destroy();
      element.remove();
    },
  };
}
