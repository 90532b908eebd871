/**
 * comparison.json: what `dtrain compare` writes into its output directory
 * (the comparison of the runs, the setup they shared, where each run is and
 * which failed); `compare --rebuild` and `simulate --validate` read it back.
 */
import { ContractError } from '../errors.js';
import { Fields, isRecord } from './check.js';

export interface ConfigResult {
  label: string;
  algorithm: string;
  topology: string;
  nodes: number;
  steps: number;
  meanStepSeconds: number;
  meanCommSeconds: number;
  meanComputeSeconds: number;
  wallClockSeconds: number;
  finalAccuracy: number | null;
  finalLoss: number | null;
  consensusDistance: number;
  /** Wall-clock seconds to the target accuracy; null when never reached or no target. */
  timeToTargetSeconds: number | null;
  stepsToTarget: number | null;
  /** Baseline time-to-target / this one's. */
  speedupTimeToTarget: number | null;
  /**
   * Real seconds per step: the run's wall-clock (the slowest rank's clock,
   * evaluations left out) at its last logged step / that step; null without
   * step records.
   */
  wallSecondsPerStep: number | null;
  /** Baseline wallSecondsPerStep / this one's (the summaries' meanStepSeconds where a run has no step records). */
  speedupPerStep: number | null;
  /** This mean communication seconds / the baseline's. */
  commRatioVsPsgd: number | null;
  /** This mean step seconds / the baseline's. */
  stepRatioVsPsgd: number | null;
  /** This time to target / the baseline's (1 / speedupTimeToTarget). */
  timeToTargetRatioVsPsgd: number | null;
  /** (This final accuracy - the baseline's) x 100: percentage points. */
  accuracyGapVsPsgd: number | null;
}

export interface Comparison {
  /** Label of the baseline configuration (psgd), or null when none ran. */
  baseline: string | null;
  targetAccuracy: number | null;
  targetSource: 'given' | 'baseline-final' | 'none';
  /** Subtracted from the baseline's final accuracy (fraction; 0 = exactly it). */
  targetTolerance: number;
  configs: ConfigResult[];
}

/** A configuration whose `dtrain launch` exited non-zero. */
export interface FailedRun {
  label: string;
  exitCode: number;
  log: string;
}

/** The whole comparison.json. */
export interface ComparisonFile extends Comparison {
  /** What every run shared (nodes, script, env, seed, launch flags), as recorded. */
  setup: Record<string, unknown>;
  runs: { label: string; dir: string }[];
  failed: FailedRun[];
}

const fail = (where: string, what: string): never => {
  throw new ContractError('E_CONTRACT_COMPARISON', `${where}: ${what}; it should be the comparison.json that dtrain compare writes`);
};

/**
 * What a reader needs of comparison.json, checked: runs, failed and setup
 * (ContractError E_CONTRACT_COMPARISON names the first wrong field). The
 * figures are not re-checked: readers rebuild them from the runs.
 */
export function decodeComparisonFile(value: unknown, where: string): Pick<ComparisonFile, 'runs' | 'failed' | 'setup'> {
  if (!isRecord(value)) return fail(where, 'not a JSON object');
  if (!Array.isArray(value.runs)) return fail(where, 'no runs list');
  const runs = value.runs.map((r, i) => {
    if (!isRecord(r)) return fail(where, `runs[${i}] is ${JSON.stringify(r)}, expected {label, dir}`);
    const f = new Fields(r, `${where}: runs[${i}]`, 'E_CONTRACT_COMPARISON');
    return { label: f.str('label'), dir: f.str('dir') };
  });
  const failedRaw = value.failed === undefined ? [] : Array.isArray(value.failed) ? value.failed : fail(where, 'failed is not a list');
  const failed = failedRaw.map((r, i) => {
    if (!isRecord(r)) return fail(where, `failed[${i}] is ${JSON.stringify(r)}, expected {label, exitCode, log}`);
    const f = new Fields(r, `${where}: failed[${i}]`, 'E_CONTRACT_COMPARISON');
    return { label: f.str('label'), exitCode: f.num('exitCode'), log: f.str('log') };
  });
  const setup = value.setup === undefined ? {} : isRecord(value.setup) ? value.setup : fail(where, 'setup is not an object');
  return { runs, failed, setup };
}
