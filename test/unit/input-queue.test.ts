import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputQueue, type AddResult } from '../../src/netcode/input-queue.ts';
import { NULL_FRAME } from '../../src/netcode/types.ts';

/** Confirms `values` for frames 0.. in order. */
function confirmAll(q: InputQueue, values: readonly number[], from = 0): void {
  values.forEach((v, i) => expect(q.addConfirmed(from + i, v)).toBe('added'));
}

/** Simulates frames `from..to` (records their used values), returning what the queue gave. */
function simulate(q: InputQueue, from: number, to: number): { input: number; predicted: boolean }[] {
  const out: { input: number; predicted: boolean }[] = [];
  for (let f = from; f <= to; f++) out.push(q.inputFor(f));
  return out;
}

describe('InputQueue prediction', () => {
  it('predicts 0 before any input, then repeats the last confirmed input', () => {
    const q = new InputQueue();
    expect(q.inputFor(0)).toEqual({ input: 0, predicted: true });
    expect(q.addConfirmed(0, 0)).toBe('added');
    expect(q.addConfirmed(1, 3)).toBe('added');
    expect(q.inputFor(1)).toEqual({ input: 3, predicted: false });
    expect(simulate(q, 2, 4)).toEqual([
      { input: 3, predicted: true },
      { input: 3, predicted: true },
      { input: 3, predicted: true },
    ]);
    expect(q.addConfirmed(2, 1)).toBe('added');
    // A re-simulation reads the confirmed value; later frames now predict the new last one.
    expect(q.inputFor(2)).toEqual({ input: 1, predicted: false });
    expect(q.inputFor(3)).toEqual({ input: 1, predicted: true });
  });

  it('a correct prediction flags nothing', () => {
    const q = new InputQueue();
    confirmAll(q, [2, 2, 2]);
    simulate(q, 0, 9);
    confirmAll(q, [2, 2, 2, 2, 2, 2, 2], 3);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    expect(q.lastConfirmedFrame).toBe(9);
  });

  it('a wrong prediction flags exactly the first wrong frame', () => {
    const q = new InputQueue();
    confirmAll(q, [1, 1]);
    simulate(q, 0, 9); // frames 2..9 predicted 1
    confirmAll(q, [1, 1], 2); // still right
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    confirmAll(q, [2, 1, 3], 4); // 4 wrong, 5 right, 6 wrong
    expect(q.firstIncorrectFrame).toBe(4);
    q.resetIncorrect();
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    // Re-simulating with the corrected values leaves nothing to flag.
    simulate(q, 4, 9);
    confirmAll(q, [3, 3, 3], 7);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
  });

  it('flags the earliest frame when several batches are wrong before a reset', () => {
    const q = new InputQueue();
    simulate(q, 0, 5); // all predicted 0
    confirmAll(q, [0, 0, 0]);
    confirmAll(q, [1], 3);
    confirmAll(q, [0, 2], 4);
    expect(q.firstIncorrectFrame).toBe(3);
  });

  it('confirming frames not simulated yet flags nothing', () => {
    const q = new InputQueue();
    simulate(q, 0, 2);
    confirmAll(q, [0, 0, 0, 3, 1, 2]);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    expect(q.inputFor(4)).toEqual({ input: 1, predicted: false });
  });
});

