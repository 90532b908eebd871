import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { parseConfigs } from '../compare/configs.js';
import { readRunDir } from '../compare/run-data.js';
import { RunDataError, UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { linkFromRate, type Link } from '../simulate/alpha-beta.js';
import { calibrate, type Calibration } from '../simulate/calibrate.js';
import { simulationTable, type SimTableRow } from '../simulate/format.js';
import { simulate } from '../simulate/model.js';
import { formatRate, parseCount, parseNumber, parseRate } from '../simulate/units.js';

export const DEFAULT_SIM_CONFIGS = 'psgd,dsgd:ring,dsgd:exp,dsgd:onepeer-exp,pga:onepeer-exp:8';
export const DEFAULT_BANDWIDTH = '10gbit';
export const DEFAULT_LATENCY_US = '50';
export const DEFAULT_BYTES_PER_PARAM = '4';

const EXAMPLES = `
Examples:
  dtrain simulate --nodes 64,256 --params 25.5M --compute-ms 100 --bandwidth 25gbit --latency-us 50
  dtrain simulate --calibrate runs/mnist-psgd --nodes 8,64     inputs measured by a run, extrapolated
  dtrain simulate --nodes 16 --params 1M --compute-ms 20 --overlap --json

Model (alpha-beta; alpha = --latency-us, beta = 8 / --bandwidth seconds per byte, b = params x bytes):
  psgd (ring allreduce)   2(n-1) alpha + 2(n-1)/n b beta
  one-peer gossip         alpha + b beta               (full duplex)
  static exponential      log2(n) (alpha + b beta)
  any schedule            max over ranks of max(in, out degree) x (alpha + b beta), mean over iterations
  pga / local-sgd         + ring allreduce every H steps
  step = compute + comm (or max(compute, comm) with --overlap) + periodic / H`;

export interface SimulateOptionsRaw {
  nodes?: string;
  configs: string;
  params?: string;
  computeMs?: string;
  bandwidth?: string;
  latencyUs: string;
  bytesPerParam: string;
  rounds?: string;
  overlap?: boolean;
  seed: string;
  calibrate?: string;
  json?: boolean;
}

export interface SimulateReport {
  calibration: Calibration | null;
  inputs: { params: number; bytesPerParam: number; computeSeconds: number; link: Link; bitsPerSecond: number; overlap: boolean; rounds: number };
  rows: SimTableRow[];
}

const CALIBRATE_FIX = 'point --calibrate at the --out directory of a finished run (dtrain launch --out DIR, or one configuration under dtrain compare --out DIR)';

/** The calibration from a run directory; a missing or unreadable one is a usage error (exit 2) naming the directory. */
function calibrateFrom(dir: string, options: Parameters<typeof calibrate>[1]): Calibration {
  const path = resolvePath(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UsageError(`--calibrate ${dir}: no such directory (${path}); ${CALIBRATE_FIX}`);
  }
  try {
    return calibrate(readRunDir(path, 'measured'), options);
  } catch (err) {
    if (err instanceof RunDataError) throw new UsageError(`--calibrate ${dir}: ${err.message}; or ${CALIBRATE_FIX}`, { cause: err });
    throw err;
  }
}

function nodeList(raw: string): number[] {
  return raw.split(',').map((n) => intOption('--nodes', n, 1, 1 << 16));
}

export function runSimulate(raw: SimulateOptionsRaw): SimulateReport {
  const alpha = parseNumber('--latency-us', raw.latencyUs) / 1e6;
  const bytesPerParam = parseNumber('--bytes-per-param', raw.bytesPerParam);
  const seed = intOption('--seed', raw.seed, 0);
  const rounds = raw.rounds === undefined ? 1 : intOption('--rounds', raw.rounds, 1);
  const paramsFlag = raw.params === undefined ? undefined : Math.round(parseCount('--params', raw.params));
  let calibration: Calibration | null = null;
  if (raw.calibrate !== undefined) {
    calibration = calibrateFrom(raw.calibrate, { alpha, bytesPerParam, ...(paramsFlag !== undefined ? { params: paramsFlag } : {}) });
  }
  const params = paramsFlag ?? calibration?.params;
  if (params === undefined) throw new UsageError('--params is required without --calibrate; write e.g. --params 25.5M');
  const computeSeconds = raw.computeMs !== undefined ? parseNumber('--compute-ms', raw.computeMs) / 1000 : calibration?.computeSeconds;
  if (computeSeconds === undefined) throw new UsageError('--compute-ms is required without --calibrate; write e.g. --compute-ms 100');
  const link = raw.bandwidth !== undefined || calibration === null ? linkFromRate(parseRate('--bandwidth', raw.bandwidth ?? DEFAULT_BANDWIDTH), alpha) : calibration.link;
  const nodes = raw.nodes !== undefined ? nodeList(raw.nodes) : calibration !== null ? [calibration.nodes] : null;
  if (nodes === null) throw new UsageError('--nodes is required without --calibrate; write e.g. --nodes 64,256');
  const overlap = raw.overlap === true;
  const rows = nodes.flatMap((n) =>
    simulate(parseConfigs(raw.configs, n, seed), { nodes: n, params, bytesPerParam, computeSeconds, link, overlap, rounds, seed }).map((r) => ({ ...r, nodes: n })),
  );
  return { calibration, inputs: { params, bytesPerParam, computeSeconds, link, bitsPerSecond: 8 / link.beta, overlap, rounds }, rows };
}

function describe(report: SimulateReport): string {
  const i = report.inputs;
  const lines = [
    `params ${i.params} x ${i.bytesPerParam} B = ${((i.params * i.bytesPerParam) / 1e6).toFixed(2)} MB per message; compute ${(i.computeSeconds * 1000).toFixed(2)} ms/step; ` +
      `link ${formatRate(i.bitsPerSecond)}, alpha ${(i.link.alpha * 1e6).toFixed(1)} us; ${i.overlap ? 'communication overlapped with compute' : 'no overlap'}`,
  ];
  const c = report.calibration;
  if (c !== null) {
    lines.unshift(
      `calibrated from ${c.dir}: ${c.config.label} on ${c.nodes} nodes, measured comm ${(c.measuredCommSeconds * 1000).toFixed(3)} ms/step` +
        ` (model path: ${c.terms.messages.toFixed(2)} messages, ${(c.terms.bytes / 1e6).toFixed(3)} MB; logs: ${c.measuredBytesPerStep === null ? 'n/a' : (c.measuredBytesPerStep / 1e6).toFixed(3)} MB sent/step) -> ${formatRate(c.bitsPerSecond)}`,
    );
  }
  return lines.join('\n');
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('alpha-beta model of per-step time: PSGD (ring allreduce) against gossip schedules, at any node count')
    .option('-n, --nodes <list>', 'node counts, e.g. 64,256 (default with --calibrate: the run\'s)')
    .option('--configs <list>', 'configurations, algorithm[:topology[:H]]', DEFAULT_SIM_CONFIGS)
    .option('--params <count>', 'model parameters, e.g. 25.5M')
    .option('--compute-ms <ms>', 'compute time per step and rank')
    .option('--bandwidth <rate>', `link rate per rank, e.g. 25gbit (default ${DEFAULT_BANDWIDTH}; with --calibrate: the fitted rate)`)
    .option('--latency-us <us>', 'per-message latency alpha', DEFAULT_LATENCY_US)
    .option('--bytes-per-param <b>', 'bytes per parameter on the wire', DEFAULT_BYTES_PER_PARAM)
    .option('--rounds <r>', 'gossip rounds per iteration', '1')
    .option('--overlap', 'hide per-step communication behind computation')
    .option('--seed <n>', 'seed of random schedules', '0')
    .option('--calibrate <dir>', 'take compute, params, nodes and the link rate from a measured run directory')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', EXAMPLES)
    .action((raw: SimulateOptionsRaw) => {
      const report = runSimulate(raw);
      if (raw.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${describe(report)}\n\n${simulationTable(report.rows)}\n`);
    });
}
