/**
 * Builds the cross-engine bundle: `engine-entry.ts` (src/game + immer) as one self-contained IIFE that
 * defines the global `RollbackPongEngineCheck`, with the project's own bundler (vite 8 library mode,
 * rolldown underneath) and the browser build's settings (`production` immer, ES2022 target). Built in
 * memory, never written to `dist/`.
 *
 * A perturbed build swaps one rule constant in src/game/step.ts for the self-test: the check must
 * notice the difference in every engine, at the first frame the constant matters.
 */
import { build, type Plugin, type Rolldown } from 'vite';
import { REPO_ROOT } from '../../e2e/support/build.ts';

/** Global name the bundle defines. */
export const BUNDLE_GLOBAL = 'RollbackPongEngineCheck';

/** A deliberate change to one rule, applied to the source text while bundling. */
export interface Perturbation {
  /** Source file, relative to the repository root. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/** The ball speeds up by 5 % + 1/65536 on each paddle hit instead of 5 %: a one-bit change of a rule. */
export const SPEEDUP_PERTURBATION: Perturbation = {
  file: 'src/game/step.ts',
  find: 'const SPEEDUP = 68_813;',
  replace: 'const SPEEDUP = 68_814;',
};

function perturb(p: Perturbation): Plugin {
  const id = `${REPO_ROOT}/${p.file}`;
  let applied = false;
  return {
    name: 'engine-check-perturbation',
    enforce: 'pre',
    transform(code, moduleId) {
      if (moduleId !== id) return null;
      if (!code.includes(p.find)) throw new Error(`perturbation: "${p.find}" not found in ${p.file} (update SPEEDUP_PERTURBATION)`);
      applied = true;
      return code.replace(p.find, p.replace);
    },
    buildEnd() {
      if (!applied) this.error(`perturbation: ${p.file} was not part of the bundle`);
    },
  };
}

/** Bundles the engine check (optionally perturbed); resolves to the IIFE's source text. */
export async function buildEngineBundle(options: { readonly perturbation?: Perturbation } = {}): Promise<string> {
  const result = await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'silent',
    mode: 'production',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    plugins: options.perturbation !== undefined ? [perturb(options.perturbation)] : [],
    build: {
      write: false,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      lib: { entry: `${REPO_ROOT}/test/engines/support/engine-entry.ts`, formats: ['iife'], name: BUNDLE_GLOBAL, fileName: () => 'engine-check.js' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (chunk === undefined || chunk.type !== 'chunk') throw new Error('engine bundle: vite produced no chunk');
  return chunk.code;
}
