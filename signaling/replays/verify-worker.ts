/**
 * The verify worker's body (a `node:worker_threads` worker started by `verify-pool.ts` through
 * `verify-worker-boot.mjs`): re-simulation is CPU-bound, so it runs here and never on the event loop
 * that serves the signaling server.
 */
import { parentPort } from 'node:worker_threads';
import { verifyUpload } from './verify.ts';

/** A job sent to the worker. */
export interface VerifyJob {
  readonly job: number;
  readonly text: string;
  readonly maxFrames: number;
}

const port = parentPort;
if (port === null) throw new Error('verify-worker.ts must run in a worker thread');
port.on('message', (m: VerifyJob) => {
  let outcome;
  try {
    outcome = verifyUpload(m.text, m.maxFrames);
  } catch (error) {
    // The parser never throws; a throw here is a bug in the simulation, reported as a server error.
    outcome = { kind: 'error' as const, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage({ job: m.job, outcome });
});
port.postMessage({ ready: true });
