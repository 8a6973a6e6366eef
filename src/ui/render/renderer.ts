/**
 * The pixi.js v8 renderer of a `GameState`. It only reads the state it is given. It draws with pixi's
 * WebGL renderer, or with pixi's 2D-canvas renderer where WebGL runs in software (backend.ts: there the
 * WebGL frame's read-back, not the drawing, limited two pages to 14-31 frames/s).
 *
 * Display objects are created once and reused: the static picture (arena, walls, goal lines, paddle
 * shapes) is rebuilt only when the match config or the canvas size changes; each frame just moves the
 * paddles and ball and updates texts whose content changed (pixi skips identical strings). Rendering is
 * explicit (`autoStart: false`): the caller decides when a frame is drawn, and `render()` records its
 * own duration as `render_frame_ms` in `timing`.
 */
import { Application, Container, Graphics, Text } from 'pixi.js';
import { BALL_RADIUS, type GameState, type MatchConfig } from '../../game/index.ts';
import { labelOf, outcomeOf, standingOf } from '../outcome.ts';
import { THEME, playerColour } from '../palette.ts';
import { fitViewport, goalRect, isWall, labelAnchor, paddleOrigin, paddleShape, staticKey, toScreen, wallRect, type Viewport } from './layout.ts';
import { chooseBackend, rendererFromSearch, type RendererBackend } from './backend.ts';
import { FrameLog } from './frame-log.ts';
import { positionsOf, type Positions } from './smoother.ts';
import { RenderTiming } from './timing.ts';

/** A full-arena message, e.g. the winner screen. */
export interface OverlayScreen {
  readonly title: string;
  readonly subtitle?: string | undefined;
}

/** Everything the renderer draws for one frame. */
export interface RenderView {
  readonly state: GameState;
  /** Player names (display only); missing ones show as "Player N". */
  readonly names?: readonly string[] | undefined;
  /** The player on this device: its name gets "(you)" and its paddle an outline. */
  readonly localPlayer?: number | undefined;
  /** Big centred text, e.g. a countdown "3", "2", "1", "Go!". */
  readonly countdown?: string | undefined;
  /** Short messages shown at the top of the arena, e.g. "Bob's connection interrupted…". */
  readonly notices?: readonly string[] | undefined;
  /**
   * The end-of-match screen. `undefined` (default): derived from `state.winner` ("Alice wins!" and the
   * scores); `null`: never shown; an object: shown as given.
   */
  readonly winner?: OverlayScreen | null | undefined;
  /**
   * Where to draw the ball and paddles instead of the state's own positions (arena units): the state
   * plus the correction smoother's offsets (see smoother.ts). Everything else comes from `state`.
   */
  readonly display?: Positions | undefined;
  /** When `state` was simulated (page clock), logged with the drawn frame (latency breakdown). */
  readonly simulatedAtMs?: number | undefined;
}

/** Construction options. */
export interface RendererOptions {
  /** Clock for `render_frame_ms` (default `performance.now`). */
  readonly now?: () => number;
  /** Upper bound on the device pixel ratio used (default 2: sharper costs fill rate on phones). */
  readonly maxResolution?: number;
  /**
   * Multisample anti-aliasing. Default: on, except on a software WebGL (SwiftShader, llvmpipe — a machine
   * without a usable GPU, or headless Chromium), where it costs frame rate: two 900x640 pages on a busy
   * 2-core machine drew 13.5 / 18.3 frames/s each with it and 17.4 / 18.6 without (A/B/A/B).
   */
  readonly antialias?: boolean;
  /** Samples kept for the timing summary (default 600). */
  readonly timingCapacity?: number;
  /**
   * Drawing back end. Default: `rendererFromSearch(location.search)` (`?renderer=webgl|canvas`), else
   * `canvas` (pixi's 2D-canvas renderer) on a software WebGL and `webgl` otherwise (see backend.ts).
   */
  readonly backend?: RendererBackend;
}

