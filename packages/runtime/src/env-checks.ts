/**
 * The values of the environment contract that a worker could only find
 * wrong once it is running (a backend it cannot load, a timeout of 0, a job
 * id no frame can carry), checked when the contract is read, so that
 * `dtrain launch` refuses them before it starts anything (it reads the
 * workers' environment through this same contract) and a worker started by
 * another engine stops with the variable named.
 */
import { WorkerEnvError } from './errors.js';
import { BACKEND_CHOICES } from './tf/probe.js';
import { compressProblem } from './transport/compress-spec.js';

/** Longest DTRAIN_JOB_ID: it travels in every frame header and the rendezvous. */
export const MAX_JOB_ID_LENGTH = 128;

export function checkJobId(jobId: string): string {
  if (jobId.length > MAX_JOB_ID_LENGTH) {
    throw new WorkerEnvError('DTRAIN_JOB_ID', `DTRAIN_JOB_ID has ${jobId.length} characters, more than ${MAX_JOB_ID_LENGTH}; use a shorter name (the same on every rank)`);
  }
  if (!/^[\x21-\x7e]+$/.test(jobId)) {
    throw new WorkerEnvError('DTRAIN_JOB_ID', `DTRAIN_JOB_ID ${JSON.stringify(jobId)} has spaces or non-ASCII characters; use letters, digits and - _ . :`);
  }
  return jobId;
}

/**
 * What a run does with the checkpoints in its output directory (DTRAIN_RESUME, `--resume`):
 * auto: continue from the newest step every rank holds intact, if any; never: delete them and
 * start over; must: continue, or stop when there is none.
 */
export const RESUME_MODES = ['auto', 'never', 'must'] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];
/** DTRAIN_RESUME when nothing names a mode (and a script passes no `resume` to fit). */
export const DEFAULT_RESUME: ResumeMode = 'auto';

export function isResumeMode(v: unknown): v is ResumeMode {
  return typeof v === 'string' && (RESUME_MODES as readonly string[]).includes(v);
}

export interface CheckedOptions {
  backend?: string;
  timeoutMs?: number;
  out?: string;
  logRecords?: boolean;
  resume?: string;
  compress?: string;
  consensusStep?: number;
  outerOptimizer?: string;
  outerLr?: number;
  outerMomentum?: number;
  heartbeatMs?: number;
  minNodes?: number;
}

/** Compression and the outer optimizer: names and ranges (whether the algorithm reads them is its registry's check). */
function checkAlgorithmVars(options: CheckedOptions): void {
  const problem = options.compress === undefined ? undefined : compressProblem(options.compress);
  if (problem !== undefined) throw new WorkerEnvError('DTRAIN_COMPRESS', `DTRAIN_COMPRESS: ${problem}`);
  const gamma = options.consensusStep;
  if (gamma !== undefined && !(gamma > 0 && gamma <= 1)) {
    throw new WorkerEnvError('DTRAIN_CONSENSUS_STEP', `DTRAIN_CONSENSUS_STEP=${gamma} is outside (0, 1]; CHOCO's consensus step is a fraction such as 0.5`);
  }
  const outer = options.outerOptimizer;
  if (outer !== undefined && outer !== 'sgd' && outer !== 'nesterov') {
    throw new WorkerEnvError('DTRAIN_OUTER_OPTIMIZER', `DTRAIN_OUTER_OPTIMIZER=${JSON.stringify(outer)} is not an outer optimizer; use sgd or nesterov`);
  }
  if (options.outerLr !== undefined && !(options.outerLr > 0)) {
    throw new WorkerEnvError('DTRAIN_OUTER_LR', `DTRAIN_OUTER_LR=${options.outerLr} must be positive (DiLoCo uses 0.7)`);
  }
  const mu = options.outerMomentum;
  if (mu !== undefined && !(mu >= 0 && mu < 1)) {
    throw new WorkerEnvError('DTRAIN_OUTER_MOMENTUM', `DTRAIN_OUTER_MOMENTUM=${mu} is outside [0, 1) (DiLoCo uses 0.9)`);
  }
}

/** Shortest heartbeat interval accepted (a shorter one would lose busy peers); 0 turns it off. */
export const MIN_HEARTBEAT_MS = 50;

export function checkRunOptions(options: CheckedOptions): void {
  checkAlgorithmVars(options);
  if (options.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(options.backend)) {
    throw new WorkerEnvError('DTRAIN_BACKEND', `DTRAIN_BACKEND=${JSON.stringify(options.backend)} is not a backend; use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (options.logRecords === true && options.out === undefined) {
    throw new WorkerEnvError('DTRAIN_LOG_RECORDS', 'DTRAIN_LOG_RECORDS=1 writes OUT/rank-<rank>.ndjson, but DTRAIN_OUT is not set; set DTRAIN_OUT to the output directory, or unset DTRAIN_LOG_RECORDS');
  }
  if (options.timeoutMs !== undefined && options.timeoutMs < 1) {
    throw new WorkerEnvError('DTRAIN_TIMEOUT_MS', `DTRAIN_TIMEOUT_MS=${options.timeoutMs} would fail every receive at once; use a positive number of milliseconds (e.g. 30000)`);
  }
  if (options.resume !== undefined && !isResumeMode(options.resume)) {
    throw new WorkerEnvError('DTRAIN_RESUME', `DTRAIN_RESUME=${JSON.stringify(options.resume)} is not a resume mode; use one of ${RESUME_MODES.join(', ')}`);
  }
  const hb = options.heartbeatMs;
  if (hb !== undefined && hb !== 0 && hb < MIN_HEARTBEAT_MS) {
    throw new WorkerEnvError('DTRAIN_HEARTBEAT_MS', `DTRAIN_HEARTBEAT_MS=${hb} is below ${MIN_HEARTBEAT_MS} ms, short enough to lose a busy peer; use e.g. 2000, or 0 for no heartbeat`);
  }
  if (options.minNodes !== undefined && options.minNodes < 1) {
    throw new WorkerEnvError('DTRAIN_MIN_NODES', `DTRAIN_MIN_NODES=${options.minNodes}: a job needs at least one rank; use 1 or more`);
  }
}
