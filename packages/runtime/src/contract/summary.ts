/**
 * summary.json: one record for the run, written by rank 0 into the output
 * directory (runtime train/summary.ts) and read back by the launcher
 * (`dtrain launch` prints it, `compare` and `simulate` measure with it).
 */
import { ContractError } from '../errors.js';
import { DROP_REASONS, type DropReason } from '../transport/types.js';
import { Fields, isRecord } from './check.js';
import { decodeRecord, type MembershipLine } from './records.js';

export interface RankSummary {
  rank: number;
  steps: number;
  meanStepSeconds: number;
  meanCommSeconds: number;
  bytesSent: number;
  localAccuracy: number | null;
  finalLoss: number | null;
  /** Frames this rank dropped, by reason (forged, replayed, oversized, ...). Absent in runs written before drops were counted. */
  dropped?: Record<DropReason, number>;
  /** Frames this rank sent again (their answer was late or lost). */
  framesResent?: number;
}

/** What the session knows about the run before any figure is gathered. */
export interface SummaryBase {
  algorithm: string;
  topology: string;
  /** The schedule's name (schedule.name: what W(k) was, e.g. 'onepeer-exp'). */
  schedule: string;
  /** Whether W depends on the iteration. */
  dynamic: boolean;
  /** Gossip rounds per iteration (W^R per step; 1 for algorithms without gossip). */
  rounds: number;
  /** The global-average period H, for the algorithms that use one (pga, local-sgd). */
  globalAvgPeriod?: number;
  /** Whether the gossip exchange overlapped the gradient (dsgd / pga with overlap). */
  overlap: boolean;
  backend: string;
  seed: number;
  /** 'mac' or 'curve' (multi-process runs). */
  secure?: string;
  /** What was sent compressed as (--compress), when not fp32. */
  compress?: string;
  /** The outer optimizer of each round (DiLoCo), e.g. 'nesterov lr=0.7 momentum=0.9'. */
  outerOptimizer?: string;
}

/** One process run of a job that was resumed from checkpoints: its steps and its slowest rank's seconds. */
export interface RunSegment {
  fromStep: number;
  toStep: number;
  wallClockSeconds: number;
}

export interface RunSummary extends SummaryBase {
  nodes: number;
  /** Iterations completed (including those before a resume). */
  steps: number;
  /** Slowest rank's seconds from its first step to the summary, summed over the segments of a resumed run. */
  wallClockSeconds: number;
  /** The process runs this summary accounts for, oldest first (one for a run never resumed). */
  segments?: RunSegment[];
  /** Mean over ranks of each rank's mean step time (gradient, local update and communication). */
  meanStepSeconds: number;
  /** Mean over ranks of each rank's mean seconds per step spent on communication (exchange, allreduce; with overlap only the part the step waited for). */
  meanCommSeconds: number;
  /** meanStepSeconds minus meanCommSeconds, averaged the same way. */
  meanComputeSeconds: number;
  /** Mean over ranks of the mean training loss over the last steps. */
  finalLoss: number | null;
  /** Test accuracy of the average model (null without test data). */
  finalAccuracy: number | null;
  /** Mean over ranks of the local models' test accuracy. */
  finalLocalAccuracy: number | null;
  /** (1/n) sum_i ||x_i - xbar||^2 at the end. */
  consensusDistance: number;
  /** Frames dropped by all ranks together, by reason; any non-zero count outside stale-iteration deserves a look at the logs. */
  dropped?: Record<DropReason, number>;
  ranks: RankSummary[];
  /** Elastic runs (docs/elastic.md): how many ranks started and finished, and every membership change. */
  elastic?: ElasticSummary;
  /** Anything the caller adds (e.g. batchSize, learningRate). */
  [extra: string]: unknown;
}

/** What summary.json says of an elastic run. */
export interface ElasticSummary {
  startNodes: number;
  /** Ranks in the final membership (they ran the last step and wrote this summary together). */
  ranksFinished: number;
  /** Every membership change, in order: the membership record each survivor logged. */
  changes: MembershipLine[];
}

function decodeElastic(value: unknown, where: string): ElasticSummary {
  if (!isRecord(value)) throw new ContractError('E_CONTRACT_SUMMARY', `${where} is ${JSON.stringify(value)}, expected {startNodes, ranksFinished, changes}`);
  const f = new Fields(value, where, 'E_CONTRACT_SUMMARY');
  const changes = f.list('changes').map((c, i) => {
    const r = decodeRecord(isRecord(c) ? { ...c, kind: 'membership' } : c, `${where}.changes[${i}]`);
    if (r?.kind !== 'membership') throw new ContractError('E_CONTRACT_SUMMARY', `${where}.changes[${i}] is ${JSON.stringify(c)}, expected a membership record`, 'changes');
    return r;
  });
  return { startNodes: f.num('startNodes'), ranksFinished: f.num('ranksFinished'), changes };
}

