export {
  ALGORITHMS,
  ALGORITHM_NAMES,
  algorithmSpec,
  createAlgorithm,
  resolveAlgorithmOptions,
  validateAlgorithm,
  type AlgorithmSpec,
  type ScheduleNeed,
} from './registry.js';
export { DEFAULT_ALGORITHM, DEFAULT_GLOBAL_AVG_PERIOD, DEFAULT_MOMENTUM, DEFAULT_ROUNDS } from './constants.js';
export type {
  Algorithm,
  AlgorithmName,
  AlgorithmOptions,
  AlgorithmSetup,
  AlgorithmState,
  CombineRule,
  GossipComm,
  LocalModel,
  PendingExchange,
  ResolvedAlgorithmOptions,
} from './types.js';
