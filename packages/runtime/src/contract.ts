/**
 * The runtime's light entry point (`@dtrain/runtime/contract`): everything
 * that crosses the process boundary between a launcher and its workers,
 * without loading TensorFlow.js or ZeroMQ, so that the `dtrain` command
 * starts quickly:
 *   - the environment variables and every default (env.ts, contract/defaults.ts);
 *   - the NDJSON records with their encoders and checking decoders (contract/records.ts);
 *   - summary.json and comparison.json (contract/summary.ts, contract/comparison.ts);
 * and what a launcher needs to start and check workers: the algorithms'
 * rules, error types, the worker scripts' paths.
 */
export * from './env.js';
export * from './env-rejoin.js';
export * from './errors.js';
export { describeFailure, installFailureHandler, EXIT_FAILED } from './failure.js';
export * from './contract/defaults.js';
export * from './contract/records.js';
export * from './contract/summary.js';
export * from './contract/comparison.js';
export {
  ALGORITHMS,
  ALGORITHM_NAMES,
  validateAlgorithm,
  DEFAULT_MOMENTUM,
  DEFAULT_ROUNDS,
  type AlgorithmName,
  type AlgorithmOptions,
} from './algorithms/index.js';
export { PARENT_PID_VAR } from './train/parent-watch.js';
export { checkpointDir, listCheckpoints, readCheckpointHeader, type CheckpointHeader, type CheckpointMeta } from './train/checkpoint.js';
export { SECURE_MODES, DEFAULT_SECURE, type SecureMode } from './transport/secure.js';
export { COMPRESS_CHOICES, compressProblem } from './transport/compress-spec.js';
export { workerScriptPath } from './bin/paths.js';
export { BACKEND_CHOICES, CANDIDATE_PACKAGE, decideBackend, probeBackends, type BackendChoice, type BackendCandidate, type BackendProbe } from './tf/probe.js';
export { findCudaLibraries, CUDA_LIBRARIES, type CudaLibrary } from './tf/cuda-libs.js';
