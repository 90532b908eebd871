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
import { fitCpuPerByte, validateRun, type ValidationRow } from '../simulate/validate.js';
import { loadMeasuredRuns, validationTable, worstError, type MeasuredRuns } from '../simulate/validate-dir.js';

export const DEFAULT_SIM_CONFIGS = 'psgd,dsgd:ring,dsgd:exp,dsgd:onepeer-exp,pga:onepeer-exp:8';
export const DEFAULT_BANDWIDTH = '10gbit';
export const DEFAULT_LATENCY_US = '50';
export const DEFAULT_BYTES_PER_PARAM = '4';

const EXAMPLES = `
Examples:
  dtrain simulate --nodes 64,256 --params 25.5M --compute-ms 100 --bandwidth 25gbit --latency-us 50
  dtrain simulate --calibrate runs/mnist-psgd --nodes 8,64     inputs measured by a run, extrapolated
  dtrain simulate --nodes 16 --params 1M --compute-ms 20 --overlap --json
  dtrain simulate --validate runs/cmp-1gbit     predicted vs measured, per configuration of a comparison

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
  validate?: string;
  cpuFrom?: string;
  json?: boolean;
}

export interface ValidateReport {
  dir: string;
  link: Link;
  bitsPerSecond: number;
  rows: ValidationRow[];
  /** gamma fitted on --cpu-from's runs (seconds per critical-path byte), or null. */
  cpuSecondsPerByte: number | null;
  cpuFrom: string | null;
  /** Largest |relative error| over the rows: alpha-beta, and alpha-beta + waits. */
  worst: { comm: number | null; step: number | null; commWithWaits: number | null; stepWithWaits: number | null; commWithCpu: number | null; stepWithCpu: number | null };
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

/**
 * --validate DIR: the model's prediction for every run under DIR, with the
 * link the runs had (--bandwidth, else the comparison's --rate) and their
 * measured compute.
 */
export function runValidate(raw: SimulateOptionsRaw & { validate: string }): ValidateReport {
  const dir = resolvePath(raw.validate);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--validate ${raw.validate}: no such directory (${dir}); ${CALIBRATE_FIX}`);
  if (raw.calibrate !== undefined) throw new UsageError('--validate and --calibrate do not combine: --validate predicts the runs from their link, --calibrate fits the link to a run; choose one');
  const alpha = parseNumber('--latency-us', raw.latencyUs) / 1e6;
  const bytesPerParam = parseNumber('--bytes-per-param', raw.bytesPerParam);
  const params = raw.params === undefined ? undefined : Math.round(parseCount('--params', raw.params));
  const load = (flag: string, path: string): MeasuredRuns => {
    try {
      return loadMeasuredRuns(path);
    } catch (err) {
      if (err instanceof RunDataError) throw new UsageError(`${flag} ${path}: ${err.message}; or ${CALIBRATE_FIX}`, { cause: err });
      throw err;
    }
  };
  const measured = load('--validate', dir);
  // Each run's schedule is rebuilt from its own recorded seed.
  const common = { bytesPerParam, ...(params !== undefined ? { params } : {}) };
  // gamma from other runs, on the link they had: their --rate, or none (beta = 0: the wire costs next to nothing).
  let cpuSecondsPerByte: number | null = null;
  if (raw.cpuFrom !== undefined) {
    const from = load('--cpu-from', resolvePath(raw.cpuFrom));
    const fromLink = from.rate === null ? { alpha, beta: 0 } : linkFromRate(parseRate('--cpu-from rate', from.rate), alpha);
    cpuSecondsPerByte = fitCpuPerByte(from.runs.map((r) => validateRun(r, { ...common, link: fromLink })));
  }
  if (raw.cpuFrom !== undefined && cpuSecondsPerByte === null) {
    throw new UsageError(`--cpu-from ${raw.cpuFrom}: no run there logged every rank's steps with communication; point it at a dtrain compare directory of runs without --rate`);
  }
  const rate = raw.bandwidth ?? measured.rate;
  if (rate === null) {
    throw new UsageError(`--validate ${raw.validate}: the runs had no --rate (unshaped links); give the link they ran on with --bandwidth, e.g. --bandwidth 10gbit`);
  }
  const link = linkFromRate(parseRate('--bandwidth', rate), alpha);
  const rows = measured.runs.map((r) => validateRun(r, { ...common, link, ...(cpuSecondsPerByte !== null ? { cpuSecondsPerByte } : {}) }));
  return {
    dir,
    link,
    bitsPerSecond: 8 / link.beta,
    rows,
    cpuSecondsPerByte,
    cpuFrom: raw.cpuFrom === undefined ? null : resolvePath(raw.cpuFrom),
    worst: {
      commWithCpu: worstError(rows, 'withCpu', 'commError'),
      stepWithCpu: worstError(rows, 'withCpu', 'stepError'),
      comm: worstError(rows, 'alphaBeta', 'commError'),
      step: worstError(rows, 'alphaBeta', 'stepError'),
      commWithWaits: worstError(rows, 'withWaits', 'commError'),
      stepWithWaits: worstError(rows, 'withWaits', 'stepError'),
    },
  };
}

function describeValidation(v: ValidateReport): string {
  const pct = (e: number | null): string => (e === null ? 'n/a' : `${(e * 100).toFixed(1)}%`);
  return [
    `validated against ${v.dir}: link ${formatRate(v.bitsPerSecond)}, alpha ${(v.link.alpha * 1e6).toFixed(1)} us; compute as measured`,
    '',
    validationTable(v.rows),
    '',
    `largest |error|: alpha-beta comm ${pct(v.worst.comm)}, step ${pct(v.worst.step)}; with waits comm ${pct(v.worst.commWithWaits)}, step ${pct(v.worst.stepWithWaits)}` +
      (v.cpuSecondsPerByte === null ? '' : `; with waits and cpu comm ${pct(v.worst.commWithCpu)}, step ${pct(v.worst.stepWithCpu)}`),
    ...(v.cpuSecondsPerByte === null ? [] : [`cpu per byte (gamma) ${(v.cpuSecondsPerByte * 1e9).toFixed(3)} ns, fitted on ${v.cpuFrom}`]),
  ].join('\n');
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
    .option('--validate <dir>', 'predict the runs of a dtrain compare (or one run) directory from their link and compute, beside what they measured')
    .option('--cpu-from <dir>', 'with --validate: fit the processor cost per byte on these runs (a dtrain compare directory; best one without a rate limit)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', EXAMPLES)
    .action((raw: SimulateOptionsRaw) => {
      if (raw.validate !== undefined) {
        const v = runValidate({ ...raw, validate: raw.validate });
        process.stdout.write(`${raw.json === true ? JSON.stringify(v, null, 2) : describeValidation(v)}\n`);
        return;
      }
      const report = runSimulate(raw);
      if (raw.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${describe(report)}\n\n${simulationTable(report.rows)}\n`);
    });
}
