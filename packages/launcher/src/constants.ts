/** Launcher defaults, in one place (documented by `dtrain launch --help`). */
import { DEFAULT_RENDEZVOUS_PORT } from '@dtrain/runtime';

export const DEFAULT_PORT = DEFAULT_RENDEZVOUS_PORT;
export const DEFAULT_ALGORITHM = 'dsgd';
export const DEFAULT_TOPOLOGY = 'ring';
export const DEFAULT_SEED = 0;
/** Receive / rendezvous timeout handed to workers, seconds. */
export const DEFAULT_TIMEOUT_S = 60;
/** Seconds between SIGTERM and SIGKILL when stopping a job. */
export const DEFAULT_GRACE_S = 10;
/** Log lines kept per rank for the failure report. */
export const TAIL_LINES = 20;
/** Where `--example NAME` looks, relative to an examples directory. */
export const EXAMPLE_ENTRIES = ['train.mjs', 'train.js', 'index.mjs', 'index.js'];
/** Exit codes. */
export const EXIT_WORKER_FAILED = 1;
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;
