/**
 * Client-side routes. Paths for pages the server knows (`/`, `/lobby/<code>`, which the signaling
 * server answers with index.html), hashes for pages that must work from any static host
 * (`#/replay`, `#/practice`, `#/widgets`); `/replay` and `/practice` paths also work where served.
 * `/replay/<id>` (a replay shared through the server) and `/matches` need the signaling server.
 */
import { assertNever } from '../shared/assert-never.ts';

/** A parsed route. */
export type Route =
  | { readonly kind: 'landing' }
  | { readonly kind: 'lobby'; readonly code: string }
  | { readonly kind: 'replay' }
  | { readonly kind: 'shared-replay'; readonly id: string }
  | { readonly kind: 'matches' }
  | { readonly kind: 'practice'; readonly players: number; readonly countdownSeconds: number }
  | { readonly kind: 'widgets' }
  | { readonly kind: 'not-found'; readonly path: string };

/** Lobby codes: letters, digits, '-' and '_', 1..32 characters. */
export const LOBBY_CODE = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses a location's path, query and hash into a route. */
export function parseRoute(pathname: string, search = '', hash = ''): Route {
  const hashPath = hash.replace(/^#\/?/, '');
  const [hashName = '', hashQuery = ''] = hashPath.split('?', 2);
  const path = pathname.replace(/\/+$/, '') || '/';
  const name = hashName !== '' ? hashName : path === '/' || path === '/index.html' ? '' : path.slice(1);
  const query = new URLSearchParams(hashName !== '' ? hashQuery : search);
  if (name === '') return { kind: 'landing' };
  if (name === 'replay') return { kind: 'replay' };
  if (name === 'widgets') return { kind: 'widgets' };
  if (name === 'matches') return { kind: 'matches' };
  const shared = /^replay\/([A-Za-z0-9_-]{16})$/.exec(name);
  if (shared?.[1] !== undefined) return { kind: 'shared-replay', id: shared[1] };
  if (name === 'practice') {
    const n = Number(query.get('players') ?? '2');
    const c = Number(query.get('countdown') ?? '3');
    return {
      kind: 'practice',
      players: Number.isInteger(n) && n >= 2 && n <= 4 ? n : 2,
      countdownSeconds: Number.isInteger(c) && c >= 0 && c <= 9 ? c : 3,
    };
  }
  const lobby = /^lobby\/([^/]+)$/.exec(name);
  if (lobby !== null) {
    const code = safeDecode(lobby[1] ?? '');
    if (code !== undefined && LOBBY_CODE.test(code)) return { kind: 'lobby', code };
  }
  return { kind: 'not-found', path: hashName !== '' ? `#/${hashPath}` : pathname };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined; // malformed %-escapes
  }
}

/** The URL of a route (hash routes stay on the current path's origin root). */
export function routeHref(route: Route): string {
  switch (route.kind) {
    case 'landing': return '/';
    case 'lobby': return `/lobby/${encodeURIComponent(route.code)}`;
    case 'replay': return '/#/replay';
    case 'practice': return `/#/practice?players=${route.players}${route.countdownSeconds === 3 ? '' : `&countdown=${route.countdownSeconds}`}`;
    case 'widgets': return '/#/widgets';
    case 'shared-replay': return `/replay/${route.id}`;
    case 'matches': return '/matches';
    case 'not-found': return route.path;
    default: return assertNever(route, 'route');
  }
}

