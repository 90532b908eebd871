// Fashion-MNIST with the small CNN (conv8-pool-conv16-pool-dense10).
// Needs the idx files under /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
// or FASHION_DIR=<dir holding them>.
//   npx dtrain launch --nodes 4 --example fashion-mnist --out runs/fashion
// EPOCHS (default 2), LR (default 0.05), MODEL (cnn | mlp, default cnn).
import * as tf from '@tensorflow/tfjs';
import { buildModel, init, loadMnist } from '@dtrain/runtime';

const epochs = Number(process.env.EPOCHS ?? 2);
const lr = Number(process.env.LR ?? 0.05);
const modelName = process.env.MODEL ?? 'cnn';

const dt = await init({ algorithm: 'dsgd', topology: 'onepeer-exp' });
try {
  const { train, test } = loadMnist({ variant: 'fashion', dir: process.env.FASHION_DIR });
  const model = buildModel(modelName, train.sampleShape, train.classes, dt.seed);
  await dt.fit(model, { train, test }, {
    optimizer: tf.train.momentum(lr, 0.9),
    batchSize: 32,
    epochs,
    evalEvery: 200,
    evalSamples: 5000,
    logEvery: 25,
    checkpointEvery: dt.out === undefined ? 0 : 200,
    extra: { dataset: 'fashion-mnist', model: modelName, learningRate: lr },
  });
} finally {
  await dt.close();
}
