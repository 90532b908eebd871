/**
 * A run's curves against steps and against wall-clock time, from its rank logs.
 *
 * Wall-clock of a run at step k: the slowest rank's real elapsed time at k,
 * read from its step records (`elapsedSeconds`: from the start of the rank's
 * first step to the end of step k, everything between steps included), less
 * the evaluations it ran before k (each eval record's `seconds`): they
 * measure, they do not train. Between logged steps the clock is interpolated,
 * never extrapolated from one step's duration. A rank log that holds more
 * than one process (a resumed run) continues the clock across the restart.
 * Loss and communication time at step k are means over the ranks that logged k.
 */
import type { EvalRecord, RunData, StepRecord } from './run-data.js';

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

/**
 * A rank's training clock at each logged step (ascending steps): its
 * elapsedSeconds less the seconds of its evaluations at earlier steps. An
 * elapsed time below the previous record's starts a new process (a resume):
 * its clock goes on from the previous record's.
 */
export function rankElapsed(steps: readonly StepRecord[], evals: readonly EvalRecord[] = []): Map<number, number> {
  const out = new Map<number, number>();
  const pausedBefore = (from: number, to: number): number =>
    evals.reduce((sum, e) => (e.step >= from && e.step < to ? sum + (e.seconds ?? 0) : sum), 0);
  let offset = 0;
  let segmentFrom = 0;
  let prev: { step: number; elapsed: number; clock: number } | null = null;
  for (const s of steps) {
    if (prev !== null && s.step <= prev.step) continue;
    if (prev !== null && s.elapsedSeconds < prev.elapsed) {
      offset = prev.clock;
      segmentFrom = prev.step;
    }
    const clock = offset + s.elapsedSeconds - pausedBefore(segmentFrom, s.step);
    out.set(s.step, clock);
    prev = { step: s.step, elapsed: s.elapsedSeconds, clock };
  }
  return out;
}

/** The eval records of the lowest rank that timed its evaluations (collective: every rank paused as long). */
function pauseSource(run: RunData): readonly EvalRecord[] {
  return run.ranks.find((r) => r.evals.some((e) => e.seconds !== undefined))?.evals ?? [];
}

/** Per step (ascending): slowest rank's elapsed time, mean loss, mean comm seconds. */
export function stepCurve(run: RunData): StepPoint[] {
  const pauses = pauseSource(run);
  const elapsed = run.ranks.map((r) => rankElapsed(r.steps, r.evals.some((e) => e.seconds !== undefined) ? r.evals : pauses));
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
 * run's mean pace so far. Without step lines: step x summary.meanStepSeconds.
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