describe('InputQueue gaps and duplicates', () => {
  it('takes only the next contiguous frame', () => {
    const q = new InputQueue();
    expect(q.addConfirmed(1, 5)).toBe('gap');
    expect(q.lastConfirmedFrame).toBe(NULL_FRAME);
    expect(q.confirmedInput(1)).toBeUndefined();
    expect(q.addConfirmed(0, 4)).toBe('added');
    expect(q.addConfirmed(0, 7)).toBe('duplicate');
    expect(q.confirmedInput(0)).toBe(4); // a duplicate never rewrites
    expect(q.addConfirmed(-3, 1)).toBe('duplicate');
    expect(q.addConfirmed(3, 1)).toBe('gap');
    expect(q.addConfirmed(1, 5)).toBe('added');
    expect(q.lastConfirmedFrame).toBe(1);
  });

  it('a duplicate with another value flags nothing', () => {
    const q = new InputQueue();
    confirmAll(q, [1, 1]);
    simulate(q, 0, 3);
    expect(q.addConfirmed(1, 2)).toBe('duplicate');
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
  });

  it('forgets confirmed inputs older than its capacity', () => {
    const q = new InputQueue(8);
    confirmAll(q, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(q.confirmedInput(9)).toBe(10);
    expect(q.confirmedInput(2)).toBe(3);
    expect(q.confirmedInput(1)).toBeUndefined();
    expect(q.confirmedInput(10)).toBeUndefined();
    expect(q.confirmedInput(-1)).toBeUndefined();
  });
});

describe('InputQueue disconnect', () => {
  it('neutralises later frames and flags the first frame simulated with a non-neutral value', () => {
    const q = new InputQueue();
    confirmAll(q, [2, 2, 2, 2, 2]);
    simulate(q, 0, 8); // 5..8 predicted 2
    q.disconnectAfter(4);
    expect(q.isDisconnected).toBe(true);
    expect(q.firstIncorrectFrame).toBe(5);
    expect(q.inputFor(6)).toEqual({ input: 0, predicted: false });
    expect(q.inputFor(4)).toEqual({ input: 2, predicted: false });
    expect(q.confirmedInput(4)).toBe(2);
    expect(q.confirmedInput(5)).toBe(0);
    expect(q.confirmedInput(1000)).toBe(0);
    expect(q.addConfirmed(5, 1)).toBe('disconnected');
    expect(q.lastConfirmedFrame).toBe(Number.MAX_SAFE_INTEGER); // never waited for again
    expect(q.lastReceivedFrame).toBe(4);
  });

  it('flags nothing when the used values were already neutral', () => {
    const q = new InputQueue();
    confirmAll(q, [2, 2, 0]);
    simulate(q, 0, 7); // 3..7 predicted 0
    q.disconnectAfter(2);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
  });

  it('cannot neutralise from beyond what it holds', () => {
    const q = new InputQueue();
    confirmAll(q, [1, 1, 1]);
    simulate(q, 0, 5);
    q.disconnectAfter(10);
    expect(q.lastReceivedFrame).toBe(2);
    expect(q.firstIncorrectFrame).toBe(3);
  });

  it('an earlier agreed frame neutralises more and flags the first real input now wrong; a later one is ignored', () => {
    const q = new InputQueue();
    confirmAll(q, [0, 0, 0, 0, 0, 0, 3, 3, 3, 3]);
    simulate(q, 0, 12);
    q.disconnectAfter(9);
    expect(q.firstIncorrectFrame).toBe(10); // 10..12 predicted 3
    q.resetIncorrect();
    simulate(q, 10, 12); // re-simulated neutral
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    q.disconnectAfter(4); // peers agree the player left earlier
    expect(q.lastReceivedFrame).toBe(4);
    expect(q.firstIncorrectFrame).toBe(6); // 5 was 0 anyway, 6 was a real 3
    expect(q.confirmedInput(6)).toBe(0);
    expect(q.inputFor(7)).toEqual({ input: 0, predicted: false });
    q.resetIncorrect();
    q.disconnectAfter(8); // later than agreed: no effect
    expect(q.lastReceivedFrame).toBe(4);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
  });

  it('with a departedInput (Pong: the absent bit), a departed player yields it, and frames used otherwise are flagged', () => {
    const q = new InputQueue(256, 0x80);
    expect(q.departedInput).toBe(0x80);
    confirmAll(q, [2, 2, 0, 0]);
    simulate(q, 0, 7); // 4..7 predicted 0: with a departedInput of 0x80 that is wrong after the drop
    q.disconnectAfter(3);
    expect(q.firstIncorrectFrame).toBe(4);
    expect(q.inputFor(4)).toEqual({ input: 0x80, predicted: false });
    expect(q.inputFor(3)).toEqual({ input: 0, predicted: false });
    expect(q.confirmedInput(5)).toBe(0x80);
    expect(q.confirmedInput(100_000)).toBe(0x80);
    q.resetIncorrect();
    simulate(q, 4, 9); // re-simulated with 0x80: an earlier agreed frame flags only real inputs now wrong
    q.disconnectAfter(1);
    expect(q.firstIncorrectFrame).toBe(2);
    expect(new InputQueue().departedInput).toBe(0);
  });

  it('a player gone before sending anything is neutral from frame 0', () => {
    const q = new InputQueue();
    simulate(q, 0, 3);
    q.disconnectAfter(NULL_FRAME);
    expect(q.lastReceivedFrame).toBe(NULL_FRAME);
    expect(q.firstIncorrectFrame).toBe(NULL_FRAME);
    expect(q.confirmedInput(0)).toBe(0);
  });
});

// ---- property test against a brute-force reference model ---------------------------------------

type Command =
  | { readonly kind: 'simulate' }
  | { readonly kind: 'confirm'; readonly offset: number; readonly value: number }
  | { readonly kind: 'rollback'; readonly back: number }
  | { readonly kind: 'disconnect'; readonly offset: number };

/**
 * The obvious model: every value kept forever; after each operation every simulated frame is scanned
 * for a used value that differs from the (now known) true one. A frame found so stays the rollback
 * target until the next rollback, even if a later departure makes its used value right after all
 * (rolling back once too often is harmless; missing one is a desync).
 */
class ReferenceQueue {
  readonly confirmed: number[] = [];
  readonly used = new Map<number, number>();
  maxUsed = -1;
  disconnectedAfter: number | undefined;
  /** Earliest frame seen inconsistent since the last rollback. */
  sticky: number = NULL_FRAME;

  valueOf(f: number): number | undefined {
    if (this.disconnectedAfter !== undefined && f > this.disconnectedAfter) return 0;
    return f >= 0 && f < this.confirmed.length ? this.confirmed[f] : undefined;
  }

  inputFor(f: number): { input: number; predicted: boolean } {
    const v = this.valueOf(f);
    const r = v !== undefined ? { input: v, predicted: false } : { input: this.confirmed.at(-1) ?? 0, predicted: true };
    this.used.set(f, r.input);
    this.maxUsed = Math.max(this.maxUsed, f);
    return r;
  }

  addConfirmed(f: number, value: number): AddResult {
    if (this.disconnectedAfter !== undefined) return 'disconnected';
    if (f < this.confirmed.length) return 'duplicate';
    if (f > this.confirmed.length) return 'gap';
    this.confirmed.push(value);
    return 'added';
  }

  disconnectAfter(f: number): void {
    if (this.disconnectedAfter !== undefined && f >= this.disconnectedAfter) return;
    this.disconnectedAfter = Math.min(f, this.confirmed.length - 1);
  }

  /** Brute force: the first simulated frame whose used value differs from its (known) true value. */
  scan(): number {
    for (let f = 0; f <= this.maxUsed; f++) {
      const v = this.valueOf(f);
      if (v !== undefined && this.used.get(f) !== v) return f;
    }
    return NULL_FRAME;
  }

  /** The rollback target after an operation. */
  firstIncorrect(): number {
    const now = this.scan();
    if (now !== NULL_FRAME && (this.sticky === NULL_FRAME || now < this.sticky)) this.sticky = now;
    return this.sticky;
  }
}

/** How far ahead of the confirmed inputs simulation may run, and vice versa (a session's bounds). */
const LEAD = 12;

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'simulate' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('confirm' as const), offset: fc.integer({ min: -3, max: 2 }), value: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rollback' as const), back: fc.integer({ min: 0, max: LEAD }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), offset: fc.integer({ min: -6, max: 3 }) }) },
);

