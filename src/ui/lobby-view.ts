/**
 * The lobby screen: share link with a Copy button, the match settings, the member list (host marker,
 * ready state, ping), status and error lines, the Ready toggle and a slot for the chat. Plain DOM fed
 * with a `LobbyModel` by the lobby page; it owns no lobby state.
 */
import { qrSvg } from './qr.ts';
import type { LobbySettings } from '../lobby/protocol.ts';
import { clear, h } from './dom.ts';
import { playerColour } from './palette.ts';
import type { OnlineMemberInfo } from './test-hook.ts';

/** What the lobby screen shows. */
export interface LobbyModel {
  readonly code: string;
  /** Absolute share link (`https://host/lobby/<code>`). */
  readonly shareLink: string;
  readonly settings: LobbySettings;
  readonly transport: string;
  /** Artificial lag description ('' for none). */
  readonly lag: string;
  readonly localId: string;
  /** Members in join order (= player order of the next match). */
  readonly members: readonly OnlineMemberInfo[];
  readonly ready: boolean;
  readonly meshReady: boolean;
  readonly status: string;
  readonly error: string;
  /** Names of the lobby's watchers, in join order. */
  readonly watchers: readonly string[];
  /** We watch: no Ready button; "Take the free seat" while `freeSeat`. */
  readonly watching?: boolean;
  readonly freeSeat?: boolean;
}

/** Callbacks of the lobby screen. */
export interface LobbyViewActions {
  readonly onReady: (ready: boolean) => void;
  readonly onLeave: () => void;
  /** A watcher takes the free seat. */
  readonly onTakeSeat?: () => void;
}

/** A mounted lobby screen. */
export interface LobbyView {
  readonly element: HTMLElement;
  /** Where the chat box goes. */
  readonly chatSlot: HTMLElement;
  update(model: LobbyModel): void;
  destroy(): void;
}

/** One line describing the settings. */
export function describeSettings(s: LobbySettings, transport: string, lag: string): string {
  const parts = [`up to ${s.capacity} players`, `first to ${s.pointsToWin}`, `input delay ${s.inputDelay}`, `max prediction ${s.maxPrediction}`, transport];
  if (lag !== '') parts.push(`lag ${lag}`);
  return parts.join(' · ');
}

/** The watchers line: "Watching (2): Carol, Dave", '' for none. */
export function watchersLine(names: readonly string[]): string {
  return names.length === 0 ? '' : `Watching (${names.length}): ${names.join(', ')}`;
}

/** The text of a member's row (name, markers, ready, ping). */
export function memberRowText(m: OnlineMemberInfo, local: boolean): { name: string; badges: string; ready: string; ping: string } {
  return {
    name: m.name + (local ? ' (you)' : ''),
    badges: m.host ? '★ host' : '',
    ready: m.inMatch ? 'In match' : m.ready ? 'Ready' : 'Not ready',
    ping: local ? '' : m.pingMs === undefined ? 'connecting…' : `${Math.round(m.pingMs)} ms`,
  };
}

