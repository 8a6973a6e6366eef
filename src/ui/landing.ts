/**
 * The landing page: create a lobby (name, player count, points to win, input delay, max prediction)
 * or join one by code or link; links to practice and the replay viewer. What Create/Join do is passed
 * in by main.ts (`LandingActions`); without actions the buttons say online play is unavailable.
 */
import { DEFAULT_SETTINGS, SETTINGS_RANGES, validateName, type LobbySettings } from '../lobby/protocol.ts';
import { RULES_TEXT } from './outcome.ts';
import { h } from './dom.ts';
import type { Page } from './page.ts';
import { LOBBY_CODE } from './router.ts';
import { resetTestHook } from './test-hook.ts';

/** An action's outcome: done (the page moves on), or a message for the player. */
export type ActionResult = { readonly ok: true } | {
  readonly ok: false;
  readonly error: string;
  /** The lobby is full or playing: where to watch it instead (`/lobby/<code>?watch=1`). */
  readonly watchPath?: string;
};

/** What the landing page's buttons do. */
export interface LandingActions {
  createLobby(name: string, settings: LobbySettings): Promise<ActionResult>;
  joinLobby(code: string, name: string): Promise<ActionResult>;
}

const NAME_KEY = 'rollback-pong.name';

/** Clamps a typed setting into its range (non-numbers become the default). */
export function settingFromInput(key: keyof LobbySettings, text: string): number {
  const { min, max } = SETTINGS_RANGES[key];
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) return DEFAULT_SETTINGS[key];
  return Math.min(max, Math.max(min, Math.round(v)));
}

/** Extracts a lobby code from what a player pasted: a code, or a link ending in /lobby/<code>. */
export function lobbyCodeFromInput(text: string): string | undefined {
  const t = text.trim();
  const m = /\/lobby\/([^/?#\s]+)/.exec(t);
  let code = t;
  try {
    if (m !== null) code = decodeURIComponent(m[1] ?? '');
  } catch {
    return undefined; // malformed %-escapes
  }
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

/** Remembers the player's name (ignored where storage is unavailable). */
export function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Private mode: the name is simply not remembered.
  }
}

const UNAVAILABLE = 'Online play is not available in this build. Try Practice or the Replay viewer.';

/** Mounts the landing page. */
export function mountLanding(root: HTMLElement, actions?: LandingActions): Page {
  resetTestHook('landing');
  const name = h('input', { type: 'text', id: 'player-name', maxlength: 20, placeholder: 'Your name', autocomplete: 'nickname', value: savedName() });
  const players = h('select', { id: 'player-count', 'aria-label': 'players' }, ...[2, 3, 4].map((n) => h('option', { value: n, text: `${n} players` })));
  const number = (id: string, key: keyof LobbySettings, label: string): [HTMLElement, HTMLInputElement] => {
    const { min, max } = SETTINGS_RANGES[key];
    const input = h('input', { type: 'number', id, min, max, step: 1, value: DEFAULT_SETTINGS[key], inputmode: 'numeric' });
    return [h('div', { class: 'field' }, h('label', { for: id, text: label }), input), input];
  };
  const [pointsField, points] = number('points-to-win', 'pointsToWin', 'Points to win');
  const [delayField, delay] = number('input-delay', 'inputDelay', 'Input delay (frames)');
  const [predictionField, prediction] = number('max-prediction', 'maxPrediction', 'Max prediction (frames)');
  const create = h('button', { type: 'button', class: 'primary', 'data-testid': 'create-lobby', text: 'Create lobby' });
  const code = h('input', { type: 'text', id: 'lobby-code', placeholder: 'Lobby code or link', autocomplete: 'off', 'aria-label': 'lobby code or link' });
  const join = h('button', { type: 'submit', 'data-testid': 'join-lobby', text: 'Join' });
  const message = h('p', { class: 'message', role: 'status', 'data-testid': 'landing-message' });
  const watch = h('a', { class: 'button', 'data-testid': 'landing-watch', text: 'Watch instead', hidden: true });
  const joinForm = h('form', { class: 'row' }, code, join);
  const page = h('main', { class: 'page landing' },
    h('header', { class: 'hero' }, h('h1', { text: 'Rollback Pong' }), h('p', { class: 'tagline', text: 'Peer-to-peer Pong for 2–4 players, with rollback netcode.' })),
    h('section', { class: 'card' },
      h('h2', { text: 'Play online' }),
      h('div', { class: 'field' }, h('label', { for: 'player-name', text: 'Name' }), name),
      h('div', { class: 'row' }, players, create),
      h('details', { class: 'settings' }, h('summary', { text: 'Match settings' }), h('div', { class: 'settings-grid' }, pointsField, delayField, predictionField)),
      h('details', { class: 'rules', 'data-testid': 'rules' }, h('summary', { text: 'Rules' }), h('ul', {}, ...RULES_TEXT.map((t) => h('li', { text: t })))),
      h('div', { class: 'divider', text: 'or join a friend' }),
      joinForm,
      message,
      watch),
    h('nav', { class: 'card links' },
      h('a', { href: '/#/practice?players=2', class: 'button', 'data-testid': 'practice-link', text: 'Practice against the computer' }),
      h('a', { href: '/#/replay', class: 'button', 'data-testid': 'replay-link', text: 'Replay viewer' }),
      // For developers only (`/?dev=1`; `/#/widgets` itself always works): not on a player's page.
      ...(new URLSearchParams(location.search).get('dev') === '1' ? [h('a', { href: '/#/widgets', class: 'button subtle', 'data-testid': 'widgets-link', text: 'Tester widgets' })] : [])));
  root.append(page);

  const playerName = (): string | undefined => {
    const valid = validateName(name.value);
    if (!valid.ok) {
      message.textContent = name.value.trim() === '' ? 'Pick a name first.' : `That name cannot be used: ${valid.error}.`;
      name.focus();
      return undefined;
    }
    saveName(valid.value);
    return valid.value;
  };
  const busy = (text: string, run: () => Promise<ActionResult>): void => {
    create.disabled = true;
    join.disabled = true;
    message.textContent = text;
    watch.hidden = true;
    void run().then((r) => {
      create.disabled = false;
      join.disabled = false;
      message.textContent = r.ok ? '' : r.error;
      if (!r.ok && r.watchPath !== undefined) {
        watch.setAttribute('href', r.watchPath);
        watch.hidden = false;
      }
    });
  };
  create.addEventListener('click', () => {
    if (actions === undefined) {
      message.textContent = UNAVAILABLE;
      return;
    }
    const n = playerName();
    if (n === undefined) return;
    const settings: LobbySettings = {
      capacity: Number(players.value),
      pointsToWin: settingFromInput('pointsToWin', points.value),
      inputDelay: settingFromInput('inputDelay', delay.value),
      maxPrediction: settingFromInput('maxPrediction', prediction.value),
    };
    busy('Creating the lobby…', () => actions.createLobby(n, settings));
  });
  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = lobbyCodeFromInput(code.value);
    if (c === undefined) {
      message.textContent = 'That is not a lobby code or link.';
      return;
    }
    if (actions === undefined) {
      message.textContent = UNAVAILABLE;
      return;
    }
    const n = playerName();
    if (n !== undefined) busy('Joining…', () => actions.joinLobby(c, n));
  });
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
