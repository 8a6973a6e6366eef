/**
 * Builds the browser client once per test run: `vite build` into `dist/`, skipped while `dist/index.html`
 * is newer than every source file. Parallel test files (and runs) take a lock so only one builds, and
 * each caller gets a private snapshot of the build, so a later rebuild cannot pull assets from under a
 * page that is still loading.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** Where `vite build` writes (see vite.config.ts). */
export const DIST_DIR = join(REPO_ROOT, 'dist');
const LOCK_DIR = join(REPO_ROOT, 'test-results', '.e2e-build-lock');
const LOCK_STALE_MS = 120_000;
const LOCK_WAIT_MS = 120_000;

/** Newest modification time (ms) of the files the client build depends on. */
export function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of ['src', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) visit(join(REPO_ROOT, p));
  return newest;
}

/** True when `dist/index.html` exists and is newer than every source file. */
export function isBuildFresh(): boolean {
  const st = statSync(join(DIST_DIR, 'index.html'), { throwIfNoEntry: false });
  return st !== undefined && st.mtimeMs >= newestSourceMtime();
}

function runViteBuild(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`vite build failed (exit ${code}):\n${output}`))));
  });
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      const st = statSync(LOCK_DIR, { throwIfNoEntry: false });
      if (st !== undefined && Date.now() - st.mtimeMs > LOCK_STALE_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${LOCK_DIR}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** A private copy of the build; `dispose()` removes it. */
export interface BuildSnapshot {
  readonly dir: string;
  /** True when this call ran `vite build` (false: `dist/` was already up to date). */
  readonly built: boolean;
  dispose(): void;
}

/** Builds the client if stale, then copies `dist/` to a temporary directory for this caller. */
export async function ensureClientBuilt(): Promise<BuildSnapshot> {
  return withLock(async () => {
    const built = !isBuildFresh();
    if (built) await runViteBuild();
    if (!existsSync(join(DIST_DIR, 'index.html'))) throw new Error('vite build produced no dist/index.html');
    const dir = mkdtempSync(join(tmpdir(), 'rollback-pong-dist-'));
    cpSync(DIST_DIR, dir, { recursive: true });
    return { dir, built, dispose: () => rmSync(dir, { recursive: true, force: true }) };
  });
}
