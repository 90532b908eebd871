/** What a checkpoint or a replacement's handover carries of an optimizer. */
import type { AlgorithmState } from '../algorithms/types.js';

/** Everything a checkpoint needs from the optimizer (model parameters, algorithm and tfjs optimizer state). */
export interface OptimizerSnapshot {
  /** Iterations completed. */
  iteration: number;
  params: Float32Array;
  algorithm: AlgorithmState;
  /** The tfjs optimizer's weights (optimizer.getWeights()), in order. */
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
}
