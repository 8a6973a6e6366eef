/**
 * The JavaScript engines of the cross-engine check, each run ONCE per call with every replay in one
 * page load (or one process): Node's V8 (the same bundle in a fresh `vm` context), Chromium (V8, Debian
 * `chromium` through playwright-core), Firefox ESR (SpiderMonkey, Debian `firefox-esr` through
 * puppeteer-core over WebDriver BiDi) and JavaScriptCore (the `jsc` shell of Debian
 * `libjavascriptcoregtk-4.0-bin`). A runner returns the engine's traces for several bundles at once, so
 * the perturbed self-test bundle costs no second browser launch.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumUnavailableReason } from '../../e2e/support/chromium.ts';
import { firefoxUnavailableReason, launchFirefox } from '../../e2e/support/firefox.ts';
import { BUNDLE_GLOBAL } from './engine-bundle.ts';
import type { EngineTrace } from './engine-entry.ts';

/** Names of the engines checked. */
export const ENGINES = ['node', 'chromium', 'firefox', 'jsc'] as const;
/** One of `ENGINES`. */
export type EngineName = (typeof ENGINES)[number];

/** The `jsc` shell (override with `JSC_PATH`); Debian installs it as /usr/bin/jsc. */
export const JSC_PATH = process.env.JSC_PATH ?? '/usr/bin/jsc';

/** What an engine run produced: traces per bundle (same order as given) and what the engine says it is. */
export interface EngineRun {
  readonly engine: EngineName;
  readonly version: string;
  /** `traces[bundle][replay]`. */
  readonly traces: readonly (readonly EngineTrace[])[];
  readonly ms: number;
}


/** Why an engine cannot run here (binary missing), or `undefined` when it can. */
export function engineUnavailableReason(engine: EngineName): string | undefined {
  switch (engine) {
    case 'node':
      return undefined;
    case 'chromium':
      return chromiumUnavailableReason();
    case 'firefox':
      return firefoxUnavailableReason();
    case 'jsc':
      try {
        accessSync(JSC_PATH, constants.X_OK);
        return undefined;
      } catch {
        return `JavaScriptCore shell jsc not found at ${JSC_PATH} (install the Debian package "libjavascriptcoregtk-4.0-bin" or set JSC_PATH)`;
      }
  }
}

/** The expression a page or shell evaluates: run the bundle, simulate every replay, return the traces. */
function call(texts: readonly string[]): string {
  return `${BUNDLE_GLOBAL}.simulateReplays(${JSON.stringify(texts)})`;
}

/** Runs every bundle in `engine` over the replay texts, with one launch of the engine. */
export async function runEngine(engine: EngineName, bundles: readonly string[], texts: readonly string[]): Promise<EngineRun> {
  const t0 = performance.now();
  const done = (version: string, traces: EngineTrace[][]): EngineRun => ({ engine, version, traces, ms: performance.now() - t0 });
  switch (engine) {
    case 'node':
      // A fresh context per bundle: nothing leaks between the good and the perturbed build.
      return done(`node ${process.version} (V8 ${process.versions.v8})`, bundles.map((b) => JSON.parse(JSON.stringify(runInNewContext(`${b}\n${call(texts)}`, {}))) as EngineTrace[]));
    case 'chromium':
      return done(...(await inChromium(bundles, texts)));
    case 'firefox':
      return done(...(await inFirefox(bundles, texts)));
    case 'jsc':
      return done('JavaScriptCore jsc shell (' + JSC_PATH + ')', await Promise.all(bundles.map((b) => inJsc(b, texts))));
  }
}

/** What the engine check needs of a browser page (playwright-core's and puppeteer-core's both fit). */
interface CheckPage {
  setContent(html: string): Promise<unknown>;
  addScriptTag(options: { content: string }): Promise<unknown>;
  evaluate(fn: (texts: string[]) => EngineTrace[], texts: string[]): Promise<EngineTrace[]>;
  close(): Promise<unknown>;
}

/** Runs each bundle in a fresh page on every replay text (one page load per bundle). */
async function inPages(newPage: () => Promise<CheckPage>, bundles: readonly string[], texts: readonly string[]): Promise<EngineTrace[][]> {
  const traces: EngineTrace[][] = [];
  for (const bundle of bundles) {
    const page = await newPage();
    await page.setContent('<!doctype html><title>engine check</title>');
    await page.addScriptTag({ content: bundle });
    traces.push(await page.evaluate((t: string[]) => (globalThis as unknown as Record<string, { simulateReplays(x: string[]): EngineTrace[] }>)['RollbackPongEngineCheck']?.simulateReplays(t) ?? [], [...texts]));
    await page.close();
  }
  return traces;
}

async function inChromium(bundles: readonly string[], texts: readonly string[]): Promise<[string, EngineTrace[][]]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
  try {
    return [`Chromium ${browser.version()}`, await inPages(() => browser.newPage(), bundles, texts)];
  } finally {
    await browser.close();
  }
}

async function inFirefox(bundles: readonly string[], texts: readonly string[]): Promise<[string, EngineTrace[][]]> {
  const browser = await launchFirefox();
  try {
    return [`Firefox ${await browser.version()}`, await inPages(() => browser.newPage(), bundles, texts)];
  } finally {
    await browser.close();
  }
}

/** Runs the bundle in the jsc shell with the replays inlined, printing the traces as JSON. */
async function inJsc(bundle: string, texts: readonly string[]): Promise<EngineTrace[]> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-check-jsc-'));
  try {
    const file = join(dir, 'check.js');
    writeFileSync(file, `${bundle}\nprint(JSON.stringify(${call(texts)}));\n`);
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(JSC_PATH, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`jsc exited with ${code ?? signal}: ${err.slice(0, 2000)}`));
      });
    });
    return JSON.parse(stdout) as EngineTrace[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
