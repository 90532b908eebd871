/**
 * Every default that crosses the process boundary, one value each: what a
 * worker uses when no variable names a value, and what `dtrain launch`
 * hands to its workers when no flag does. The launcher's help text and the
 * README's variable table show these same values.
 */
export { DEFAULT_ALGORITHM, DEFAULT_GLOBAL_AVG_PERIOD } from '../algorithms/constants.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_TIMEOUT_MS, HEARTBEAT_MISSES } from '../transport/constants.js';
export { DEFAULT_RENDEZVOUS_PORT } from '../env.js';
export { DEFAULT_RESUME, RESUME_MODES, isResumeMode, type ResumeMode } from '../env-checks.js';

/**
 * DTRAIN_TOPOLOGY when nothing names one: the one-peer exponential graph,
 * the time-varying schedule dtrain is built around (one neighbour per
 * step, exact averaging every log2(n) steps when n is a power of two), as
 * BlueFog defaults to an exponential graph. An algorithm that needs a
 * static symmetric graph (exact-diffusion) refuses it and says which to name.
 */
export const DEFAULT_TOPOLOGY = 'onepeer-exp';

/** A single process exchanges nothing: its default graph is the one-node ring (W = [1]). */
export const DEFAULT_TOPOLOGY_ONE_RANK = 'ring';

/** The topology a job of `size` ranks gets when nothing names one. */
export function defaultTopology(size: number): string {
  return size >= 2 ? DEFAULT_TOPOLOGY : DEFAULT_TOPOLOGY_ONE_RANK;
}
/** DTRAIN_SEED when nothing names one. */
export const DEFAULT_SEED = 0;
