/**
 * `dtrain bench comm`: times a communicator operation between N local
 * processes and, in the same run, the same traffic over plain sockets that
 * read straight into preallocated buffers (the ceiling). For allreduce it
 * also prints the alpha-beta optimum
 *   2(n-1)/n * bytes / B + 2(n-1) * alpha
 * with B the measured raw ring-shift bandwidth per rank and alpha half the
 * measured raw small-message round trip, and the ratio to it.
 * Per iteration the slowest rank counts; the median over iterations is shown.
 * With --cluster netns every rank is an emulated host (its own network
 * namespace, links shaped by --rate) and the raw sockets cross the same links.
 */
import type { Command } from 'commander';
import { createSchedule } from '@dtrain/topology';
import { workerScriptPath } from '@dtrain/runtime/contract';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { registerBenchStep } from './bench-step.js';
import { clusterOption, nodesOption, rateOption } from '../option-defs.js';
import { describeCluster, type NetnsCluster } from '../netns/cluster.js';
import { openCluster } from '../netns/open.js';
import { clusterSettings } from '../resolve.js';
import { commOptions, numberList, runForResults, timeoutMsOption, transportOption } from './local-workers.js';

interface BenchFlags {
  nodes: string;
  floats: string;
  op: string;
  topology: string;
  transport: string;
  iters: string;
  timeout: string;
  json?: boolean;
  chunk?: string;
  lanes?: string;
  cluster: string;
  rate?: string;
}

const HELP = `
Examples:
  dtrain bench comm --nodes 4 --floats 25600000 --op allreduce
  sudo dtrain bench comm --cluster netns --rate 10gbit --nodes 4 --floats 25600000 --op allreduce

With --cluster netns (root only) every rank runs in its own network namespace,
an emulated host whose link is shaped to --rate, and the raw-socket ceiling
crosses the same links; the output names the cluster and the rate.`;

/** --cluster and --rate, checked before anything starts; --transport ipc cannot cross emulated hosts. */
function clusterFlags(flags: BenchFlags, nodes: number, transport: 'tcp' | 'ipc'): { rate?: string } | undefined {
  const netns = clusterSettings(flags, nodes);
  if (netns !== undefined && transport === 'ipc') {
    throw new UsageError('--transport ipc needs every rank on one host, but --cluster netns gives each rank its own; write --transport tcp or drop --cluster netns');
  }
  return netns;
}

