// Rejoin over real WebRTC with the simple-peer transport: see test/support/rejoin-suite.ts.
import { describeRejoin, describeRejoinEdges } from '../support/rejoin-suite.ts';

describeRejoin('simple-peer');
describeRejoinEdges('simple-peer');
