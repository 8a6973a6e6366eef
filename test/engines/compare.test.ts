/** The trace comparison of the cross-engine check on hand-made traces (no engine needed). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseReplay } from '../../src/game/index.ts';
import { compareTraces, describeMismatch, referenceTrace } from './support/compare.ts';

const parsed = parseReplay(readFileSync('test/fixtures/replays/pong-2p.json', 'utf8'));
if (!parsed.ok) throw new Error(parsed.error);
const ref = referenceTrace('pong-2p.json', parsed.replay);

describe('compareTraces', () => {
  it('agreeing traces give no mismatch, and the reference matches its own file', () => {
    expect(compareTraces('x', [ref], [{ ok: true, frames: ref.checksums.length, checksums: [...ref.checksums] }])).toEqual([]);
  });

  it('one corrupted frame is named (engine, file, frame) against Node, and at the next checkpoint against the file', () => {
    const checksums = [...ref.checksums];
    checksums[1233] = (checksums[1233] ?? 0) ^ 1; // the state after frame 1234
    checksums[1259] = (checksums[1259] ?? 0) ^ 1; // ... still wrong at the checkpoint of frame 1260
    const mismatches = compareTraces('jsc', [ref], [{ ok: true, frames: checksums.length, checksums }]);
    expect(mismatches.map((m) => [m.engine, m.file, m.against, m.frame])).toEqual([['jsc', 'pong-2p.json', 'node', 1234], ['jsc', 'pong-2p.json', 'file', 1260]]);
    const [first] = mismatches;
    expect(first && describeMismatch(first)).toMatch(/^jsc: pong-2p\.json differs from Node's trace at frame 1234: expected [0-9a-f]{8}, actual [0-9a-f]{8}$/);
  });

  it('a missing, failed or short trace is a mismatch too', () => {
    expect(compareTraces('a', [ref], [])[0]).toMatchObject({ engine: 'a', frame: 0, actual: 'no trace' });
    expect(compareTraces('b', [ref], [{ ok: false, error: 'boom' }])[0]).toMatchObject({ engine: 'b', actual: 'error: boom' });
    expect(compareTraces('c', [ref], [{ ok: true, frames: 10, checksums: ref.checksums.slice(0, 10) }])[0]).toMatchObject({ engine: 'c', actual: '10 frames' });
  });
});
