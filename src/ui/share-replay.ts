/**
 * The end screen's *Share replay* action: uploads the match's replay to the server, which re-simulates
 * it, then shows the link to `/replay/<id>` with a copy button (and the server's verdict).
 */
import { h } from './dom.ts';
import { crossCheckText, uploadReplay } from './replays-api.ts';

/** The share control: a button and, after a successful upload, the link. */
export interface ShareControl {
  readonly button: HTMLButtonElement;
  /** Holds the link, the copy button and the status line. */
  readonly panel: HTMLElement;
}

/** Builds the control; `replayText` is called on click (the replay as it is at that moment). */
export function createShareControl(replayText: () => string, onShared?: (url: string) => void): ShareControl {
  const button = h('button', { type: 'button', 'data-testid': 'share-replay', text: 'Share replay' });
  const status = h('span', { class: 'muted', 'data-testid': 'replay-share-status', role: 'status' });
  const link = h('a', { 'data-testid': 'replay-share-link', target: '_blank', rel: 'noopener' });
  const copy = h('button', { type: 'button', class: 'subtle', 'data-testid': 'replay-share-copy', text: 'Copy link', hidden: true });
  const panel = h('div', { class: 'share-panel', 'data-testid': 'replay-share-panel' }, link, copy, status);
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Uploading and verifying…';
    void uploadReplay(replayText()).then((r) => {
      if (!r.ok) {
        button.disabled = false;
        status.textContent = `Could not share: ${r.error}`;
        status.dataset.state = 'error';
        return;
      }
      const url = new URL(r.value.url, location.origin).href;
      link.href = url;
      link.textContent = url;
      copy.hidden = false;
      status.textContent = ` ✓ ${crossCheckText(r.value)}`;
      status.dataset.state = 'shared';
      onShared?.(url);
    });
  });
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(link.href).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = 'Copy failed: select the link'),
    );
  });
  return { button, panel };
}
