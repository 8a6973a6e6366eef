/**
 * Cross-check of several uploads of one match (same match key: config with its per-match seed, and
 * names). Every upload was re-simulated by the server, so its checkpoints are true for its own inputs;
 * two uploads agree when every checkpoint frame they share has the same checksum (a player who saved
 * the replay a little later has more frames, not a different match). Distinct uploaders that agree
 * with this upload confirm it; any that disagree flag the match.
 */
import type { ReplayRecord } from './store.ts';

/** What the other uploads of the match say. */
export interface CrossCheck {
  /** `single` (nobody else uploaded it), `confirmed` (others agree) or `flagged` (someone disagrees). */
  readonly status: 'single' | 'confirmed' | 'flagged';
  /** Distinct uploaders whose replay agrees with this one, this one included. */
  readonly confirmedBy: number;
  /** Ids of uploads of the same match that disagree. */
  readonly conflicts: readonly string[];
  /** First checkpoint frame where the first conflicting upload differs. */
  readonly conflictFrame?: number;
}

/** The first shared checkpoint frame where `a` and `b` differ, or undefined when they agree. */
export function firstDisagreement(a: ReplayRecord, b: ReplayRecord): number | undefined {
  const theirs = new Map(b.checkpoints.map(([f, c]) => [f, c]));
  for (const [frame, sum] of a.checkpoints) {
    const other = theirs.get(frame);
    if (other !== undefined && other !== sum) return frame;
  }
  return undefined;
}

/** Cross-checks `self` against the uploads of its match (`others` may include `self`). */
export function crossCheck(self: ReplayRecord, others: readonly ReplayRecord[]): CrossCheck {
  const agreeing = new Set([self.uploader]);
  const conflicts: string[] = [];
  let conflictFrame: number | undefined;
  for (const o of others) {
    if (o.id === self.id) continue;
    const frame = firstDisagreement(self, o);
    if (frame === undefined) agreeing.add(o.uploader);
    else {
      conflicts.push(o.id);
      conflictFrame ??= frame;
    }
  }
  const status = conflicts.length > 0 ? 'flagged' : agreeing.size > 1 ? 'confirmed' : 'single';
  return { status, confirmedBy: agreeing.size, conflicts, ...(conflictFrame === undefined ? {} : { conflictFrame }) };
}
