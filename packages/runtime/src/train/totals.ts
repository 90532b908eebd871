/**
 * Running totals of one rank's steps, for summary.json. A run resumed from
 * a checkpoint carries the totals the checkpoint holds (steps, seconds,
 * bytes, recent losses and the earlier segments' wall-clock), so that its
 * summary accounts for the whole run and not only for the last process.
 */
import type { RunSegment } from '../contract/summary.js';

/** What a checkpoint holds of the run up to its step (checkpoint.ts writes it in the header). */
export interface CarriedTotals {
  steps: number;
  seconds: number;
  computeSeconds: number;
  commSeconds: number;
  bytesSent: number;
  /** The losses of the last steps (the summary's finalLoss window). */
  recentLosses: number[];
  /** Every segment up to the checkpoint, the one that wrote it last (this rank's clock). */
  segments: RunSegment[];
}

/** The figures of one step that the totals add up (metrics.ts StepStats has them). */
interface StepFigures {
  loss: number;
  seconds: number;
  computeSeconds: number;
  commSeconds: number;
  bytesSent: number;
}

export class RunTotals {
  steps = 0;
  seconds = 0;
  computeSeconds = 0;
  commSeconds = 0;
  bytesSent = 0;
  /** The segments before this process (resumed runs), and the step this process started from. */
  prior: RunSegment[] = [];
  fromStep = 0;
  private recent: number[] = [];

  constructor(private readonly window = 50) {}

  add(s: StepFigures): void {
    this.steps += 1;
    this.seconds += s.seconds;
    this.computeSeconds += s.computeSeconds;
    this.commSeconds += s.commSeconds;
    this.bytesSent += s.bytesSent;
    this.recent.push(s.loss);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** Mean loss over the last `window` steps (NaN before any). */
  recentLoss(): number {
    return this.recent.length === 0 ? Number.NaN : this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
  }

  mean(total: number): number {
    return this.steps === 0 ? 0 : total / this.steps;
  }

  /** Wall-clock seconds of the segments before this process. */
  get priorWallSeconds(): number {
    return this.prior.reduce((a, s) => a + s.wallClockSeconds, 0);
  }

  /** What a checkpoint of step `toStep` keeps, this process having run `wallSeconds` so far. */
  carried(toStep: number, wallSeconds: number): CarriedTotals {
    return {
      steps: this.steps,
      seconds: this.seconds,
      computeSeconds: this.computeSeconds,
      commSeconds: this.commSeconds,
      bytesSent: this.bytesSent,
      recentLosses: [...this.recent],
      segments: this.segments(toStep, wallSeconds),
    };
  }

  /** The earlier segments and this one (left out when a resumed process took no step). */
  segments(toStep: number, wallSeconds: number): RunSegment[] {
    const current = { fromStep: this.fromStep, toStep, wallClockSeconds: wallSeconds };
    return this.prior.length > 0 && toStep === this.fromStep ? [...this.prior] : [...this.prior, current];
  }

  /** Continue the totals of a checkpoint of step `fromStep` (before this process takes any step). */
  carry(c: CarriedTotals, fromStep: number): void {
    this.steps = c.steps;
    this.seconds = c.seconds;
    this.computeSeconds = c.computeSeconds;
    this.commSeconds = c.commSeconds;
    this.bytesSent = c.bytesSent;
    this.recent = c.recentLosses.slice(-this.window);
    this.prior = [...c.segments];
    this.fromStep = fromStep;
  }
}
