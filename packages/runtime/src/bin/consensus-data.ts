/**
 * The starting vectors of `dtrain consensus`: rank i starts from a vector
 * drawn from (seed, i), so every process (and the launcher) can recompute
 * every rank's start and the exact average without talking.
 */
import { rngFrom } from '@dtrain/topology';

/** Rank `rank`'s starting vector: uniform in [-1, 1), stored as float32. */
export function consensusStart(seed: number, rank: number, length: number): Float32Array {
  const rng = rngFrom(seed, 0x636f6e73, rank);
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

/** The exact average (float64) of the float32 starting vectors of ranks 0..n-1. */
export function consensusAverage(seed: number, n: number, length: number): Float64Array {
  const sum = new Float64Array(length);
  for (let r = 0; r < n; r++) {
    const x = consensusStart(seed, r, length);
    for (let i = 0; i < length; i++) sum[i] += x[i];
  }
  for (let i = 0; i < length; i++) sum[i] /= n;
  return sum;
}

/** max_i |x_i / w - avg_i|. */
export function maxDeviation(x: Float32Array, weight: number, avg: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] / weight - avg[i]));
  return m;
}
