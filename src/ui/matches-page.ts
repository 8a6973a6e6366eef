/**
 * The `/matches` page: the most recent replays the server verified, with players, scores, the
 * cross-check verdict and a link that opens each in the replay viewer.
 */
import { h } from './dom.ts';
import type { Page } from './page.ts';
import { crossCheckText, recentReplays, type SharedReplay } from './replays-api.ts';

function row(r: SharedReplay): HTMLElement {
  const names = Array.from({ length: r.players }, (_, i) => r.names[i] ?? `Player ${i + 1}`);
  const result = r.winner >= 0 ? `${names[r.winner] ?? `Player ${r.winner + 1}`} won` : 'unfinished';
  const when = r.createdAt === undefined ? '' : new Date(r.createdAt).toLocaleString();
  return h('li', { class: 'match-row', 'data-testid': 'match-row', 'data-id': r.id },
    h('a', { href: r.url, text: `${names.join(' vs ')} · ${r.scores.join('–')} · ${result}` }),
    h('span', { class: 'muted', text: ` · ${(r.frames / 60).toFixed(0)} s · ${crossCheckText(r)} · ${when}` }));
}

/** Mounts the page into `root`. */
export function mountMatchesPage(root: HTMLElement): Page {
  const list = h('ol', { class: 'match-list', 'data-testid': 'match-list' });
  const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'matches-status', text: 'Loading…' });
  const page = h('main', { class: 'page matches-page', 'data-testid': 'matches' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: 'Recent matches' })),
    h('p', { class: 'muted', text: 'Every replay here was re-simulated by the server to its own checksums.' }),
    status, list);
  root.append(page);
  let destroyed = false;
  void recentReplays(50).then((r) => {
    if (destroyed) return;
    if (!r.ok) {
      status.textContent = `Could not load matches: ${r.error}`;
      return;
    }
    status.textContent = r.value.length === 0 ? 'No shared matches yet: finish a match and press “Share replay”.' : '';
    for (const m of r.value) list.append(row(m));
  });
  return {
    destroy(): void {
      destroyed = true;
      page.remove();
    },
  };
}
