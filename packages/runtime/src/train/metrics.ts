/**
 * What a run records. Per rank, NDJSON lines through pino on stdout (the
 * launcher stores them as DIR/rank-<i>.ndjson), built by the contract's
 * encoders (contract/records.ts: step, eval, fit, ...), and running totals
 * for summary.json.
 */
import { destination, multistream, pino, type Logger } from 'pino';
import { encodeEval, encodeFit, encodeStep, type EvalLine, type FitLine } from '../contract/records.js';

/**
 * A pino logger writing NDJSON to stdout with the rank in every line; with
 * `file`, every line is also appended there (synchronously, so the last
 * lines are on disk when the process exits).
 */
export function createLogger(rank: number, level = 'info', file?: string): Logger {
  if (file === undefined) return pino({ base: { rank }, level });
  const streams = [
    { level, stream: destination(1) },
    { level, stream: destination({ dest: file, append: true, mkdir: true, sync: true }) },
  ] as const;
  return pino({ base: { rank }, level }, multistream([...streams]));
}

/** A logger that drops everything. */
export function silentLogger(): Logger {
  return pino({ enabled: false });
}

/** What one step measured. */
export interface StepStats {
  /** The iteration just completed (0-based). */
  iteration: number;
  /** Local loss at the parameters the gradient was taken at. */
  loss: number;
  /** Wall seconds of the whole step. */
  seconds: number;
  /** Seconds of gradient computation and local updates (step minus communication). */
  computeSeconds: number;
  /** Seconds the step spent on communication (with overlap: only the part not hidden behind the gradient). */
  commSeconds: number;
  /** Bytes this rank sent during the step. */
  bytesSent: number;
  /** Wall seconds from the start of this process's first step to the end of this one. */
  elapsedSeconds: number;
}

/** An evaluation's figures (the eval record without its kind). */
export type EvalRecord = Omit<EvalLine, 'kind'>;

export { RunTotals, type CarriedTotals } from './totals.js';

/** What a step record adds to the step's own figures, when the loop knows it. */
export interface StepContext {
  /** Steps the job will take. */
  totalSteps?: number;
  /** Samples this rank used in the step (its batch size); gives samplesPerSec. */
  samples?: number;
}

export function logStep(logger: Logger, s: StepStats, context: StepContext = {}): void {
  const record = encodeStep({
    step: s.iteration + 1,
    loss: s.loss,
    computeSeconds: s.computeSeconds,
    commSeconds: s.commSeconds,
    bytesSent: s.bytesSent,
    elapsedSeconds: s.elapsedSeconds,
  });
  if (context.totalSteps !== undefined) record.totalSteps = context.totalSteps;
  if (context.samples !== undefined && s.seconds > 0) record.samplesPerSec = context.samples / s.seconds;
  logger.info(record, 'step');
}

export function logEval(logger: Logger, e: EvalRecord): void {
  logger.info(encodeEval(e), 'eval');
}

export function logFit(logger: Logger, f: Omit<FitLine, 'kind'>): void {
  logger.info(encodeFit(f), 'training');
}
