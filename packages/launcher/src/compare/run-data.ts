/**
 * One finished run, read back from its directory: DIR/summary.json (rank 0)
 * and DIR/rank-<i>.ndjson (every rank's log lines). The files come from other
 * processes, so they are decoded by the runtime's contract (summary.json and
 * the NDJSON records, checked); lines that are no records (plain text, pino
 * messages of other kinds) are skipped.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ContractError,
  decodeRecordLine,
  decodeRunSummary,
  type EvalLine,
  type RunSummary,
  type StepLine,
  type WorkerRecord,
} from '@dtrain/runtime/contract';
import { RunDataError } from './errors.js';

/** A step record: `step` counts completed iterations (1 = the first). */
export type StepRecord = StepLine;
/** An eval record: test accuracy of the average model after `step` iterations. */
export type EvalRecord = EvalLine;

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
  summary: RunSummary;
  /** One trace per rank log found, in rank order. */
  ranks: RankTrace[];
}

/** Rethrow a contract violation as RunDataError E_RUN_SUMMARY (exit code and message as before), keeping the cause. */
function asRunDataError(err: unknown): never {
  if (err instanceof ContractError) throw new RunDataError('E_RUN_SUMMARY', err.message, { cause: err });
  throw err;
}

/** Decode summary.json's content; throws RunDataError naming the first missing or mistyped field. */
export function decodeSummary(value: unknown, where: string): RunSummary {
  try {
    return decodeRunSummary(value, where);
  } catch (err) {
    return asRunDataError(err);
  }
}

/** Decode one log line (null for a line that is no record); RunDataError for a malformed record. */
export function decodeLogLine(line: string, where = 'line'): WorkerRecord | null {
  try {
    return decodeRecordLine(line, where);
  } catch (err) {
    return asRunDataError(err);
  }
}

/** Decode a whole NDJSON log; `where` names it in errors. */
export function decodeRankLog(rank: number, text: string, where = `rank-${rank}.ndjson`): RankTrace {
  const trace: RankTrace = { rank, steps: [], evals: [], params: null };
  for (const [i, line] of text.split('\n').entries()) {
    const d = decodeLogLine(line, `${where}:${i + 1}`);
    if (d === null) continue;
    if (d.kind === 'step') trace.steps.push(d);
    else if (d.kind === 'eval') trace.evals.push(d);
    else if (d.kind === 'fit') trace.params = d.params;
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
    .map((rank) => {
      const log = join(dir, `rank-${rank}.ndjson`);
      return decodeRankLog(rank, readFileSync(log, 'utf8'), log);
    });
  return { label, dir, summary, ranks };
}
