// MNIST, one process per rank: an MLP (784-128-10 by default) or a small CNN.
//   node examples/mnist/train.mjs                      (one process)
//   npx dtrain launch --nodes 4 --example mnist --out runs/mnist
//   npx dtrain launch --nodes 4 --example mnist --algorithm psgd --out runs/mnist-psgd
// The launcher's --algorithm / --topology / --seed / --backend override the defaults below.
// Environment (all optional; `dtrain compare --steps/--epochs` sets STEPS/EPOCHS):
//   STEPS         total steps per rank (wins over EPOCHS)     EPOCHS   default 3
//   LR            default 0.05 (momentum 0.9)                 BATCH    samples per rank per step, default 32
//   MODEL         mlp (default) or cnn                        HIDDEN   mlp hidden widths, default 128
//   EVAL_EVERY    steps between evaluations, default 200      EVAL_SAMPLES  test samples per evaluation, default all
//   LOG_EVERY     steps between step lines, default 25
// With DTRAIN_OUT (--out DIR) the leader (rank 0, or the lowest live rank of an elastic job) saves the average model to DIR/model/ (model.json, weights.bin):
//   const model = await tf.loadLayersModel('file://DIR/model/model.json')   (tfjs-node, or after dtrain's init())
// A communication-bound job (3.7M parameters, 14.9 MB per message):
//   MODEL=mlp HIDDEN=2048,1024 BATCH=4 npx dtrain launch --nodes 4 --example mnist
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, init, loadMnist, parseHidden } from '@dtrain/runtime';

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name]);
const int = (name, fallback) => {
  const raw = env(name, String(fallback));
  if (!/^\d+$/.test(raw)) throw new Error(`${name}=${JSON.stringify(raw)} is not a non-negative integer; e.g. ${name}=${fallback}`);
  return Number(raw);
};
const steps = env('STEPS', undefined) === undefined ? undefined : int('STEPS', 0);
const epochs = int('EPOCHS', 3);
const lr = Number(env('LR', '0.05'));
const batchSize = int('BATCH', 32);
const modelName = env('MODEL', 'mlp');
if (modelName !== 'mlp' && modelName !== 'cnn') throw new Error(`MODEL=${JSON.stringify(modelName)} is not mlp or cnn`);
const hidden = modelName === 'mlp' ? parseHidden(env('HIDDEN', '128')) : undefined;
const evalEvery = int('EVAL_EVERY', 200);
const evalSamples = env('EVAL_SAMPLES', undefined) === undefined ? undefined : int('EVAL_SAMPLES', 1000);
const logEvery = int('LOG_EVERY', 25);

// Algorithm and topology: the launcher's (--algorithm, --topology), else the runtime's defaults (dsgd on the one-peer exponential graph).
const dt = await init();
try {
  const { train, test } = loadMnist({ variant: 'mnist' });
  const model = buildModel(modelName, train.sampleShape, train.classes, dt.seed, hidden === undefined ? {} : { hidden });
  const { summary } = await dt.fit(model, { train, test }, {
    optimizer: tf.train.momentum(lr, 0.9),
    batchSize,
    epochs,
    steps,
    evalEvery,
    evalSamples,
    logEvery,
    checkpointEvery: dt.out === undefined ? 0 : 200,
    extra: { dataset: 'mnist', model: modelName, ...(hidden !== undefined ? { hidden } : {}), learningRate: lr, momentum: 0.9 },
  });
  // Collective: every rank's model becomes the average of all ranks' (what finalAccuracy measured).
  await dt.averageModel(model);
  if (dt.leader && dt.out !== undefined) await model.save(`file://${join(dt.out, 'model')}`);
  if (dt.leader) console.error(`average model test accuracy ${(100 * summary.finalAccuracy).toFixed(2)}%`);
} finally {
  await dt.close();
}