const SUMMARY_FIELDS = new Set([
  'algorithm', 'topology', 'schedule', 'dynamic', 'rounds', 'globalAvgPeriod', 'overlap', 'backend', 'seed', 'nodes', 'steps',
  'wallClockSeconds', 'meanStepSeconds', 'meanCommSeconds', 'meanComputeSeconds', 'finalLoss', 'finalAccuracy',
  'finalLocalAccuracy', 'consensusDistance', 'ranks', 'secure', 'dropped', 'compress', 'outerOptimizer', 'segments', 'elastic',
]);

/** A drop-count table: every known reason a count (missing ones 0); ContractError when a value is not a count. */
function decodeDrops(value: unknown, where: string): Record<DropReason, number> {
  if (!isRecord(value)) throw new ContractError('E_CONTRACT_SUMMARY', `${where} is ${JSON.stringify(value)}, expected counts by drop reason`);
  const out = {} as Record<DropReason, number>;
  for (const reason of DROP_REASONS) {
    const v = value[reason] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ContractError('E_CONTRACT_SUMMARY', `${where}.${reason} is ${JSON.stringify(v)}, expected a count`);
    }
    out[reason] = v;
  }
  return out;
}

function decodeSegment(value: unknown, where: string): RunSegment {
  if (!isRecord(value)) throw new ContractError('E_CONTRACT_SUMMARY', `${where} is ${JSON.stringify(value)}, expected an object`);
  const f = new Fields(value, where, 'E_CONTRACT_SUMMARY');
  return { fromStep: f.num('fromStep'), toStep: f.num('toStep'), wallClockSeconds: f.num('wallClockSeconds') };
}

function decodeRank(value: unknown, where: string): RankSummary {
  if (!isRecord(value)) throw new ContractError('E_CONTRACT_SUMMARY', `${where} is ${JSON.stringify(value)}, expected an object`);
  const f = new Fields(value, where, 'E_CONTRACT_SUMMARY');
  const rank: RankSummary = {
    rank: f.num('rank'), steps: f.num('steps'), meanStepSeconds: f.num('meanStepSeconds'), meanCommSeconds: f.num('meanCommSeconds'),
    bytesSent: f.num('bytesSent'), localAccuracy: f.numOrNull('localAccuracy'), finalLoss: f.numOrNull('finalLoss'),
  };
  if (value.dropped !== undefined) rank.dropped = decodeDrops(value.dropped, `${where}.dropped`);
  const resent = f.optNum('framesResent');
  if (resent !== undefined) rank.framesResent = resent;
  return rank;
}

/** summary.json's content, checked; ContractError E_CONTRACT_SUMMARY names `where` and the first wrong field. */
export function decodeRunSummary(value: unknown, where: string): RunSummary {
  if (!isRecord(value)) throw new ContractError('E_CONTRACT_SUMMARY', `${where} is not a JSON object; it should be the summary.json a run writes`);
  const f = new Fields(value, where, 'E_CONTRACT_SUMMARY');
  const checked: RunSummary = {
    algorithm: f.str('algorithm'),
    topology: f.str('topology'),
    schedule: f.str('schedule'),
    dynamic: f.bool('dynamic'),
    rounds: f.num('rounds'),
    overlap: f.bool('overlap'),
    backend: f.str('backend'),
    seed: f.num('seed'),
    nodes: f.num('nodes'),
    steps: f.num('steps'),
    wallClockSeconds: f.num('wallClockSeconds'),
    meanStepSeconds: f.num('meanStepSeconds'),
    meanCommSeconds: f.num('meanCommSeconds'),
    meanComputeSeconds: f.num('meanComputeSeconds'),
    finalLoss: f.numOrNull('finalLoss'),
    finalAccuracy: f.numOrNull('finalAccuracy'),
    finalLocalAccuracy: f.numOrNull('finalLocalAccuracy'),
    consensusDistance: f.num('consensusDistance'),
    ranks: f.list('ranks').map((r, i) => decodeRank(r, `${where}: ranks[${i}]`)),
  };
  const period = f.optNum('globalAvgPeriod');
  if (period !== undefined) checked.globalAvgPeriod = period;
  if (value.secure !== undefined) checked.secure = f.str('secure');
  for (const key of ['compress', 'outerOptimizer'] as const) {
    const v = f.optStr(key);
    if (v !== undefined) checked[key] = v;
  }
  if (value.dropped !== undefined) checked.dropped = decodeDrops(value.dropped, `${where}: dropped`);
  if (value.segments !== undefined) checked.segments = f.list('segments').map((s, i) => decodeSegment(s, `${where}: segments[${i}]`));
  if (value.elastic !== undefined) checked.elastic = decodeElastic(value.elastic, `${where}: elastic`);
  // The checked fields and the writer's extras, in the order the file has them (tables show it).
  return Object.fromEntries(Object.keys(value).map((k) => [k, SUMMARY_FIELDS.has(k) ? checked[k] : value[k]])) as RunSummary;
}
