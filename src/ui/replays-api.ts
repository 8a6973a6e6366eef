/**
 * The browser side of the server's replay API (signaling/replays/api.ts): upload a replay for
 * verification, list recent matches. Answers are checked before use: the server is trusted to be the
 * server, not to always be reachable or well-formed.
 */
import * as v from 'valibot';

/** Where the API lives (same origin as the page). */
export const REPLAYS_API = '/api/replays';

const CrossCheck = v.object({
  status: v.picklist(['single', 'confirmed', 'flagged']),
  confirmedBy: v.number(),
  conflicts: v.array(v.string()),
  conflictFrame: v.optional(v.number()),
});

/** A verified replay as the server describes it. */
export const SharedReplay = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/)),
  url: v.string(),
  createdAt: v.optional(v.string()),
  verified: v.literal(true),
  frames: v.number(),
  finalChecksum: v.string(),
  players: v.number(),
  names: v.optional(v.array(v.string()), []),
  scores: v.array(v.number()),
  winner: v.number(),
  crossCheck: v.optional(CrossCheck),
});
/** A verified replay as the server describes it. */
export type SharedReplay = v.InferOutput<typeof SharedReplay>;

/** An API outcome. */
export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

async function call<T>(schema: v.GenericSchema<unknown, T>, input: string, init?: RequestInit): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(input, init);
  } catch {
    return { ok: false, error: 'the server cannot be reached' };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, error: `the server answered ${res.status} without JSON` };
  }
  if (!res.ok) {
    const error = typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    return { ok: false, error: res.status === 422 ? `the server could not reproduce this replay: ${error}` : error };
  }
  const parsed = v.safeParse(schema, body);
  return parsed.success ? { ok: true, value: parsed.output } : { ok: false, error: 'unexpected answer from the server' };
}

/** Uploads a replay's JSON text (tagged with its lobby's code); the server re-simulates it before answering. */
export function uploadReplay(text: string, lobby?: string): Promise<ApiResult<SharedReplay>> {
  const url = lobby === undefined ? REPLAYS_API : `${REPLAYS_API}?lobby=${encodeURIComponent(lobby)}`;
  return call(SharedReplay, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
}

/** A lobby's finished matches, in order (one entry per match). */
export async function lobbyMatches(lobby: string): Promise<ApiResult<readonly SharedReplay[]>> {
  const r = await call(v.object({ matches: v.array(SharedReplay) }), `${REPLAYS_API}?lobby=${encodeURIComponent(lobby)}`);
  return r.ok ? { ok: true, value: r.value.matches } : r;
}

/** Wins per player name across `matches` (the series score), in order of first appearance. */
export function seriesScore(matches: readonly SharedReplay[]): { readonly name: string; readonly wins: number }[] {
  const wins = new Map<string, number>();
  for (const m of matches) {
    for (let p = 0; p < m.players; p++) {
      const name = m.names[p] ?? `Player ${p + 1}`;
      wins.set(name, (wins.get(name) ?? 0) + (m.winner === p ? 1 : 0));
    }
  }
  return [...wins].map(([name, n]) => ({ name, wins: n }));
}

/** The most recent verified replays. */
export async function recentReplays(limit = 20): Promise<ApiResult<readonly SharedReplay[]>> {
  const r = await call(v.object({ replays: v.array(SharedReplay) }), `${REPLAYS_API}?limit=${limit}`);
  return r.ok ? { ok: true, value: r.value.replays } : r;
}

/** The file URL of a shared replay. */
export function replayFileUrl(id: string): string {
  return `${REPLAYS_API}/${encodeURIComponent(id)}/file`;
}

/** "confirmed by 2 players" and friends. */
export function crossCheckText(r: SharedReplay): string {
  const c = r.crossCheck;
  if (c === undefined || c.status === 'single') return 'verified by the server';
  if (c.status === 'confirmed') return `verified, confirmed by ${c.confirmedBy} players`;
  const n = c.conflicts.length;
  return `verified, but flagged: ${n} other upload${n === 1 ? ' of this match differs' : 's of this match differ'}${c.conflictFrame === undefined ? '' : ` from frame ${c.conflictFrame}`}`;
}
