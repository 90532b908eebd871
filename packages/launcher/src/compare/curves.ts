/**
 * A run's curves against steps and against wall-clock time, from its rank logs.
 *
 * Wall-clock of a run at step k: the slowest rank's training time up to k,
 * where a rank's time is the sum of its step times (computeSeconds +
 * commSeconds of each step line). When a rank logs only every few steps, each
 * logged step's time stands for the unlogged steps since the previous line.
 * Evaluation pauses are not counted: they measure, they do not train.
 * Loss and communication time at step k are means over the ranks that logged k.
 */
import type { RunData, StepRecord } from './run-data.js';

export interface StepPoint {
  config: string;
  step: number;
  wallSeconds: number;
  loss: number;
  commSeconds: number;
}

export interface AccuracyPoint {
  config: string;
  step: number;
  wallSeconds: number;
  accuracy: number;
}

export interface RunCurves {
  steps: StepPoint[];
  accuracy: AccuracyPoint[];
}

/** A rank's elapsed training seconds at each logged step. */
export function rankElapsed(steps: readonly StepRecord[]): Map<number, number> {
  const out = new Map<number, number>();
  let prevStep = 0;
  let elapsed = 0;
  for (const s of steps) {
    if (s.step <= prevStep) continue;
    elapsed += (s.step - prevStep) * (s.computeSeconds + s.commSeconds);
    out.set(s.step, elapsed);
    prevStep = s.step;
  }
  return out;
}

/** Per step (ascending): slowest rank's elapsed time, mean loss, mean comm seconds. */
export function stepCurve(run: RunData): StepPoint[] {
  const elapsed = run.ranks.map((r) => rankElapsed(r.steps));
  const byStep = new Map<number, { wall: number; loss: number[]; comm: number[] }>();
  run.ranks.forEach((r, i) => {
    for (const s of r.steps) {
      const e = elapsed[i].get(s.step);
      if (e === undefined) continue;
      const cur = byStep.get(s.step) ?? { wall: 0, loss: [], comm: [] };
      cur.wall = Math.max(cur.wall, e);
      cur.loss.push(s.loss);
      cur.comm.push(s.commSeconds);
      byStep.set(s.step, cur);
    }
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, v]) => ({ config: run.label, step, wallSeconds: v.wall, loss: mean(v.loss), commSeconds: mean(v.comm) }));
}

/**
 * Wall-clock seconds at `step`, interpolated linearly between logged steps
 * (anchored at step 0 = 0 s); past the last logged step, extended at the
 * run's mean pace. Without step lines: step x summary.meanStepSeconds.
 */
export function wallAt(curve: readonly StepPoint[], step: number, meanStepSeconds: number): number {
  if (curve.length === 0) return step * meanStepSeconds;
  let prev = { step: 0, wallSeconds: 0 };
  for (const p of curve) {
    if (p.step === step) return p.wallSeconds;
    if (p.step > step) {
      return prev.wallSeconds + ((step - prev.step) / (p.step - prev.step)) * (p.wallSeconds - prev.wallSeconds);
    }
    prev = p;
  }
  return (prev.wallSeconds / prev.step) * step;
}

/** Test accuracy of the average model at each evaluation (from the lowest rank that logged any). */
export function accuracyCurve(run: RunData, steps: readonly StepPoint[]): AccuracyPoint[] {
  const source = run.ranks.find((r) => r.evals.some((e) => e.averageAccuracy !== null));
  if (source === undefined) return [];
  return source.evals
    .filter((e): e is typeof e & { averageAccuracy: number } => e.averageAccuracy !== null)
    .map((e) => ({ config: run.label, step: e.step, wallSeconds: wallAt(steps, e.step, run.summary.meanStepSeconds), accuracy: e.averageAccuracy }));
}

export function runCurves(run: RunData): RunCurves {
  const steps = stepCurve(run);
  return { steps, accuracy: accuracyCurve(run, steps) };
}
