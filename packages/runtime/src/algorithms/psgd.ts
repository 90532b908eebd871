/**
 * PSGD, parallel SGD (seed 004, Lecture 13-1):
 *
 *   g_i(k)   = grad F(x(k); xi_i(k))                 (local computation)
 *   x(k+1)   = x(k) - (gamma / n) sum_i g_i(k)       (global communication)
 *
 * The gradients are averaged by ring allreduce every iteration; the user's
 * optimizer then takes its step along the average. Since every rank starts
 * from the same parameters and the allreduce gives identical bits on every
 * rank, every rank holds the same model throughout (with any deterministic
 * optimizer: SGD, momentum, Adam...). The schedule is not used.
 */
import type { Algorithm, AlgorithmSetup, GossipComm, LocalModel } from './types.js';

export function createPsgd(setup: AlgorithmSetup): Algorithm {
  const avg = new Float32Array(setup.size);
  return {
    name: 'psgd',
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      avg.set(g);
      await comm.allreduceMean(avg, k);
      model.apply(avg);
    },
    state: () => ({ vectors: {}, scalars: {} }),
    restore: () => undefined,
  };
}
