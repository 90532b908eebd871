/**
 * What a run records. Per rank, NDJSON lines through pino on stdout (the
 * launcher stores them as DIR/rank-<i>.ndjson):
 *   {kind:'step', step, loss, computeSeconds, commSeconds, bytesSent}
 *   {kind:'eval', step, localAccuracy, averageAccuracy, consensusDistance}
 * and running totals for summary.json.
 */
import { pino, type Logger } from 'pino';
import type { StepStats } from './optimizer.js';

/** A pino logger writing NDJSON to stdout with the rank in every line. */
export function createLogger(rank: number, level = 'info'): Logger {
  return pino({ base: { rank }, level });
}

/** A logger that drops everything. */
export function silentLogger(): Logger {
  return pino({ enabled: false });
}

export interface EvalRecord {
  step: number;
  localAccuracy: number | null;
  averageAccuracy: number | null;
  consensusDistance: number;
}

/** Running totals of one rank's steps. */
export class RunTotals {
  steps = 0;
  seconds = 0;
  computeSeconds = 0;
  commSeconds = 0;
  bytesSent = 0;
  private readonly recent: number[] = [];

  constructor(private readonly window = 50) {}

  add(s: StepStats): void {
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
}

export function logStep(logger: Logger, s: StepStats): void {
  logger.info(
    {
      kind: 'step',
      step: s.iteration + 1,
      loss: s.loss,
      computeSeconds: s.computeSeconds,
      commSeconds: s.commSeconds,
      bytesSent: s.bytesSent,
    },
    'step',
  );
}

export function logEval(logger: Logger, e: EvalRecord): void {
  logger.info({ kind: 'eval', ...e }, 'eval');
}
