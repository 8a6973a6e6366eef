/**
 * The page entry and composition root: builds online play's environment from the outside world
 * (`performance.now`, `crypto`, `location`, the WebRTC transport named by `?transport=` (relay-only ICE
 * with `?relay=1`), the lag named by
 * `?lag=&jitter=&loss=`), routes the address to a page and swaps pages on navigation (history and hash
 * changes).
 */
import './style.css';
import { linkConditionsFromSearchParams, PERFECT_LINK } from '../transport/link-model.ts';
import { mountLanding, mountNotFound, type ActionResult, type LandingActions } from './landing.ts';
import { browserTransport, relayOnlyFromSearch, signalingUrl, transportFromSearch } from './links.ts';
import { mountLobbyPage } from './lobby-page.ts';
import { mountMatchesPage } from './matches-page.ts';
import { OnlineHub, type OnlineEnv } from './online.ts';
import { lobbyLinkPath } from '../lobby/protocol.ts';
import type { RejoinStore } from '../lobby/signaling-client.ts';
import type { Page } from './page.ts';
import { mountPractice } from './practice.ts';
import { mountReplayViewer } from './replay-viewer.ts';
import { replayFileUrl } from './replays-api.ts';
import { parseRoute, type Route } from './router.ts';
import { testHook } from './test-hook.ts';
import { mountWidgetsDemo } from './widgets-demo.ts';
import { assertNever } from '../shared/assert-never.ts';

/** The countdown before frame 0 from `?countdown=<seconds>` (0..9, default 3). */
function countdownMs(params: URLSearchParams): number {
  const c = Number(params.get('countdown') ?? '3');
  return Number.isInteger(c) && c >= 0 && c <= 9 ? c * 1000 : 3000;
}

function onlineEnv(navigate: (href: string) => void): OnlineEnv {
  const params = new URLSearchParams(location.search);
  const lag = linkConditionsFromSearchParams(params);
  const transport = transportFromSearch(location.search);
  const link = browserTransport(transport, location, relayOnlyFromSearch(location.search));
  const words = new Uint32Array(1);
  return {
    now: () => performance.now(),
    timeOrigin: performance.timeOrigin,
    random: () => {
      crypto.getRandomValues(words);
      return words[0] ?? 0;
    },
    signalingUrl: signalingUrl(location),
    transport,
    prepareLink: () => link.prepare(),
    createLink: (ctx) => link.createLink(ctx),
    lag: lag.ok ? lag.value : PERFECT_LINK,
    lagError: lag.ok ? undefined : lag.error,
    countdownMs: countdownMs(params),
    origin: location.origin,
    search: location.search,
    navigate,
    rejoinStore: localRejoinStore(),
  };
}

/** Rejoin tokens in `localStorage`, one key per lobby code (storage may be unavailable: then none). */
function localRejoinStore(): RejoinStore {
  const key = (code: string): string => `rollback-pong.rejoin.${code}`;
  const attempt = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch {
      return fallback;
    }
  };
  return {
    load: (code) => attempt(() => localStorage.getItem(key(code)), null),
    save: (code, token) => attempt(() => localStorage.setItem(key(code), token), undefined),
    forget: (code) => attempt(() => localStorage.removeItem(key(code)), undefined),
  };
}

function start(): void {
  const root = document.getElementById('app');
  if (root === null) throw new Error('index.html has no #app element');
  testHook();
  let page: Page | undefined;
  let key = '';
  const show = (): void => {
    const route = parseRoute(location.pathname, location.search, location.hash);
    const next = JSON.stringify(route);
    if (next === key) return;
    key = next;
    page?.destroy();
    page = mount(root, route);
    document.title = route.kind === 'landing' ? 'Rollback Pong' : `Rollback Pong · ${route.kind.replace('-', ' ')}`;
  };
  const navigate = (href: string): void => {
    history.pushState(null, '', href);
    show();
  };
  const hub = new OnlineHub(onlineEnv(navigate));
  const enter = (r: Awaited<ReturnType<OnlineHub['create']>>): ActionResult => {
    if (!r.ok) return { ok: false, error: r.error };
    // Keep the query (lag and transport settings) on the lobby page.
    navigate(r.room.linkPath + location.search);
    return { ok: true };
  };
  const actions: LandingActions = {
    createLobby: async (name, settings) => enter(await hub.create(name, settings)),
    joinLobby: async (code, name) => {
      const r = await hub.join(code, name);
      // A full or playing lobby can still be watched (the lobby page's Watch, `?watch=1`).
      if (!r.ok && (r.code === 'lobby-full' || r.code === 'in-progress')) return { ok: false, error: r.error, watchPath: `${lobbyLinkPath(code)}?watch=1` };
      return enter(r);
    },
  };
  const mount = (host: HTMLElement, route: Route): Page => {
    switch (route.kind) {
      case 'landing': return mountLanding(host, actions);
      case 'lobby': return mountLobbyPage(host, route.code, hub);
      case 'replay': return mountReplayViewer(host);
      case 'shared-replay': return mountReplayViewer(host, { url: replayFileUrl(route.id), name: `shared replay ${route.id}` });
      case 'matches': return mountMatchesPage(host);
      case 'practice': return mountPractice(host, route.players, route.countdownSeconds);
      case 'widgets': return mountWidgetsDemo(host);
      case 'not-found': return mountNotFound(host, route.path);
      default: return assertNever(route, 'route');
    }
  };
  window.addEventListener('hashchange', show);
  window.addEventListener('popstate', show);
  // Closing the tab or navigating away says goodbye (lobby server and peers), so the others see
  // "X left" at once instead of waiting out the 5 s silence timeout; the seat stays resumable.
  window.addEventListener('pagehide', () => hub.pageHidden());
  show();
}

start();