/** Mounts the lobby screen into `host`. */
export function createLobbyView(host: HTMLElement, actions: LobbyViewActions): LobbyView {
  const link = h('input', { type: 'text', readonly: true, class: 'share-link', 'data-testid': 'share-link', 'aria-label': 'lobby link' });
  const copy = h('button', { type: 'button', 'data-testid': 'copy-link', text: 'Copy' });
  // Phones: the system share sheet (messages, chat apps), where the browser has one.
  const share = h('button', { type: 'button', 'data-testid': 'share-link-button', text: 'Share…', hidden: typeof navigator.share !== 'function' });
  const qr = h('figure', { class: 'share-qr', 'data-testid': 'share-qr' });
  const code = h('p', { class: 'muted meta', 'data-testid': 'lobby-code' });
  const settings = h('p', { class: 'muted meta', 'data-testid': 'lobby-settings' });
  const list = h('ul', { class: 'members', 'data-testid': 'members' });
  const count = h('span', { class: 'muted' });
  const status = h('p', { class: 'status-line', role: 'status', 'data-testid': 'lobby-status' });
  const error = h('p', { class: 'message error', role: 'alert', 'data-testid': 'lobby-error' });
  const ready = h('button', { type: 'button', class: 'primary ready-button', 'data-testid': 'ready', 'aria-pressed': 'false', text: 'Ready' });
  const leave = h('button', { type: 'button', class: 'subtle', 'data-testid': 'leave', text: 'Leave' });
  const watching = h('p', { class: 'muted meta', 'data-testid': 'watchers' });
  const takeSeat = h('button', { type: 'button', class: 'primary', 'data-testid': 'take-seat', text: 'Take the free seat', hidden: true });
  const chatSlot = h('div', { class: 'chat-slot' });
  const element = h('main', { class: 'page lobby-page', 'data-testid': 'lobby' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: 'Lobby' }), leave),
    h('div', { class: 'lobby-grid' },
      h('div', { class: 'lobby-main' },
        h('section', { class: 'card' },
          h('h2', { text: 'Invite friends' }),
          h('div', { class: 'invite' },
            h('div', { class: 'invite-text' },
              h('p', { class: 'muted help', text: 'Send this link to your friends, or let them scan the code with their phone.' }),
              h('div', { class: 'row' }, link, copy, share),
              code, settings),
            qr)),
        h('section', { class: 'card' },
          h('h2', {}, 'Players ', count),
          // Ready above the list: in view without scrolling with four members on a 640 px high window.
          h('div', { class: 'row ready-row' }, ready, takeSeat), status, error,
          list, watching,
          h('p', { class: 'muted help', text: 'The match starts when everyone is Ready. Keys: W/S or ↑/↓ (A/D, ←/→ on top/bottom). F3 shows network stats.' }))),
      chatSlot));
  host.append(element);

  let model: LobbyModel | undefined;
  let membersKey = '';
  let copiedTimer: ReturnType<typeof setTimeout> | undefined;
  ready.addEventListener('click', () => {
    if (model !== undefined) actions.onReady(!model.ready);
  });
  leave.addEventListener('click', () => actions.onLeave());
  takeSeat.addEventListener('click', () => actions.onTakeSeat?.());
  share.addEventListener('click', () => {
    void navigator.share?.({ title: 'Rollback Pong', text: 'Join my Rollback Pong lobby', url: link.value }).catch(() => undefined);
  });
  copy.addEventListener('click', () => {
    const text = link.value;
    const done = (ok: boolean): void => {
      copy.textContent = ok ? 'Copied!' : 'Select and copy';
      if (copiedTimer !== undefined) clearTimeout(copiedTimer);
      copiedTimer = setTimeout(() => (copy.textContent = 'Copy'), 2000);
    };
    link.select();
    const fallback = (): void => {
      try {
        done(document.execCommand('copy'));
      } catch {
        done(false);
      }
    };
    if (navigator.clipboard === undefined) fallback();
    else navigator.clipboard.writeText(text).then(() => done(true), fallback);
  });

  const renderMembers = (m: LobbyModel): void => {
    const key = JSON.stringify([m.members, m.localId]);
    if (key === membersKey) return;
    membersKey = key;
    clear(list);
    m.members.forEach((member, i) => {
      const t = memberRowText(member, member.id === m.localId);
      const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
      dot.style.background = playerColour(i).css;
      list.append(h('li', { class: member.ready ? 'member ready' : member.inMatch ? 'member in-match' : 'member', 'data-member': member.id, 'data-ready': member.inMatch ? 'in-match' : String(member.ready) },
        dot,
        h('span', { class: 'member-name', text: t.name }),
        h('span', { class: 'badge', text: t.badges }),
        h('span', { class: 'member-ready', text: t.ready }),
        h('span', { class: 'member-ping', text: t.ping })));
    });
  };

  return {
    element,
    chatSlot,
    update(m: LobbyModel): void {
      model = m;
      if (link.value !== m.shareLink) {
        link.value = m.shareLink;
        qr.replaceChildren(qrSvg(m.shareLink, `QR code of the lobby link ${m.shareLink}`));
      }
      code.textContent = `Code ${m.code}`;
      settings.textContent = describeSettings(m.settings, m.transport, m.lag);
      count.textContent = `${m.members.length}/${m.settings.capacity}`;
      renderMembers(m);
      if (status.textContent !== m.status) status.textContent = m.status;
      if (error.textContent !== m.error) error.textContent = m.error;
      ready.textContent = m.ready ? 'Not ready' : 'Ready';
      ready.setAttribute('aria-pressed', String(m.ready));
      ready.classList.toggle('primary', !m.ready);
      const line = watchersLine(m.watchers);
      if (watching.textContent !== line) watching.textContent = line;
      ready.hidden = m.watching === true;
      takeSeat.hidden = m.watching !== true || m.freeSeat !== true;
    },
    destroy(): void {
      if (copiedTimer !== undefined) clearTimeout(copiedTimer);
      element.remove();
    },
  };
}
