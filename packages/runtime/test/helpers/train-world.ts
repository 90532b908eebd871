/**
 * Helpers for in-process training tests: n sessions over the in-memory
 * network, heterogeneous least-squares problems with a known optimum, and
 * small vector utilities.
 */
import * as tf from '@tensorflow/tfjs';
import { rngFrom } from '@dtrain/topology';
import { createMemoryNetwork, createSession, type AlgorithmOptions, type Session } from '@dtrain/runtime';

export interface WorldOptions {
  algorithm: string;
  topology: string;
  algorithmOptions?: AlgorithmOptions;
  seed?: number;
  out?: string;
}

/** n sessions over a fresh in-memory network. */
export function sessions(n: number, o: WorldOptions): Session[] {
  return createMemoryNetwork(n, { timeoutMs: 10_000 }).map((transport) =>
    createSession({ transport, algorithm: o.algorithm, topology: o.topology, algorithmOptions: o.algorithmOptions, seed: o.seed ?? 0, out: o.out }),
  );
}

export async function closeAll(ss: readonly Session[]): Promise<void> {
  await Promise.all(ss.map((s) => s.close()));
}

/** Rank i's least-squares data: f_i(x) = (1/2m) ||A_i x - b_i||^2, different b_i per rank (heterogeneous). */
export interface LeastSquares {
  dim: number;
  m: number;
  A: Float64Array[];
  b: Float64Array[];
  /** argmin_x (1/n) sum_i f_i(x), in float64. */
  optimum: Float64Array;
}

export function leastSquares(n: number, dim: number, m: number, seed: number, heterogeneity = 1): LeastSquares {
  const A: Float64Array[] = [];
  const b: Float64Array[] = [];
  const common = rngFrom(seed, 999);
  const xTrue = Float64Array.from({ length: dim }, () => common.normal());
  for (let r = 0; r < n; r++) {
    const rng = rngFrom(seed, r);
    const a = Float64Array.from({ length: m * dim }, () => rng.normal());
    const shift = Float64Array.from({ length: dim }, () => heterogeneity * rng.normal());
    const bi = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += a[i * dim + j] * (xTrue[j] + shift[j]);
      bi[i] = s;
    }
    A.push(a);
    b.push(bi);
  }
  // Normal equations: (sum A_i^T A_i) x = sum A_i^T b_i, solved by Gaussian elimination.
  const M = Array.from({ length: dim }, () => new Float64Array(dim + 1));
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < dim; p++) {
        const ap = A[r][i * dim + p];
        for (let q = 0; q < dim; q++) M[p][q] += ap * A[r][i * dim + q];
        M[p][dim] += ap * b[r][i];
      }
    }
  }
  for (let c = 0; c < dim; c++) {
    let piv = c;
    for (let r = c + 1; r < dim; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < dim; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= dim; k++) M[r][k] -= f * M[c][k];
    }
  }
  const optimum = Float64Array.from({ length: dim }, (_, i) => M[i][dim] / M[i][i]);
  return { dim, m, A, b, optimum };
}

/** Rank r's loss closure over its variable x ([dim, 1]). */
export function lsLoss(p: LeastSquares, r: number, x: tf.Variable): () => tf.Scalar {
  const A = tf.tensor2d(Float32Array.from(p.A[r]), [p.m, p.dim]);
  const b = tf.tensor2d(Float32Array.from(p.b[r]), [p.m, 1]);
  return () => tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.matMul(A, x), b)))) as tf.Scalar);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
