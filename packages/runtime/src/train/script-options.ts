/**
 * A training script's own settings, from its command line (`--epochs 1`,
 * what `dtrain launch SCRIPT -- --epochs 1` and `dtrain worker SCRIPT --
 * ...` pass on) or from environment variables (`EPOCHS=1`, what `dtrain
 * compare --epochs` and compose files set), flag first, then variable, then
 * the default. `--help` prints the options and exits 0. A bad value or an
 * unknown flag ends the script with one line `E_TRAIN_OPTION: ...` and
 * exit code 1, before anything starts.
 */
import { parseArgs } from 'node:util';
import { TrainError } from '../errors.js';
import { installFailureHandler } from '../failure.js';

export interface ScriptOption {
  /** 'int': a non-negative integer; 'number': any finite number; 'string'. */
  kind: 'int' | 'number' | 'string';
  /** The variable read when the flag is absent (default: the name in UPPER_SNAKE case). */
  env?: string;
  default?: number | string;
  help?: string;
}

export type ScriptOptionValues<S extends Record<string, ScriptOption>> = {
  [K in keyof S]: S[K]['kind'] extends 'string' ? string | undefined : number | undefined;
};

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const upperSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** `where` is `--epochs ` or `EPOCHS=`: what the user wrote, up to the value. */
function parseValue(where: string, spec: ScriptOption, raw: string): number | string {
  if (spec.kind === 'string') return raw;
  const ok = spec.kind === 'int' ? /^\d+$/.test(raw.trim()) : raw.trim() !== '' && Number.isFinite(Number(raw));
  if (!ok) {
    const want = spec.kind === 'int' ? 'a non-negative integer' : 'a number';
    throw new TrainError('E_TRAIN_OPTION', `${where}${JSON.stringify(raw)} is not ${want}; write e.g. ${where}${String(spec.default ?? 1)}`);
  }
  return Number(raw);
}

/** The options text `--help` prints. */
export function scriptOptionsHelp(spec: Readonly<Record<string, ScriptOption>>): string {
  const rows = Object.entries(spec).map(([name, o]) => {
    const left = `  --${kebab(name)} <${o.kind === 'string' ? 'value' : 'n'}>`;
    const def = o.default === undefined ? '' : ` (default ${String(o.default)})`;
    return `${left.padEnd(26)} ${o.help ?? ''}${def}; or ${o.env ?? upperSnake(name)}=...`;
  });
  return `Options (a flag wins over its variable):\n${rows.join('\n')}\n`;
}

/** Read `spec` from the command line and the environment (default: this process's). */
export function scriptOptions<S extends Record<string, ScriptOption>>(
  spec: S,
  source: { argv?: readonly string[]; env?: Readonly<Record<string, string | undefined>>; exit?: (code: number) => void } = {},
): ScriptOptionValues<S> {
  // Reading this process's own command line: it is a script, so its failures end it in one line.
  if (source.argv === undefined) installFailureHandler();
  const argv = [...(source.argv ?? process.argv.slice(2))];
  const env = source.env ?? process.env;
  const flags = Object.fromEntries([...Object.keys(spec).map((k) => [kebab(k), { type: 'string' as const }]), ['help', { type: 'boolean' as const }]]);
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const known = Object.keys(spec).map((k) => `--${kebab(k)}`).join(', ');
    throw new TrainError('E_TRAIN_OPTION', `${(err as Error).message.split('\n')[0]}; this script takes ${known} (and --help)`);
  }
  if (values.help === true) {
    process.stdout.write(scriptOptionsHelp(spec));
    (source.exit ?? process.exit)(0);
  }
  const out: Record<string, number | string | undefined> = {};
  for (const [name, o] of Object.entries(spec)) {
    const flag = values[kebab(name)];
    const variable = o.env ?? upperSnake(name);
    const fromEnv = env[variable];
    if (typeof flag === 'string') out[name] = parseValue(`--${kebab(name)} `, o, flag);
    else if (fromEnv !== undefined && fromEnv !== '') out[name] = parseValue(`${variable}=`, o, fromEnv);
    else out[name] = o.default;
  }
  return out as ScriptOptionValues<S>;
}
