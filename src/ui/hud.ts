/**
 * The tester's HUD: live per-peer network figures and rollback counters from `SessionStats`, plus a
 * bar graph of recent rollback depths. Pure DOM (a 2D canvas for the graph); the caller feeds it with
 * `update(stats)` (a few times per second is plenty). Toggled by F3 or H, or its button.
 *
 * `SessionStats` carries a rollback-depth histogram, not a list of rollbacks, so the graph's samples
 * are the deepest rollback that appeared between two consecutive updates (0 for none).
 */
import type { PeerId } from '../netcode/socket.ts';
import type { PeerStats, SessionStats } from '../netcode/types.ts';
import { pathKind, type IcePath } from '../transport/ice-path.ts';
import { h, isTypingTarget } from './dom.ts';
import { playerColour } from './palette.ts';

/** Recent rollback depths, one sample per stats update (a fixed-size ring). */
export class RollbackDepthHistory {
  private readonly ring: Int32Array;
  private written = 0;
  private previous: readonly number[] = [];

  constructor(readonly capacity = 120) {
    this.ring = new Int32Array(capacity);
  }

  /** Appends the deepest rollback counted in `stats` since the previous call (0 if none); returns it. */
  push(stats: Pick<SessionStats, 'rollbackHistogram'>): number {
    const now = stats.rollbackHistogram;
    let depth = 0;
    const reset = now.length < this.previous.length || this.previous.some((c, d) => (now[d] ?? 0) < c);
    if (!reset && this.written + this.previous.length > 0) {
      for (let d = now.length - 1; d >= 1; d--) {
        if ((now[d] ?? 0) > (this.previous[d] ?? 0)) {
          depth = d;
          break;
        }
      }
    }
    this.previous = now.slice();
    this.pushDepth(depth);
    return depth;
  }

  /** Appends one depth sample directly. */
  pushDepth(depth: number): void {
    this.ring[this.written % this.capacity] = depth;
    this.written++;
  }

  /** The retained samples, oldest first. */
  values(): number[] {
    const n = Math.min(this.written, this.capacity);
    const out: number[] = [];
    for (let i = this.written - n; i < this.written; i++) out.push(this.ring[i % this.capacity] ?? 0);
    return out;
  }
}

