/**
 * The runtime's light entry point (`@dtrain/runtime/contract`): what a
 * launcher needs to start and check workers (the environment contract, the
 * algorithms' rules, error types, the worker scripts' paths) without loading
 * TensorFlow.js or ZeroMQ, so that the `dtrain` command starts quickly.
 */
export * from './env.js';
export * from './errors.js';
export {
  ALGORITHMS,
  ALGORITHM_NAMES,
  validateAlgorithm,
  DEFAULT_ALGORITHM,
  DEFAULT_GLOBAL_AVG_PERIOD,
  DEFAULT_MOMENTUM,
  DEFAULT_ROUNDS,
  type AlgorithmName,
  type AlgorithmOptions,
} from './algorithms/index.js';
export { PARENT_PID_VAR } from './train/parent-watch.js';
export { SECURE_MODES, DEFAULT_SECURE, type SecureMode } from './transport/secure.js';
export { workerScriptPath } from './bin/paths.js';
