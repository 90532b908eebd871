#!/usr/bin/env node
// The exchange's combine over one model-sized vector, chunk by chunk as the
// communicator calls it: x <- 1/2 x + 1/2 p (one peer at equal weights, the
// one-peer graphs and a ring of two) on the kernel's float32 path, against
// the float64 rule on the same data (weights 1/2 and 1/2 + 2^-40, which the
// float32 path does not take), in place, alternating, with a plain copy of the
// vector for reference.
// Checks that the float32 path gave the float64 rule's bits. Prints the
// median ms of each and their ratio. Build first: npx tsc -b packages/runtime
//   node packages/runtime/bench/combine.mjs [--floats 25600000] [--reps 9]
import { simdKernel } from '../dist/comm/kernel.js';
import { DEFAULT_CHUNK_FLOATS } from '../dist/comm/constants.js';
import { positiveIntFlag } from './flags.mjs';

const floats = positiveIntFlag('floats', 25_600_000);
const reps = positiveIntFlag('reps', 9);
const kernel = simdKernel();
if (kernel === undefined) {
  process.stderr.write('this runtime has no WebAssembly SIMD: the combine runs the scalar loop\n');
  process.exit(1);
}
const x = Float32Array.from({ length: floats }, (_, i) => ((i * 7) % 101) / 101 - 0.5);
const part = Float32Array.from({ length: floats }, (_, i) => ((i * 13) % 37) / 37 - 0.5);
const chunk = DEFAULT_CHUNK_FLOATS;

/** One combine of the whole vector into `into` (a copy of x, mixed in place as the communicator does). */
function pass(self, weight, into) {
  into.set(x);
  const t0 = performance.now();
  for (let s = 0; s < floats; s += chunk) {
    const e = Math.min(floats, s + chunk);
    const v = into.subarray(s, e);
    kernel.mix(v, self, v, [part.subarray(s, e)], [weight]);
  }
  return performance.now() - t0;
}

const pairOut = new Float32Array(floats);
const ruleOut = new Float32Array(floats);
const copyOut = new Float32Array(floats);
const times = { pair: [], rule: [], copy: [] };
for (let r = 0; r <= reps; r++) {
  const pair = pass(0.5, 0.5, pairOut);
  const rule = pass(0.5, 0.5 + 2 ** -40, ruleOut);
  const t0 = performance.now();
  copyOut.set(part);
  const copy = performance.now() - t0;
  if (r === 0) continue; // warm-up
  times.pair.push(pair);
  times.rule.push(rule);
  times.copy.push(copy);
}
// The float32 path against the float64 rule at exactly 1/2 and 1/2 (no float32 path: 3 parts with two zero weights).
const zeros = new Float32Array(floats);
ruleOut.set(x);
for (let s = 0; s < floats; s += chunk) {
  const e = Math.min(floats, s + chunk);
  const v = ruleOut.subarray(s, e);
  kernel.mix(v, 0.5, v, [part.subarray(s, e), zeros.subarray(s, e), zeros.subarray(s, e)], [0.5, 0, 0]);
}
const a = new Uint32Array(pairOut.buffer);
const b = new Uint32Array(ruleOut.buffer);
let differ = 0;
for (let i = 0; i < floats; i++) if (a[i] !== b[i]) differ += 1;

const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const result = {
  floats,
  reps,
  pairMs: median(times.pair),
  float64RuleMs: median(times.rule),
  copyMs: median(times.copy),
  ratio: median(times.pair) / median(times.rule),
  differingElements: differ,
  pairSlices: kernel.counts.pairSlices,
  pairFallbacks: kernel.counts.pairFallbacks,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
if (differ > 0) process.exit(1);
