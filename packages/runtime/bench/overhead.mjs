#!/usr/bin/env node
// The training loop's own cost: ms/step of session.fit() on a single-rank
// session (no communication; the comm time it reports is subtracted anyway)
// against a bare tfjs loop over the same model, data, batch size, loss,
// optimizer and backend. Reps are interleaved (bare, fit, fit, bare, ...) and
// the medians compared; the goal is fit/bare <= 1.05.
// Build first: npx tsc -b packages/runtime. Usage:
//   node packages/runtime/bench/overhead.mjs [--backend wasm] [--model mlp] [--batch 32]
//     [--steps 300] [--reps 5] [--algorithm dsgd] [--log-every 10] [--optimizer sgd|momentum]
import * as tf from '@tensorflow/tfjs';
import { buildModel, createMemoryNetwork, createSession, crossEntropy, selectBackend } from '../dist/index.js';

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
function intFlag(name, fallback, min) {
  const raw = flag(name, String(fallback));
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer >= ${min}; got ${raw}`);
  return v;
}

const backend = flag('backend', 'wasm');
const modelName = flag('model', 'mlp');
const algorithm = flag('algorithm', 'dsgd');
const optimizerName = flag('optimizer', 'sgd');
const batch = intFlag('batch', 32, 1);
const steps = intFlag('steps', 300, 20);
const reps = intFlag('reps', 5, 1);
const logEvery = intFlag('log-every', 10, 1);
/** Steps not timed at the start of each run (tfjs kernel set-up, first allocations). */
const WARMUP = 10;
const LR = 0.05;

/** A synthetic MNIST-shaped dataset: the loop's cost does not depend on the pixel values. */
function syntheticDataset(n) {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(rand() * 10);
  return { name: 'synthetic', x, y, n, sampleShape: [28, 28, 1], classes: 10 };
}

const makeOptimizer = () => (optimizerName === 'momentum' ? tf.train.momentum(LR, 0.9) : tf.train.sgd(LR));

/** The reference: a plain tfjs loop (gather a batch, minimize, read the loss every logEvery steps). */
function bareRun(data) {
  const model = buildModel(modelName, data.sampleShape, data.classes, 1);
  const opt = makeOptimizer();
  const size = 784;
  const xs = new Float32Array(batch * size);
  const ys = new Int32Array(batch);
  const perm = Int32Array.from({ length: data.n }, (_, i) => i);
  let t0 = 0;
  for (let k = 0; k < steps; k++) {
    if (k === WARMUP) t0 = performance.now();
    for (let b = 0; b < batch; b++) {
      const i = perm[(k * batch + b) % data.n];
      xs.set(data.x.subarray(i * size, (i + 1) * size), b * size);
      ys[b] = data.y[i];
    }
    const xb = tf.tensor(xs.slice(), [batch, 28, 28, 1], 'float32');
    const yb = tf.tensor1d(ys.slice(), 'int32');
    const loss = opt.minimize(() => crossEntropy(model, xb, yb), true);
    if ((k + 1) % logEvery === 0) loss.dataSync();
    tf.dispose([xb, yb, loss]);
  }
  const ms = (performance.now() - t0) / (steps - WARMUP);
  opt.dispose();
  model.dispose();
  return { msPerStep: ms, commMsPerStep: 0 };
}

/** The runtime: session.fit on one rank, timed between the onStep calls of the timed steps. */
async function fitRun(data) {
  const [transport] = createMemoryNetwork(1);
  const session = createSession({ transport, algorithm, topology: 'ring', seed: 1, backend });
  const model = buildModel(modelName, data.sampleShape, data.classes, 1);
  let t0 = 0;
  let t1 = 0;
  let comm = 0;
  await session.fit(model, { train: data }, {
    optimizer: makeOptimizer(),
    batchSize: batch,
    steps,
    evalEvery: 0,
    logEvery,
    shard: 'none',
    onStep: (s) => {
      if (s.iteration === WARMUP - 1) t0 = performance.now();
      if (s.iteration >= WARMUP) comm += s.commSeconds;
      t1 = performance.now();
    },
  });
  await session.close();
  model.dispose();
  const timed = steps - WARMUP;
  return { msPerStep: (t1 - t0) / timed, commMsPerStep: (1000 * comm) / timed };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const report = await selectBackend(backend);
const data = syntheticDataset(Math.max(steps * batch, 1024));
const bare = [];
const fit = [];
for (let r = 0; r < reps; r++) {
  // Alternate the order so that drift on a shared machine hits both sides alike.
  const order = r % 2 === 0 ? ['bare', 'fit'] : ['fit', 'bare'];
  for (const which of order) {
    if (which === 'bare') bare.push(bareRun(data));
    else fit.push(await fitRun(data));
  }
  const b = bare[r].msPerStep;
  const f = fit[r].msPerStep - fit[r].commMsPerStep;
  console.log(`rep ${r + 1}/${reps}: bare ${b.toFixed(3)} ms/step, fit ${f.toFixed(3)} ms/step (comm ${fit[r].commMsPerStep.toFixed(3)} subtracted), ratio ${(f / b).toFixed(3)}`);
}
const b = median(bare.map((x) => x.msPerStep));
const f = median(fit.map((x) => x.msPerStep - x.commMsPerStep));
const summary = {
  backend: report.backend,
  model: modelName,
  algorithm,
  optimizer: optimizerName,
  batch,
  steps,
  timedSteps: steps - WARMUP,
  reps,
  logEvery,
  bareMsPerStep: Number(b.toFixed(3)),
  fitMsPerStep: Number(f.toFixed(3)),
  ratio: Number((f / b).toFixed(4)),
  overheadPercent: Number((100 * (f / b - 1)).toFixed(2)),
  perRepRatios: bare.map((x, i) => Number(((fit[i].msPerStep - fit[i].commMsPerStep) / x.msPerStep).toFixed(3))),
};
console.log(JSON.stringify(summary));
