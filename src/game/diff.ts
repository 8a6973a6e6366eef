/**
 * Field-level difference between two plain-data values (states, configs): the list of paths whose
 * leaf values differ, for desync forensics. Object keys are visited in sorted order so the report is
 * the same on every peer.
 */

/** One differing leaf: its path (e.g. `ball.vx`, `scores[1]`) and the two values. */
export interface FieldDiff {
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
}

/** Lists every leaf that differs between `a` and `b` (empty when they are structurally equal). */
export function diffStates(a: unknown, b: unknown, limit = 100): FieldDiff[] {
  const out: FieldDiff[] = [];
  walk(a, b, '', out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: FieldDiff[], limit: number): void {
  if (out.length >= limit || Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path === '' ? k : `${path}.${k}`, out, limit);
    return;
  }
  out.push({ path: path === '' ? '(root)' : path, a, b });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One line per difference, for logs and test failures. */
export function formatDiff(diffs: readonly FieldDiff[]): string {
  return diffs.map((d) => `${d.path}: ${JSON.stringify(d.a)} != ${JSON.stringify(d.b)}`).join('\n');
}
