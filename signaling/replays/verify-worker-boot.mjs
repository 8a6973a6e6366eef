// Plain-JS entry of the verify worker: loads the TypeScript worker through tsx's API, so the worker
// starts the same way under `tsx`, vitest or plain node with tsx installed.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
