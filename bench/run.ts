/**
 * `npm run bench`: runs every benchmark section, prints human-readable figures, and prints one JSON
 * object with all keys as the last line. A section whose module is missing or throws is reported and
 * skipped (its keys are absent), so one broken section never hides the others.
 * `npm run bench -- game smoothing` runs only the named sections; an unknown name is an error (exit 2)
 * that lists the known ones, and so is any flag but `--help`. Every key is described in docs/performance.md.
 */
import { parseFlags } from '../scripts/cli-args.ts';

type Figures = Record<string, number>;
type Section = { readonly name: string; readonly module: string; readonly fn: string };

const SECTIONS: readonly Section[] = [
  { name: 'game', module: './game.ts', fn: 'benchGame' },
  { name: 'codec', module: './codec.ts', fn: 'benchCodec' },
  { name: 'netcode', module: './netcode.ts', fn: 'benchNetcode' },
  { name: 'signaling', module: './signaling.ts', fn: 'benchSignaling' },
  { name: 'transports', module: './transports.ts', fn: 'benchTransports' },
  { name: 'relay', module: './relay.ts', fn: 'benchRelay' },
  { name: 'browser', module: './browser.ts', fn: 'benchBrowser' },
  { name: 'growth', module: './growth.ts', fn: 'benchGrowth' },
  { name: 'smoothing', module: './smoothing.ts', fn: 'benchSmoothing' },
  { name: 'latency', module: './latency.ts', fn: 'benchLatency' },
  { name: 'replays', module: './replays.ts', fn: 'benchReplays' },
  { name: 'rejoin', module: './rejoin.ts', fn: 'benchRejoin' },
  { name: 'spectator', module: './spectator.ts', fn: 'benchSpectator' },
];

async function main(): Promise<void> {
  const all: Figures = {};
  const flags = parseFlags(process.argv.slice(2), {});
  const usage = `usage: npm run bench -- [SECTION...]   sections: ${SECTIONS.map((s) => s.name).join(', ')}`;
  if (!flags.ok) {
    console.error(`bench: ${flags.error}\n${usage}`);
    process.exit(2);
  }
  if (flags.help) {
    console.log(usage);
    process.exit(0);
  }
  const only = flags.positionals;
  const unknown = only.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown bench section${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${SECTIONS.map((s) => s.name).join(', ')})`);
    process.exit(2);
  }
  for (const s of SECTIONS) {
    if (only.length > 0 && !only.includes(s.name)) continue;
    const started = Date.now();
    try {
      const mod = (await import(s.module)) as Record<string, unknown>;
      const fn = mod[s.fn];
      if (typeof fn !== 'function') throw new Error(`${s.module} does not export ${s.fn}`);
      const figures = (await (fn as () => Figures | Promise<Figures>)()) ?? {};
      console.log(`\n== ${s.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(36)} ${v}`);
      Object.assign(all, figures);
    } catch (e) {
      console.log(`\n== ${s.name}: skipped (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }
  console.log(JSON.stringify(all));
  process.exit(0);
}

void main();
