/**
 * Seeded match matrix, part 1 of 3 (cases 0-99): every match over the simulated network
 * (RTT 0-250 ms, jitter 0-50 ms, loss 0-20 %, duplication, reordering, burst loss, asymmetric links,
 * a peer suspended for 2 s, 2-4 players) completes with identical states, no desync report and
 * replays that verify. Reproduce one case with `runSimMatch(matrixOptions(matrixCase(index)))`.
 */
import { describeMatrix } from '../support/netcode.ts';

describeMatrix(0, 100);
