/**
 * Replay files made for server tests and the bench: a real simulation of pseudo-random inputs
 * (seeded, so every run builds the same file), encoded exactly as the browser encodes them.
 */
import { buildReplay, encodeReplay, makeConfig } from '../../src/game/index.ts';

/** Options of `makeReplayText`. */
export interface ReplayFileOptions {
  readonly players?: number;
  readonly frames?: number;
  /** The match seed (uploads of one match share it). */
  readonly seed?: number;
  /** Seed of the input generator: a different one makes a different match under the same config. */
  readonly inputSeed?: number;
  readonly names?: readonly string[];
}

/** Inputs held for a few frames at a time, as a player's would be. */
export function makeInputs(players: number, frames: number, inputSeed: number): number[][] {
  let x = inputSeed >>> 0 || 1;
  const held = new Array<number>(players).fill(0);
  const out: number[][] = [];
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < players; p++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      if (x % 12 === 0) held[p] = (x >>> 8) % 3; // 0 none, 1 and 2 the two directions
    }
    out.push([...held]);
  }
  return out;
}

/** A valid replay file's text. */
export function makeReplayText(o: ReplayFileOptions = {}): string {
  const players = o.players ?? 2;
  const config = makeConfig({ players, seed: o.seed ?? 12345 });
  const names = o.names ?? Array.from({ length: players }, (_, i) => `P${i + 1}`);
  return encodeReplay(buildReplay(config, makeInputs(players, o.frames ?? 600, o.inputSeed ?? 7), { names }));
}