/** A renderer attached to a host element. */
export interface PongRenderer {
  /** The canvas (already appended to the host). */
  readonly canvas: HTMLCanvasElement;
  /** The back end drawing it. */
  readonly backend: RendererBackend;
  /** `render_frame_ms` samples: time spent inside `render()`. */
  readonly timing: RenderTiming;
  /** What each frame drew and when (for the latency bench and the smoothing figures). */
  readonly frames: FrameLog;
  /** Draws one frame. Never mutates `view.state`. */
  render(view: RenderView): void;
  /** Re-reads the host's size and device pixel ratio, and redraws the last view (also automatic). */
  resize(): void;
  /** The current arena-to-CSS-pixel mapping (relative to the canvas), once a state was drawn. */
  viewport(): Viewport | undefined;
  /** Maps a client (page) point to arena units, once a state was drawn. */
  clientToArena(clientX: number, clientY: number): { readonly x: number; readonly y: number } | undefined;
  /** Maps an arena point to client (page) pixels, once a state was drawn. */
  arenaToClient(x: number, y: number): { readonly x: number; readonly y: number } | undefined;
  /** Frees the GPU resources and removes the canvas. */
  destroy(): void;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

interface PlayerSlot {
  readonly paddle: Graphics;
  readonly score: Text;
  readonly name: Text;
  lastScore: number;
}

/** Creates a renderer inside `host` (async: pixi v8 initialises its renderer asynchronously). */
export async function createRenderer(host: HTMLElement, options: RendererOptions = {}): Promise<PongRenderer> {
  const app = new Application();
  const size = hostSize(host);
  const forced = options.backend ?? (typeof location === 'undefined' ? undefined : rendererFromSearch(location.search));
  const software = forced === undefined || options.antialias === undefined ? softwareWebGl() : false;
  const backend = chooseBackend(forced, software);
  await app.init({
    width: size.w,
    height: size.h,
    background: THEME.background,
    antialias: options.antialias ?? !software,
    autoDensity: true,
    resolution: resolutionFor(options.maxResolution ?? 2),
    autoStart: false,
    preference: backend,
  });
  return new PixiRenderer(app, host, options);
}

/** True when WebGL is rendered in software (asked once, on a throwaway context that is released). */
export function softwareWebGl(): boolean {
  if (typeof document === 'undefined') return false;
  const gl = document.createElement('canvas').getContext('webgl');
  if (gl === null) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

function hostSize(host: HTMLElement): { w: number; h: number } {
  const w = host.clientWidth;
  const h = host.clientHeight;
  return { w: w > 0 ? w : 320, h: h > 0 ? h : 320 };
}

function resolutionFor(max: number): number {
  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  return Math.min(Math.max(dpr, 1), max);
}

function makeText(fontSize: number, colour: number, weight: '400' | '700' = '700'): Text {
  return new Text({ text: '', anchor: 0.5, style: { fontFamily: FONT, fontSize, fill: colour, fontWeight: weight, align: 'center' } });
}

class PixiRenderer implements PongRenderer {
  readonly canvas: HTMLCanvasElement;
  readonly backend: RendererBackend;
  readonly timing: RenderTiming;
  readonly frames = new FrameLog();
  private readonly now: () => number;
  private readonly maxResolution: number;
  private readonly world = new Container();
  private readonly court = new Graphics();
  private readonly ball = new Graphics();
  private readonly labels = new Container();
  private readonly overlay = new Container();
  private readonly dim = new Graphics();
  private readonly overlayTitle = makeText(64, THEME.text);
  private readonly overlaySubtitle = makeText(20, THEME.text, '400');
  private readonly noticeBox = new Graphics();
  private readonly noticeText = makeText(16, THEME.text, '400');
  private readonly slots: PlayerSlot[] = [];
  private readonly observer: ResizeObserver | undefined;
  private key = '';
  /** Absent players (rules 2) the static picture was drawn for: their sides are walls. */
  private absent = 0;
  private localPlayer: number | undefined = -2;
  private namesKey = '';
  private noticeKey = '';
  private view: Viewport | undefined;
  /** Title heights: centred for the winner screen, above the serve spot for a countdown. */
  private titleY = { screen: 0, countdown: 0 };
  private last: RenderView | undefined;
  private width: number;
  private height: number;

  constructor(private readonly app: Application, private readonly host: HTMLElement, options: RendererOptions) {
    this.now = options.now ?? (() => performance.now());
    this.maxResolution = options.maxResolution ?? 2;
    this.timing = new RenderTiming(options.timingCapacity ?? 600);
    this.canvas = app.canvas;
    this.backend = app.renderer.name === 'canvas' ? 'canvas' : 'webgl';
    this.canvas.classList.add('pong-canvas');
    host.append(this.canvas);
    const size = hostSize(host);
    this.width = size.w;
    this.height = size.h;
    this.ball.circle(0, 0, BALL_RADIUS).fill(0xffffff); // coloured by `tint`
    this.world.addChild(this.court, this.ball);
    this.overlay.addChild(this.dim, this.overlayTitle, this.overlaySubtitle);
    this.overlay.visible = false;
    this.noticeText.anchor.set(0.5, 0);
    app.stage.addChild(this.world, this.labels, this.noticeBox, this.noticeText, this.overlay);
    this.observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => this.resize());
    this.observer?.observe(host);
  }

  render(v: RenderView): void {
    const t0 = this.now();
    this.last = v;
    const state = v.state;
    const k = staticKey(state.config);
    if (k !== this.key || v.localPlayer !== this.localPlayer || state.absent !== this.absent) this.rebuild(state.config, v.localPlayer, state.absent);
    const vp = this.view;
    if (vp === undefined) throw new Error('unreachable: rebuild sets the viewport');
    const shown = v.display ?? positionsOf(state);
    this.ball.position.set(shown.ballX, shown.ballY);
    this.ball.alpha = state.serveTimer > 0 ? 0.45 : 1;
    // Rules 2: the ball wears its owner's colour (who scores if it goes out), white when nobody owns it.
    const owner = state.config.rules >= 2 ? state.lastHitter : -1;
    this.ball.tint = owner >= 0 ? playerColour(owner).hex : THEME.ball;
    const namesKey = `${v.localPlayer ?? -1}|${state.absent}|${(v.names ?? []).join('\u0000')}`;
    for (let p = 0; p < this.slots.length; p++) {
      const slot = this.slots[p];
      if (slot === undefined) continue;
      const o = paddleOrigin(state.config, p, shown.paddles[p] ?? 0);
      slot.paddle.position.set(o.x, o.y);
      const score = state.scores[p] ?? 0;
      if (score !== slot.lastScore) {
        slot.lastScore = score;
        slot.score.text = String(score);
      }
      if (namesKey !== this.namesKey) slot.name.text = labelOf(state, v.names, p) + (p === v.localPlayer ? ' (you)' : '');
    }
    this.namesKey = namesKey;
    const standing = standingOf(state, v.names);
    this.drawNotices(standing === undefined ? v.notices : [...(v.notices ?? []), standing], vp);
    this.drawOverlay(v);
    this.app.render();
    const t1 = this.now();
    this.timing.record(t1 - t0);
    this.frames.record({ atMs: t1, frame: state.frame, simulatedAtMs: v.simulatedAtMs, ballX: shown.ballX, ballY: shown.ballY, paddles: shown.paddles });
  }

  resize(): void {
    const size = hostSize(this.host);
    const resolution = resolutionFor(this.maxResolution);
    if (size.w === this.width && size.h === this.height && resolution === this.app.renderer.resolution) return;
    this.width = size.w;
    this.height = size.h;
    this.app.renderer.resize(size.w, size.h, resolution);
    this.key = '';
    if (this.last !== undefined) this.render(this.last);
  }

  viewport(): Viewport | undefined {
    return this.view;
  }

  clientToArena(clientX: number, clientY: number): { readonly x: number; readonly y: number } | undefined {
    const vp = this.view;
    if (vp === undefined) return undefined;
    const r = this.canvas.getBoundingClientRect();
    return { x: (clientX - r.left - vp.offsetX) / vp.scale, y: (clientY - r.top - vp.offsetY) / vp.scale };
  }

  arenaToClient(x: number, y: number): { readonly x: number; readonly y: number } | undefined {
    const vp = this.view;
    if (vp === undefined) return undefined;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + vp.offsetX + x * vp.scale, y: r.top + vp.offsetY + y * vp.scale };
  }

