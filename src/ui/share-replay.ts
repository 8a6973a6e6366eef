/**
 * The end screen's *Share replay* action: uploads the match's replay to the server, which re-simulates
 * it, then shows the link to `/replay/<id>` with a copy button (and the server's verdict).
 */
import { h } from './dom.ts';
import { crossCheckText, uploadReplay } from './replays-api.ts';

const KEEP_HISTORY_KEY = 'rollbackPong.keepMatchHistory';

/** Whether this player shares every finished match automatically ("keep match history"). */
export function keepMatchHistory(): boolean {
  try {
    return localStorage.getItem(KEEP_HISTORY_KEY) === '1';
  } catch {
    return false; // storage unavailable
  }
}

/** Remembers the "keep match history" choice (ignored where storage is unavailable). */
export function setKeepMatchHistory(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEEP_HISTORY_KEY, '1');
    else localStorage.removeItem(KEEP_HISTORY_KEY);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

/** The share control: a button and, after a successful upload, the link. */
export interface ShareControl {
  readonly button: HTMLButtonElement;
  /** Holds the link, the copy button and the status line. */
  readonly panel: HTMLElement;
  /** Uploads now (what the button does); ignored while an upload runs or after one succeeded. */
  share(): void;
}

/**
 * Builds the control; `replayText` is called on click (the replay as it is at that moment); `lobby`
 * tags the upload so that it shows in that lobby's match history.
 */
export function createShareControl(replayText: () => string, lobby?: string): ShareControl {
  const button = h('button', { type: 'button', 'data-testid': 'share-replay', text: 'Share replay' });
  const status = h('span', { class: 'muted', 'data-testid': 'replay-share-status', role: 'status' });
  const link = h('a', { 'data-testid': 'replay-share-link', target: '_blank', rel: 'noopener' });
  const copy = h('button', { type: 'button', class: 'subtle', 'data-testid': 'replay-share-copy', text: 'Copy link', hidden: true });
  const panel = h('div', { class: 'share-panel', 'data-testid': 'replay-share-panel' }, link, copy, status);
  const share = (): void => {
    if (button.disabled) return;
    button.disabled = true;
    status.textContent = 'Uploading and verifying…';
    void uploadReplay(replayText(), lobby).then((r) => {
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
    });
  };
  button.addEventListener('click', share);
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(link.href).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = 'Copy failed: select the link'),
    );
  });
  return { button, panel, share };
}
