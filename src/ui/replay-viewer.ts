/**
 * The replay viewer page: open a replay (file picker or drag-and-drop), play / pause / step / seek /
 * change speed, and watch the checksums being verified as the match re-simulates (model in
 * replay-player.ts). Drawing goes through the shared renderer; status goes to `window.rollbackPong.replay`.
 */
import { formatChecksum, parseReplay } from '../game/index.ts';
import { h } from './dom.ts';
import { createRenderer, type PongRenderer } from './render/index.ts';
import { ReplayPlayer } from './replay-player.ts';
import { publishState, resetTestHook, testHook, type ReplayHookInfo } from './test-hook.ts';
import type { Page } from './page.ts';
import { assertNever } from '../shared/assert-never.ts';

/** Playback speeds offered (multiples of 60 frames per second). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;
/** Most frames simulated per animation frame while seeking (keeps the page responsive). */
const SEEK_BUDGET = 8000;
/** Game frames per second at 1x. */
const FPS = 60;

/** Mounts the replay viewer into `root`; with `source`, opens the replay at that URL (a shared link). */
export function mountReplayViewer(root: HTMLElement, source?: { readonly url: string; readonly name: string }): Page {
  resetTestHook('replay');
  const fileInput = h('input', { type: 'file', accept: '.json,.replay,application/json', class: 'visually-hidden', id: 'replay-file', 'data-testid': 'replay-file' });
  const openLabel = h('label', { for: 'replay-file', class: 'button primary', text: 'Open replay…' });
  const stage = h('div', { class: 'stage', 'data-testid': 'stage' });
  const hint = h('div', { class: 'drop-hint' }, h('p', { text: 'Drop a replay file here' }), h('p', { class: 'muted', text: 'or use “Open replay…”' }));
  stage.append(hint);
  const back = h('button', { type: 'button', title: 'Back one frame (←)', 'aria-label': 'back one frame', text: '−1' });
  const play = h('button', { type: 'button', class: 'primary', title: 'Play / pause (Space)', 'data-testid': 'play', text: '▶ Play' });
  const forward = h('button', { type: 'button', title: 'Forward one frame (→)', 'aria-label': 'forward one frame', 'data-testid': 'step', text: '+1' });
  const slider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, class: 'seek', 'aria-label': 'seek', 'data-testid': 'seek' });
  const speed = h('select', { 'aria-label': 'speed', 'data-testid': 'speed' }, ...SPEEDS.map((s) => h('option', { value: s, text: `${s}×`, selected: s === 1 })));
  const frameLabel = h('span', { class: 'frame-label', 'data-testid': 'frame-label', text: 'no replay' });
  const status = h('div', { class: 'status', role: 'status', 'data-testid': 'replay-status', 'data-status': 'empty', text: 'Open a replay file to start.' });
  const meta = h('div', { class: 'meta muted', 'data-testid': 'replay-meta' });
  const controls = h('div', { class: 'controls' }, back, play, forward, slider, frameLabel, speed);
  const page = h('div', { class: 'page replay-page' },
    h('header', { class: 'bar' }, h('a', { href: '/', class: 'brand', text: '← Rollback Pong' }), h('h1', { text: 'Replay viewer' }), openLabel, fileInput),
    stage, controls, status, meta);
  root.append(page);

  let renderer: PongRenderer | undefined;
  let rendererPromise: Promise<PongRenderer> | undefined;
  let player: ReplayPlayer | undefined;
  let fileName = '';
  let error: string | undefined;
  let playing = false;
  let rate = 1;
  let seekTarget: number | undefined;
  let carry = 0;
  let lastTime: number | undefined;
  let raf = 0;
  let drawn = -1;
  let destroyed = false;

  const setControls = (): void => {
    const loaded = player !== undefined;
    for (const el of [back, play, forward, slider, speed]) el.disabled = !loaded;
    // Plain glyphs only: media-control symbols are missing from many system fonts.
    play.textContent = playing ? 'Pause' : '▶ Play';
  };

  const publish = (): void => {
    const p = player;
    const s = p?.status;
    const info: ReplayHookInfo = {
      loaded: p !== undefined,
      fileName,
      status: p === undefined || s === undefined ? (error !== undefined ? 'error' : 'empty') : s.kind,
      frames: p?.frames ?? 0,
      frame: p?.frame ?? 0,
      verifiedUpTo: p?.verifiedUpTo ?? 0,
      simulatedUpTo: p?.simulatedUpTo ?? 0,
      playing,
      speed: rate,
      ...(s?.kind === 'verified' ? { finalChecksum: formatChecksum(s.checksum) } : {}),
      ...(s?.kind === 'mismatch' ? { mismatch: { frame: s.frame, expected: formatChecksum(s.expected), actual: formatChecksum(s.actual) } } : {}),
      ...(error !== undefined ? { error } : {}),
    };
    testHook().replay = info;
  };

  const showStatus = (): void => {
    const p = player;
    if (p === undefined) {
      status.dataset.status = error !== undefined ? 'error' : 'empty';
      status.textContent = error !== undefined ? `✗ Could not open ${fileName || 'the file'}: ${error}` : 'Open a replay file to start.';
      return;
    }
    const s = p.status;
    status.dataset.status = s.kind;
    switch (s.kind) {
      case 'verifying':
        status.textContent = `Verified up to frame ${s.verifiedUpTo} (simulated ${p.simulatedUpTo} of ${p.frames}; play or seek to the end to verify all)`;
        break;
      case 'verified':
        status.textContent = `✓ Verified: all ${s.frames} frames re-simulate to the recorded checksums; final checksum ${formatChecksum(s.checksum)}`;
        break;
      case 'mismatch':
        status.textContent = `✗ Checksum mismatch at frame ${s.frame}: expected ${formatChecksum(s.expected)}, got ${formatChecksum(s.actual)}`;
        break;
      default:
        assertNever(s, 'status');
    }
  };

  const draw = (): void => {
    const p = player;
    if (p === undefined) return;
    if (renderer !== undefined && p.frame !== drawn) {
      renderer.render({ state: p.state, names: p.replay.names });
      drawn = p.frame;
    }
    publishState(p.state);
    if (document.activeElement !== slider || seekTarget === undefined) slider.value = String(p.frame);
    frameLabel.textContent = `frame ${p.frame} / ${p.frames} · ${testHook().checksum}`;
    showStatus();
    setControls();
    publish();
  };

  const tick = (time: number): void => {
    raf = 0;
    if (destroyed) return;
    const p = player;
    if (p === undefined) return;
    const dt = lastTime === undefined ? 0 : Math.min(100, time - lastTime);
    lastTime = time;
    if (seekTarget !== undefined) {
      if (p.seek(seekTarget, SEEK_BUDGET)) seekTarget = undefined;
    } else if (playing) {
      carry += (dt * FPS * rate) / 1000;
      const n = Math.min(SEEK_BUDGET, Math.floor(carry));
      carry -= n;
      for (let i = 0; i < n && p.stepForward(); i++);
      if (p.atEnd) playing = false;
    }
    draw();
    schedule();
  };

  const schedule = (): void => {
    if (raf === 0 && !destroyed && (playing || seekTarget !== undefined)) raf = requestAnimationFrame(tick);
    if (!playing && seekTarget === undefined) lastTime = undefined;
  };

  const ensureRenderer = async (): Promise<void> => {
    rendererPromise ??= createRenderer(stage);
    renderer = await rendererPromise;
    if (destroyed) {
      renderer.destroy();
      return;
    }
    testHook().renderFrameMs = () => (renderer as PongRenderer).timing.summary();
    drawn = -1;
    draw();
  };

  const load = async (text: string, name: string): Promise<void> => {
    fileName = name;
    playing = false;
    seekTarget = undefined;
    const parsed = parseReplay(text);
    if (!parsed.ok) {
      player = undefined;
      error = parsed.error;
      stage.classList.remove('loaded');
      meta.textContent = '';
      showStatus();
      setControls();
      publish();
      return;
    }
    error = undefined;
    const r = parsed.replay;
    player = new ReplayPlayer(r);
    drawn = -1;
    slider.max = String(r.frames);
    stage.classList.add('loaded');
    const names = Array.from({ length: r.config.players }, (_, i) => r.names[i] ?? `Player ${i + 1}`);
    meta.textContent = `${name} · ${r.config.players} players (${names.join(', ')}) · seed ${r.config.seed} · ${r.frames} frames (${(r.frames / FPS).toFixed(1)} s) · recorded final scores ${r.finalScores.join('–')}`;
    draw();
    await ensureRenderer();
  };

  const openUrl = async (url: string, name: string): Promise<void> => {
    fileName = name;
    status.textContent = `Loading ${name}…`;
    const text = await fetch(url).then((r) => (r.ok ? r.text() : Promise.reject(new Error(r.status === 404 ? 'no such replay on this server' : `HTTP ${r.status}`))))
      .catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));
    if (destroyed) return;
    if (typeof text === 'string') return load(text, name);
    error = text.message;
    showStatus();
    publish();
  };

  const openFile = (file: File | undefined): void => {
    if (file === undefined) return;
    void file.text().then((text) => load(text, file.name));
  };

  fileInput.addEventListener('change', () => {
    openFile(fileInput.files?.[0]);
    fileInput.value = '';
  });
  const onDragOver = (e: DragEvent): void => {
    e.preventDefault();
    stage.classList.add('dragging');
  };
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    stage.classList.remove('dragging');
    openFile(e.dataTransfer?.files[0]);
  };
  const onDragLeave = (): void => stage.classList.remove('dragging');
  page.addEventListener('dragover', onDragOver);
  page.addEventListener('dragleave', onDragLeave);
  page.addEventListener('drop', onDrop);

  const togglePlay = (): void => {
    if (player === undefined) return;
    if (!playing && player.atEnd) player.seek(0);
    playing = !playing;
    draw();
    schedule();
  };
  const stepBy = (delta: number): void => {
    if (player === undefined) return;
    playing = false;
    seekTarget = undefined;
    if (delta > 0) player.stepForward();
    else player.stepBack();
    draw();
  };
  play.addEventListener('click', togglePlay);
  forward.addEventListener('click', () => stepBy(1));
  back.addEventListener('click', () => stepBy(-1));
  slider.addEventListener('input', () => {
    seekTarget = slider.valueAsNumber;
    schedule();
  });
  speed.addEventListener('change', () => {
    rate = Number(speed.value);
    publish();
  });
  const onKey = (e: KeyboardEvent): void => {
    // Focused controls handle their own keys (Space clicks a button, arrows move the slider).
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLButtonElement) return;
    if (e.code === 'Space') togglePlay();
    else if (e.code === 'ArrowRight' || e.code === 'Period') stepBy(1);
    else if (e.code === 'ArrowLeft' || e.code === 'Comma') stepBy(-1);
    else return;
    e.preventDefault();
  };
  window.addEventListener('keydown', onKey);
  setControls();
  publish();
  if (source !== undefined) void openUrl(source.url, source.name);

  return {
    destroy(): void {
      destroyed = true;
      if (raf !== 0) cancelAnimationFrame(raf);
      window.removeEventListener('keydown', onKey);
      renderer?.destroy();
      page.remove();
    },
  };
}