/** The slowest rank's time in each iteration. */
export function slowestPerIteration(perRank: readonly (readonly number[])[]): number[] {
  const iters = perRank[0]?.length ?? 0;
  return Array.from({ length: iters }, (_, i) => Math.max(...perRank.map((r) => r[i])));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Median over iterations of the slowest rank per iteration. */
export function slowestMedian(perRank: readonly (readonly number[])[]): number {
  return median(slowestPerIteration(perRank));
}

/**
 * Median over iterations of op / raw, each the slowest rank of that
 * iteration; the two alternate in the worker, so a burst of load from other
 * processes inflates both sides of one ratio rather than only one median.
 */
export function pairedRatio(opPerRank: readonly (readonly number[])[], rawPerRank: readonly (readonly number[])[]): number {
  const op = slowestPerIteration(opPerRank);
  const raw = slowestPerIteration(rawPerRank);
  return median(op.map((v, i) => v / raw[i]));
}

async function benchAction(flags: BenchFlags): Promise<void> {
  const nodes = intOption('--nodes', flags.nodes, 2, 256);
  const floats = intOption('--floats', flags.floats, 1, 2 ** 28);
  const iters = intOption('--iters', flags.iters, 1, 1000);
  const transport = transportOption(flags.transport);
  const timeoutMs = timeoutMsOption(flags.timeout);
  if (flags.op !== 'exchange' && flags.op !== 'allreduce') {
    throw new UsageError(`--op ${JSON.stringify(flags.op)} is not exchange or allreduce; write --op exchange`);
  }
  const netns = clusterFlags(flags, nodes, transport);
  createSchedule(flags.topology, nodes, {});
  const params = {
    op: flags.op,
    floats,
    iters,
    warmup: 1,
    topology: flags.topology,
    transport,
    timeoutMs,
    chunkFloats: flags.chunk === undefined ? undefined : intOption('--chunk', flags.chunk, 1),
    lanes: flags.lanes === undefined ? undefined : intOption('--lanes', flags.lanes, 1, 64),
  };
  const cluster = netns === undefined ? null : await openCluster(nodes, netns);
  let results: Array<Record<string, unknown>>;
  try {
    if (cluster !== null) process.stderr.write(`dtrain: emulated cluster: ${describeCluster(cluster)}\n`);
    const job = { script: workerScriptPath('bench'), params, nodes, graceMs: 2 * timeoutMs + 5_000 };
    results = await runForResults('bench', cluster === null ? job : { ...job, placement: cluster });
  } finally {
    await cluster?.destroy();
  }
  printReport(flags, { nodes, floats, iters, transport }, cluster, results);
}

function printReport(
  flags: BenchFlags,
  { nodes, floats, iters, transport }: { nodes: number; floats: number; iters: number; transport: string },
  cluster: NetnsCluster | null,
  results: Array<Record<string, unknown>>,
): void {
  const opRuns = results.map((r, k) => numberList(r.opMs, iters, `rank ${k}'s opMs`));
  const rawRuns = results.map((r, k) => numberList(r.rawMs, iters, `rank ${k}'s rawMs`));
  const cpuOf = (key: 'opCpuMs' | 'rawCpuMs'): number => {
    const runs = results.map((r, k) => numberList(r[key], iters, `rank ${k}'s ${key}`));
    return median(Array.from({ length: iters }, (_, i) => runs.reduce((sum, run) => sum + run[i], 0)));
  };
  const opMs = slowestMedian(opRuns);
  const rawMs = slowestMedian(rawRuns);
  const bytes = floats * 4;
  const report: Record<string, number | string | null> = {
    op: flags.op,
    nodes,
    floats,
    bytes,
    transport,
    cluster: cluster === null ? 'local' : 'netns',
    rateBits: cluster?.rateBits ?? null,
    topology: flags.op === 'exchange' ? flags.topology : 'ring',
    iters,
    opMs,
    rawMs,
    ratio: opMs / rawMs,
    pairedRatio: pairedRatio(opRuns, rawRuns),
    opMinMs: Math.min(...slowestPerIteration(opRuns)),
    rawMinMs: Math.min(...slowestPerIteration(rawRuns)),
    opCpuMs: cpuOf('opCpuMs'),
    rawCpuMs: cpuOf('rawCpuMs'),
    // Per vector, slowest rank: already inside opMs (each vector sent or received pays it once).
    macMs: slowestMedian(results.map((r, k) => numberList(r.macMs, iters, `rank ${k}'s macMs`))),
    // Garbage collection inside the communicator's iterations, slowest rank: ms, and full mark-compacts.
    opGcMs: slowestMedian(results.map((r, k) => numberList(r.opGcMs, iters, `rank ${k}'s opGcMs`))),
    opFullGcs: slowestMedian(results.map((r, k) => numberList(r.opFullGcs, iters, `rank ${k}'s opFullGcs`))),
  };
  const rtt = results[0].rttUs;
  if (flags.op === 'allreduce' && nodes > 1 && typeof rtt === 'number') {
    const bandwidth = bytes / (rawMs / 1000);
    const alphaMs = rtt / 2000;
    const optimumMs = ((2 * (nodes - 1)) / nodes) * (bytes / bandwidth) * 1000 + 2 * (nodes - 1) * alphaMs;
    const share = (2 * (nodes - 1)) / nodes;
    const rawEach = slowestPerIteration(rawRuns);
    const paired = median(slowestPerIteration(opRuns).map((v, i) => v / (share * rawEach[i] + 2 * (nodes - 1) * alphaMs)));
    Object.assign(report, {
      bandwidthBytesPerS: bandwidth,
      latencyMs: alphaMs,
      optimumMs,
      ratioToOptimum: opMs / optimumMs,
      pairedRatioToOptimum: paired,
    });
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const ms = (v: number | string | null): string => `${Number(v).toFixed(1)} ms`;
  const where = cluster === null ? 'local processes' : `emulated hosts (${describeCluster(cluster)})`;
  const lines = [
    `${flags.op} ${report.topology}, ${nodes} ${where}, ${floats} floats (${(bytes / 2 ** 20).toFixed(1)} MiB), ${transport}, median of ${iters}`,
    `  communicator            ${ms(opMs)}`,
    `  raw sockets (ceiling)   ${ms(rawMs)}${flags.op === 'allreduce' ? '  (one ring shift of the whole vector)' : ''}`,
    `  ratio                   ${(opMs / rawMs).toFixed(2)}x  (median of per-iteration ratios ${Number(report.pairedRatio).toFixed(2)}x)`,
    `  CPU, all ranks          ${ms(report.opCpuMs)} vs raw ${ms(report.rawCpuMs)} (${(Number(report.opCpuMs) / Number(report.rawCpuMs)).toFixed(2)}x)`,
    `  frame MAC, per vector   ${ms(report.macMs)}  (Poly1305 in place; included above, once per vector sent or received)`,
  ];
  if (report.optimumMs !== undefined) {
    lines.push(
      `  link bandwidth          ${(Number(report.bandwidthBytesPerS) / 1e9).toFixed(2)} GB/s, latency ${(Number(report.latencyMs) * 1000).toFixed(0)} us`,
      `  alpha-beta optimum      ${ms(report.optimumMs)}`,
      `  ratio to optimum        ${Number(report.ratioToOptimum).toFixed(2)}x  (median of per-iteration ratios ${Number(report.pairedRatioToOptimum).toFixed(2)}x)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('measure dtrain against baselines');
  const comm = bench
    .command('comm')
    .description('time a neighbour exchange or ring allreduce between N processes (local, or emulated hosts) against raw sockets')
    .addOption(nodesOption().makeOptionMandatory())
    .requiredOption('--floats <m>', 'float32 elements per vector')
    .option('--op <exchange|allreduce>', 'operation to time', 'exchange')
    .option('--topology <name>', 'schedule for --op exchange', 'ring')
    .option('--iters <k>', 'timed iterations (after one warm-up)', '7')
    .option('--chunk <floats>', 'floats per streamed frame (communicator default 2^20)')
    .option('--lanes <k>', 'chunks in flight at once (communicator default 2)')
    .addOption(clusterOption())
    .addOption(rateOption())
    .addHelpText('after', HELP);
  // Frames of up to hundreds of MB on a loaded machine: a longer wait than a training job's.
  commOptions(comm, 60, 'print one JSON object').action(benchAction);
  registerBenchStep(bench);
}
