// Watchers over real WebRTC with the simple-peer transport: see test/support/watch-suite.ts.
import { describeWatchSuite } from '../support/watch-suite.ts';

describeWatchSuite('simple-peer');
