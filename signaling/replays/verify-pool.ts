/**
 * A small pool of verify workers with a bounded queue: `submit` resolves the worker's verdict, or at
 * once `busy` when the queue is full (the API answers 503), or `timeout` when one job runs past its
 * budget (the worker is then replaced, so a pathological replay cannot wedge verification).
 */
import { Worker } from 'node:worker_threads';
import type { VerifyOutcome } from './verify.ts';

/** A verdict, or why there is none. */
export type PoolOutcome = VerifyOutcome | { readonly kind: 'busy' } | { readonly kind: 'timeout' } | { readonly kind: 'error'; readonly error: string };

/** Pool options. */
export interface VerifyPoolOptions {
  /** Worker threads (default 1). */
  readonly workers?: number;
  /** Jobs waiting beyond the running ones (default 16). */
  readonly maxQueue?: number;
  /** Longest a job may run (default 20 s). */
  readonly jobTimeoutMs?: number;
  /** Longest replay verified (frames). */
  readonly maxFrames: number;
}

/** The pool. */
export interface VerifyPool {
  submit(text: string): Promise<PoolOutcome>;
  /** Jobs queued or running. */
  readonly pending: number;
  close(): Promise<void>;
}

interface Job {
  readonly job: number;
  readonly text: string;
  readonly resolve: (o: PoolOutcome) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded the simulation (a job's time budget starts only then). */
  ready: boolean;
  current: Job | null;
  timer: NodeJS.Timeout | null;
}

const BOOT = new URL('./verify-worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./verify-worker.ts', import.meta.url).href;

/** Starts the workers. */
export function createVerifyPool(options: VerifyPoolOptions): VerifyPool {
  const size = options.workers ?? 1;
  const maxQueue = options.maxQueue ?? 16;
  const timeoutMs = options.jobTimeoutMs ?? 20_000;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextJob = 1;
  let closed = false;

  const finish = (slot: Slot, outcome: PoolOutcome): void => {
    const job = slot.current;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    job?.resolve(outcome);
    pump();
  };
  const spawnWorker = (slot: Slot): Worker => {
    // A heap limit: a replay that somehow needs more kills the worker (replaced), never the server.
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    worker.on('message', (m: { ready?: boolean; job?: number; outcome?: PoolOutcome }) => {
      if (slot.worker !== worker) return;
      if (m.ready === true) {
        slot.ready = true;
        pump();
      } else if (m.job !== undefined && m.job === slot.current?.job && m.outcome !== undefined) finish(slot, m.outcome);
    });
    worker.on('error', (error) => {
      if (slot.worker === worker) replace(slot, { kind: 'error', error: error.message });
    });
    worker.on('exit', () => {
      if (slot.worker === worker && !closed) replace(slot, { kind: 'error', error: 'verify worker exited' });
    });
    return worker;
  };
  const replace = (slot: Slot, outcome: PoolOutcome): void => {
    const old = slot.worker;
    slot.ready = false;
    slot.worker = spawnWorker(slot);
    void old.terminate();
    finish(slot, outcome);
  };
  const pump = (): void => {
    for (const slot of slots) {
      if (slot.current !== null || !slot.ready) continue;
      const job = queue.shift();
      if (job === undefined) return;
      slot.current = job;
      slot.timer = setTimeout(() => replace(slot, { kind: 'timeout' }), timeoutMs);
      slot.worker.postMessage({ job: job.job, text: job.text, maxFrames: options.maxFrames });
    }
  };
  for (let i = 0; i < size; i++) {
    const slot: Slot = { worker: null as unknown as Worker, ready: false, current: null, timer: null };
    slot.worker = spawnWorker(slot);
    slots.push(slot);
  }

  return {
    submit(text) {
      if (closed) return Promise.resolve({ kind: 'busy' });
      // Free workers (ready or still starting) take one job each; beyond them the queue holds maxQueue.
      const free = slots.filter((s) => s.current === null).length;
      if (queue.length >= maxQueue + free) return Promise.resolve({ kind: 'busy' });
      return new Promise((resolve) => {
        queue.push({ job: nextJob++, text, resolve });
        pump();
      });
    },
    get pending() {
      return queue.length + slots.filter((s) => s.current !== null).length;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ kind: 'busy' });
      for (const slot of slots) {
        if (slot.timer !== null) clearTimeout(slot.timer);
        slot.current?.resolve({ kind: 'busy' });
        slot.current = null;
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
