// Fashion-MNIST with the small CNN (conv8-pool-conv16-pool-dense10).
// Needs the idx files under /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
// or FASHION_DIR=<dir holding them>.
//   npx dtrain launch --nodes 4 --example fashion-mnist --out runs/fashion
// Flags after `--` or variables (a flag wins): --steps STEPS (total steps per rank; wins over
// --epochs), --epochs EPOCHS (default 2), --lr LR (default 0.05), --model MODEL (cnn | mlp, default cnn).
import * as tf from '@tensorflow/tfjs';
import { buildModel, DataError, init, loadMnist, scriptOptions } from '@dtrain/runtime';

const { steps, epochs, lr, model: modelName } = scriptOptions({
  steps: { kind: 'int', help: 'total steps per rank (wins over --epochs)' },
  epochs: { kind: 'int', default: 2, help: 'passes over the shard' },
  lr: { kind: 'number', default: 0.05, help: 'learning rate (momentum 0.9)' },
  model: { kind: 'string', default: 'cnn', help: 'cnn or mlp' },
});

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
