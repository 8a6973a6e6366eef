/**
 * Property: a player's record stream is judged by its records alone. Two honest members get the same
 * records in the same order while their own frames differ by any amount and move at any pace; both
 * end with the same coverage as a reference (contiguous records extend it, a gap is refused), and both
 * hand their input queue the same values, in the same order, as the reference (first record of a frame
 * wins); a covered frame's value is in the queue as soon as the frame is within `AHEAD_LIMIT` of the
 * member's own last input frame (its queue's reach), never later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/netcode/index.ts';
import { InputQueue } from '../../src/netcode/input-queue.ts';
import { Notary } from '../../src/netcode/sessions/notary.ts';
import type { NotaryHost } from '../../src/netcode/sessions/notary.ts';
import { AHEAD_LIMIT } from '../../src/netcode/sessions/packet-rules.ts';
import { NULL_FRAME } from '../../src/netcode/types.ts';
import type { SessionEvent } from '../../src/netcode/types.ts';

const SESSION = 42;
const SOURCE = 2;

/** A member (local player `local`) with a notary; `taken` logs what its queue of `SOURCE` is handed. */
function member(local: number) {
  const queues = [0, 1, 2].map(() => new InputQueue());
  const events: SessionEvent[] = [];
  const taken: [number, number][] = [];
  const source = queues[SOURCE] as InputQueue;
  const set = source.setAuthoritative.bind(source);
  source.setAuthoritative = (frame: number, input: number): boolean => {
    taken.push([frame, input]);
    return set(frame, input);
  };
  let rejected = 0;
  const own = queues[local] as InputQueue;
  const host: NotaryHost = {
    players: 3, localPlayer: local, sessionId: SESSION, queues, events,
    peerOf: (p) => `p${p}`,
    reject: () => { rejected++; },
    frame: () => own.lastReceivedFrame,
    finalFrame: () => NULL_FRAME, // nothing final: a gap is always refused
    canRollBackTo: () => true,
    closed: () => false,
    ended: () => {},
    expel: () => { throw new Error('no conflicting records here'); },
  };
  const notary = new Notary(host, true);
  return {
    notary, taken, events,
    get rejected() { return rejected; },
    /**
     * Plays `n` more frames (own inputs), settling each as the session does each frame, except the last
     * `unsettled`: their inputs are in before the next record comes and their settle has not run (the
     * app adds its input, a record arrives, then `advanceFrame`; or several inputs before one).
     */
    play(n: number, unsettled = 0): void {
      for (let i = 0; i < n; i++) {
        own.addConfirmed(own.lastReceivedFrame + 1, 0);
        if (i < n - unsettled) {
          notary.settle();
          this.check();
        }
      }
    },
    receive(bytes: Uint8Array): void {
      notary.receive(SOURCE, bytes);
    },
    /** After a settle: every covered frame within reach is in the queue already. */
    check(): void {
      const last = taken.length === 0 ? NULL_FRAME : (taken[taken.length - 1] as [number, number])[0];
      expect(last).toBeGreaterThanOrEqual(Math.min(notary.coverage(SOURCE), own.lastReceivedFrame + AHEAD_LIMIT));
    },
    reach: () => own.lastReceivedFrame + AHEAD_LIMIT,
  };
}

/** A record stream: each record starts anywhere up to one past the coverage (or beyond: a gap), 1..128 frames. */
const streamArb = fc.array(fc.record({ back: fc.integer({ min: -3, max: 40 }), length: fc.integer({ min: 1, max: 128 }), salt: fc.nat(255) }), { minLength: 1, maxLength: 30 });
const scheduleArb = fc.array(fc.record({ who: fc.integer({ min: 0, max: 1 }), play: fc.integer({ min: 0, max: 60 }), unsettled: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 80 });

describe('record coverage, whatever the member has played', () => {
  it('is the same at two members at different frames, and equals the reference; values reach the queues in order', () => {
    fc.assert(fc.property(streamArb, scheduleArb, fc.integer({ min: 0, max: 200 }), (stream, schedule, lead) => {
      // The reference: the values by frame (first record wins) and the coverage.
      const value: number[] = [];
      let covered = NULL_FRAME;
      const records: Uint8Array[] = [];
      for (const r of stream) {
        const start = Math.max(0, covered + 1 - r.back); // back < 0: a gap
        const inputs = Array.from({ length: r.length }, (_, i) => value[start + i] ?? ((start + i) * 7 + r.salt) % 4);
        records.push(encodeRecord({ sessionId: SESSION, player: SOURCE, startFrame: start, inputs }));
        if (start <= covered + 1) {
          for (let i = 0; i < inputs.length; i++) value[start + i] ??= inputs[i] as number;
          covered = Math.max(covered, start + inputs.length - 1);
        }
      }
      const a = member(0);
      const b = member(1);
      a.play(lead); // a starts ahead of b by any number of frames
      // Each step: one member plays some frames, then the next record reaches the one further behind in the stream.
      const next = [0, 0];
      for (const s of schedule) {
        const m = s.who === 0 ? a : b;
        m.play(s.play, s.unsettled);
        const i = next[s.who] as number;
        if (i < records.length) {
          m.receive(records[i] as Uint8Array);
          next[s.who] = i + 1;
        }
      }
      for (const [w, m] of [[0, a], [1, b]] as const) {
        for (let i = next[w] as number; i < records.length; i++) m.receive(records[i] as Uint8Array);
      }
      // Coverage is the records' alone, at once.
      expect(a.notary.coverage(SOURCE)).toBe(covered);
      expect(b.notary.coverage(SOURCE)).toBe(covered);
      expect(a.rejected).toBe(b.rejected);
      // Both play past everything; each value was handed over before its frame left the reach.
      for (const m of [a, b]) m.play(Math.max(1, covered - m.reach() + 1)); // at least one settle (after unsettled inputs)
      const expected = value.slice(0, covered + 1).map((v, f) => [f, v]);
      expect(a.taken).toEqual(expected);
      expect(b.taken).toEqual(expected);
      expect(a.notary.pendingTo(SOURCE)).toBe(NULL_FRAME);
      expect(b.notary.pendingTo(SOURCE)).toBe(NULL_FRAME);
      expect(a.events.filter((e) => e.kind === 'cheating')).toEqual([]);
    }), { numRuns: Number(process.env.NOTARY_RUNS ?? 300) });
  });
});
