/**
 * Weight matrices for static undirected graphs (seed 002), in the dtrain
 * convention x_i(next) = sum_j W[i][j] x_j. Every scheme gives a symmetric
 * matrix whose rows and columns sum to 1 and whose off-diagonal nonzeros are
 * exactly the edges of the graph.
 *
 * - 'metropolis' (Metropolis-Hastings): w_ij = 1 / (1 + max(d_i, d_j)) on each
 *   edge, w_ii = 1 - sum_{j != i} w_ij. Uses only the degrees of the two ends.
 * - 'max-degree': w_ij = 1 / (1 + d_max) on every edge, the same constant
 *   everywhere, w_ii = 1 - d_i / (1 + d_max).
 * - 'laplacian': W = I - alpha L with the best constant
 *   alpha = 2 / (lambda2(L) + lambdaN(L)), which minimises
 *   rho(W - 11^T/n) = max(|1 - alpha lambda2|, |1 - alpha lambdaN|)
 *   = (lambdaN - lambda2) / (lambdaN + lambda2). Diagonal entries may be
 *   negative (e.g. the hub of a star).
 *
 * The two nonnegative schemes have w_ii > 0, so on a connected graph
 * rho = ||W - 11^T/n||_2 < 1.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { symmetricEigenvalues, zeros } from './linalg.js';
import type { WeightScheme } from './options.js';

/** A simple undirected graph: `adj[i][j]` = edge {i, j}; symmetric, false diagonal. */
export type Adjacency = boolean[][];

/** Every weight scheme, in the order the CLI lists them. */
export const WEIGHT_SCHEMES: readonly WeightScheme[] = ['metropolis', 'max-degree', 'laplacian'];

/** Throws E_TOPOLOGY_MATRIX unless `adj` is square, symmetric and loop-free. */
export function checkAdjacency(adj: Adjacency): void {
  const n = adj.length;
  for (let i = 0; i < n; i++) {
    const row = adj[i];
    if (!Array.isArray(row) || row.length !== n) {
      throw new TopologyError(
        'E_TOPOLOGY_MATRIX',
        `adjacency row ${i} has length ${Array.isArray(row) ? row.length : 'none'}, expected ${n}; pass an n x n boolean matrix`,
      );
    }
    if (row[i]) {
      throw new TopologyError('E_TOPOLOGY_MATRIX', `adjacency has a self loop at node ${i}; clear adj[${i}][${i}]`);
    }
    for (let j = 0; j < i; j++) {
      if (row[j] !== (adj[j] as boolean[])[i]) {
        throw new TopologyError(
          'E_TOPOLOGY_MATRIX',
          `adjacency is not symmetric: adj[${i}][${j}]=${row[j]} but adj[${j}][${i}]=${(adj[j] as boolean[])[i]}; set both`,
        );
      }
    }
  }
}

/** Degree of every node. */
export function degrees(adj: Adjacency): number[] {
  return adj.map((row) => row.reduce((d, e) => d + (e ? 1 : 0), 0));
}

/** Number of edges. */
export function edgeCount(adj: Adjacency): number {
  return degrees(adj).reduce((s, d) => s + d, 0) / 2;
}

/** True when every node reaches every other (vacuously true for n <= 1). */
export function isConnected(adj: Adjacency): boolean {
  const n = adj.length;
  if (n <= 1) return true;
  const seen = new Array<boolean>(n).fill(false);
  const stack = [0];
  seen[0] = true;
  let reached = 1;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const row = adj[i] as boolean[];
    for (let j = 0; j < n; j++) {
      if (row[j] && !seen[j]) {
        seen[j] = true;
        reached++;
        stack.push(j);
      }
    }
  }
  return reached === n;
}

/** Graph Laplacian L = D - A. */
export function laplacian(adj: Adjacency): Matrix {
  const n = adj.length;
  const d = degrees(adj);
  const L = zeros(n);
  for (let i = 0; i < n; i++) {
    const row = L[i] as number[];
    row[i] = d[i] as number;
    for (let j = 0; j < n; j++) if ((adj[i] as boolean[])[j]) row[j] = -1;
  }
  return L;
}

/** lambda2(L) (algebraic connectivity) and lambdaN(L) (largest); both 0 when n <= 1. */
export function laplacianExtremes(adj: Adjacency): { lambda2: number; lambdaN: number } {
  if (adj.length <= 1) return { lambda2: 0, lambdaN: 0 };
  const ev = symmetricEigenvalues(laplacian(adj));
  return { lambda2: Math.max(0, ev[1] as number), lambdaN: ev[ev.length - 1] as number };
}

/**
 * lambda2(L) / lambdaN(L), the objective of seed 002 (larger mixes faster;
 * 0 iff disconnected). A single node has nothing to average: returns 1.
 */
export function laplacianEigenRatio(adj: Adjacency): number {
  if (adj.length <= 1) return 1;
  const { lambda2, lambdaN } = laplacianExtremes(adj);
  return lambdaN > 0 ? lambda2 / lambdaN : 0;
}

/**
 * The best constant edge weight alpha = 2 / (lambda2 + lambdaN) of W = I - alpha L.
 * A graph without edges gets alpha = 0 (W = I).
 */
export function laplacianAlpha(adj: Adjacency): number {
  const { lambda2, lambdaN } = laplacianExtremes(adj);
  return lambdaN > 0 ? 2 / (lambda2 + lambdaN) : 0;
}

/** I - alpha L for a given alpha (the 'laplacian' scheme uses laplacianAlpha). */
export function laplacianWeights(adj: Adjacency, alpha: number): Matrix {
  return laplacian(adj).map((row, i) => row.map((l, j) => (i === j ? 1 : 0) - alpha * l));
}

function metropolis(adj: Adjacency): Matrix {
  const n = adj.length;
  const d = degrees(adj);
  const W = zeros(n);
  for (let i = 0; i < n; i++) {
    const row = W[i] as number[];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      if (!(adj[i] as boolean[])[j]) continue;
      row[j] = 1 / (1 + Math.max(d[i] as number, d[j] as number));
      sum += row[j] as number;
    }
    row[i] = 1 - sum;
  }
  return W;
}

function maxDegree(adj: Adjacency): Matrix {
  const n = adj.length;
  const d = degrees(adj);
  const w = 1 / (1 + Math.max(0, ...d));
  const W = zeros(n);
  for (let i = 0; i < n; i++) {
    const row = W[i] as number[];
    for (let j = 0; j < n; j++) if ((adj[i] as boolean[])[j]) row[j] = w;
    row[i] = 1 - (d[i] as number) * w;
  }
  return W;
}

/** Throws E_TOPOLOGY_OPTION unless `scheme` is a known weight scheme; returns it typed. */
export function checkWeightScheme(scheme: unknown): WeightScheme {
  if (typeof scheme === 'string' && (WEIGHT_SCHEMES as readonly string[]).includes(scheme)) {
    return scheme as WeightScheme;
  }
  throw new TopologyError(
    'E_TOPOLOGY_OPTION',
    `unknown weight scheme ${JSON.stringify(scheme)}; use one of ${WEIGHT_SCHEMES.join(', ')}`,
  );
}

/** The weight matrix of `adj` under `scheme` (see the file comment for the formulas). */
export function weightMatrix(adj: Adjacency, scheme: WeightScheme): Matrix {
  checkAdjacency(adj);
  switch (checkWeightScheme(scheme)) {
    case 'metropolis':
      return metropolis(adj);
    case 'max-degree':
      return maxDegree(adj);
    case 'laplacian':
      return laplacianWeights(adj, laplacianAlpha(adj));
  }
}
