/**
 * Every default that crosses the process boundary, one value each: what a
 * worker uses when no variable names a value, and what `dtrain launch`
 * hands to its workers when no flag does. The launcher's help text and the
 * README's variable table show these same values.
 */
export { DEFAULT_ALGORITHM, DEFAULT_GLOBAL_AVG_PERIOD } from '../algorithms/constants.js';
export { DEFAULT_TIMEOUT_MS } from '../transport/constants.js';
export { DEFAULT_RENDEZVOUS_PORT } from '../env.js';

/**
 * DTRAIN_TOPOLOGY when nothing names one. The ring runs at every world
 * size (one process included) and with every algorithm, which a one-peer
 * schedule does not (it needs two nodes; exact-diffusion refuses it).
 */
export const DEFAULT_TOPOLOGY = 'ring';
/** DTRAIN_SEED when nothing names one. */
export const DEFAULT_SEED = 0;
