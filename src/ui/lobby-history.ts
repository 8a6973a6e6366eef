/**
 * The lobby page's match history: this lobby's finished matches that players shared (verified by the
 * server), the series score across rematches, each match's link and cross-check verdict, and the
 * "keep match history" choice (share every finished match automatically, remembered in this browser).
 */
import { h } from './dom.ts';
import { crossCheckText, lobbyMatches, seriesScore, type SharedReplay } from './replays-api.ts';
import { keepMatchHistory, setKeepMatchHistory } from './share-replay.ts';

/** The mounted history card. */
export interface LobbyHistory {
  readonly element: HTMLElement;
  /** Reloads the list (after a match). */
  refresh(): void;
  destroy(): void;
}

function matchRow(m: SharedReplay, n: number): HTMLElement {
  const names = Array.from({ length: m.players }, (_, i) => m.names[i] ?? `Player ${i + 1}`);
  const result = m.winner >= 0 ? `${names[m.winner] ?? ''} won ${m.scores.join('–')}` : `unfinished ${m.scores.join('–')}`;
  return h('li', { 'data-testid': 'history-row', 'data-id': m.id },
    h('a', { href: m.url, text: `Match ${n}: ${result}` }),
    h('span', { class: 'muted', text: ` · ${crossCheckText(m)}` }));
}

/** Builds the card for lobby `code` and loads it. */
export function createLobbyHistory(code: string): LobbyHistory {
  const series = h('p', { class: 'meta', 'data-testid': 'series-score' });
  const list = h('ol', { class: 'match-list', 'data-testid': 'lobby-history' });
  const keep = h('input', { type: 'checkbox', 'data-testid': 'keep-history', checked: keepMatchHistory() });
  const element = h('section', { class: 'card', 'data-testid': 'history-card' },
    h('h2', { text: 'Match history' }),
    h('label', { class: 'muted' }, keep, ' Keep match history: share every match I finish'),
    series, list);
  keep.addEventListener('change', () => setKeepMatchHistory(keep.checked));
  let generation = 0;
  let destroyed = false;
  const refresh = (): void => {
    const mine = ++generation;
    void lobbyMatches(code).then((r) => {
      if (destroyed || mine !== generation) return;
      if (!r.ok) {
        series.textContent = `Match history unavailable: ${r.error}`;
        list.replaceChildren();
        return;
      }
      const score = seriesScore(r.value);
      series.textContent = r.value.length === 0 ? 'No shared matches yet.' : `Series: ${score.map((s) => `${s.name} ${s.wins}`).join(' – ')}`;
      list.replaceChildren(...r.value.map((m, i) => matchRow(m, i + 1)));
    });
  };
  refresh();
  return {
    element,
    refresh,
    destroy(): void {
      destroyed = true;
      element.remove();
    },
  };
}
