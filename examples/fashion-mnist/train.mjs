// Fashion-MNIST with the small CNN (conv8-pool-conv16-pool-dense10).
// Needs the idx files under /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
// or FASHION_DIR=<dir holding them>.
//   npx dtrain launch --nodes 4 --example fashion-mnist --out runs/fashion
// STEPS (total steps per rank; wins over EPOCHS), EPOCHS (default 2), LR (default 0.05),
// MODEL (cnn | mlp, default cnn).
import * as tf from '@tensorflow/tfjs';
import { buildModel, DataError, init, loadMnist } from '@dtrain/runtime';

const steps = process.env.STEPS === undefined || process.env.STEPS === '' ? undefined : Number(process.env.STEPS);
const epochs = Number(process.env.EPOCHS || 2);
const lr = Number(process.env.LR ?? 0.05);
const modelName = process.env.MODEL ?? 'cnn';

let data;
try {
  data = loadMnist({ variant: 'fashion', dir: process.env.FASHION_DIR });
} catch (err) {
  if (!(err instanceof DataError)) throw err;
  // E_DATA_MISSING names the files and the package: apt-get install dataset-fashion-mnist.
  console.error(`fashion-mnist example: ${err.message} (FASHION_DIR=<dir> for another location)`);
  process.exit(1);
}

// Algorithm and topology: the launcher's (--algorithm, --topology), else the runtime's defaults (dsgd on the one-peer exponential graph).
const dt = await init();
try {
  const { train, test } = data;
  const model = buildModel(modelName, train.sampleShape, train.classes, dt.seed);
  const { summary } = await dt.fit(model, { train, test }, {
    optimizer: tf.train.momentum(lr, 0.9),
    batchSize: 32,
    epochs,
    steps,
    evalSamples: 5000,
    logEvery: 25,
    checkpointEvery: dt.out === undefined ? 0 : 200,
    extra: { dataset: 'fashion-mnist', model: modelName, learningRate: lr },
  });
  if (dt.rank === 0) console.error(`average model test accuracy ${(100 * summary.finalAccuracy).toFixed(2)}%`);
} finally {
  await dt.close();
}
