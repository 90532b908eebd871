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

export interface CheckedOptions {
  backend?: string;
  timeoutMs?: number;
  heartbeatMs?: number;
  minNodes?: number;
}

/** Shortest heartbeat interval accepted (a shorter one would lose busy peers); 0 turns it off. */
export const MIN_HEARTBEAT_MS = 50;

export function checkRunOptions(options: CheckedOptions): void {
  if (options.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(options.backend)) {
    throw new WorkerEnvError('DTRAIN_BACKEND', `DTRAIN_BACKEND=${JSON.stringify(options.backend)} is not a backend; use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (options.timeoutMs !== undefined && options.timeoutMs < 1) {
    throw new WorkerEnvError('DTRAIN_TIMEOUT_MS', `DTRAIN_TIMEOUT_MS=${options.timeoutMs} would fail every receive at once; use a positive number of milliseconds (e.g. 30000)`);
  }
  const hb = options.heartbeatMs;
  if (hb !== undefined && hb !== 0 && hb < MIN_HEARTBEAT_MS) {
    throw new WorkerEnvError('DTRAIN_HEARTBEAT_MS', `DTRAIN_HEARTBEAT_MS=${hb} is below ${MIN_HEARTBEAT_MS} ms, short enough to lose a busy peer; use e.g. 2000, or 0 for no heartbeat`);
  }
  if (options.minNodes !== undefined && options.minNodes < 1) {
    throw new WorkerEnvError('DTRAIN_MIN_NODES', `DTRAIN_MIN_NODES=${options.minNodes}: a job needs at least one rank; use 1 or more`);
  }
}
