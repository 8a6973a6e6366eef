/**
 * A member's byte budgets toward its relay targets (signals, chat and records it sends to one other
 * member): one token bucket per target, in a short linked list on the member's socket. Past
 * `MAX_RELAY_BUDGETS` the budgets toward gone targets and the refilled ones are forgotten first (a
 * fresh one is the same), so a member holds a handful at most (docs/lobby-protocol.md, relay bounds).
 */
import type { ResolvedOptions } from './config.ts';
import type { MemberSink } from './lobbies.ts';
import { bucketFull } from './rate-limit.ts';
import type { TokenBucket } from './rate-limit.ts';

/** Relay budgets a member keeps before it forgets the gone targets and refilled ones among them. */
export const MAX_RELAY_BUDGETS = 4;

/**
 * A member's byte budget toward one relay target: a token bucket (plain fields: getters here made
 * `takeToken` several times slower), linked to the member's next one.
 */
export class RelayBudget implements TokenBucket {
  readonly ratePerMs: number;
  readonly burst: number;
  tokens: number;
  constructor(readonly target: MemberSink, options: ResolvedOptions, tokens: number, public lastMs: number, readonly next: RelayBudget | null) {
    this.ratePerMs = options.relayBytesPerSecond / 1000;
    this.burst = options.relayBurstBytes;
    this.tokens = tokens;
  }
}

/** Whether a relay target's socket is gone (its budget can be forgotten). */
export type TargetGone = (target: MemberSink) => boolean;

/** `list` without the budgets toward gone targets and the refilled ones (null when none is left). */
export function keptBudgets(list: RelayBudget | null, options: ResolvedOptions, nowMs: number, gone: TargetGone): RelayBudget | null {
  const spent = (b: RelayBudget): boolean => gone(b.target) || bucketFull(b, nowMs);
  let any = false;
  for (let b = list; b !== null && !any; b = b.next) any = spent(b);
  if (!any) return list; // the usual case: nothing to copy
  let kept: RelayBudget | null = null;
  for (let b = list; b !== null; b = b.next) if (!spent(b)) kept = new RelayBudget(b.target, options, b.tokens, b.lastMs, kept);
  return kept;
}

/** The budget toward `target` in `list`, or null (no allocation: this runs for every relay). */
export function findBudget(list: RelayBudget | null, target: MemberSink): RelayBudget | null {
  for (let b = list; b !== null; b = b.next) if (b.target === target) return b;
  return null;
}

/** `list` with a new full budget toward `target` at its head (pruned first when it is long). */
export function addBudget(list: RelayBudget | null, target: MemberSink, options: ResolvedOptions, nowMs: number, gone: TargetGone): RelayBudget {
  let count = 0;
  for (let b = list; b !== null; b = b.next) count++;
  const rest = count >= MAX_RELAY_BUDGETS ? keptBudgets(list, options, nowMs, gone) : list;
  return new RelayBudget(target, options, options.relayBurstBytes, nowMs, rest);
}
