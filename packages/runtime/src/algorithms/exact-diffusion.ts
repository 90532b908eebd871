/**
 * Exact-Diffusion (Yuan, Ying, Zhao, Sayed), also known as D2 (Tang et al.);
 * seed 003 lists it among the techniques that remove the influence of data
 * heterogeneity:
 *
 *   psi_i(k+1) = x_i(k) - gamma grad F(x_i(k); xi_i(k))              (adapt)
 *   phi_i(k+1) = psi_i(k+1) + x_i(k) - psi_i(k),  phi_i(1) = psi_i(1) (correct)
 *   x_i(k+1)   = sum_j wbar_ij phi_j(k+1),  Wbar = (I + W) / 2        (combine)
 *
 * It converges to the exact minimiser with a constant step. It needs a
 * symmetric, doubly stochastic, static W (the analysis uses the eigen-
 * decomposition of W; Wbar = (I + W)/2 has eigenvalues in (0, 1]), so it is
 * refused on directed or time-varying schedules. With rounds R > 1, Wbar =
 * (I + W^R)/2. The adapt step is the user's optimizer applied to the
 * gradient (exact with tf.train.sgd(gamma)). One exchange per iteration.
 */
import { stateScalar, stateVector } from './vec.js';
import type { Algorithm, AlgorithmSetup, GossipComm, LocalModel } from './types.js';

export function createExactDiffusion(setup: AlgorithmSetup): Algorithm {
  const d = setup.size;
  const x = new Float32Array(d);
  const psi = new Float32Array(d);
  const psiPrev = new Float32Array(d);
  const phi = new Float32Array(d);
  const mixed = new Float32Array(d);
  let started = false;
  return {
    name: 'exact-diffusion',
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      model.read(x);
      model.apply(g);
      model.read(psi);
      if (started) for (let i = 0; i < d; i++) phi[i] = psi[i] + x[i] - psiPrev[i];
      else phi.set(psi);
      psiPrev.set(psi);
      started = true;
      mixed.set(phi);
      await comm.exchange(mixed, k);
      for (let i = 0; i < d; i++) x[i] = 0.5 * (phi[i] + mixed[i]);
      model.write(x);
    },
    state: () => ({ vectors: { psiPrev: psiPrev.slice() }, scalars: { started: started ? 1 : 0 } }),
    restore(state) {
      psiPrev.set(stateVector(state, 'psiPrev', d, 'exact-diffusion'));
      started = stateScalar(state, 'started', 'exact-diffusion') === 1;
    },
  };
}
