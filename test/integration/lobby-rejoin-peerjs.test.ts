// Rejoin over real WebRTC with the peerjs transport: see test/support/rejoin-suite.ts.
import { describeRejoin } from '../support/rejoin-suite.ts';

describeRejoin('peerjs');
