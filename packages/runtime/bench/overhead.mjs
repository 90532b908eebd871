#!/usr/bin/env node
// The training loop's own cost: ms/step of session.fit() on a single-rank
// session (no communication; the comm time it reports is subtracted anyway)
// against a bare tfjs loop over the same model, data, batch size, loss,
// optimizer and backend. The two loops alternate step by step (one bare step
// inside each fit onStep call), so load from other jobs hits both alike;
// several reps; mean and median compared. The goal is fit/bare <= 1.05.
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

/** The reference: a plain tfjs loop step (gather a batch, minimize, read the loss every logEvery steps). */
function createBareStepper(data) {
  const model = buildModel(modelName, data.sampleShape, data.classes, 1);
  const opt = makeOptimizer();
  const size = 784;
  const xs = new Float32Array(batch * size);
  const ys = new Int32Array(batch);
  let k = 0;
  return {
    /** One step; returns its milliseconds. */
    step() {
      const t0 = performance.now();
      for (let b = 0; b < batch; b++) {
        const i = (k * batch + b) % data.n;
        xs.set(data.x.subarray(i * size, (i + 1) * size), b * size);
        ys[b] = data.y[i];
      }
      const xb = tf.tensor(xs.slice(), [batch, 28, 28, 1], 'float32');
      const yb = tf.tensor1d(ys.slice(), 'int32');
      const loss = opt.minimize(() => crossEntropy(model, xb, yb), true);
      if ((k + 1) % logEvery === 0) loss.dataSync();
      tf.dispose([xb, yb, loss]);
      k += 1;
      return performance.now() - t0;
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * One rep: session.fit on one rank, with one bare step run inside each
 * onStep call, so that the two loops alternate step by step and share
 * whatever load the machine has at that moment. A fit step is the time
 * from the end of the previous onStep to this one, minus its comm time.
 */
async function rep(data) {
  const [transport] = createMemoryNetwork(1);
  const session = createSession({ transport, algorithm, topology: 'ring', seed: 1, backend });
  const model = buildModel(modelName, data.sampleShape, data.classes, 1);
  const bare = createBareStepper(data);
  const fitMs = [];
  const bareMs = [];
  const commMs = [];
  let last = 0;
  await session.fit(model, { train: data }, {
    optimizer: makeOptimizer(),
    batchSize: batch,
    steps,
    evalEvery: 0,
    logEvery,
    shard: 'none',
    onStep: (s) => {
      const now = performance.now();
      const b = bare.step();
      if (s.iteration >= WARMUP) {
        fitMs.push(now - last - 1000 * s.commSeconds);
        commMs.push(1000 * s.commSeconds);
        bareMs.push(b);
      }
      last = performance.now();
    },
  });
  await session.close();
  bare.dispose();
  model.dispose();
  return { fitMs, bareMs, commMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const report = await selectBackend(backend);
const data = syntheticDataset(Math.max(steps * batch, 1024));
const runs = [];
for (let r = 0; r < reps; r++) {
  const run = await rep(data);
  runs.push(run);
  const f = mean(run.fitMs);
  const b = mean(run.bareMs);
  console.log(`rep ${r + 1}/${reps}: bare ${b.toFixed(3)} ms/step, fit ${f.toFixed(3)} ms/step (comm ${mean(run.commMs).toFixed(3)} ms subtracted), ratio ${(f / b).toFixed(3)}`);
}
const allBare = runs.flatMap((x) => x.bareMs);
const allFit = runs.flatMap((x) => x.fitMs);
const round = (x, d = 3) => Number(x.toFixed(d));
const summary = {
  backend: report.backend,
  model: modelName,
  algorithm,
  optimizer: optimizerName,
  batch,
  steps,
  timedStepsPerRep: steps - WARMUP,
  reps,
  logEvery,
  bareMeanMs: round(mean(allBare)),
  fitMeanMs: round(mean(allFit)),
  ratioMean: round(mean(allFit) / mean(allBare), 4),
  bareMedianMs: round(median(allBare)),
  fitMedianMs: round(median(allFit)),
  ratioMedian: round(median(allFit) / median(allBare), 4),
  repRatios: runs.map((x) => round(mean(x.fitMs) / mean(x.bareMs))),
  commMeanMs: round(mean(runs.flatMap((x) => x.commMs)), 4),
};
console.log(JSON.stringify(summary));
