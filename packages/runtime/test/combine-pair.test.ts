// The kernel's float32 path for one part at equal weights 1 or 1/2 (one-peer
// gossip, a ring of two, allreduce's sums) against the float64 rule of the
// scalar loop, bit for bit, on ordinary vectors and on the values where
// float32 arithmetic could differ (subnormals, the 2^-125 boundary under
// which halving rounds, infinities, overflow, NaN, signed zeros).
import { describe, expect, it } from 'vitest';
import { rngFrom } from '@dtrain/topology';
import { KERNEL_SLICE_FLOATS, simdKernel } from '../src/comm/kernel.js';
import { combineScalar } from '../src/comm/combine.js';

const MAX = 3.4028234663852886e38;
/** Values whose half and double are exact in float32: the float32 path must run on them. */
const EXACT = [0, -0, 2 ** -125, -(2 ** -125), 2 ** -125 * (1 + 2 ** -23), Infinity, -Infinity, MAX, -MAX, MAX * 0.75, 1, -1, 1 + 2 ** -23].map(Math.fround);
/** Values whose half may round (subnormal, or nonzero below 2^-125), and NaN: the slice must go back to float64. */
const INEXACT = [2 ** -149, -(2 ** -149), 3 * 2 ** -149, 2 ** -126, 1.5 * 2 ** -126, 2 ** -125 * (1 - 2 ** -24), NaN].map(Math.fround);

function randomVector(length: number, seed: number, stream: number): Float32Array {
  const rng = rngFrom(seed, stream);
  return Float32Array.from({ length }, () => (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 12 - 6));
}

/** Same bits, or NaN in both. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ab = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const bb = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ab[i] !== bb[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

const kernel = simdKernel();
const WEIGHTS = [1, 0.5];

describe('the float32 pair path', () => {
  it('compiles with the rest of the kernel', () => {
    expect(kernel).toBeDefined();
  });

  it.each(WEIGHTS)('equals the float64 rule bit for bit on ordinary vectors, weights %d, and runs without falling back', (w) => {
    const length = 3 * KERNEL_SLICE_FLOATS + 7;
    const x = randomVector(length, 21, 0);
    const a = randomVector(length, 21, 1);
    const want = x.slice();
    combineScalar(want, w, [a], [w]);
    const before = { ...kernel!.counts };
    kernel!.mix(x, w, x, [a], [w]);
    expect(firstDifference(x, want)).toBe(-1);
    expect(kernel!.counts.pairSlices - before.pairSlices).toBe(4);
    expect(kernel!.counts.pairFallbacks - before.pairFallbacks).toBe(0);
  });

  /** Every (p, q) of `values`, both ways round, in one slice among ordinary values; returns the fallbacks taken. */
  function pairsOf(values: readonly number[], w: number): number {
    const before = kernel!.counts.pairFallbacks;
    for (const p of values) {
      const x = randomVector(2 * values.length + 64, 22, 0);
      const a = randomVector(x.length, 22, 1);
      values.forEach((q, i) => {
        x[32 + 2 * i] = p;
        a[32 + 2 * i] = q;
        x[33 + 2 * i] = q;
        a[33 + 2 * i] = p;
      });
      const want = x.slice();
      combineScalar(want, w, [a], [w]);
      kernel!.mix(x, w, x, [a], [w]);
      expect(firstDifference(x, want), `p = ${p}, weights ${w}`).toBe(-1);
    }
    return kernel!.counts.pairFallbacks - before;
  }

  it.each(WEIGHTS)('equals it in float32 on signed zeros, 2^-125, infinities, overflow and the largest floats, weights %d', (w) => {
    expect(pairsOf(EXACT, w)).toBe(0);
  });

  it.each(WEIGHTS)('equals it on subnormals, values below 2^-125 and NaN, weights %d, by falling back', (w) => {
    for (const v of INEXACT) expect(pairsOf([...EXACT, v], w)).toBe(EXACT.length + 1);
  });

  it('falls back to the float64 rule for exactly the slices that need it, and not for other weights', () => {
    const length = 4 * KERNEL_SLICE_FLOATS;
    const x = randomVector(length, 23, 0);
    const a = randomVector(length, 23, 1);
    x[KERNEL_SLICE_FLOATS + 5] = 2 ** -130; // halving it rounds
    a[3 * KERNEL_SLICE_FLOATS + 9] = NaN;
    x[2 * KERNEL_SLICE_FLOATS] = 0; // zero and 2^-125 halve exactly
    a[2 * KERNEL_SLICE_FLOATS + 1] = 2 ** -125;
    const want = x.slice();
    combineScalar(want, 0.5, [a], [0.5]);
    const before = { ...kernel!.counts };
    kernel!.mix(x, 0.5, x, [a], [0.5]);
    expect(firstDifference(x, want)).toBe(-1);
    expect(kernel!.counts.pairSlices - before.pairSlices).toBe(4);
    expect(kernel!.counts.pairFallbacks - before.pairFallbacks).toBe(2);
    // Unequal weights, or weights other than 1 and 1/2, take the float64 rule directly.
    const mid = { ...kernel!.counts };
    for (const [s, t] of [[0.5, 0.25], [0.25, 0.25], [1, 0.5]]) kernel!.mix(x.slice(), s, x, [a], [t]);
    expect(kernel!.counts).toEqual(mid);
  });
});
