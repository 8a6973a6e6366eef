/**
 * The `/lobby/<code>` page for a watcher: the lobby screen without a Ready button (members, watchers,
 * chat, "Take the free seat" while the lobby is open with one), and the watch screen (watch-view.ts)
 * whenever the players' match is followed. It owns the update loop of the `WatchRoom` and keeps
 * `window.rollbackPong.online` current (`role: 'watcher'`).
 */
import { assertNever } from '../shared/assert-never.ts';
import type { Room } from '../lobby/room.ts';
import type { WatchRoom, WatchRoomEvent } from '../lobby/watch-room.ts';
import { createChat, type Chat } from './chat.ts';
import { startDriver, type Driver } from './driver.ts';
import { createLobbyView, type LobbyView } from './lobby-view.ts';
import { peerErrorMessage, serverErrorMessage, watcherClosedMessage, watcherStatus } from './messages.ts';
import type { OnlineHub } from './online.ts';
import { playerColour } from './palette.ts';
import { testHook, type OnlineHookInfo, type OnlineMemberInfo } from './test-hook.ts';
import { createWatchView, type WatchView } from './watch-view.ts';

const LOBBY_REFRESH_MS = 200;

/**
 * Runs a watcher's room on the page until destroyed; `onReplaced` gets the room that goes on after a
 * take-seat: the player's `Room`, or (refused) a new `WatchRoom` with a note why. Returns the cleanup.
 */
export function runWatchRoom(root: HTMLElement, room: WatchRoom, hub: OnlineHub, hook: OnlineHookInfo, onReplaced: (room: Room | WatchRoom, note?: string) => void, note = ''): () => void {
  const env = hub.env;
  let error = note;
  let lastRefresh = -Infinity;
  let view: WatchView | undefined;
  let matchNumber = 0;
  let seating = false;
  let done = false;
  // A watcher's lines keep the page's text colour: the player colours belong to the players.
  const colourOf = (id: string): { colour?: string } => {
    const i = room.members.findIndex((m) => m.id === id);
    return i < 0 ? {} : { colour: playerColour(i).css };
  };

  const leave = (): void => {
    hub.leave();
    env.navigate('/');
  };
  const takeSeat = (): void => {
    if (seating) return;
    seating = true;
    void hub.takeSeat(room).then((r) => {
      seating = false;
      if (done) return;
      if (r.ok) {
        stop(false);
        onReplaced(r.room);
      } else if ('watching' in r && r.watching !== undefined) {
        stop(false);
        onReplaced(r.watching, `The seat could not be taken: ${r.error}`);
      } else showError(`${r.error} Reload the page to watch again.`);
    });
  };
  const lobby: LobbyView = createLobbyView(root, { onReady: () => undefined, onLeave: leave, onTakeSeat: takeSeat });
  const chat: Chat = createChat(lobby.chatSlot, { maxLength: 280, onSend: (text) => room.chat(text) });
  chat.add({ text: `You are watching lobby ${room.code}. Players and watchers see your chat.` });
  hook.memberId = room.localId;
  hook.role = 'watcher';
  hook.view = 'lobby';
  testHook().page = 'lobby';

  const members = (): OnlineMemberInfo[] => room.members.map((m) => {
    const readiness = room.readiness(m.id);
    return { id: m.id, name: m.name, host: m.id === room.hostId, ready: readiness === 'ready', inMatch: readiness === 'in-match', pingMs: undefined };
  });
  const refresh = (nowMs: number): void => {
    lastRefresh = nowMs;
    const list = members();
    const status = watcherStatus(room, view !== undefined);
    lobby.update({
      code: room.code, shareLink: env.origin + room.linkPath, settings: room.settings, transport: env.transport, lag: '', localId: room.localId,
      members: list, ready: false, meshReady: true, status, error, watchers: room.watchers.map((w) => w.name), watching: true, freeSeat: room.freeSeat && !seating,
    });
    hook.members = list;
    hook.watchers = room.watchers.map((w) => ({ id: w.id, name: w.name }));
    hook.status = status;
    hook.error = error;
  };
  const showError = (text: string): void => {
    error = text;
    hook.error = text;
    view?.note(text);
    refresh(env.now());
  };
  const toLobby = (): void => {
    view?.destroy();
    view = undefined;
    lobby.chatSlot.append(chat.element);
    lobby.element.hidden = false;
    hook.view = 'lobby';
    testHook().page = 'lobby';
    refresh(env.now());
  };

  const onEvent = (e: WatchRoomEvent): void => {
    switch (e.kind) {
      case 'members-changed':
        return;
      case 'chat':
        return chat.add({ from: e.name, text: e.text, ...colourOf(e.from) });
      case 'watching-started': {
        view?.destroy();
        matchNumber++;
        lobby.element.hidden = true;
        view = createWatchView(root, { match: e.match, matchNumber, hook, freeSeat: () => room.freeSeat && !seating, onTakeSeat: takeSeat, onBackToLobby: toLobby, onLeave: leave });
        view.chatSlot.append(chat.element);
        return;
      }
      case 'feed':
        // Shown until the playback moves again (a feeder's failover takes about a second).
        if (e.event.kind === 'stalled') view?.stalled();
        return;
      case 'watching-ended':
        return view?.note('Every player left the match.');
      case 'watching-refused':
        return showError('The players did not agree on the match being played: it cannot be watched.');
      case 'peer-error':
        console.warn(`WebRTC error with ${e.peer}:`, e.message);
        return showError(peerErrorMessage(room.nameOf(e.peer), e.message));
      case 'server-error':
        return showError(serverErrorMessage(e.code));
      case 'signaling-closed':
        if (view === undefined) hook.view = 'closed';
        return showError(watcherClosedMessage(e.reason));
      default:
        return assertNever(e, 'watch room event');
    }
  };

  const tick = (nowMs: number, render: boolean): void => {
    room.update(nowMs);
    for (const e of room.drainEvents()) onEvent(e);
    if (view !== undefined) view.tick(nowMs, render);
    if (nowMs - lastRefresh >= LOBBY_REFRESH_MS) refresh(nowMs);
  };
  refresh(env.now());
  const driver: Driver = startDriver(tick, { now: env.now });

  /** Stops this page's loop and views; `leaveLobby` false after take-seat (the membership goes on). */
  const stop = (leaveLobby: boolean): void => {
    if (done) return;
    done = true;
    driver.stop();
    view?.destroy();
    chat.destroy();
    lobby.destroy();
    if (leaveLobby) hub.leave();
  };
  return () => stop(true);
}
