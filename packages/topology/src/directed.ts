/**
 * Directed graphs and their metrics (seed 003, "Decentralized optimization over digraphs").
 *
 * Column-stochastic weights. An edge [j, i] means j sends to i. With
 * d_j^out the number of nodes j sends to,
 *
 *   W[i][j] = 1 / (1 + d_j^out)  for every edge [j, i] and for i = j,
 *
 * so every column sums to 1 (sum_i W[i][j] = 1) while rows need not.
 * (The seed's formula writes d_i^out; its example matrix, whose column j holds
 * 1/(1 + d_j^out), is what makes the columns sum to 1, and is what we do.)
 *
 * Metrics, for a primitive column-stochastic W:
 * - the equilibrium pi: W pi = pi, 1^T pi = 1, pi > 0; W^k -> pi 1^T;
 * - kappa_pi = max_i pi_i / min_i pi_i (equilibrium skewness), in [1, inf);
 * - beta_pi = ||W - pi 1^T||_pi = || diag(sqrt pi)^-1 (W - pi 1^T) diag(sqrt pi) ||_2,
 *   the generalised spectral gap's complement, in [0, 1); it equals
 *   rho = ||W - (1/n) 1 1^T||_2 when W is doubly stochastic.
 *
 * digraphSkewed(n) is the seed's digraph with pi proportional to
 * (2^(n-1), ..., 2, 1), so kappa_pi = 2^(n-1), and beta_pi = 1/sqrt(2) for every n >= 2.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { eigen, spectralNorm, zeros } from './linalg.js';

/** Tolerance for "columns sum to 1" and for telling eigenvalue 1 apart from the others. */
const TOLERANCE = 1e-9;
/** Lazy power steps applied after the eigen-solve (see equilibrium). */
const POLISH = 100;

function checkNodes(n: number, family: string, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new TopologyError(
      'E_TOPOLOGY_NODES',
      `${family} needs an integer number of nodes n >= ${min}; got n = ${n}. Use at least ${min} nodes.`,
    );
  }
}

/** Column-stochastic W from a list of directed edges [from, to], weights 1/(1 + d_from^out). */
export function columnStochastic(n: number, edges: ReadonlyArray<readonly [number, number]>): Matrix {
  checkNodes(n, 'a directed graph', 1);
  const seen = new Set<number>();
  const out = new Array<number>(n).fill(0);
  edges.forEach((edge, e) => {
    const [from, to] = edge;
    for (const r of [from, to]) {
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new TopologyError(
          'E_TOPOLOGY_OPTION',
          `edge ${e} = [${from}, ${to}] names rank ${r}; ranks must be integers in [0, ${n - 1}]`,
        );
      }
    }
    if (from === to) {
      throw new TopologyError(
        'E_TOPOLOGY_OPTION',
        `edge ${e} = [${from}, ${to}] is a self-loop; leave it out, every node keeps a share of its own value`,
      );
    }
    const key = from * n + to;
    if (seen.has(key)) {
      throw new TopologyError('E_TOPOLOGY_OPTION', `edge ${e} = [${from}, ${to}] is listed twice; list each edge once`);
    }
    seen.add(key);
    out[from] += 1;
  });
  const W = zeros(n);
  for (let j = 0; j < n; j++) W[j][j] = 1 / (1 + out[j]);
  for (const [from, to] of edges) W[to][from] = 1 / (1 + out[from]);
  return W;
}

/**
 * The edges [from, to] of the seed's skewed digraph: node j sends to j + 1
 * (j < n - 1) and to node 0 (j > 0). Its weights are not 1/(1 + d^out):
 * use digraphSkewed(n) for the matrix.
 */
export function digraphSkewedEdges(n: number): Array<[number, number]> {
  checkNodes(n, 'the skewed digraph', 2);
  const edges: Array<[number, number]> = [];
  for (let j = 0; j < n - 1; j++) edges.push([j, j + 1]);
  for (let j = 1; j < n; j++) edges.push([j, 0]);
  return edges;
}

/**
 * The seed's skewed digraph: W[0][j] = 1/2 for j < n - 1, W[0][n-1] = 1,
 * W[j+1][j] = 1/2; every other entry 0. Node j < n - 1 splits its value
 * between node 0 and node j + 1; node n - 1 sends everything to node 0.
 * Column stochastic, primitive (W[0][0] = 1/2), kappa_pi = 2^(n-1), beta_pi = 1/sqrt(2).
 */
