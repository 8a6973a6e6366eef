/**
 * Seeded match matrix, part 2 of 3 (cases 100-199): every match over the simulated network
 * (RTT 0-250 ms, jitter 0-50 ms, loss 0-20 %, duplication, reordering, burst loss, asymmetric links,
 * a peer suspended for 2 s, 2-4 players) completes with identical states, no desync report and
 * replays that verify. Reproduce one case with `runSimMatch(matrixOptions(matrixCase(index)))`.
 */
import { describe, it } from 'vitest';
import { runSimMatch } from '../../src/sim/match-harness.ts';
import { describeCase, expectCleanMatch, matrixCase, matrixOptions } from '../support/netcode.ts';

const FROM = 100;
const TO = 200;

describe('netcode matrix (100-199)', () => {
  for (let index = FROM; index < TO; index++) {
    const c = matrixCase(index);
    const link = c.links[0]?.[1];
    const label = `#${index}: ${c.players}p ${c.frames}f rtt ${2 * (link?.latencyMs ?? 0)} ms loss ${Math.round((link?.loss ?? 0) * 100)} %${c.asymmetric ? ' asym' : ''}${c.suspend ? ' suspend' : ''}`;
    it(label, () => {
      expectCleanMatch(runSimMatch(matrixOptions(c)), describeCase(c));
    });
  }
});
