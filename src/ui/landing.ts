/**
 * The landing page (create or join a lobby, practice, replay viewer) and the lobby page placeholder.
 *
 * LEAD: online play is not wired yet. `mountLanding` and `mountLobby` take optional actions; until
 * main.ts passes them, Create/Join and the lobby page say "coming soon". Wire the online match by
 * passing `LandingActions` / a lobby mount from main.ts — these pages need no other change.
 */
import { h } from './dom.ts';
import type { Page } from './page.ts';
import { LOBBY_CODE } from './router.ts';
import { resetTestHook } from './test-hook.ts';

/** What the landing page's buttons do, once online play exists. */
export interface LandingActions {
  createLobby(name: string, players: number): void;
  joinLobby(code: string, name: string): void;
}

const NAME_KEY = 'rollback-pong.name';

/** Extracts a lobby code from what a player pasted: a code, or a link ending in /lobby/<code>. */
export function lobbyCodeFromInput(text: string): string | undefined {
  const t = text.trim();
  const m = /\/lobby\/([^/?#\s]+)/.exec(t);
  const code = m !== null ? decodeURIComponent(m[1] ?? '') : t;
  return LOBBY_CODE.test(code) ? code : undefined;
}

/** The player's remembered name ('' when none, or when storage is unavailable). */
export function savedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Private mode: the name is simply not remembered.
  }
}

const COMING_SOON = 'Online play is coming soon. Meanwhile, try Practice or the Replay viewer.';

/** Mounts the landing page. */
export function mountLanding(root: HTMLElement, actions?: LandingActions): Page {
  resetTestHook('landing');
  const name = h('input', { type: 'text', id: 'player-name', maxlength: 24, placeholder: 'Your name', autocomplete: 'nickname', value: savedName() });
  const players = h('select', { id: 'player-count' }, ...[2, 3, 4].map((n) => h('option', { value: n, text: `${n} players` })));
  const create = h('button', { type: 'button', class: 'primary', 'data-testid': 'create-lobby', text: 'Create lobby' });
  const code = h('input', { type: 'text', id: 'lobby-code', placeholder: 'Lobby code or link', autocomplete: 'off', 'aria-label': 'lobby code or link' });
  const join = h('button', { type: 'submit', 'data-testid': 'join-lobby', text: 'Join' });
  const message = h('p', { class: 'message', role: 'status', 'data-testid': 'landing-message' });
  const joinForm = h('form', { class: 'row' }, code, join);
  const page = h('main', { class: 'page landing' },
    h('header', { class: 'hero' }, h('h1', { text: 'Rollback Pong' }), h('p', { class: 'tagline', text: 'Peer-to-peer Pong for 2–4 players, with rollback netcode.' })),
    h('section', { class: 'card' },
      h('h2', { text: 'Play online' }),
      h('div', { class: 'field' }, h('label', { for: 'player-name', text: 'Name' }), name),
      h('div', { class: 'row' }, players, create),
      h('div', { class: 'divider', text: 'or join a friend' }),
      joinForm,
      message),
    h('nav', { class: 'card links' },
      h('a', { href: '/#/practice?players=2', class: 'button', 'data-testid': 'practice-link', text: 'Practice against the computer' }),
      h('a', { href: '/#/replay', class: 'button', 'data-testid': 'replay-link', text: 'Replay viewer' }),
      h('a', { href: '/#/widgets', class: 'button subtle', text: 'Tester widgets' })));
  root.append(page);

  const playerName = (): string => {
    const n = name.value.trim();
    saveName(n);
    return n.length > 0 ? n : 'Player';
  };
  create.addEventListener('click', () => {
    if (actions === undefined) message.textContent = COMING_SOON;
    else actions.createLobby(playerName(), Number(players.value));
  });
  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = lobbyCodeFromInput(code.value);
    if (c === undefined) message.textContent = 'That is not a lobby code or link.';
    else if (actions === undefined) message.textContent = COMING_SOON;
    else actions.joinLobby(c, playerName());
  });
  return { destroy: () => page.remove() };
}

/** The lobby page until online play is wired: shows the code and the way back. */
export function mountLobbyPlaceholder(root: HTMLElement, code: string): Page {
  resetTestHook('lobby');
  const page = h('main', { class: 'page landing' },
    h('header', { class: 'hero' }, h('h1', { text: `Lobby ${code}` })),
    h('section', { class: 'card' },
      h('p', { 'data-testid': 'landing-message', text: COMING_SOON }),
      h('a', { href: '/#/practice?players=2', class: 'button primary', text: 'Practice' }),
      h('a', { href: '/', class: 'button', text: 'Home' })));
  root.append(page);
  return { destroy: () => page.remove() };
}

/** Shown for unknown addresses. */
export function mountNotFound(root: HTMLElement, path: string): Page {
  resetTestHook('not-found');
  const page = h('main', { class: 'page landing' },
    h('section', { class: 'card' }, h('h1', { text: 'Page not found' }), h('p', { text: `Nothing lives at ${path}.` }), h('a', { href: '/', class: 'button primary', text: 'Home' })));
  root.append(page);
  return { destroy: () => page.remove() };
}
