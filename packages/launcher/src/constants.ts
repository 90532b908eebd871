/**
 * Launcher defaults, in one place (documented by `dtrain launch --help`).
 * What the workers receive comes from the runtime's contract, so that
 * `dtrain launch` and a worker started by hand use the same values.
 */
import { DEFAULT_ALGORITHM, DEFAULT_RENDEZVOUS_PORT, DEFAULT_SEED, DEFAULT_TIMEOUT_MS, DEFAULT_TOPOLOGY } from '@dtrain/runtime/contract';

export { DEFAULT_ALGORITHM, DEFAULT_SEED, DEFAULT_TOPOLOGY };
export const DEFAULT_PORT = DEFAULT_RENDEZVOUS_PORT;
/** Receive / rendezvous timeout handed to workers, seconds. */
export const DEFAULT_TIMEOUT_S = DEFAULT_TIMEOUT_MS / 1000;
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
/**
 * glibc malloc settings for worker processes (GLIBC_TUNABLES, unless the
 * user set their own): ZeroMQ allocates every received message afresh, and
 * these let it reuse freed memory instead of mapping and faulting in new
 * pages for each large frame (a 97.5 MiB swap: 194 -> 81 ms over tcp).
 */
export const MALLOC_TUNABLES =
  'glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296:glibc.malloc.hugetlb=1';
