/**
 * Gossip-PGA, gossip SGD with periodic global averaging (Chen, Yuan et al.,
 * ICML 2021, cited in seeds 001-003), and Local SGD, its gossip-free limit:
 *
 *   x_i(k+1/2) = x_i(k) - gamma grad F(x_i(k); xi_i(k))
 *   x_i(k+1)   = (1/n) sum_j x_j(k+1/2)           if (k+1) mod H = 0   (allreduce)
 *              = sum_j w_ij(k) x_j(k+1/2)          otherwise           (pga: gossip)
 *              = x_i(k+1/2)                        otherwise           (local-sgd)
 *
 * H = globalAvgPeriod. With H = 1 both are PSGD by parameter averaging; with
 * plain SGD from identical starts that equals PSGD by gradient averaging.
 * Same momentum and multi-gossip options as DSGD (dsgd.ts). With `overlap`
 * (pga only) the gossip iterations combine and adapt in parallel,
 * x_i(k+1) = sum_j w_ij(k) x_j(k) - gamma g_i(x_i(k)), their exchange
 * overlapping the gradient (overlap.ts); the global-average iterations
 * stay as above and blocking.
 *
 * With an outer optimizer (outer.ts, DiLoCo) the global average that ends
 * each round of H steps is followed by the outer step on x(round start) -
 * average.
 */
import { createAdaptThenCombine, createGossipSgd } from './dsgd.js';
import type { Algorithm, AlgorithmSetup } from './types.js';

export function createPga(setup: AlgorithmSetup): Algorithm {
  const H = setup.options.globalAvgPeriod;
  return createGossipSgd('pga', setup, (k) => ((k + 1) % H === 0 ? 'global' : 'gossip'));
}

export function createLocalSgd(setup: AlgorithmSetup): Algorithm {
  const H = setup.options.globalAvgPeriod;
  return createAdaptThenCombine('local-sgd', setup, (k) => ((k + 1) % H === 0 ? 'global' : 'none'));
}

/**
 * The gossip form of DiLoCo: local steps, and every H steps one neighbour
 * exchange with W(k) instead of a global average, followed by the outer
 * step (outer.ts) on x0_i - (W x)_i. No rank ever sees the global average.
 */
export function createDilocoGossip(setup: AlgorithmSetup): Algorithm {
  const H = setup.options.globalAvgPeriod;
  return createAdaptThenCombine('diloco-gossip', setup, (k) => ((k + 1) % H === 0 ? 'gossip' : 'none'));
}
