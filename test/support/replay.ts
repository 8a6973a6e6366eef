/**
 * One-line determinism check for tests: `expectReplayReproduces('test/fixtures/replays/pong-2p.json')`
 * re-simulates a recorded match headless and throws a readable Error on the first difference.
 */
import { readFileSync } from 'node:fs';
import { formatChecksum, parseReplay, verifyReplay } from '../../src/game/index.ts';

/**
 * Reads, parses and re-simulates the replay at `path` (relative to the working directory or absolute).
 * Returns quietly when every recorded checksum and the final one reproduce; otherwise throws an Error
 * naming the file, the first frame whose checksum differs, and the expected and actual checksums (or
 * the reason the file could not be read or parsed).
 */
export function expectReplayReproduces(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`replay ${path}: cannot read file (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const parsed = parseReplay(text);
  if (!parsed.ok) throw new Error(`replay ${path} is malformed: ${parsed.error}`);
  const verdict = verifyReplay(parsed.replay);
  if (!verdict.ok) {
    throw new Error(
      `replay ${path} does not reproduce: first mismatch at frame ${verdict.frame}, ` +
        `expected checksum ${formatChecksum(verdict.expected)}, actual ${formatChecksum(verdict.actual)}`,
    );
  }
}
