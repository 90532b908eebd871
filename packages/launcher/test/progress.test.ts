// The progress bar from the workers' records: only step and progress records
// feed it, through the contract's decoder; the ETA comes from the workers' own
// clocks (elapsedSeconds) when they carry it. Pure: the clock is passed in.
import { describe, expect, it } from 'vitest';
import { encodeEval, encodeProgress, type StepLine } from '@dtrain/runtime/contract';
import { ProgressTracker, parseProgress, renderBar, type ProgressRecord } from '../src/progress.js';
import { stepLine } from '../../../test-utils/index.js';

/** A step line as pino prints it: 0.5 s per step, 64 samples/s, 100 steps in all. */
const step = (k: number, over: Partial<StepLine> = {}): Record<string, unknown> =>
  ({ level: 30, rank: 0, ...stepLine({ step: k, loss: 1 / k, elapsedSeconds: 0.5 * k, totalSteps: 100, samplesPerSec: 64, ...over }) });

/** The progress of a line that must carry some. */
function progressOf(value: unknown): ProgressRecord {
  const p = parseProgress(value);
  if (p === null) throw new Error(`no progress in ${JSON.stringify(value)}`);
  return p;
}

describe('parseProgress', () => {
  it('reads step and progress records; other lines, and malformed records, carry no progress', () => {
    expect(parseProgress(step(4))).toEqual({ step: 4, loss: 0.25, elapsedSeconds: 2, totalSteps: 100, samplesPerSec: 64 });
    expect(parseProgress(encodeProgress({ step: 4, totalSteps: 100, elapsedSeconds: 3, phase: 'eval' }))).toEqual({ step: 4, totalSteps: 100, elapsedSeconds: 3 });
    expect(parseProgress(encodeEval({ step: 4, localAccuracy: 0.5, averageAccuracy: 0.5, consensusDistance: 0 }))).toBeNull();
    expect(parseProgress({ kind: 'init', rank: 0 })).toBeNull();
    // A step line without the contract's fields (what only a stale writer would print).
    expect(parseProgress({ step: 4, loss: 0.25, totalSteps: 100 })).toBeNull();
    expect(parseProgress({ ...step(4), elapsedSeconds: 'soon' })).toBeNull();
  });
});

describe('ProgressTracker', () => {
  it('shows the slowest rank, the summed rate and an ETA from the workers\' elapsed time', () => {
    const t = new ProgressTracker();
    t.update(0, progressOf(step(40)), 1000);
    t.update(1, progressOf(step(20, { elapsedSeconds: 10 })), 1000);
    const s = t.snapshot(1000);
    expect(s).toMatchObject({ step: 20, totalSteps: 100, samplesPerSec: 128 });
    // Rank 1: 20 steps in 10 s, 80 to go.
    expect(s?.etaS).toBeCloseTo(40, 10);
    expect(s).not.toBeNull();
    expect(renderBar(s as NonNullable<typeof s>)).toMatch(/^step 20\/100 \[####\.+\] 20% loss .* 128 samples\/s ETA 40s$/);
  });

  it('a resumed run (first record at step 201) gets its ETA from the steps this process took', () => {
    const t = new ProgressTracker();
    // Resumed at 200: 1 s for its first step, then 10 steps a second.
    t.update(0, progressOf(step(201, { elapsedSeconds: 1 })), 0);
    t.update(0, progressOf(step(301, { elapsedSeconds: 11, totalSteps: 1000 })), 0);
    expect(t.snapshot(0)?.etaS).toBeCloseTo(69.9, 6);
  });

  it('a progress record moves the step on and keeps the rank\'s last rate and loss', () => {
    const t = new ProgressTracker();
    t.update(0, progressOf(step(10)), 0);
    t.update(0, progressOf(encodeProgress({ step: 10, totalSteps: 100, elapsedSeconds: 8, phase: 'eval' })), 0);
    expect(t.snapshot(0)).toMatchObject({ step: 10, loss: 0.1, samplesPerSec: 64, totalSteps: 100 });
  });
});
