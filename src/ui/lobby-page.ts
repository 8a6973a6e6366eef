/**
 * The `/lobby/<code>` page: asks for a name and joins (unless the landing page already entered the
 * lobby), then shows the lobby screen, switches to the game screen when a match starts and back after
 * it. It owns the update loop (animation frames plus a background-tab timer, see driver.ts) that
 * drives the `Room` and its match, turns room events into messages, chat lines and notices, and keeps
 * `window.rollbackPong.online` current.
 */
import { validateName } from '../lobby/protocol.ts';
import { Room, type RoomEvent } from '../lobby/room.ts';
import type { WatchRoom } from '../lobby/watch-room.ts';
import { describeLinkConditions, isPerfectLink, type LinkConditions } from '../transport/link-model.ts';
import { createChat, type Chat } from './chat.ts';
import { h } from './dom.ts';
import { startDriver, type Driver } from './driver.ts';
import { createGameView, type GameView } from './game-view.ts';
import { relayOnlyFromSearch } from './links.ts';
import { savedName, saveName } from './landing.ts';
import { createLobbyHistory } from './lobby-history.ts';
import { createLobbyView, type LobbyModel, type LobbyView } from './lobby-view.ts';
import { handshakeAbortedMessage, isNameProblem, joinNames, peerErrorMessage, serverErrorMessage, signalingClosedMessage } from './messages.ts';
import type { EnterResult, OnlineHub } from './online.ts';
import type { Page } from './page.ts';
import { playerColour } from './palette.ts';
import { resetTestHook, testHook, type OnlineHookInfo, type OnlineMemberInfo, type ScriptedInput } from './test-hook.ts';
import { runWatchRoom } from './watch-page.ts';
import { assertNever } from '../shared/assert-never.ts';

const LOBBY_REFRESH_MS = 200;

/** A fresh online hook for lobby `code`. */
function newOnlineHook(code: string, transport: string): OnlineHookInfo {
  return {
    view: 'join', code, memberId: '', role: 'member', watchers: [], transport, members: [], meshReady: false, status: '', error: '',
    matchNumber: 0, localPlayer: -1, names: [], frame: -1, checksum: '', confirmedFrame: -1, confirmedUpTo: -1,
    scores: [], winner: -1, startedAt: undefined, scheduledStartAt: undefined, notices: [], noticeLog: [], standing: '', absent: 0, desyncs: 0,
    lag: undefined, replayDownloads: 0,
    stats: () => undefined,
    scriptInput: () => {},
    checksumAt: () => undefined,
    settle: () => Promise.reject(new Error('no match running')),
  };
}

