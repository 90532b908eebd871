#!/usr/bin/env node
// Training-step throughput (samples/s) of the MLP and the CNN on the wasm and
// cpu backends, and the cost of flattening weights; prints wasm/cpu ratios.
// Build first: npx tsc -b packages/runtime. Usage:
//   node packages/runtime/bench/tf-step.mjs [--batch 64] [--stock]
// --stock also times the CNN on cpu with the stock conv2d filter gradient.
import * as tf from '@tensorflow/tfjs';
import { buildModel, createParamVector, readParams, selectBackend, writeParams } from '../dist/index.js';

const args = process.argv.slice(2);
const at = args.indexOf('--batch');
const batch = at >= 0 ? Number(args[at + 1]) : 64;
if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch needs a positive integer; got ${args[at + 1]}`);
const stock = args.includes('--stock');

function batchTensors() {
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10).toFloat();
  return { x, y };
}

async function stepsPerSecond(name, steps) {
  const model = buildModel(name, [28, 28, 1], 10, 1);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const { x, y } = batchTensors();
  for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const ms = (performance.now() - t0) / steps;
  tf.dispose([x, y]);
  model.dispose();
  return { msPerStep: ms, samplesPerSec: (batch * 1000) / ms };
}

function flattenCost() {
  const model = buildModel('mlp', [28, 28, 1], 10, 1);
  const v = createParamVector(model);
  const reps = 50;
  let t0 = performance.now();
  for (let i = 0; i < reps; i++) readParams(model, v);
  const read = (performance.now() - t0) / reps;
  t0 = performance.now();
  for (let i = 0; i < reps; i++) writeParams(model, v);
  const write = (performance.now() - t0) / reps;
  model.dispose();
  return { params: v.length, readMs: read, writeMs: write };
}

const results = {};
if (stock) {
  await selectBackend('cpu', undefined, { convGradient: false });
  results['cpu-stock-conv-grad'] = { cnn: await stepsPerSecond('cnn', 2) };
}
for (const backend of ['cpu', 'wasm']) {
  await selectBackend(backend);
  results[backend] = {
    mlp: await stepsPerSecond('mlp', backend === 'cpu' ? 10 : 40),
    cnn: await stepsPerSecond('cnn', backend === 'cpu' ? 4 : 20),
    flatten: flattenCost(),
  };
}

const fmt = (v) => v.toFixed(0).padStart(7);
console.log(`batch ${batch}, one process`);
console.log('backend              model  samples/s  ms/step');
for (const [b, r] of Object.entries(results)) {
  for (const m of ['mlp', 'cnn']) {
    if (r[m]) console.log(`${b.padEnd(20)} ${m.padEnd(5)} ${fmt(r[m].samplesPerSec)}  ${r[m].msPerStep.toFixed(1).padStart(8)}`);
  }
}
for (const m of ['mlp', 'cnn']) {
  console.log(`ratio wasm/cpu ${m}: ${(results.wasm[m].samplesPerSec / results.cpu[m].samplesPerSec).toFixed(2)}x`);
}
if (results['cpu-stock-conv-grad']) {
  const r = results.cpu.cnn.samplesPerSec / results['cpu-stock-conv-grad'].cnn.samplesPerSec;
  console.log(`ratio cpu cnn, conv-as-filter-gradient / stock: ${r.toFixed(2)}x`);
}
for (const b of ['cpu', 'wasm']) {
  const f = results[b].flatten;
  console.log(`${b} flatten ${f.params} params: read ${f.readMs.toFixed(2)} ms, write ${f.writeMs.toFixed(2)} ms`);
}
