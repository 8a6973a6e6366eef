/**
 * Player-facing notices: session events turned into short sentences, and a list of notices that
 * expire, driven by the caller's clock (`nowMs`), so it is deterministic under test.
 */
import type { CheatReason, DepartureReason, SessionEvent, StateLostReason } from '../netcode/types.ts';
import { formatChecksum } from '../game/index.ts';
import { assertNever } from '../shared/assert-never.ts';

/** Names a remote peer (by its peer id) for messages; return e.g. the player's chosen name. */
export type PeerNamer = (peer: string) => string;

/** The notice for a session event, or `undefined` for events players need not see. */
export function noticeForEvent(event: SessionEvent, nameOf: PeerNamer): string | undefined {
  switch (event.kind) {
    case 'synchronized': return undefined;
    case 'network-interrupted': return `${nameOf(event.peer)}'s connection interrupted…`;
    case 'network-resumed': return `${nameOf(event.peer)} is back`;
    case 'disconnected': return departureNotice(nameOf(event.peer), event.reason);
    case 'desync': return `Desync detected at frame ${event.report.frame} (${formatChecksum(event.report.localChecksum)} ≠ ${formatChecksum(event.report.remoteChecksum)})`;
    case 'state-lost': return stateLostNotice(nameOf(event.peer), event.reason);
    case 'stall': return undefined;
    case 'desync-diff': return undefined;
    case 'local-disconnected': return 'You were disconnected from the match';
    case 'cheating': return cheatingNotice(nameOf(event.peer), event.reason);
    case 'finality-withheld': return `${nameOf(event.peer)} is holding the match's confirmation back`;
    case 'rejoined': return `${nameOf(event.peer)} rejoined the match`;
    default: return assertNever(event, 'event');
  }
}

function departureNotice(name: string, reason: DepartureReason): string {
  switch (reason) {
    case 'left': return `${name} left the match`;
    case 'lost': return `${name} disconnected`;
    case 'expelled': return `${name} was removed from the match (two different input records: a modified client)`;
    default: return assertNever(reason, 'departure reason');
  }
}

/** Not a desync report (no checksums were compared): a correction this game could no longer apply. */
function stateLostNotice(name: string, reason: StateLostReason): string {
  switch (reason) {
    case 'departure': return `${name}'s departure was agreed too late to replay here: your game is out of sync`;
    case 'record': return `${name}'s input was corrected too late to replay here: your game is out of sync`;
    default: return assertNever(reason, 'state-lost reason');
  }
}

function cheatingNotice(name: string, reason: CheatReason): string {
  switch (reason) {
    case 'conflicting-records': return `${name} published two different input records (a modified client)`;
    case 'contradicts-record': return `${name} sent you inputs that contradict its own record (a modified client); corrected`;
    case 'unrecoverable': return `${name} sent you inputs that contradict its own record too late to correct: this match is out of sync`;
    default: return assertNever(reason, 'cheat reason');
  }
}

/** One shown notice. */
export interface Notice {
  readonly text: string;
  /** When it disappears (ms, caller's clock); `Infinity` for sticky notices. */
  readonly untilMs: number;
  /** Notices with the same key replace each other (e.g. one per peer). */
  readonly key: string;
}

/** A short list of notices with expiry. */
export class NoticeList {
  private items: Notice[] = [];

  /** @param limit most notices kept; the oldest go first */
  constructor(private readonly limit = 4) {}

  /** Shows `text` until `nowMs + ttlMs` (default 4 s), replacing any notice with the same key. */
  add(text: string, nowMs: number, options: { readonly ttlMs?: number; readonly key?: string } = {}): void {
    const key = options.key ?? text;
    this.items = this.items.filter((n) => n.key !== key);
    this.items.push({ text, key, untilMs: nowMs + (options.ttlMs ?? 4000) });
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
  }

  /** Removes the notice with this key. */
  remove(key: string): void {
    this.items = this.items.filter((n) => n.key !== key);
  }

  /** Texts of the notices still shown at `nowMs`, oldest first (drops expired ones). */
  active(nowMs: number): readonly string[] {
    if (this.items.some((n) => n.untilMs <= nowMs)) this.items = this.items.filter((n) => n.untilMs > nowMs);
    return this.items.map((n) => n.text);
  }
}

/**
 * Shows the notice for `event` in `list` with a sensible lifetime: an interruption stays until the
 * peer resumes or disconnects (same key, so the newer notice replaces it); the others fade.
 */
export function applySessionEvent(list: NoticeList, event: SessionEvent, nowMs: number, nameOf: PeerNamer): void {
  const text = noticeForEvent(event, nameOf);
  if (text === undefined) return;
  switch (event.kind) {
    case 'network-interrupted':
      list.add(text, nowMs, { key: `net:${event.peer}`, ttlMs: Number.POSITIVE_INFINITY });
      return;
    case 'network-resumed':
      list.add(text, nowMs, { key: `net:${event.peer}`, ttlMs: 2500 });
      return;
    case 'disconnected':
      list.add(text, nowMs, { key: `net:${event.peer}`, ttlMs: 8000 });
      return;
    default:
      list.add(text, nowMs, { key: event.kind, ttlMs: 8000 });
  }
}
