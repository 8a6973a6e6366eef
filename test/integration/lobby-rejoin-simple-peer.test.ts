// Rejoin over real WebRTC with the simple-peer transport: see test/support/rejoin-suite.ts.
import { describeRejoin } from '../support/rejoin-suite.ts';

describeRejoin('simple-peer');