  destroy(): void {
    this.observer?.disconnect();
    this.app.destroy({ removeView: true }, { children: true });
  }

  /** Redraws everything that depends only on the config, the local player and the canvas size. */
  private rebuild(config: MatchConfig, localPlayer: number | undefined, absent: number): void {
    this.key = staticKey(config);
    this.absent = absent;
    this.localPlayer = localPlayer;
    this.namesKey = '';
    this.noticeKey = '';
    const vp = fitViewport(config, this.width, this.height);
    this.view = vp;
    this.world.position.set(vp.offsetX, vp.offsetY);
    this.world.scale.set(vp.scale);
    const a = config.arenaSize;
    const g = this.court.clear();
    g.rect(0, 0, a, a).fill(THEME.arena);
    g.circle(a / 2, a / 2, a * 0.09).stroke({ width: 2, color: THEME.wall, alpha: 0.25 });
    g.circle(a / 2, a / 2, 4).fill({ color: THEME.wall, alpha: 0.4 });
    for (let side = 0; side < 4; side++) {
      if (isWall(config, side) || ((absent >> side) & 1) === 1) {
        const w = wallRect(config, side);
        g.rect(w.x, w.y, w.w, w.h).fill(THEME.wall);
      } else {
        const r = goalRect(config, side);
        g.rect(r.x, r.y, r.w, r.h).fill({ color: playerColour(side).hex, alpha: 0.55 });
      }
    }
    for (const slot of this.slots.splice(0)) {
      slot.paddle.destroy();
      slot.score.destroy();
      slot.name.destroy();
    }
    const scoreSize = Math.max(14, vp.arena.w * 0.075);
    const nameSize = Math.max(11, vp.arena.w * 0.03);
    for (let p = 0; p < config.players; p++) {
      const colour = playerColour(p).hex;
      const s = paddleShape(config, p);
      const paddle = new Graphics().roundRect(s.x, s.y, s.w, s.h, 3).fill(colour);
      if (p === localPlayer) paddle.roundRect(s.x, s.y, s.w, s.h, 3).stroke({ width: 3, color: THEME.text, alpha: 0.9 });
      paddle.visible = ((absent >> p) & 1) === 0; // a player who left has no paddle
      this.world.addChild(paddle);
      const score = makeText(scoreSize, colour);
      score.alpha = 0.85;
      const name = makeText(nameSize, colour, '400');
      const at = labelAnchor(config, p);
      const c = toScreen(vp, at.x, at.y);
      score.position.set(c.x, c.y - nameSize * 0.6);
      name.position.set(c.x, c.y + scoreSize * 0.55);
      score.text = '0';
      this.labels.addChild(score, name);
      this.slots.push({ paddle, score, name, lastScore: 0 });
    }
    // Keep the ball above the paddles.
    this.world.addChild(this.ball);
    this.overlayTitle.style.fontSize = Math.max(24, vp.arena.w * 0.12);
    this.overlaySubtitle.style.fontSize = Math.max(13, vp.arena.w * 0.035);
    this.overlaySubtitle.style.wordWrap = true;
    this.overlaySubtitle.style.wordWrapWidth = vp.arena.w * 0.9;
    this.noticeText.style.fontSize = Math.max(12, vp.arena.w * 0.03);
    this.noticeText.style.wordWrap = true;
    this.noticeText.style.wordWrapWidth = vp.arena.w * 0.85;
    this.dim.clear().rect(vp.arena.x, vp.arena.y, vp.arena.w, vp.arena.h).fill({ color: THEME.dim, alpha: 0.85 });
    const cx = vp.arena.x + vp.arena.w / 2;
    const cy = vp.arena.y + vp.arena.h / 2;
    this.overlayTitle.position.set(cx, cy - vp.arena.h * 0.04);
    this.overlaySubtitle.position.set(cx, cy + vp.arena.h * 0.08);
    this.titleY = { screen: cy - vp.arena.h * 0.04, countdown: cy - vp.arena.h * 0.2 };
  }

