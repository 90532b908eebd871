/**
 * buildComparison: finished runs in, the comparison out. Pure: every number
 * is read from the runs' summaries or derived from their logs (see curves.ts).
 *
 * - Per-step figures (mean step, mean communication, final loss/accuracy) are
 *   the summary's own.
 * - Time to target: wall-clock (curves.ts: the records' real elapsed time,
 *   evaluations left out) at the first evaluation whose average-model
 *   accuracy reaches the target; null when none does.
 * - Target: the one given, else the baseline's final accuracy less
 *   targetTolerance (default 0: exactly the baseline's).
 * - Wall-clock per step: the same clock at the run's last logged step, over
 *   that step. Per-step speedup compares these, so that where two runs reach
 *   the target at the same step both speedups read the same clock.
 * - Baseline: the first psgd configuration; speedups are baseline / this
 *   (above 1 = faster than the baseline), null without a baseline.
 * - Ratios vs psgd are the other way round, this / baseline (below 1 =
 *   cheaper than psgd), as the seeds state them: communication per step
 *   (commRatioVsPsgd), step (stepRatioVsPsgd), time to target
 *   (timeToTargetRatioVsPsgd); accuracyGapVsPsgd = this final accuracy -
 *   psgd's, in points (percent).
 */
import type { Comparison, ConfigResult } from '@dtrain/runtime/contract';
import { runCurves, type RunCurves } from './curves.js';
import type { RunData } from './run-data.js';

export type { Comparison, ConfigResult } from '@dtrain/runtime/contract';

export interface ComparisonOptions {
  /** Target test accuracy; default: the baseline's final accuracy. */
  targetAccuracy?: number;
  /** Aim at the baseline's final accuracy less this (fraction, e.g. 0.005 = 0.5 points); ignored with targetAccuracy. */
  targetTolerance?: number;
}

function reachTarget(curves: RunCurves, target: number | null): { seconds: number; step: number } | null {
  if (target === null) return null;
  const hit = curves.accuracy.find((p) => p.accuracy >= target);
  return hit === undefined ? null : { seconds: hit.wallSeconds, step: hit.step };
}

/** Seconds per step of the run's clock at its last logged step; undefined without step records. */
function wallPerStep(curves: RunCurves): number | undefined {
  const last = curves.steps[curves.steps.length - 1];
  return last === undefined || last.step <= 0 ? undefined : last.wallSeconds / last.step;
}

const ratio = (num: number | null | undefined, den: number | null): number | null =>
  num === null || num === undefined || den === null || den <= 0 ? null : num / den;

const accuracyGap = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : (a - b) * 100);

export function buildComparison(runs: readonly RunData[], options: ComparisonOptions = {}): Comparison {
  const base = runs.find((r) => r.summary.algorithm === 'psgd') ?? null;
  const given = options.targetAccuracy;
  const tolerance = given === undefined ? options.targetTolerance ?? 0 : 0;
  const baseFinal = base?.summary.finalAccuracy ?? null;
  const target = given ?? (baseFinal === null ? null : baseFinal - tolerance);
  const targetSource = given !== undefined ? 'given' : target !== null ? 'baseline-final' : 'none';
  const curves = runs.map(runCurves);
  const hits = curves.map((c) => reachTarget(c, target));
  const perStep = runs.map((r, i) => wallPerStep(curves[i]) ?? null);
  const basePerStep = base === null ? null : perStep[runs.indexOf(base)] ?? base.summary.meanStepSeconds;
  const baseIndex = base === null ? -1 : runs.indexOf(base);
  const baseHit = baseIndex < 0 ? null : hits[baseIndex];
  const configs = runs.map((r, i): ConfigResult => {
    const s = r.summary;
    const hit = hits[i];
    return {
      label: r.label,
      algorithm: s.algorithm,
      topology: s.topology,
      nodes: s.nodes,
      steps: s.steps,
      meanStepSeconds: s.meanStepSeconds,
      meanCommSeconds: s.meanCommSeconds,
      meanComputeSeconds: s.meanComputeSeconds,
      wallClockSeconds: s.wallClockSeconds,
      finalAccuracy: s.finalAccuracy,
      finalLoss: s.finalLoss,
      consensusDistance: s.consensusDistance,
      timeToTargetSeconds: hit?.seconds ?? null,
      stepsToTarget: hit?.step ?? null,
      speedupTimeToTarget: hit === null ? null : ratio(baseHit?.seconds, hit.seconds),
      wallSecondsPerStep: perStep[i],
      speedupPerStep: base === null ? null : ratio(basePerStep, perStep[i] ?? s.meanStepSeconds),
      commRatioVsPsgd: base === null ? null : ratio(s.meanCommSeconds, base.summary.meanCommSeconds),
      stepRatioVsPsgd: base === null ? null : ratio(s.meanStepSeconds, base.summary.meanStepSeconds),
      timeToTargetRatioVsPsgd: hit === null ? null : ratio(hit.seconds, baseHit?.seconds ?? null),
      accuracyGapVsPsgd: accuracyGap(s.finalAccuracy, base?.summary.finalAccuracy ?? null),
    };
  });
  return { baseline: base?.label ?? null, targetAccuracy: target, targetSource, targetTolerance: tolerance, configs };
}
