/**
 * Command-line flags for the project's CLIs (`npm run replay`, `npm run simulate`, `npm run bench`), on
 * `node:util` `parseArgs`: `--seed 7` and `--seed=7` both work, `-h` is `--help`, `--` ends the flags.
 * `parseArgs` tokenizes; this module adds the checks every CLI here wants and turns its errors into
 * values with short messages: an unknown flag, a flag without its value, a value given to a switch, and a
 * flag given twice are usage errors, never silently ignored or overwritten.
 */
import { parseArgs } from 'node:util';

/** What a CLI accepts: each flag is a `string` (takes a value) or a `boolean` switch. `help`/`-h` is implied. */
export type FlagSpec = Readonly<Record<string, 'string' | 'boolean'>>;

/** Parsed flags: string values and switches that were given, in a map each, plus the positional arguments. */
export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given. */
  readonly help: boolean;
}

/** The result of {@link parseFlags}: the flags, or a usage error message. */
export type FlagsResult = ({ readonly ok: true } & ParsedFlags) | { readonly ok: false; readonly error: string };

/**
 * Parses `args` (without the node and script paths) against `spec`. A value may start with one dash
 * (`--seed -3` passes `-3`, for the caller's range check to refuse); a value starting with `--` is read as
 * a forgotten value (`--players --frames 9`) unless written inline (`--out=--x`).
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): FlagsResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, type] of Object.entries(spec)) options[name] = { type };
  let tokens;
  try {
    // strict: false so that parseArgs reports instead of throwing; the checks below are the strict part.
    tokens = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true }).tokens;
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    if (t.name === 'help') {
      if (t.value !== undefined) return { ok: false, error: `option ${t.rawName} takes no value` };
      help = true;
      continue;
    }
    const type = Object.hasOwn(spec, t.name) ? spec[t.name] : undefined;
    if (type === undefined) return { ok: false, error: `unknown option ${JSON.stringify(t.rawName)}` };
    if (values.has(t.name) || switches.has(t.name)) return { ok: false, error: `option --${t.name} given twice` };
    if (type === 'boolean') {
      if (t.value !== undefined) return { ok: false, error: `option --${t.name} takes no value, got ${JSON.stringify(t.value)}` };
      switches.add(t.name);
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) {
      return { ok: false, error: `option --${t.name} needs a value` };
    }
    values.set(t.name, t.value);
  }
  return { ok: true, values, switches, positionals, help };
}