/** Frames ahead (an average, so often fractional): at most one decimal. */
export function formatAhead(frames: number): string {
  const r = Math.round(frames * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/**
 * The ICE path column: how the data travels (host, srflx or relay, from the selected candidate pair)
 * and the pair's RTT as ICE measures it (STUN consent checks, below the game's own ping); `…` before
 * the pair is known.
 */
export function pathText(path: IcePath | undefined): string {
  if (path === undefined) return '…';
  return path.rttMs === undefined ? pathKind(path) : `${pathKind(path)} · ${Math.round(path.rttMs)} ms`;
}

/**
 * The HUD's text for one peer row (columns in display order, units in the headers: the table fits the
 * game screen's side column, 19rem, with four players).
 */
export function peerRow(p: PeerStats, name: string): readonly string[] {
  return [
    name,
    `${Math.round(p.pingMs)}`,
    `${Math.round(p.jitterMs)}`,
    `${(p.loss * 100).toFixed(1)}`,
    `${Math.round(p.kbpsIn)}/${Math.round(p.kbpsOut)}`,
    `${p.framesAhead > 0 ? '+' : ''}${formatAhead(p.framesAhead)}`,
    p.state,
  ];
}

/** The HUD's session-wide summary line. */
export function summaryLine(s: SessionStats): string {
  return `rollbacks ${s.rollbacks} (max ${s.maxRollbackFrames}f) · predicted ${s.predictedFrames} · resim ${s.resimulatedFrames} · stalls ${s.stalls}`;
}

/** Column headers and their tooltips (the cells carry no units). */
const COLUMNS: readonly (readonly [string, string])[] = [
  ['peer', 'peer'], ['ping', 'ping, ms'], ['jit', 'jitter, ms'], ['loss', 'loss, %'], ['kbps', 'kbit/s in/out'], ['ahd', 'frames ahead'], ['state', 'connection state'],
];

/** Options of `createHud`. */
export interface HudOptions {
  /** Display name of a player index (default "P1".."P4"). */
  readonly nameOf?: (player: number) => string;
  /** Shown at start (default false). */
  readonly visible?: boolean;
  /** Listen for F3 / H on the window (default true). */
  readonly hotkeys?: boolean;
  /** Told each time the HUD is shown or hidden (the page keeps it open for the next match). */
  readonly onToggle?: (visible: boolean) => void;
}

/** A mounted HUD. */
export interface Hud {
  readonly element: HTMLElement;
  readonly visible: boolean;
  /** Shows the latest stats (cheap when hidden: only the depth history is updated). */
  update(stats: SessionStats): void;
  /** The selected ICE candidate pair of a peer (polled by the caller, about once a second). */
  setPath(peer: PeerId, path: IcePath | undefined): void;
  /** Shows/hides; toggles without an argument. */
  toggle(force?: boolean): void;
  destroy(): void;
}

/** Mounts the HUD (its toggle button and panel) into `host`. */
export function createHud(host: HTMLElement, options: HudOptions = {}): Hud {
  const nameOf = options.nameOf ?? ((p: number) => `P${p + 1}`);
  const history = new RollbackDepthHistory();
  const head = h('div', { class: 'hud-head', text: 'Waiting for a session…' });
  const tbody = h('tbody');
  const table = h('table', { class: 'hud-table' }, h('colgroup', {}, ...COLUMNS.map(([c]) => h('col', { class: `hud-col-${c}` }))), h('thead', {}, h('tr', {}, ...COLUMNS.map(([c, title]) => h('th', { text: c, title })))), tbody);
  const pathList = h('ul', { class: 'hud-paths', 'data-testid': 'hud-paths', 'aria-label': 'ICE path per peer (host, srflx or relay) and its RTT' });
  const summary = h('div', { class: 'hud-summary' });
  const graph = h('canvas', { class: 'hud-graph', width: 240, height: 48, 'aria-label': 'recent rollback depths' });
  const legend = h('div', { class: 'hud-legend', text: 'rollback depth per update (frames)' });
  const panel = h('section', { class: 'hud', 'aria-label': 'network statistics', 'data-testid': 'hud' }, head, table, h('div', { class: 'hud-paths-title', text: 'ICE path' }), pathList, summary, graph, legend);
  const button = h('button', { class: 'hud-toggle', type: 'button', title: 'Network stats (F3 or H)', 'aria-pressed': 'false', text: 'Stats' });
  const root = h('div', { class: 'hud-root' }, button, panel);
  host.append(root);
  let visible = options.visible ?? false;
  let last: SessionStats | undefined;
  const paths = new Map<PeerId, IcePath>();

  const apply = (): void => {
    panel.hidden = !visible;
    button.setAttribute('aria-pressed', String(visible));
    if (visible && last !== undefined) draw(last);
  };
  const draw = (s: SessionStats): void => {
    head.textContent = `frame ${s.frame} (confirmed ${s.confirmedFrame}) · delay ${s.inputDelay} · ahead ${formatAhead(s.framesAhead)} · tick ×${s.tickRateFactor.toFixed(3)}`;
    while (tbody.rows.length > s.peers.length) tbody.deleteRow(-1);
    s.peers.forEach((p, i) => {
      const row = tbody.rows[i] ?? tbody.insertRow();
      const cells = peerRow(p, nameOf(p.player));
      while (row.cells.length < cells.length) row.insertCell();
      cells.forEach((text, c) => {
        const cell = row.cells[c];
        if (cell !== undefined && cell.textContent !== text) {
          cell.textContent = text;
          cell.title = text; // a long name is cut with an ellipsis
        }
      });
      row.style.color = playerColour(p.player).css;
      row.dataset.state = p.state;
    });
    // The ICE path of each peer on its own line (no room for one more column).
    while (pathList.children.length > s.peers.length) pathList.lastElementChild?.remove();
    s.peers.forEach((p, i) => {
      const item = pathList.children[i] ?? pathList.appendChild(h('li'));
      const path = paths.get(p.peer);
      const text = `${nameOf(p.player)}: ${pathText(path)}`;
      if (item.textContent !== text) item.textContent = text;
      (item as HTMLElement).dataset.path = path === undefined ? '' : pathKind(path);
      (item as HTMLElement).title = path === undefined ? 'no candidate pair selected yet' : `selected candidate pair: local ${path.local}, remote ${path.remote}`;
      (item as HTMLElement).style.color = playerColour(p.player).css;
    });
    summary.textContent = summaryLine(s);
    drawDepths(graph, history.values());
  };
  const onKey = (e: KeyboardEvent): void => {
    if (isTypingTarget(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.code === 'F3' || e.code === 'KeyH') {
      e.preventDefault();
      hud.toggle();
    }
  };
  button.addEventListener('click', () => hud.toggle());
  if (options.hotkeys ?? true) window.addEventListener('keydown', onKey);

  const hud: Hud = {
    element: root,
    get visible() {
      return visible;
    },
    update(stats: SessionStats): void {
      history.push(stats);
      last = stats;
      if (visible) draw(stats);
    },
    setPath(peer: PeerId, path: IcePath | undefined): void {
      if (path === undefined) paths.delete(peer);
      else paths.set(peer, path);
      if (visible && last !== undefined) draw(last);
    },
    toggle(force?: boolean): void {
      visible = force ?? !visible;
      apply();
      options.onToggle?.(visible);
    },
    destroy(): void {
      window.removeEventListener('keydown', onKey);
      root.remove();
    },
  };
  apply();
  return hud;
}

/** Bar graph of depths: green up to 2 frames, amber up to 5, red beyond; the scale grows past 8. */
function drawDepths(canvas: HTMLCanvasElement, depths: readonly number[]): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const w = canvas.width;
  const hgt = canvas.height;
  ctx.clearRect(0, 0, w, hgt);
  ctx.fillStyle = 'rgba(255,255,255,0.06)';
  ctx.fillRect(0, 0, w, hgt);
  const top = Math.max(8, ...depths);
  const bar = w / Math.max(depths.length, 120);
  depths.forEach((d, i) => {
    if (d <= 0) return;
    ctx.fillStyle = d <= 2 ? '#009e73' : d <= 5 ? '#e69f00' : '#d55e00';
    const bh = Math.max(2, (d / top) * (hgt - 2));
    ctx.fillRect(i * bar, hgt - bh, Math.max(1, bar - 1), bh);
  });
  ctx.fillStyle = 'rgba(255,255,255,0.6)';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(`${top}f`, 2, 10);
}