export function digraphSkewed(n: number): Matrix {
  checkNodes(n, 'the skewed digraph', 2);
  const W = zeros(n);
  for (let j = 0; j < n - 1; j++) {
    W[0][j] = 0.5;
    W[j + 1][j] = 0.5;
  }
  W[0][n - 1] = 1;
  return W;
}

function checkColumnStochastic(W: Matrix): void {
  const n = W.length;
  if (n < 1 || W.some((row) => row.length !== n)) {
    throw new TopologyError('E_TOPOLOGY_MATRIX', `W must be a square n x n matrix with n >= 1; got ${n} rows`);
  }
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const w = W[i][j];
      if (!Number.isFinite(w) || w < 0) {
        throw new TopologyError('E_TOPOLOGY_MATRIX', `W[${i}][${j}] = ${w}; weights must be finite and non-negative`);
      }
      s += w;
    }
    if (Math.abs(s - 1) > TOLERANCE) {
      throw new TopologyError(
        'E_TOPOLOGY_MATRIX',
        `column ${j} of W sums to ${s}; a column-stochastic W needs every column to sum to 1`,
      );
    }
  }
}

/** One lazy power step p <- (p + W p) / 2, renormalised; sums of non-negative terms, so small entries stay accurate. */
function lazyStep(W: Matrix, p: number[]): number[] {
  const n = W.length;
  const q = p.map((x) => x / 2);
  for (let i = 0; i < n; i++) {
    const row = W[i];
    let s = 0;
    for (let j = 0; j < n; j++) if (row[j] !== 0) s += row[j] * p[j];
    q[i] += s / 2;
  }
  const total = q.reduce((a, b) => a + b, 0);
  return q.map((x) => x / total);
}

/**
 * The equilibrium pi of a column-stochastic W: W pi = pi, 1^T pi = 1, pi > 0.
 * Throws E_TOPOLOGY_MATRIX when W is not column stochastic or not strongly
 * connected (eigenvalue 1 repeated, or a zero entry in pi).
 */
export function equilibrium(W: Matrix): number[] {
  checkColumnStochastic(W);
  const n = W.length;
  if (n === 1) return [1];
  const { real, imaginary, vectors } = eigen(W);
  const ones = real
    .map((re, t) => ({ t, d: Math.hypot(re - 1, imaginary[t]) }))
    .filter(({ d }) => d < 1e-7)
    .sort((a, b) => a.d - b.d);
  if (ones.length !== 1) {
    throw new TopologyError(
      'E_TOPOLOGY_MATRIX',
      `W has ${ones.length} eigenvalues equal to 1; the digraph must be strongly connected for pi to be unique`,
    );
  }
  const t = ones[0].t;
  let p = vectors.map((row) => row[t]);
  const sum = p.reduce((a, b) => a + b, 0);
  p = p.map((x) => Math.max(0, x / sum));
  // Polish with lazy power steps (sums of non-negative terms): the eigenvector alone
  // loses ~1e-10 relative accuracy on the smallest entries of the skewed digraph at n = 20.
  for (let s = 0; s < POLISH; s++) p = lazyStep(W, p);
  const min = Math.min(...p);
  if (!(min > 0)) {
    throw new TopologyError(
      'E_TOPOLOGY_MATRIX',
      `the equilibrium of W has an entry ${min} <= 0; the digraph must be strongly connected`,
    );
  }
  return p;
}

/** kappa_pi = max_i pi_i / min_i pi_i (seed 003's equilibrium skewness). */
export function kappaPi(W: Matrix): number {
  const pi = equilibrium(W);
  return Math.max(...pi) / Math.min(...pi);
}

/** beta_pi = || diag(sqrt pi)^-1 (W - pi 1^T) diag(sqrt pi) ||_2 (seed 003). */
export function betaPi(W: Matrix): number {
  const pi = equilibrium(W);
  const root = pi.map(Math.sqrt);
  const B = W.map((row, i) => row.map((w, j) => ((w - pi[i]) * root[j]) / root[i]));
  return spectralNorm(B);
}
