/**
 * The weighted combines of the communicator. Every one computes, per
 * element, self * x + sum_t weights[t] * parts[t] in float64 and rounds
 * once, so the SIMD kernel (kernel.ts, used from KERNEL_MIN_FLOATS
 * elements on) and the scalar loops below return identical bits.
 */
import { KERNEL_MAX_PARTS, simdKernel } from './kernel.js';

/** Below this length the scalar loop is as fast as copying into the kernel. */
export const KERNEL_MIN_FLOATS = 4096;

/** x <- self * x + sum_t weights[t] * parts[t], in place (every part as long as x). */
export function combineInPlace(
  x: Float32Array,
  self: number,
  parts: readonly Float32Array[],
  weights: readonly number[],
): void {
  if (parts.length === 0 && self === 1) return;
  const kernel = x.length >= KERNEL_MIN_FLOATS && parts.length <= KERNEL_MAX_PARTS ? simdKernel() : undefined;
  if (kernel !== undefined) kernel.mix(x, self, x, parts, weights);
  else combineScalar(x, self, parts, weights);
}

/** The scalar reference of combineInPlace. */
export function combineScalar(
  x: Float32Array,
  self: number,
  parts: readonly Float32Array[],
  weights: readonly number[],
): void {
  const n = x.length;
  switch (parts.length) {
    case 0:
      if (self !== 1) for (let i = 0; i < n; i++) x[i] = self * x[i];
      return;
    case 1: {
      const a = parts[0];
      const wa = weights[0];
      for (let i = 0; i < n; i++) x[i] = self * x[i] + wa * a[i];
      return;
    }
    case 2: {
      const [a, b] = parts;
      const wa = weights[0];
      const wb = weights[1];
      for (let i = 0; i < n; i++) x[i] = self * x[i] + wa * a[i] + wb * b[i];
      return;
    }
    default: {
      const m = parts.length;
      for (let i = 0; i < n; i++) {
        let v = self * x[i];
        for (let t = 0; t < m; t++) v += weights[t] * parts[t][i];
        x[i] = v;
      }
    }
  }
}

/** x += y, elementwise (the reduce step of allreduce). */
export function addInPlace(x: Float32Array, y: Float32Array): void {
  combineInPlace(x, 1, [y], [1]);
}

/** x <- factor * x + factor * y, rounded once (the last reduce step of a mean). */
export function addScaledInPlace(x: Float32Array, y: Float32Array, factor: number): void {
  combineInPlace(x, factor, [y], [factor]);
}

export function scaleInPlace(x: Float32Array, factor: number): void {
  combineInPlace(x, factor, [], []);
}

/** A float64 carried bit-exactly in a float32 frame (two elements). */
export function encodeF64(values: ArrayLike<number>): Float32Array {
  return new Float32Array(Float64Array.from(values).buffer);
}

export function decodeF64(body: Float32Array): Float64Array {
  const copy = body.slice();
  return new Float64Array(copy.buffer, 0, Math.floor(copy.length / 2));
}
