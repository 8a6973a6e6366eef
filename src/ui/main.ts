/**
 * The page entry: routes the address to a page and swaps pages on navigation (hash changes and
 * in-app links). The online match is not composed here yet: see landing.ts ("LEAD:") for where the
 * lobby and match get wired in.
 */
import './style.css';
import { mountLanding, mountLobbyPlaceholder, mountNotFound } from './landing.ts';
import type { Page } from './page.ts';
import { mountPractice } from './practice.ts';
import { mountReplayViewer } from './replay-viewer.ts';
import { parseRoute, type Route } from './router.ts';
import { testHook } from './test-hook.ts';
import { mountWidgetsDemo } from './widgets-demo.ts';

function mount(root: HTMLElement, route: Route): Page {
  switch (route.kind) {
    case 'landing': return mountLanding(root);
    case 'lobby': return mountLobbyPlaceholder(root, route.code);
    case 'replay': return mountReplayViewer(root);
    case 'practice': return mountPractice(root, route.players, route.countdownSeconds);
    case 'widgets': return mountWidgetsDemo(root);
    case 'not-found': return mountNotFound(root, route.path);
    default: return assertNever(route);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled route ${JSON.stringify(x)}`);
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
  window.addEventListener('hashchange', show);
  window.addEventListener('popstate', show);
  show();
}

start();
