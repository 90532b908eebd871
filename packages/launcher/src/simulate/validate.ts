/**
 * `dtrain simulate --validate DIR`: the model's prediction for a measured
 * run, next to what the run measured.
 *
 * Inputs are the run's own configuration (algorithm, topology, period, nodes,
 * parameter count), its measured compute seconds per step, and the link the
 * run was given (rate and latency: not fitted to its communication time).
 * Two predictions of the mean communication seconds per step:
 *
 *   alpha-beta   the model as it is (model.ts): identical ranks, wire time only.
 *   + waits      alpha-beta plus the time a rank waits for slower peers to
 *                finish computing. Measured communication starts when a rank
 *                enters the exchange, so it holds that wait; the model assumes
 *                every rank computes for the same time. The wait is taken
 *                from the run's per-step compute times (an input, like the
 *                mean compute): at step k rank i waits
 *                  max over j in G(i,k) of c_j(k)  -  c_i(k)
 *                where G is every rank for a step that averages globally
 *                (psgd, pga's H-th step: the ring's 2(n-1) hops chain all
 *                ranks) and {i} with the ranks i receives from for a gossip
 *                step. Mean over ranks and logged steps.
 *
 *   + cpu        alpha-beta + waits + gamma x bytes: the processor time a rank
 *                spends moving and combining each byte on its critical path
 *                (copies into and out of the transport, the reductions),
 *                which the wire-only model leaves out and which is not hidden
 *                behind the wire where an operation stores and forwards (the
 *                ring's hops). gamma (seconds per byte) is a property of the
 *                machine, fitted on runs without a rate limit (fitCpuPerByte),
 *                where the wire costs next to nothing.
 *
 * Predicted step = measured compute + predicted communication (no overlap;
 * with overlap, max of the two). Errors are (predicted - measured) / measured.
 */
import { DEFAULT_GLOBAL_AVG_PERIOD } from '@dtrain/runtime/contract';
import { createSchedule, type Schedule } from '@dtrain/topology';
import type { RunConfig } from '../compare/configs.js';
import type { RunData } from '../compare/run-data.js';
import { RunDataError } from '../errors.js';
import { add, NO_COMM, ringAllreduce, scale, type Link } from './alpha-beta.js';
import { configOfRun } from './calibrate.js';
import { simulateConfig } from './model.js';

export interface ValidateOptions {
  /** The link the run was given (rate and latency). */
  link: Link;
  bytesPerParam: number;
  /** Overrides the parameter count of the logs. */
  params?: number;
  /** Seed of random schedules (default: the run's). */
  seed?: number;
  /** gamma: processor seconds per critical-path byte (fitCpuPerByte); absent: no + cpu prediction. */
  cpuSecondsPerByte?: number;
}

export interface Prediction {
  commSeconds: number;
  stepSeconds: number;
  /** (predicted - measured) / measured. */
  commError: number;
  stepError: number;
}

export interface ValidationRow {
  label: string;
  dir: string;
  nodes: number;
  params: number;
  measured: { stepSeconds: number; commSeconds: number; computeSeconds: number };
  /** Mean seconds a rank waited for slower peers' compute (from the per-step logs); null without them. */
  waitSeconds: number | null;
  alphaBeta: Prediction;
  /** alpha-beta + waits; null without per-step logs of every rank. */
  withWaits: Prediction | null;
  /** alpha-beta + waits + gamma x pathBytes; null without waits or gamma. */
  withCpu: Prediction | null;
  /** The model's mean critical path per step: messages and bytes. */
  pathMessages: number;
  pathBytes: number;
}

const relative = (predicted: number, measured: number): number => (measured > 0 ? (predicted - measured) / measured : Number.NaN);

function prediction(compute: number, comm: number, overlap: boolean, measured: ValidationRow['measured']): Prediction {
  const step = overlap ? Math.max(compute, comm) : compute + comm;
  return { commSeconds: comm, stepSeconds: step, commError: relative(comm, measured.commSeconds), stepError: relative(step, measured.stepSeconds) };
}

/** Does iteration k (0-based) average globally? psgd: always; pga/local-sgd: every H-th. */
export function isGlobalStep(config: RunConfig, iteration: number): boolean {
  if (config.algorithm === 'psgd') return true;
  if (config.algorithm !== 'pga' && config.algorithm !== 'local-sgd') return false;
  const h = config.globalAvgPeriod ?? DEFAULT_GLOBAL_AVG_PERIOD;
  return (iteration + 1) % h === 0;
}

