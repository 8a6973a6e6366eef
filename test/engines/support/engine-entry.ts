/**
 * Entry of the cross-engine bundle (engine-bundle.ts): the game simulation plus immer, and one function
 * that re-simulates replay files and returns the checksum of the state after EVERY frame. It runs
 * unchanged in Node's V8, Chromium, Firefox (SpiderMonkey) and JavaScriptCore; the test compares the
 * traces frame by frame. Only language built-ins are used here (no DOM, no Node APIs, no console).
 */
import { checksum, initialState, parseReplay, step } from '../../../src/game/index.ts';

/** What one engine computed for one replay file. */
export type EngineTrace =
  | { readonly ok: true; readonly frames: number; readonly checksums: readonly number[] }
  | { readonly ok: false; readonly error: string };

/** Parses each replay text and re-simulates it; `checksums[i]` is the checksum after `i + 1` frames. */
export function simulateReplays(texts: readonly string[]): EngineTrace[] {
  return texts.map((text) => {
    const parsed = parseReplay(text);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const { replay } = parsed;
    const checksums = new Array<number>(replay.frames);
    let state = initialState(replay.config);
    for (let f = 0; f < replay.frames; f++) {
      state = step(state, replay.inputs[f] ?? []);
      checksums[f] = checksum(state);
    }
    return { ok: true, frames: replay.frames, checksums };
  });
}
