/**
 * The measured runs behind `dtrain simulate --validate DIR`, and the table
 * that sets the model's predictions beside them.
 *
 * DIR is either one run (DIR/summary.json) or a `dtrain compare` output
 * (DIR/comparison.json): then every run it lists, and the link rate it was
 * run with (`--rate` among its launch flags), when it had one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ContractError, decodeComparisonFile as decodeContractComparison } from '@dtrain/runtime/contract';
import { basename, join } from 'node:path';
import { configSlug } from '../compare/configs.js';
import { readRunDir, type RunData } from '../compare/run-data.js';
import { RunDataError } from '../errors.js';
import { renderTable } from '../summary.js';
import type { Prediction, ValidationRow } from './validate.js';

export interface MeasuredRuns {
  runs: RunData[];
  /** The `--rate` the comparison's runs had (e.g. "1gbit"), or null. */
  rate: string | null;
}

/** The runs comparison.json lists and the launch flags they shared, checked by the contract. */
export function decodeComparisonFile(value: unknown, where: string): { runs: { label: string; dir: string }[]; launchFlags: string[] } {
  let file;
  try {
    file = decodeContractComparison(value, where);
  } catch (err) {
    if (err instanceof ContractError) throw new RunDataError('E_RUN_SUMMARY', err.message, { cause: err });
    throw err;
  }
  const flags = Array.isArray(file.setup.launchFlags) ? file.setup.launchFlags.filter((f): f is string => typeof f === 'string') : [];
  return { runs: file.runs, launchFlags: flags };
}

/** The value after `--rate` in launch flags, or null. */
export function rateOfFlags(flags: readonly string[]): string | null {
  const i = flags.indexOf('--rate');
  return i >= 0 && i + 1 < flags.length ? (flags[i + 1] as string) : null;
}

/** Read DIR as one run or as a comparison of runs. */
export function loadMeasuredRuns(dir: string): MeasuredRuns {
  const cmpFile = join(dir, 'comparison.json');
  if (!existsSync(cmpFile)) return { runs: [readRunDir(dir, basename(dir))], rate: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cmpFile, 'utf8'));
  } catch (err) {
    throw new RunDataError('E_RUN_SUMMARY', `${cmpFile} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const file = decodeComparisonFile(raw, cmpFile);
  // The recorded directories are absolute; after a move, look beside comparison.json.
  const runs = file.runs.map((r) => readRunDir(existsSync(join(r.dir, 'summary.json')) ? r.dir : join(dir, configSlug(r.label)), r.label));
  return { runs, rate: rateOfFlags(file.launchFlags) };
}

const ms = (s: number): string => (s * 1000).toFixed(1);
const pct = (e: number): string => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
const pred = (p: Prediction | null, key: 'comm' | 'step'): string =>
  p === null ? 'n/a' : key === 'comm' ? `${ms(p.commSeconds)} (${pct(p.commError)})` : `${ms(p.stepSeconds)} (${pct(p.stepError)})`;

export function validationTable(rows: readonly ValidationRow[]): string {
  return renderTable(
    rows.map((r) => ({
      nodes: r.nodes,
      configuration: r.label,
      'compute ms': ms(r.measured.computeSeconds),
      'comm ms': ms(r.measured.commSeconds),
      'model comm ms (err)': pred(r.alphaBeta, 'comm'),
      'wait ms': r.waitSeconds === null ? 'n/a' : ms(r.waitSeconds),
      'model+wait comm ms (err)': pred(r.withWaits, 'comm'),
      'step ms': ms(r.measured.stepSeconds),
      'model step ms (err)': pred(r.alphaBeta, 'step'),
      'model+wait step ms (err)': pred(r.withWaits, 'step'),
      ...(r.withCpu === null ? {} : { 'model+wait+cpu comm ms (err)': pred(r.withCpu, 'comm'), 'model+wait+cpu step ms (err)': pred(r.withCpu, 'step') }),
    })),
  );
}

/** Largest |error| of a kind over the rows (NaN-free), or null without rows. */
export function worstError(rows: readonly ValidationRow[], model: 'alphaBeta' | 'withWaits' | 'withCpu', key: 'commError' | 'stepError'): number | null {
  const errors = rows.map((r) => r[model]?.[key]).filter((e): e is number => e !== undefined && Number.isFinite(e));
  return errors.length === 0 ? null : Math.max(...errors.map(Math.abs));
}
