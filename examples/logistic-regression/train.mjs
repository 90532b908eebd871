// Logistic regression on a seeded synthetic problem with heterogeneous ranks
// (rank r labels its data with w* + HETEROGENEITY * z_r): the setting of the
// seeds' experiments, where gradient tracking and exact-diffusion remove the
// bias that DSGD keeps under heterogeneity.
//   npx dtrain launch --nodes 4 --example logistic-regression --algorithm gradient-tracking --out runs/lr
//   npx dtrain launch --nodes 4 --example logistic-regression --algorithm push-sum --topology digraph-skewed
// The model is a plain list of tf.Variables with a custom loss, trained with opt.step(lossFn).
import * as tf from '@tensorflow/tfjs';
import { init, syntheticLogisticShard, syntheticLogisticTest } from '@dtrain/runtime';

const steps = Number(process.env.STEPS ?? 300);
const heterogeneity = Number(process.env.HETEROGENEITY ?? 1);
const dt = await init({ algorithm: 'dsgd', topology: 'ring', backend: 'cpu' });
try {
  const problem = { seed: dt.seed, dim: 20, samplesPerRank: 2000, ranks: dt.size, heterogeneity, testSamples: 5000 };
  const shard = syntheticLogisticShard(problem, dt.rank);
  const test = syntheticLogisticTest(problem);
  const X = tf.tensor2d(shard.x, [shard.n, problem.dim]);
  const y = tf.tensor2d(Float32Array.from(shard.y), [shard.n, 1]);
  const w = tf.variable(tf.zeros([problem.dim, 1]), true, `w-${dt.rank}`);
  const b = tf.variable(tf.zeros([1]), true, `b-${dt.rank}`);
  const opt = dt.wrap([w, b], tf.train.sgd(0.5));
  const loss = () => tf.tidy(() => tf.losses.sigmoidCrossEntropy(y, tf.add(tf.matMul(X, w), b)));
  for (let k = 0; k < steps; k++) {
    const s = await opt.step(loss);
    if ((k + 1) % 50 === 0) dt.logger.info({ kind: 'step', step: k + 1, loss: s.loss, computeSeconds: s.computeSeconds, commSeconds: s.commSeconds, bytesSent: s.bytesSent }, 'step');
  }
  // Accuracy of this rank's model on the test set labelled with w*.
  const Xt = tf.tensor2d(test.x, [test.n, problem.dim]);
  const pred = tf.tidy(() => tf.greater(tf.add(tf.matMul(Xt, w), b), 0).dataSync());
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (pred[i] === test.y[i]) correct++;
  dt.logger.info({ kind: 'eval', step: steps, localAccuracy: correct / test.n }, 'eval');
  await dt.summarize(opt, { extra: { localAccuracyRank0: correct / test.n, dataset: 'synthetic-logistic' } });
} finally {
  await dt.close();
}
