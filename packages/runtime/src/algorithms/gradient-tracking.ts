/**
 * Gradient tracking (seed 000, Lecture 13-5; the tracker is seed 001's
 * dynamic average consensus with input z(k) = g(k)):
 *
 *   x_i(k+1) = sum_j w_ij(k) (x_j(k) - gamma y_j(k))
 *   y_i(k+1) = sum_j w_ij(k) y_j(k) + g_i(k+1) - g_i(k),      y_i(0) = g_i(0)
 *
 * The average of the y_i tracks the average gradient, so with a constant
 * step the iterates reach the exact minimiser of (1/n) sum_i f_i even when
 * the f_i differ, where DSGD stops at a distance O(gamma) from it.
 *
 * The user's optimizer takes the step x - gamma y: it is applied with y as
 * the gradient. With tf.train.sgd(gamma) this is exactly the rule above;
 * another optimizer applies its own rule to the tracked direction (no
 * exactness guarantee then). x - gamma y and y travel in one exchange of a
 * 2d-vector, so an iteration costs one gossip of twice the model.
 * W(k) must be doubly stochastic; rounds R > 1 uses W^R for both.
 */
import { stateScalar, stateVector } from './vec.js';
import type { Algorithm, AlgorithmSetup, GossipComm, LocalModel } from './types.js';

export function createGradientTracking(setup: AlgorithmSetup): Algorithm {
  const d = setup.size;
  const buf = new Float32Array(2 * d);
  const z = buf.subarray(0, d);
  const yMixed = buf.subarray(d);
  /** y_i(k) before mixing. */
  const y = new Float32Array(d);
  const gPrev = new Float32Array(d);
  let started = false;
  return {
    name: 'gradient-tracking',
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      // y(k) = [W y(k-1)] + g(k) - g(k-1), or g(0) at the start; yMixed holds W y(k-1).
      if (started) for (let i = 0; i < d; i++) y[i] = yMixed[i] + g[i] - gPrev[i];
      else y.set(g);
      gPrev.set(g);
      started = true;
      model.apply(y);
      model.read(z);
      yMixed.set(y);
      await comm.exchange(buf, k);
      model.write(z);
    },
    state: () => ({
      vectors: { yMixed: yMixed.slice(), gPrev: gPrev.slice() },
      scalars: { started: started ? 1 : 0 },
    }),
    restore(state) {
      yMixed.set(stateVector(state, 'yMixed', d, 'gradient-tracking'));
      gPrev.set(stateVector(state, 'gPrev', d, 'gradient-tracking'));
      started = stateScalar(state, 'started', 'gradient-tracking') === 1;
    },
  };
}
