/**
 * `dtrain compare --rebuild --out DIR`: read back the runs a comparison
 * recorded in DIR/comparison.json and write its three files again (after an
 * upgrade that adds fields, or with another --target-accuracy), without
 * running anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContractError, decodeComparisonFile } from '@dtrain/runtime/contract';
import { RunDataError } from '../errors.js';
import { configSlug } from './configs.js';
import { readRunDir } from './run-data.js';
import { writeComparison, type CompareResult } from './run.js';

export async function rebuildComparison(out: string, target: { targetAccuracy?: number; targetTolerance?: number } = {}): Promise<CompareResult> {
  const file = join(out, 'comparison.json');
  if (!existsSync(file)) throw new RunDataError('E_RUN_MISSING', `${file} not found; --rebuild needs the --out directory of an earlier dtrain compare`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunDataError('E_RUN_SUMMARY', `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  let recorded;
  try {
    recorded = decodeComparisonFile(raw, file);
  } catch (err) {
    if (err instanceof ContractError) throw new RunDataError('E_RUN_SUMMARY', err.message, { cause: err });
    throw err;
  }
  const runs = recorded.runs.map((r) => readRunDir(existsSync(join(r.dir, 'summary.json')) ? r.dir : join(out, configSlug(r.label)), r.label));
  const nodes = runs[0]?.summary.nodes ?? 0;
  return writeComparison({ out, nodes, setup: recorded.setup, ...target }, runs, recorded.failed);
}
