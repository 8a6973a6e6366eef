/**
 * Canonical 32-bit checksum of a game state: FNV-1a (Fowler/Noll/Vo) over the little-endian bytes of
 * every integer field, in a fixed field order written out below (never object-key iteration order);
 * the rules-2 fields only for rules-2 configs, so rules-1 states keep the checksums old replays record.
 * Equal states give equal checksums on every engine; it is what peers exchange to detect desyncs.
 */
import { FNV1A_OFFSET, fnv1aMix } from '../shared/fnv1a.ts';
import type { GameState } from './state.ts';

/** Feeds the 4 little-endian bytes of an int32/uint32 into an FNV-1a hash. */
function mix(h: number, word: number): number {
  h = fnv1aMix(h, word & 0xff);
  h = fnv1aMix(h, (word >>> 8) & 0xff);
  h = fnv1aMix(h, (word >>> 16) & 0xff);
  return fnv1aMix(h, word >>> 24);
}

/** The state's checksum as an unsigned 32-bit integer. */
export function checksum(s: GameState): number {
  const c = s.config;
  let h = FNV1A_OFFSET;
  h = mix(h, c.players);
  h = mix(h, c.pointsToWin);
  h = mix(h, c.arenaSize);
  h = mix(h, c.ballSpeed);
  h = mix(h, c.paddleLength);
  h = mix(h, c.paddleSpeed);
  h = mix(h, c.seed);
  h = mix(h, s.frame);
  h = mix(h, s.rng);
  h = mix(h, s.ball.x);
  h = mix(h, s.ball.y);
  h = mix(h, s.ball.vx);
  h = mix(h, s.ball.vy);
  h = mix(h, s.ball.speed);
  for (let p = 0; p < c.players; p++) {
    h = mix(h, s.paddles[p] ?? 0);
    h = mix(h, s.scores[p] ?? 0);
  }
  h = mix(h, s.lastHitter);
  h = mix(h, s.serveTimer);
  h = mix(h, s.rally);
  h = mix(h, s.winner);
  // Rules 2 fields (after the rules-1 ones, so a rules-1 state hashes exactly as before they existed).
  if (c.rules >= 2) {
    h = mix(h, c.rules);
    h = mix(h, c.forfeitFrames);
    h = mix(h, s.absent);
    h = mix(h, s.alone);
  }
  return h >>> 0;
}

/** A checksum as 8 lower-case hex digits (how replays and logs show it). */
export function formatChecksum(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
