// MNIST with an MLP (784-128-10), one process per rank.
//   node examples/mnist/train.mjs                      (one process)
//   npx dtrain launch --nodes 4 --example mnist --out runs/mnist
//   npx dtrain launch --nodes 4 --example mnist --algorithm psgd --out runs/mnist-psgd
// The launcher's --algorithm / --topology / --seed / --backend override the defaults below.
// STEPS (total steps per rank; wins over EPOCHS), EPOCHS (default 3) and LR (default 0.05)
// tune the run (`dtrain compare --steps/--epochs` sets STEPS/EPOCHS).
import * as tf from '@tensorflow/tfjs';
import { buildModel, init, loadMnist } from '@dtrain/runtime';

const steps = process.env.STEPS === undefined || process.env.STEPS === '' ? undefined : Number(process.env.STEPS);
const epochs = Number(process.env.EPOCHS || 3);
const lr = Number(process.env.LR ?? 0.05);
// The one-peer exponential graph needs two nodes; one process runs on the (trivial) ring.
const ranks = Number(process.env.DTRAIN_WORLD_SIZE ?? 1);

const dt = await init({ algorithm: 'dsgd', topology: ranks > 1 ? 'onepeer-exp' : 'ring' });
try {
  const { train, test } = loadMnist({ variant: 'mnist' });
  const model = buildModel('mlp', train.sampleShape, train.classes, dt.seed);
  const { summary } = await dt.fit(model, { train, test }, {
    optimizer: tf.train.momentum(lr, 0.9),
    batchSize: 32,
    epochs,
    steps,
    evalEvery: 200,
    logEvery: 25,
    checkpointEvery: dt.out === undefined ? 0 : 200,
    extra: { dataset: 'mnist', model: 'mlp', learningRate: lr, momentum: 0.9 },
  });
  if (dt.rank === 0) console.error(`average model test accuracy ${(100 * summary.finalAccuracy).toFixed(2)}%`);
} finally {
  await dt.close();
}
