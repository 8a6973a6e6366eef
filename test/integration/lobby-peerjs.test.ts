// The lobby over real WebRTC with the peerjs transport: see test/support/lobby-suite.ts (the same suite
// runs for each transport in its own file, so vitest runs them in parallel).
import { describeLobbySuite } from '../support/lobby-suite.ts';

describeLobbySuite('peerjs');
