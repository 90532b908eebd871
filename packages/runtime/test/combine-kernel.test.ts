// The SIMD combine kernel against the scalar loop (bit for bit), and the
// communicator's exchange and allreduce on vectors long enough to use it.
import { describe, expect, it } from 'vitest';
import { createSchedule, rngFrom } from '@dtrain/topology';
import { Communicator, createMemoryNetwork } from '@dtrain/runtime';
import { KERNEL_SLICE_FLOATS, simdKernel } from '../src/comm/kernel.js';
import {
  addInPlace,
  addScaledInPlace,
  combineInPlace,
  combineScalar,
  KERNEL_MIN_FLOATS,
  scaleInPlace,
} from '../src/comm/combine.js';

function randomVector(length: number, seed: number, stream: number): Float32Array {
  const rng = rngFrom(seed, stream);
  // Mixed magnitudes, so rounding differences would show.
  return Float32Array.from({ length }, () => (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 12 - 6));
}

function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Index of the first element whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ab = bits(a);
  const bb = bits(b);
  for (let i = 0; i < ab.length; i++) if (ab[i] !== bb[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

const LENGTHS = [1, 3, 4, 5, 7, 4095, 4097, KERNEL_SLICE_FLOATS + 3, 2 * KERNEL_SLICE_FLOATS + 1];

describe('simdKernel', () => {
  const kernel = simdKernel();

  it('compiles on this runtime (Node 20 has WebAssembly SIMD)', () => {
    expect(kernel).toBeDefined();
  });

  it.each(LENGTHS)('equals the scalar loop bit for bit, length %i, 0 to 5 parts', (length) => {
    for (let k = 0; k <= 5; k++) {
      const x = randomVector(length, length, 0);
      const parts = Array.from({ length: k }, (_, t) => randomVector(length, length, t + 1));
      const rng = rngFrom(k, length);
      const self = rng.next();
      const weights = parts.map(() => rng.next() * 2 - 0.5);
      const want = x.slice();
      combineScalar(want, self, parts, weights);
      const out = new Float32Array(length);
      kernel!.mix(out, self, x, parts, weights);
      expect(firstDifference(out, want)).toBe(-1);
      // In place: out is x itself.
      kernel!.mix(x, self, x, parts, weights);
      expect(firstDifference(x, want)).toBe(-1);
    }
  });

  it('writes only out[0, length) of a view and reads only its own range', () => {
    const backing = randomVector(KERNEL_MIN_FLOATS * 3, 9, 0);
    const before = backing.slice();
    const view = backing.subarray(KERNEL_MIN_FLOATS + 1, 2 * KERNEL_MIN_FLOATS + 6);
    const part = randomVector(view.length, 9, 1);
    const want = view.slice();
    combineScalar(want, 0.25, [part], [0.75]);
    kernel!.mix(view, 0.25, view, [part], [0.75]);
    expect(firstDifference(view, want)).toBe(-1);
    expect(firstDifference(backing.subarray(0, KERNEL_MIN_FLOATS + 1), before.subarray(0, KERNEL_MIN_FLOATS + 1))).toBe(-1);
    const tail = 2 * KERNEL_MIN_FLOATS + 6;
    expect(firstDifference(backing.subarray(tail), before.subarray(tail))).toBe(-1);
  });
});

describe('combine dispatch', () => {
  it.each([100, KERNEL_MIN_FLOATS + 1])('addInPlace, addScaledInPlace and scaleInPlace round once, length %i', (length) => {
    const x = randomVector(length, 4, 0);
    const y = randomVector(length, 4, 1);
    const sum = x.slice();
    addInPlace(sum, y);
    const scaledSum = x.slice();
    addScaledInPlace(scaledSum, y, 1 / 3);
    const scaled = x.slice();
    scaleInPlace(scaled, 1 / 3);
    for (let i = 0; i < length; i++) {
      expect(sum[i]).toBe(Math.fround(x[i] + y[i]));
      expect(scaledSum[i]).toBe(Math.fround((1 / 3) * x[i] + (1 / 3) * y[i]));
      expect(scaled[i]).toBe(Math.fround(x[i] * (1 / 3)));
    }
  });

  it('combineInPlace takes the kernel above KERNEL_MIN_FLOATS and the loop below, with equal results', () => {
    for (const length of [KERNEL_MIN_FLOATS - 1, KERNEL_MIN_FLOATS, 3 * KERNEL_MIN_FLOATS + 2]) {
      const x = randomVector(length, 5, 0);
      const parts = [randomVector(length, 5, 1), randomVector(length, 5, 2), randomVector(length, 5, 3)];
      const want = x.slice();
      combineScalar(want, 0.4, parts, [0.1, 0.2, 0.3]);
      combineInPlace(x, 0.4, parts, [0.1, 0.2, 0.3]);
      expect(firstDifference(x, want)).toBe(-1);
    }
  });
});

describe('communicator on kernel-sized vectors', () => {
  const LENGTH = 3 * 4099 + 5;
  const world = (n: number): Communicator[] =>
    createMemoryNetwork(n, { timeoutMs: 5_000 }).map((t) => new Communicator(t, { chunkFloats: 4099, lanes: 2, timeoutMs: 5_000 }));

  it.each([
    ['ring', 4],
    ['onepeer-exp', 4],
    ['exp', 5],
  ])('exchange on %s, n = %i, equals W x rounded once per element', async (name, n) => {
    const schedule = createSchedule(name, n, { seed: 2 });
    const comms = world(n);
    const xs = Array.from({ length: n }, (_, r) => randomVector(LENGTH, 11, r));
    const before = xs.map((x) => x.slice());
    await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, 3)));
    for (let r = 0; r < n; r++) {
      const step = schedule.at(3, r);
      const want = new Float32Array(LENGTH);
      for (let i = 0; i < LENGTH; i++) {
        let v = step.selfWeight * before[r][i];
        step.recvFrom.forEach((j, t) => (v += step.recvWeights[t] * before[j][i]));
        want[i] = v;
      }
      expect(firstDifference(xs[r], want)).toBe(-1);
    }
  });

  it('allreduce mean gives identical bits on every rank, within float32 rounding of the exact mean', async () => {
    const n = 3;
    const comms = world(n);
    const xs = Array.from({ length: n }, (_, r) => randomVector(LENGTH, 12, r));
    const exact = new Float64Array(LENGTH);
    const magnitude = new Float64Array(LENGTH);
    for (const x of xs) {
      for (let i = 0; i < LENGTH; i++) {
        exact[i] += x[i] / n;
        magnitude[i] += Math.abs(x[i]) / n;
      }
    }
    await Promise.all(comms.map((c, r) => c.allreduce(xs[r], { op: 'mean' })));
    for (let r = 1; r < n; r++) expect(firstDifference(xs[r], xs[0])).toBe(-1);
    let worst = 0;
    for (let i = 0; i < LENGTH; i++) {
      worst = Math.max(worst, Math.abs(xs[0][i] - exact[i]) / magnitude[i]);
    }
    expect(worst).toBeLessThan(1e-6);
  });
});