describe('InputQueue against a reference model', () => {
  it('agrees on inputs, predictions, add results, confirmed inputs and the first incorrect frame', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 300 }), (commands) => {
        const q = new InputQueue(32); // small, so the ring wraps several times
        const ref = new ReferenceQueue();
        for (const c of commands) {
          const lastConfirmed = ref.confirmed.length - 1;
          switch (c.kind) {
            case 'simulate': {
              const f = ref.maxUsed + 1;
              if (ref.disconnectedAfter === undefined && f - lastConfirmed > LEAD) break;
              expect(q.inputFor(f)).toEqual(ref.inputFor(f));
              break;
            }
            case 'confirm': {
              const f = lastConfirmed + 1 + c.offset;
              if (f - ref.maxUsed > LEAD) break;
              expect(q.addConfirmed(f, c.value)).toBe(ref.addConfirmed(f, c.value));
              break;
            }
            case 'rollback': {
              // As the session does: reset, then re-simulate from (at most) the first incorrect frame.
              const flagged = q.firstIncorrectFrame;
              let from = Math.max(0, ref.maxUsed - c.back);
              if (flagged !== NULL_FRAME) from = Math.min(from, flagged);
              q.resetIncorrect();
              for (let f = from; f <= ref.maxUsed; f++) expect(q.inputFor(f)).toEqual(ref.inputFor(f));
              ref.sticky = NULL_FRAME;
              break;
            }
            case 'disconnect': {
              const f = Math.max(NULL_FRAME, Math.max(lastConfirmed, ref.maxUsed - LEAD) + c.offset);
              q.disconnectAfter(f);
              ref.disconnectAfter(f);
              break;
            }
          }
          expect(q.firstIncorrectFrame).toBe(ref.firstIncorrect());
          expect(q.isDisconnected).toBe(ref.disconnectedAfter !== undefined);
          const lc = ref.confirmed.length - 1;
          expect(q.lastConfirmedFrame).toBe(ref.disconnectedAfter !== undefined ? Number.MAX_SAFE_INTEGER : lc);
          expect(q.lastReceivedFrame).toBe(ref.disconnectedAfter ?? lc);
          for (let f = Math.max(0, lc - 20); f <= lc + 2; f++) expect(q.confirmedInput(f)).toBe(ref.valueOf(f));
        }
      }),
      { numRuns: 400 },
    );
  });
});