/** Mounts the lobby page for `code`. */
export function mountLobbyPage(root: HTMLElement, code: string, hub: OnlineHub): Page {
  const env = hub.env;
  resetTestHook('lobby');
  const hook = newOnlineHook(code, env.transport);
  testHook().online = hook;
  let scripted: ScriptedInput = null;
  hook.scriptInput = (s) => {
    scripted = typeof s === 'number' || typeof s === 'function' || s === null ? s : null;
  };
  const scriptedBits = (frame: number): number | undefined => {
    if (scripted === null) return undefined;
    const bits = typeof scripted === 'number' ? scripted : scripted(frame);
    return Number.isInteger(bits) && bits >= 0 && bits <= 255 ? bits : 0;
  };

  let destroyed = false;
  let cleanup: (() => void) | undefined;
  const joinHost = h('div', { class: 'join-host' });
  root.append(joinHost);

  const enterRoom = (room: Room | WatchRoom, note?: string): void => {
    joinHost.remove();
    cleanup = room instanceof Room
      ? runRoom(root, room, hub, hook, scriptedBits)
      // A watcher who takes the free seat goes on as a player, on the same page (or watches again, refused).
      : runWatchRoom(root, room, hub, hook, enterRoom, note);
  };
  // `?watch=1`: the link was shared to watch; the form's main button then watches.
  const watchFirst = new URLSearchParams(env.search).get('watch') === '1';

  const existing = hub.roomFor(code);
  if (existing !== undefined) enterRoom(existing);
  else {
    const name = h('input', { type: 'text', id: 'join-name', maxlength: 20, placeholder: 'Your name', autocomplete: 'nickname', value: savedName(), 'data-testid': 'join-name' });
    const join = h('button', { type: 'submit', class: 'primary', 'data-testid': 'join-submit', text: watchFirst ? 'Watch' : 'Join lobby' });
    const watch = h('button', { type: 'button', 'data-testid': 'join-watch', text: 'Watch', hidden: watchFirst });
    const message = h('p', { class: 'message', role: 'alert', 'data-testid': 'join-message' });
    const form = h('form', { class: 'card' },
      h('h2', { text: 'Join this lobby' }),
      h('div', { class: 'field' }, h('label', { for: 'join-name', text: 'Your name' }), name),
      h('div', { class: 'row' }, join, watch, h('a', { href: '/', class: 'button subtle', text: 'Home' })),
      message);
    joinHost.append(h('main', { class: 'page landing' }, h('header', { class: 'hero' }, h('h1', { text: 'Rollback Pong' }), h('p', { class: 'tagline', text: 'You are invited to a match.' })), form));
    name.focus();
    const joinAs = (value: string, watching = false): void => {
      join.disabled = true;
      watch.disabled = true;
      message.textContent = watching ? 'Joining as a watcher…' : 'Joining…';
      hook.view = 'joining';
      const entering: Promise<EnterResult<Room | WatchRoom>> = watching ? hub.watch(code, value) : hub.join(code, value);
      void entering.then((r) => {
        if (destroyed) {
          if (r.ok) hub.leave();
          return;
        }
        join.disabled = false;
        watch.disabled = false;
        if (r.ok) return enterRoom(r.room);
        // A full or running lobby can still be watched: the page offers it (the join must say so itself).
        const watchable = r.code === 'lobby-full' || r.code === 'in-progress';
        const text = watchable ? `${r.code === 'lobby-full' ? 'This lobby is full' : 'This lobby is playing'}. You can watch the match instead: press Watch.` : r.error;
        message.textContent = text;
        if (watchable) {
          watch.hidden = false;
          watch.classList.add('primary');
          watch.focus();
        }
        hook.view = 'join';
        hook.error = text;
        if (r.code !== undefined && isNameProblem(r.code)) name.select();
      });
    };
    const submit = (watching: boolean): void => {
      const valid = validateName(name.value);
      if (!valid.ok) {
        message.textContent = `That name cannot be used: ${valid.error}.`;
        return;
      }
      saveName(valid.value);
      joinAs(valid.value, watching);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit(watchFirst);
    });
    watch.addEventListener('click', () => submit(true));
    // This browser holds a seat in this lobby (a closed tab, a crash): take it back at once, no form
    // (the seat keeps its own name; if it is gone, this joins anew under the saved name).
    const saved = validateName(savedName());
    if (env.rejoinStore?.load(code) != null) joinAs(saved.ok ? saved.value : 'Player');
  }

  return {
    destroy(): void {
      destroyed = true;
      cleanup?.();
      joinHost.remove();
    },
  };
}

