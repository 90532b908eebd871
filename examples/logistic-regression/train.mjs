// Logistic regression on a seeded synthetic problem with heterogeneous ranks
// (rank r labels its data with w* + HETEROGENEITY * z_r): the setting of the
// seeds' experiments, where gradient tracking and exact-diffusion remove the
// bias that DSGD keeps under heterogeneity.
//   npx dtrain launch --nodes 4 --example logistic-regression --algorithm gradient-tracking --out runs/lr
//   npx dtrain launch --nodes 4 --example logistic-regression --algorithm push-sum --topology digraph-skewed
// The model is a plain list of tf.Variables with a custom loss, trained with opt.step(lossFn).
// Flags after `--` or variables (a flag wins): --steps STEPS (default 300), --heterogeneity
// HETEROGENEITY (default 1), --lr LR (default 0.5), --log-every LOG_EVERY (default 10),
// --eval-every EVAL_EVERY (default steps/10, at most 25: at least 10 points): every EVAL_EVERY
// steps the average model's test accuracy is logged ({kind:'eval'} lines, the accuracy curves
// of `dtrain compare`).
import * as tf from '@tensorflow/tfjs';
import { consensus, init, logEval, logStep, scriptOptions, syntheticLogisticShard, syntheticLogisticTest } from '@dtrain/runtime';

const o = scriptOptions({
  steps: { kind: 'int', default: 300, help: 'steps per rank' },
  heterogeneity: { kind: 'number', default: 1, help: 'how far apart the ranks\' labelling weights are' },
  lr: { kind: 'number', default: 0.5, help: 'learning rate' },
  logEvery: { kind: 'int', default: 10, help: 'steps between step lines' },
  evalEvery: { kind: 'int', help: 'steps between evaluations (default steps/10, at most 25)' },
});
const { steps, heterogeneity, lr, logEvery } = o;
const evalEvery = o.evalEvery ?? Math.max(1, Math.min(25, Math.floor(steps / 10)));
const dim = 20;

// Algorithm and topology: the launcher's, else the runtime's defaults (dsgd on the one-peer exponential graph).
const dt = await init({ backend: 'cpu' });
try {
  const problem = { seed: dt.seed, dim, samplesPerRank: 2000, ranks: dt.size, heterogeneity, testSamples: 5000 };
  const shard = syntheticLogisticShard(problem, dt.rank);
  const test = syntheticLogisticTest(problem);
  const X = tf.tensor2d(shard.x, [shard.n, dim]);
  const y = tf.tensor2d(Float32Array.from(shard.y), [shard.n, 1]);
  const w = tf.variable(tf.zeros([dim, 1]), true, `w-${dt.rank}`);
  const b = tf.variable(tf.zeros([1]), true, `b-${dt.rank}`);
  const opt = dt.wrap([w, b], tf.train.sgd(lr));
  const loss = () => tf.tidy(() => tf.losses.sigmoidCrossEntropy(y, tf.add(tf.matMul(X, w), b)));

  // Test accuracy of the parameters [w (dim), b] laid out as the optimizer's flat vector.
  const accuracyOf = (params) => {
    let correct = 0;
    for (let i = 0; i < test.n; i++) {
      let z = params[dim];
      for (let j = 0; j < dim; j++) z += test.x[i * dim + j] * params[j];
      if ((z > 0 ? 1 : 0) === test.y[i]) correct++;
    }
    return correct / test.n;
  };
  // Collective: every rank calls it at the same step.
  const evaluate = async () => {
    const t0 = performance.now();
    const x = opt.params();
    // dt.collective: under --elastic a member lost meanwhile makes it run again on the new membership.
    const { average, distance } = await dt.collective(() => consensus(dt.comm, x, opt.iteration));
    const record = { step: opt.iteration, localAccuracy: accuracyOf(x), averageAccuracy: accuracyOf(average), consensusDistance: distance };
    // How long training paused for it: `dtrain compare` leaves it out of the wall-clock.
    record.seconds = (performance.now() - t0) / 1000;
    logEval(dt.logger, record);
    return record;
  };

  // On opt.iteration: under --elastic a membership change may move it forward.
  while (opt.iteration < steps) {
    const s = await opt.step(loss);
    const done = opt.iteration;
    if (done % logEvery === 0) logStep(dt.logger, s, { totalSteps: steps, samples: shard.n });
    if (done % evalEvery === 0 && done < steps) await evaluate();
  }
  const last = await evaluate();
  const summary = await dt.summarize(opt, { last, extra: { dataset: 'synthetic-logistic', learningRate: lr, heterogeneity } });
  if (dt.leader) console.error(`average model test accuracy ${(100 * summary.finalAccuracy).toFixed(2)}%`);
} finally {
  await dt.close();
}
