/**
 * `dtrain topology list | matrix | inspect`: the topology package from the
 * command line. Misuse throws UsageError or TopologyError (exit code 2).
 *
 * Both commands take the name as an argument or as --topology, and count
 * iterations the same way: `matrix --step k` prints W(k), `inspect --steps K`
 * measures W(0)..W(K-1). (`--iteration` / `--iterations` still work.)
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createSchedule, listTopologies } from '@dtrain/topology';
import { UsageError } from '../errors.js';
import { addTopologyOptions, decodeTopologyFlags, parseInteger, type RawTopologyFlags } from './topology-options.js';
import { formatReport, inspectSchedule, matrixJson, reportJson } from './topology-report.js';
import { inspectSvg } from './topology-svg.js';

/** Iterations `inspect` measures over when --steps is absent. */
export const DEFAULT_INSPECT_ITERATIONS = 30;

function write(text: string): void {
  process.stdout.write(text);
}

function listAction(opts: { json?: boolean }): void {
  const all = listTopologies();
  if (opts.json) {
    write(JSON.stringify(all) + '\n');
    return;
  }
  const width = Math.max(...all.map((t) => t.name.length)) + 2;
  const lines = all.map((t) => `${t.name.padEnd(width)}${`[${t.kind}]`.padEnd(11)}${t.description}`);
  write(lines.join('\n') + '\n');
}

/** One value from a flag and its old spelling; both given and different is misuse. */
function either(flag: string, value: string | undefined, old: string, oldValue: string | undefined): { flag: string; raw?: string } {
  if (value !== undefined && oldValue !== undefined && value !== oldValue) {
    throw new UsageError(`got ${flag} ${value} and ${old} ${oldValue}; ${old} is the old name of ${flag}, give one`);
  }
  return value !== undefined ? { flag, raw: value } : oldValue !== undefined ? { flag: old, raw: oldValue } : { flag };
}

type MatrixFlags = RawTopologyFlags & { step?: string; iteration?: string };
type InspectFlags = RawTopologyFlags & { steps?: string; iterations?: string; json?: boolean; svg?: string };

function matrixAction(name: string | undefined, flags: MatrixFlags): void {
  const request = decodeTopologyFlags(flags, name);
  const k = either('--step', flags.step, '--iteration', flags.iteration);
  const iteration = parseInteger(k.flag, k.raw ?? '0', 0);
  const schedule = createSchedule(request.name, request.nodes, request.options);
  write(matrixJson(schedule.name, schedule.nodes, iteration, request.options.seed ?? 0, schedule.matrix(iteration)));
}

async function inspectAction(name: string | undefined, flags: InspectFlags): Promise<void> {
  const request = decodeTopologyFlags(flags, name, ['localSize']);
  const k = either('--steps', flags.steps, '--iterations', flags.iterations);
  const K = parseInteger(k.flag, k.raw ?? String(DEFAULT_INSPECT_ITERATIONS), 1);
  if (flags.svg !== undefined && flags.svg.trim() === '') throw new UsageError('--svg needs a file name, e.g. --svg graph.svg');
  const schedule = createSchedule(request.name, request.nodes, request.options);
  const report = inspectSchedule(schedule, K, request.options.seed ?? 0, request.options);
  if (flags.svg !== undefined) {
    const svg = await inspectSvg(report, schedule);
    try {
      writeFileSync(flags.svg, svg);
    } catch (err) {
      throw new UsageError(`--svg ${flags.svg}: cannot write it (${(err as NodeJS.ErrnoException).code ?? String(err)}); give a writable path`);
    }
  }
  write(flags.json ? reportJson(report) : formatReport(report));
}

export function registerTopology(program: Command): void {
  const topology = program
    .command('topology')
    .description('inspect communication graphs and weight matrices');

  topology
    .command('list')
    .description('the topology names, each with its kind and a one-line description')
    .option('--json', 'print a JSON array of {name, description, kind}')
    .action((opts: { json?: boolean }) => listAction(opts));

  addTopologyOptions(
    topology
      .command('matrix')
      .description('print W(k) as JSON {"topology","nodes","iteration","seed","matrix"}, matrix[i][j] = W[i][j]'),
  )
    .option('--step <k>', 'iteration k of a time-varying schedule (default 0)')
    .addOption(new Option('--iteration <k>', 'old name of --step').hideHelp())
    .action((name: string | undefined, opts: MatrixFlags) => matrixAction(name, opts));

  addTopologyOptions(
    topology
      .command('inspect')
      .description('degree, rho, the contraction over a period, transient-iteration estimates, consensus curve (and beta_pi, kappa_pi for digraphs)'),
  )
    .option('--steps <K>', `iterations to measure over (default ${DEFAULT_INSPECT_ITERATIONS})`)
    .addOption(new Option('--iterations <K>', 'old name of --steps').hideHelp())
    .option('--json', 'print one JSON object instead of the table')
    .option('--svg <file>', 'also draw the graph and its consensus curve into this SVG file')
    .action((name: string | undefined, opts: InspectFlags) => inspectAction(name, opts));
}
