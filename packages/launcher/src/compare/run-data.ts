/**
 * One finished run, read back from its directory: DIR/summary.json (rank 0)
 * and DIR/rank-<i>.ndjson (every rank's log lines). The files come from other
 * processes, so each record is decoded into a typed shape and checked; lines
 * that are not step or eval records (plain text, pino messages) are skipped.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunDataError } from './errors.js';

/** The summary.json fields a comparison reads. */
export interface SummaryView {
  algorithm: string;
  topology: string;
  nodes: number;
  steps: number;
  wallClockSeconds: number;
  meanStepSeconds: number;
  meanCommSeconds: number;
  meanComputeSeconds: number | null;
  finalLoss: number | null;
  finalAccuracy: number | null;
  consensusDistance: number | null;
  backend: string | null;
  /** Global-average period, when the summary records one. */
  globalAvgPeriod: number | null;
  /** The run's seed (random schedules depend on it), when recorded. */
  seed: number | null;
}

/** A `{kind:'step'}` line: `step` counts completed iterations (1 = the first). */
export interface StepRecord {
  step: number;
  loss: number;
  computeSeconds: number;
  commSeconds: number;
  bytesSent: number;
}

/** A `{kind:'eval'}` line: test accuracy of the average model after `step` iterations. */
export interface EvalRecord {
  step: number;
  averageAccuracy: number | null;
  localAccuracy: number | null;
  consensusDistance: number | null;
}

export interface RankTrace {
  rank: number;
  steps: StepRecord[];
  evals: EvalRecord[];
  /** Parameter count from the `{kind:'fit'}` line, when there is one. */
  params: number | null;
}

export interface RunData {
  /** Configuration label (e.g. `dsgd:ring`). */
  label: string;
  dir: string;
  summary: SummaryView;
  /** One trace per rank log found, in rank order. */
  ranks: RankTrace[];
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Decode summary.json's content; throws RunDataError naming the first missing or mistyped field. */
export function decodeSummary(value: unknown, where: string): SummaryView {
  if (!isRecord(value)) throw new RunDataError('E_RUN_SUMMARY', `${where} is not a JSON object; it should be the summary.json a run writes`);
  const need = (key: string): number => {
    const v = value[key];
    if (!isNum(v)) throw new RunDataError('E_RUN_SUMMARY', `${where}: ${key} is ${JSON.stringify(v)}, expected a number; was the run cut short?`);
    return v;
  };
  const text = (key: string): string => {
    const v = value[key];
    if (typeof v !== 'string') throw new RunDataError('E_RUN_SUMMARY', `${where}: ${key} is ${JSON.stringify(v)}, expected a string`);
    return v;
  };
  return {
    algorithm: text('algorithm'),
    topology: text('topology'),
    nodes: need('nodes'),
    steps: need('steps'),
    wallClockSeconds: need('wallClockSeconds'),
    meanStepSeconds: need('meanStepSeconds'),
    meanCommSeconds: need('meanCommSeconds'),
    meanComputeSeconds: numOrNull(value.meanComputeSeconds),
    finalLoss: numOrNull(value.finalLoss),
    finalAccuracy: numOrNull(value.finalAccuracy),
    consensusDistance: numOrNull(value.consensusDistance),
    backend: strOrNull(value.backend),
    globalAvgPeriod: numOrNull(value.globalAvgPeriod),
    seed: numOrNull(value.seed),
  };
}

/** Decode one log line into a step or eval record (null for anything else). */
export function decodeLogLine(line: string): { kind: 'step'; record: StepRecord } | { kind: 'eval'; record: EvalRecord } | { kind: 'fit'; params: number } | null {
  if (!line.startsWith('{')) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(v)) return null;
  if (v.kind === 'step' && isNum(v.step) && isNum(v.loss) && isNum(v.computeSeconds) && isNum(v.commSeconds)) {
    return {
      kind: 'step',
      record: { step: v.step, loss: v.loss, computeSeconds: v.computeSeconds, commSeconds: v.commSeconds, bytesSent: numOrNull(v.bytesSent) ?? 0 },
    };
  }
  if (v.kind === 'eval' && isNum(v.step)) {
    return {
      kind: 'eval',
      record: { step: v.step, averageAccuracy: numOrNull(v.averageAccuracy), localAccuracy: numOrNull(v.localAccuracy), consensusDistance: numOrNull(v.consensusDistance) },
    };
  }
  if (v.kind === 'fit' && isNum(v.params)) return { kind: 'fit', params: v.params };
  return null;
}

/** Decode a whole NDJSON log. */
export function decodeRankLog(rank: number, text: string): RankTrace {
  const trace: RankTrace = { rank, steps: [], evals: [], params: null };
  for (const line of text.split('\n')) {
    const d = decodeLogLine(line.trim());
    if (d === null) continue;
    if (d.kind === 'step') trace.steps.push(d.record);
    else if (d.kind === 'eval') trace.evals.push(d.record);
    else trace.params = d.params;
  }
  trace.steps.sort((a, b) => a.step - b.step);
  trace.evals.sort((a, b) => a.step - b.step);
  return trace;
}

/** Read DIR/summary.json and every DIR/rank-<i>.ndjson. */
export function readRunDir(dir: string, label: string): RunData {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) {
    throw new RunDataError('E_RUN_MISSING', `${file} not found; the run in ${dir} did not finish (see its rank-*.ndjson logs)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunDataError('E_RUN_SUMMARY', `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const summary = decodeSummary(raw, file);
  const ranks = readdirSync(dir)
    .map((f) => /^rank-(\d+)\.ndjson$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .map((rank) => decodeRankLog(rank, readFileSync(join(dir, `rank-${rank}.ndjson`), 'utf8')));
  return { label, dir, summary, ranks };
}
