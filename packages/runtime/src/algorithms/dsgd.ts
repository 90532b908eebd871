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
 * - rounds R > 1: multi-gossip, x_i(k+1) = [W^R x(k+1/2)]_i (seed 003);
 * - overlap: combine and adapt in parallel instead, x(k+1) = W(k) x(k) -
 *   gamma g(x(k)), with the exchange travelling while the gradient is
 *   computed (overlap.ts).
 *
 * Gossip-PGA and Local SGD (pga.ts) reuse this with a periodic global average.
 */
import { createHeavyBall } from './heavy-ball.js';
import { createOuterStep } from './outer.js';
import { createOverlapped } from './overlap.js';
import type { Algorithm, AlgorithmName, AlgorithmSetup, CombineRule, GossipComm, LocalModel } from './types.js';
import { mergeStates } from './vec.js';

export type { CombineRule } from './types.js';

/**
 * DSGD's local step (with optional heavy ball), then `combine(k)` decides how
 * the half-step is mixed; with an outer optimizer (outer.ts) the mix that
 * ends a round of H = globalAvgPeriod steps is followed by the outer step.
 */
export function createAdaptThenCombine(name: AlgorithmName, setup: AlgorithmSetup, combine: CombineRule): Algorithm {
  const ball = createHeavyBall(setup.size, setup.options.momentum, name);
  const outer = setup.options.outer === undefined ? undefined : createOuterStep(setup.size, setup.options.outer, name);
  const H = setup.options.globalAvgPeriod;
  const x = new Float32Array(setup.size);
  return {
    name,
    readsGradient: setup.options.momentum > 0,
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      outer?.begin(model);
      model.apply(ball.direction(g));
      const rule = combine(k);
      // One rank: W = [1] and the mean is x itself, so there is nothing to mix (the outer step still runs).
      if (rule === 'none' || (comm.size === 1 && outer === undefined)) return;
      model.read(x);
      if (rule === 'global') await comm.allreduceMean(x, k);
      else await comm.exchange(x, k);
      if (outer !== undefined && (k + 1) % H === 0) outer.finish(x);
      model.write(x);
    },
    state: () => mergeStates(ball.state(), outer?.state()),
    restore: (state) => {
      ball.restore(state);
      outer?.restore(state);
    },
  };
}

/** The form the options ask for: combine and adapt in parallel with `overlap`, else adapt then combine. */
export function createGossipSgd(name: AlgorithmName, setup: AlgorithmSetup, combine: CombineRule): Algorithm {
  return setup.options.overlap === true ? createOverlapped(name, setup, combine) : createAdaptThenCombine(name, setup, combine);
}

export function createDsgd(setup: AlgorithmSetup): Algorithm {
  return createGossipSgd('dsgd', setup, () => 'gossip');
}
