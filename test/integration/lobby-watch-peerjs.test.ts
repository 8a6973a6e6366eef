// Watchers over real WebRTC with the peerjs transport: see test/support/watch-suite.ts.
import { describeWatchSuite } from '../support/watch-suite.ts';

describeWatchSuite('peerjs');