/**
 * Mean over ranks and steps of the time a rank waits for slower peers'
 * compute (see the header). `compute[r]` maps a step (1 = first) to rank r's
 * compute seconds; only steps every rank logged count. null when none does.
 */
export function meanWait(compute: readonly ReadonlyMap<number, number>[], config: RunConfig, schedule: Schedule | null): number | null {
  const n = compute.length;
  if (n === 0) return null;
  const steps = [...compute[0].keys()].filter((k) => compute.every((m) => m.has(k)));
  if (steps.length === 0) return null;
  let total = 0;
  for (const step of steps) {
    const c = compute.map((m) => m.get(step) as number);
    const k = step - 1;
    const global = isGlobalStep(config, k);
    if (!global && config.algorithm === 'local-sgd') continue;
    const slowest = Math.max(...c);
    for (let i = 0; i < n; i++) {
      if (global || schedule === null) {
        total += slowest - c[i];
      } else {
        const from = schedule.at(k, i).recvFrom;
        total += Math.max(c[i], ...from.map((j) => c[j])) - c[i];
      }
    }
  }
  return total / (steps.length * n);
}

/** The model against one measured run. */
export function validateRun(run: RunData, options: ValidateOptions): ValidationRow {
  const s = run.summary;
  const params = options.params ?? run.ranks.find((r) => r.params !== null)?.params ?? null;
  if (params === null) {
    throw new RunDataError('E_RUN_SUMMARY', `${run.dir}: no parameter count in the logs (no {kind:'fit', params} line); pass --params`);
  }
  const config = configOfRun(run);
  const computeSeconds = s.meanComputeSeconds ?? s.meanStepSeconds - s.meanCommSeconds;
  const measured = { stepSeconds: s.meanStepSeconds, commSeconds: s.meanCommSeconds, computeSeconds };
  const h = periodOf(config);
  // The run's own schedule: its seed, unless told otherwise.
  const seed = options.seed ?? s.seed ?? 0;
  const sim = simulateConfig(config, { nodes: s.nodes, params, bytesPerParam: options.bytesPerParam, computeSeconds, link: options.link, overlap: false, seed });
  const overlap = config.overlap;
  const schedule = config.algorithm === 'psgd' || config.algorithm === 'local-sgd' ? null : createSchedule(config.topology, s.nodes, { seed });
  const everyRank = run.ranks.length === s.nodes && run.ranks.every((r) => r.steps.length > 0);
  const waitSeconds = everyRank ? meanWait(run.ranks.map((r) => new Map(r.steps.map((x) => [x.step, x.computeSeconds]))), config, schedule) : null;
  const periodicPath = h === null ? NO_COMM : scale(ringAllreduce(s.nodes, params * options.bytesPerParam), 1 / h);
  const path = add(scale(sim.stepComm, h === null ? 1 : (h - 1) / h), periodicPath);
  const gamma = options.cpuSecondsPerByte;
  return {
    label: run.label,
    dir: run.dir,
    nodes: s.nodes,
    params,
    measured,
    waitSeconds,
    alphaBeta: prediction(computeSeconds, sim.commSeconds, overlap, measured),
    withWaits: waitSeconds === null ? null : prediction(computeSeconds, sim.commSeconds + waitSeconds, overlap, measured),
    withCpu: waitSeconds === null || gamma === undefined ? null : prediction(computeSeconds, sim.commSeconds + waitSeconds + gamma * path.bytes, overlap, measured),
    pathMessages: path.messages,
    pathBytes: path.bytes,
  };
}

/** The global-average period of a configuration, or null. */
function periodOf(config: RunConfig): number | null {
  return config.algorithm === 'pga' || config.algorithm === 'local-sgd' ? config.globalAvgPeriod ?? DEFAULT_GLOBAL_AVG_PERIOD : null;
}

/**
 * gamma from rows validated on a link: the least-squares slope through the
 * origin of what alpha-beta + waits leaves unexplained against the critical
 * path's bytes, sum(r_i b_i) / sum(b_i^2), r_i = measured - (alpha-beta +
 * waits). Rows without waits or bytes are left out; null when none is left.
 */
export function fitCpuPerByte(rows: readonly ValidationRow[]): number | null {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    if (r.withWaits === null || r.pathBytes <= 0) continue;
    num += (r.measured.commSeconds - r.withWaits.commSeconds) * r.pathBytes;
    den += r.pathBytes * r.pathBytes;
  }
  return den > 0 ? num / den : null;
}
