/**
 * Stochastic gradient push: SGD with push-sum averaging (seed 003, "Push-sum
 * decentralized averaging"; Assran et al. 2019), for column-stochastic W
 * (directed graphs), where plain gossip would converge to pi 1^T x instead
 * of the average:
 *
 *   x_i(k+1/2) = x_i(k) - gamma grad F(z_i(k); xi_i(k))
 *   x(k+1)     = W(k) x(k+1/2)          (numerators)
 *   v(k+1)     = W(k) v(k),  v(0) = 1   (push-sum weights, 1^T v = n kept)
 *   z_i(k+1)   = x_i(k+1) / v_i(k+1)    (de-biased estimate)
 *
 * The model always holds z_i (so gradients, evaluation and the average
 * model use the de-biased parameters). The numerator step is taken by the
 * user's optimizer on z with gradient g / v_i, then x = v_i z: with
 * tf.train.sgd(gamma) that is exactly x - gamma g. On a doubly stochastic W
 * the weights stay 1 and this is DSGD. rounds R > 1 mixes with W^R.
 */
import { stateScalar } from './vec.js';
import type { Algorithm, AlgorithmSetup, GossipComm, LocalModel } from './types.js';

export function createPushSum(setup: AlgorithmSetup): Algorithm {
  const d = setup.size;
  const scaled = new Float32Array(d);
  const x = new Float32Array(d);
  let v = 1;
  return {
    name: 'push-sum',
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      const inv = 1 / v;
      for (let i = 0; i < d; i++) scaled[i] = g[i] * inv;
      model.apply(scaled);
      model.read(x);
      for (let i = 0; i < d; i++) x[i] *= v;
      const res = await comm.exchange(x, k, v);
      v = res.weight ?? v;
      const back = 1 / v;
      for (let i = 0; i < d; i++) x[i] *= back;
      model.write(x);
    },
    state: () => ({ vectors: {}, scalars: { weight: v } }),
    restore(state) {
      v = stateScalar(state, 'weight', 'push-sum');
    },
  };
}
