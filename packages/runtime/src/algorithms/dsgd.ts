/**
 * DSGD, decentralized SGD in adapt-then-combine form (seed 001, Lecture 13-2):
 *
 *   x_i(k+1/2) = x_i(k) - gamma grad F(x_i(k); xi_i(k))       (local update)
 *   x_i(k+1)   = sum_{j in N_i} w_ij(k) x_j(k+1/2)            (partial averaging)
 *
 * W(k) must be doubly stochastic (static or time-varying). The local update
 * is the user's optimizer step. Options:
 * - momentum beta > 0: local heavy ball, m_i <- beta m_i + g_i, and the
 *   optimizer steps along m_i (keep the optimizer plain SGD for the classic
 *   heavy-ball rule; any tfjs optimizer with its own momentum also works);
 * - rounds R > 1: multi-gossip, x_i(k+1) = [W^R x(k+1/2)]_i (seed 003).
 *
 * Gossip-PGA and Local SGD (pga.ts) reuse this with a periodic global average.
 */
import { stateVector } from './vec.js';
import type { Algorithm, AlgorithmName, AlgorithmSetup, GossipComm, LocalModel } from './types.js';

/** Whether iteration k ends in an exact global average instead of gossip (or no communication). */
export type CombineRule = (k: number) => 'gossip' | 'global' | 'none';

/** DSGD's local step (with optional heavy ball), then `combine(k)` decides how the half-step is mixed. */
export function createAdaptThenCombine(name: AlgorithmName, setup: AlgorithmSetup, combine: CombineRule): Algorithm {
  const beta = setup.options.momentum;
  const m = new Float32Array(beta > 0 ? setup.size : 0);
  const x = new Float32Array(setup.size);
  return {
    name,
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      if (beta > 0) {
        for (let i = 0; i < m.length; i++) m[i] = beta * m[i] + g[i];
        model.apply(m);
      } else {
        model.apply(g);
      }
      const rule = combine(k);
      if (rule === 'none') return;
      model.read(x);
      if (rule === 'global') await comm.allreduceMean(x, k);
      else await comm.exchange(x, k);
      model.write(x);
    },
    state: () => {
      const vectors: Record<string, Float32Array> = {};
      if (beta > 0) vectors.momentum = m.slice();
      return { vectors, scalars: {} };
    },
    restore(state) {
      if (beta > 0) m.set(stateVector(state, 'momentum', m.length, name));
    },
  };
}

export function createDsgd(setup: AlgorithmSetup): Algorithm {
  return createAdaptThenCombine('dsgd', setup, () => 'gossip');
}