/** Runs a room on the page until destroyed; returns the cleanup. */
function runRoom(root: HTMLElement, room: Room, hub: OnlineHub, hook: OnlineHookInfo, scripted: (frame: number) => number | undefined): () => void {
  const env = hub.env;
  let lag: LinkConditions = env.lag;
  /** The HUD (F3) stays as the player left it, from one match to the next. */
  let hudVisible = false;
  let error = env.lagError !== undefined ? `Lag parameters ignored: ${env.lagError}` : '';
  let status = '';
  /** Our seat was resumed into a running match, which we are fetching (room.ts, "Rejoin"). */
  let rejoining = false;
  let lastRefresh = -Infinity;
  let knownMembers = new Map(room.members.map((m) => [m.id, m.name]));
  let knownWatchers = new Map(room.watchers.list.map((w) => [w.id, w.name]));
  let game: GameView | undefined;
  let matchNumber = 0;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  // A watcher's lines keep the page's text colour: the player colours belong to the players.
  const colourOf = (id: string): { colour?: string } => {
    const i = room.members.findIndex((m) => m.id === id);
    return i < 0 ? {} : { colour: playerColour(i).css };
  };
  const lobby: LobbyView = createLobbyView(root, {
    onReady: (ready) => {
      error = '';
      room.setReady(ready);
      refresh(env.now());
    },
    onLeave: () => leave(),
  });
  const history = createLobbyHistory(room.code);
  lobby.element.querySelector('.lobby-main')?.append(history.element);
  const chat: Chat = createChat(lobby.chatSlot, {
    maxLength: 280,
    onSend: (text) => {
      const sent = room.chat(text); // in-game lines are checked here; lobby lines by the server
      if (!sent.ok) chat.add({ text: `Not sent: ${sent.error}` });
    },
  });
  chat.add({ text: `You joined lobby ${room.code}. Share the link to invite players.` });
  hook.memberId = room.localId;
  hook.role = 'member';
  hook.view = 'lobby';
  testHook().page = 'lobby';

  const leave = (): void => {
    hub.leave();
    env.navigate('/');
  };

  // One truth for "ready" (`Room.readiness`): the same for the list, the status line, the hook and,
  // for our own row, the Ready button (issue #9, item 6).
  const members = (): OnlineMemberInfo[] => room.members.map((m) => {
    const readiness = room.readiness(m.id);
    return { id: m.id, name: m.name, host: m.id === room.hostId, ready: readiness === 'ready', inMatch: readiness === 'in-match', pingMs: room.rtt.get(m.id) };
  });

  const statusText = (list: readonly OnlineMemberInfo[]): string => {
    if (rejoining) return 'Rejoining the match in progress…';
    if (list.length < 2) return 'Waiting for players to join…';
    if (!room.meshReady) return 'Connecting to the other players (WebRTC)…';
    const others = list.filter((m) => !m.ready && m.id !== room.localId).map((m) => (m.inMatch ? `${m.name} (still in the match)` : m.name));
    const waiting = room.ready ? others : [...others, 'you'];
    return waiting.length === 0 ? 'Everyone is ready: starting…' : `Connected. Waiting for ${joinNames(waiting)} to be ready.`;
  };

  const refresh = (nowMs: number): void => {
    lastRefresh = nowMs;
    const list = members();
    status = statusText(list);
    const model: LobbyModel = {
      code: room.code, shareLink: env.origin + room.linkPath, settings: room.settings, transport: relayOnlyFromSearch(env.search) ? `${env.transport} · relay only` : env.transport,
      lag: isPerfectLink(lag) ? '' : describeLinkConditions(lag), localId: room.localId, members: list,
      ready: room.ready, meshReady: room.meshReady, status, error, watchers: room.watchers.list.map((w) => w.name),
    };
    lobby.update(model);
    hook.members = list;
    hook.watchers = room.watchers.list.map((w) => ({ id: w.id, name: w.name }));
    hook.meshReady = room.meshReady;
    hook.status = status;
    hook.error = error;
  };

  const showError = (text: string): void => {
    error = text;
    hook.error = text;
    game?.notice(text, 8000);
  };

  const toLobby = (ready: boolean): void => {
    room.endMatch();
    if (ready) room.setReady(true);
    game?.destroy();
    game = undefined;
    hook.stats = () => undefined;
    hook.checksumAt = () => undefined;
    hook.settle = () => Promise.reject(new Error('no match running'));
    lobby.chatSlot.append(chat.element);
    lobby.element.hidden = false;
    history.refresh();
    hook.view = 'lobby';
    testHook().page = 'lobby';
    refresh(env.now());
  };

  const onEvent = (e: RoomEvent, nowMs: number): void => {
    switch (e.kind) {
      case 'members-changed': {
        const now = new Map(room.members.map((m) => [m.id, m.name]));
        for (const [id, name] of now) if (!knownMembers.has(id)) chat.add({ text: `${name} joined` });
        for (const [id, name] of knownMembers) if (!now.has(id)) chat.add({ text: `${name} left` });
        knownMembers = now;
        const watching = new Map(room.watchers.list.map((w) => [w.id, w.name]));
        for (const [id, name] of watching) if (!knownWatchers.has(id)) chat.add({ text: `${name} is watching` });
        knownWatchers = watching;
        hook.watchers = room.watchers.list.map((w) => ({ id: w.id, name: w.name })); // also during a match (no refresh then)
        return;
      }
      case 'chat':
        chat.add({ from: e.name, text: e.text, ...colourOf(e.from) });
        return;
      case 'mesh-ready':
        return;
      case 'peer-error':
        console.warn(`WebRTC error with ${e.peer}:`, e.message); // the detail only in the console: a peer can choose its text
        return showError(peerErrorMessage(room.nameOf(e.peer), e.message));
      case 'handshake-aborted':
        // An abort during the countdown (the match view is up, frame 0 not reached) is a way back to the lobby.
        if (game !== undefined && room.match === undefined) toLobby(false);
        // A round nobody was starting (someone joined an idle lobby) cancels nothing: no message.
        if (!e.starting) return;
        return showError(handshakeAbortedMessage(e.reason, e.code));
      case 'match-committed':
        error = '';
        return;
      case 'match-started': {
        rejoining = false;
        // Back into a running match after our lobby socket resumed: the stale view goes.
        game?.destroy();
        matchNumber++;
        lobby.element.hidden = true;
        const names = e.match.start.order.map((id) => room.nameOf(id));
        game = createGameView(root, {
          match: e.match, code: room.code, matchNumber, names, now: env.now, timeOrigin: env.timeOrigin, hook, lag, scripted,
          onLagChange: (next) => (lag = next),
          hudVisible,
          onHudToggle: (visible) => (hudVisible = visible),
          ...(room.link.pathInfo === undefined ? {} : { pathInfo: room.link.pathInfo.bind(room.link) }),
          onRematch: () => toLobby(true),
          onBackToLobby: () => toLobby(false),
          onLeave: leave,
        });
        game.chatSlot.append(chat.element);
        game.tick(nowMs, false);
        // Frame 0 on time, not at the next animation frame (up to 16 ms late, more under load).
        const startIn = e.match.countdownMs(nowMs);
        if (startTimer !== undefined) clearTimeout(startTimer);
        if (startIn > 0) startTimer = setTimeout(() => tick(env.now(), false), startIn + 1); // timers may fire a little early
        return;
      }
      case 'rejoining':
        rejoining = true;
        return;
      case 'rejoin-failed':
        rejoining = false;
        return showError(`Could not rejoin the match in progress: ${e.reason}. You are back in the lobby; the others play on.`);
      case 'server-error':
        return showError(serverErrorMessage(e.code));
      case 'signaling-closed':
        if (game === undefined) hook.view = 'closed';
        return showError(signalingClosedMessage(e.reason));
      default:
        return assertNever(e, 'room event');
    }
  };

  const tick = (nowMs: number, render: boolean): void => {
    room.update(nowMs);
    for (const e of room.drainEvents()) onEvent(e, nowMs);
    if (game !== undefined) game.tick(nowMs, render);
    // Also during a match: the hidden lobby screen and the hook's member list stay current.
    if (nowMs - lastRefresh >= LOBBY_REFRESH_MS) refresh(nowMs);
  };
  refresh(env.now());
  const driver: Driver = startDriver(tick, { now: env.now });

  return () => {
    driver.stop();
    if (startTimer !== undefined) clearTimeout(startTimer);
    game?.destroy();
    chat.destroy();
    history.destroy();
    lobby.destroy();
    hub.leave();
  };
}

