/**
 * Compares an engine's per-frame checksum traces with Node's reference (src/game run directly, not the
 * bundle) and with the checkpoints recorded in each replay file. Reports the FIRST differing frame per
 * replay and source, naming the engine, so a failure says where to start looking.
 */
import { checksum, formatChecksum, initialState, step, type Replay } from '../../../src/game/index.ts';
import type { EngineTrace } from './engine-entry.ts';

/** A replay under check: its file name, parsed content and Node's per-frame checksums. */
export interface ReferenceTrace {
  readonly file: string;
  readonly replay: Replay;
  /** `checksums[i]`: checksum after `i + 1` frames, from src/game in this Node process. */
  readonly checksums: readonly number[];
}

/** One disagreement. */
export interface Mismatch {
  readonly engine: string;
  readonly file: string;
  /** What the engine was compared against: Node's trace or a checkpoint recorded in the file. */
  readonly against: 'node' | 'file';
  /** First frame (state after `frame` steps) that differs; 0 when the trace is missing or broken. */
  readonly frame: number;
  readonly expected: string;
  readonly actual: string;
}

/** Re-simulates a replay in this process, keeping every frame's checksum. */
export function referenceTrace(file: string, replay: Replay): ReferenceTrace {
  const checksums: number[] = [];
  let state = initialState(replay.config);
  for (let f = 0; f < replay.frames; f++) {
    state = step(state, replay.inputs[f] ?? []);
    checksums.push(checksum(state));
  }
  return { file, replay, checksums };
}

/** Every mismatch of `traces` (one per reference, same order) from one engine; empty when all agree. */
export function compareTraces(engine: string, references: readonly ReferenceTrace[], traces: readonly EngineTrace[]): Mismatch[] {
  const out: Mismatch[] = [];
  references.forEach((ref, i) => {
    const trace = traces[i];
    const broken = (actual: string): void => void out.push({ engine, file: ref.file, against: 'node', frame: 0, expected: `${ref.checksums.length} frames`, actual });
    if (trace === undefined) return broken('no trace');
    if (!trace.ok) return broken(`error: ${trace.error}`);
    if (trace.checksums.length !== ref.checksums.length) return broken(`${trace.checksums.length} frames`);
    const first = ref.checksums.findIndex((c, f) => trace.checksums[f] !== c);
    if (first >= 0) out.push({ engine, file: ref.file, against: 'node', frame: first + 1, expected: formatChecksum(ref.checksums[first] ?? 0), actual: formatChecksum(trace.checksums[first] ?? 0) });
    const recorded: (readonly [number, number])[] = [...ref.replay.checksums, [ref.replay.frames, ref.replay.finalChecksum]];
    const bad = recorded.find(([frame, c]) => frame > 0 && trace.checksums[frame - 1] !== c);
    if (bad !== undefined) out.push({ engine, file: ref.file, against: 'file', frame: bad[0], expected: formatChecksum(bad[1]), actual: formatChecksum(trace.checksums[bad[0] - 1] ?? 0) });
  });
  return out;
}

/** One line per mismatch, for failure messages. */
export function describeMismatch(m: Mismatch): string {
  return `${m.engine}: ${m.file} differs from ${m.against === 'node' ? "Node's trace" : 'the recorded checkpoint'} at frame ${m.frame}: expected ${m.expected}, actual ${m.actual}`;
}
