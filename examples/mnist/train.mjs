// MNIST, one process per rank: an MLP (784-128-10 by default) or a small CNN.
//   node examples/mnist/train.mjs                      (one process)
//   npx dtrain launch --nodes 4 --example mnist --out runs/mnist
//   npx dtrain launch --nodes 4 --example mnist --algorithm psgd --out runs/mnist-psgd
// The launcher's --algorithm / --topology / --seed / --backend override the defaults below.
// Settings: flags after `--` (dtrain launch --example mnist -- --epochs 1), or environment
// variables (EPOCHS=1; `dtrain compare --steps/--epochs` sets STEPS/EPOCHS); a flag wins.
//   --steps STEPS         total steps per rank (wins over epochs)   --epochs EPOCHS   default 3
//   --lr LR               default 0.05 (momentum 0.9)               --batch BATCH     samples per rank per step, default 32
//   --model MODEL         mlp (default) or cnn                      --hidden HIDDEN   mlp hidden widths, default 128
//   --eval-every EVAL_EVERY     steps between evaluations, default total/10 (at least 10 points; at most one epoch)
//   --eval-samples EVAL_SAMPLES test samples per evaluation, default all
//   --log-every LOG_EVERY       steps between step lines, default 25 (with --steps: at most steps/40)
// With DTRAIN_OUT (--out DIR) the leader (rank 0, or the lowest live rank of an elastic job) saves the average model to DIR/model/ (model.json, weights.bin):
//   const model = await tf.loadLayersModel('file://DIR/model/model.json')   (tfjs-node, or after dtrain's init())
// A communication-bound job (3.7M parameters, 14.9 MB per message):
//   npx dtrain launch --nodes 4 --example mnist -- --hidden 2048,1024 --batch 4
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, init, loadMnist, parseHidden, scriptOptions, TrainError } from '@dtrain/runtime';

const o = scriptOptions({
  steps: { kind: 'int', help: 'total steps per rank (wins over --epochs)' },
  epochs: { kind: 'int', default: 3, help: 'passes over the shard' },
  lr: { kind: 'number', default: 0.05, help: 'learning rate (momentum 0.9)' },
  batch: { kind: 'int', default: 32, help: 'samples per rank per step' },
  model: { kind: 'string', default: 'mlp', help: 'mlp or cnn' },
  hidden: { kind: 'string', default: '128', help: 'mlp hidden widths, e.g. 2048,1024' },
  evalEvery: { kind: 'int', help: 'steps between evaluations (default total/10, at most one epoch)' },
  evalSamples: { kind: 'int', help: 'test samples per evaluation (default all)' },
  logEvery: { kind: 'int', help: 'steps between step lines (default 25; with --steps at most steps/40)' },
});
const { steps, epochs, lr, evalEvery, evalSamples } = o;
const logEvery = o.logEvery ?? (steps === undefined ? 25 : Math.max(1, Math.min(25, Math.floor(steps / 40))));
const batchSize = o.batch;
const modelName = o.model;
if (modelName !== 'mlp' && modelName !== 'cnn') throw new TrainError('E_TRAIN_OPTION', `--model ${JSON.stringify(modelName)} is not mlp or cnn; write --model mlp or --model cnn`);
const hidden = modelName === 'mlp' ? parseHidden(o.hidden) : undefined;

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