  private drawNotices(notices: readonly string[] | undefined, vp: Viewport): void {
    const text = notices === undefined || notices.length === 0 ? '' : notices.slice(-3).join('\n');
    if (text === this.noticeKey) return;
    this.noticeKey = text;
    this.noticeText.text = text;
    const visible = text.length > 0;
    this.noticeText.visible = visible;
    this.noticeBox.visible = visible;
    if (!visible) return;
    const top = vp.arena.y + vp.arena.h * 0.03;
    const cx = vp.arena.x + vp.arena.w / 2;
    this.noticeText.position.set(cx, top + 6);
    const w = this.noticeText.width + 20;
    const hgt = this.noticeText.height + 12;
    this.noticeBox.clear().roundRect(cx - w / 2, top, w, hgt, 8).fill({ color: THEME.dim, alpha: 0.85 });
  }

  private drawOverlay(v: RenderView): void {
    const screen = this.overlayScreen(v);
    this.overlay.visible = screen !== undefined;
    if (screen === undefined) return;
    this.overlayTitle.text = screen.title;
    this.overlaySubtitle.text = screen.subtitle ?? '';
    // A countdown alone keeps the court visible; the winner screen dims it.
    this.dim.visible = screen.dim;
    this.overlayTitle.y = screen.dim ? this.titleY.screen : this.titleY.countdown;
  }

  private overlayScreen(v: RenderView): (OverlayScreen & { readonly dim: boolean }) | undefined {
    const s = v.state;
    if (v.winner !== null) {
      if (v.winner !== undefined) return { ...v.winner, dim: true };
      const outcome = outcomeOf(s, v.names);
      if (outcome !== undefined) return { ...outcome, dim: true };
    }
    if (v.countdown !== undefined && v.countdown.length > 0) return { title: v.countdown, dim: false };
    return undefined;
  }
}
