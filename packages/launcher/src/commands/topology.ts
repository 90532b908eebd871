/**
 * `dtrain topology list | matrix | inspect`: the topology package from the
 * command line. Misuse throws UsageError or TopologyError (exit code 2).
 */
import type { Command } from 'commander';
import { createSchedule, listTopologies } from '@dtrain/topology';
import { addTopologyOptions, decodeTopologyFlags, parseInteger, type RawTopologyFlags } from './topology-options.js';
import { formatReport, inspectSchedule, matrixJson, reportJson } from './topology-report.js';

/** Iterations `inspect` measures over when --iterations is absent. */
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

function matrixAction(flags: RawTopologyFlags & { iteration?: string }): void {
  const request = decodeTopologyFlags(flags);
  const iteration = parseInteger('--iteration', flags.iteration ?? '0', 0);
  const schedule = createSchedule(request.name, request.nodes, request.options);
  write(matrixJson(schedule.name, schedule.nodes, iteration, request.options.seed ?? 0, schedule.matrix(iteration)));
}

function inspectAction(flags: RawTopologyFlags & { iterations?: string; json?: boolean }): void {
  const request = decodeTopologyFlags(flags);
  const K = parseInteger('--iterations', flags.iterations ?? String(DEFAULT_INSPECT_ITERATIONS), 1);
  const schedule = createSchedule(request.name, request.nodes, request.options);
  const report = inspectSchedule(schedule, K, request.options.seed ?? 0);
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
    .option('--iteration <k>', 'iteration k of a time-varying schedule', '0')
    .action((opts: RawTopologyFlags & { iteration?: string }) => matrixAction(opts));

  addTopologyOptions(
    topology
      .command('inspect')
      .description('degree, rho, transient-iteration estimates, consensus curve (and beta_pi, kappa_pi for digraphs)'),
  )
    .option('--iterations <K>', 'iterations to measure over', String(DEFAULT_INSPECT_ITERATIONS))
    .option('--json', 'print one JSON object instead of the table')
    .action((opts: RawTopologyFlags & { iterations?: string; json?: boolean }) => inspectAction(opts));
}
