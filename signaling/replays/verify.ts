/**
 * What the server checks in an uploaded replay, as a pure function of its text (run in the verify
 * worker): parse with the game's own replay parser, re-simulate every frame with the same deterministic
 * core, compare every recorded checksum, and take the final scores and winner from the simulation —
 * never from the file's own claims, which must agree with it.
 */
import { createHash } from 'node:crypto';
import { CONFIG_RANGES } from '../../src/game/config.ts';
import { formatChecksum } from '../../src/game/checksum.ts';
import { parseReplay, verifyReplay } from '../../src/game/replay.ts';

/** Summary of a replay that re-simulated to its own checksums. */
export interface VerifiedSummary {
  readonly frames: number;
  readonly players: number;
  readonly finalChecksum: string;
  readonly scores: readonly number[];
  readonly winner: number;
  readonly names: readonly string[];
  /** Verified `[frame, checksum hex]` checkpoints: what the cross-check compares. */
  readonly checkpoints: readonly (readonly [number, string])[];
  /** sha256 of the match config (with its seed) and names: uploads of one match share it. */
  readonly matchKey: string;
  /** sha256 of the uploaded text: the same file from the same uploader is stored once. */
  readonly contentHash: string;
}

/** The verdict on one upload. */
export type VerifyOutcome =
  | { readonly kind: 'verified'; readonly summary: VerifiedSummary }
  | { readonly kind: 'invalid'; readonly error: string }
  | { readonly kind: 'mismatch'; readonly frame: number; readonly expected: string; readonly actual: string; readonly error: string };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Parses and re-simulates `text`; replays longer than `maxFrames` are refused before simulating. */
export function verifyUpload(text: string, maxFrames: number): VerifyOutcome {
  const parsed = parseReplay(text);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error };
  const replay = parsed.replay;
  if (replay.frames > maxFrames) return { kind: 'invalid', error: `replay has ${replay.frames} frames; this server accepts at most ${maxFrames}` };
  if (replay.frames === 0) return { kind: 'invalid', error: 'replay has no frames' };
  const verdict = verifyReplay(replay);
  if (!verdict.ok) {
    const expected = formatChecksum(verdict.expected);
    const actual = formatChecksum(verdict.actual);
    return { kind: 'mismatch', frame: verdict.frame, expected, actual, error: `checksum mismatch at frame ${verdict.frame}: recorded ${expected}, re-simulated ${actual}` };
  }
  const { scores, winner } = verdict.state;
  const claimedScores = replay.finalScores;
  if (claimedScores.length !== scores.length || claimedScores.some((s, i) => s !== scores[i]) || replay.winner !== winner) {
    return {
      kind: 'mismatch', frame: replay.frames, expected: JSON.stringify({ scores: claimedScores, winner: replay.winner }),
      actual: JSON.stringify({ scores, winner }), error: 'final scores or winner differ from the re-simulation',
    };
  }
  // The match key: the config (its seed is random per match) and the names, in a fixed key order.
  const config = replay.config;
  const canonical = JSON.stringify({ config: Object.keys(CONFIG_RANGES).map((k) => config[k as keyof typeof config]), names: replay.names });
  return {
    kind: 'verified',
    summary: {
      frames: replay.frames,
      players: config.players,
      finalChecksum: formatChecksum(verdict.checksum),
      scores: [...scores],
      winner,
      names: [...replay.names],
      checkpoints: withFinal(replay.checksums.map(([f, c]): [number, string] => [f, formatChecksum(c)]), replay.frames, formatChecksum(verdict.checksum)),
      matchKey: sha256(canonical),
      contentHash: sha256(text),
    },
  };
}

function withFinal(points: [number, string][], frames: number, final: string): [number, string][] {
  return points[points.length - 1]?.[0] === frames ? points : [...points, [frames, final]];
}
