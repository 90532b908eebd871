/**
 * EquiTopo graphs (seed 000, "EquiTopo graphs").
 *
 * Basis matrix A^(u), u in 1..n-1 (the seed's definition, kept as written):
 *
 *   A^(u)[i][j] = (n-1)/n  if i = (j + u) mod n,   1/n  if i = j,   0 otherwise.
 *
 * In our convention (x_i(next) = sum_j W[i][j] x_j) node j sends to j + u and
 * node i receives from i - u: a one-peer directed graph, doubly stochastic.
 *
 * - D-EquiStatic:  W = (1/M) sum_m A^(u_m), u_1..u_M iid uniform on 1..n-1.
 * - U-EquiStatic:  W = (1/(2M)) sum_m (A^(u_m) + A^(u_m)^T), symmetric.
 *   Both are circulant; rho = ||W - J||_2 < 1 exactly when gcd(n, u_1..u_M) = 1,
 *   so index draws that leave the graph disconnected are redrawn.
 * - OD-EquiDyn:    W(k) = (1 - eta) I + eta A^(v_k), v_k uniform on 1..n-1;
 *   with eta = 1/2 it contracts in mean square: sqrt(||E[(W(k) - J)^T (W(k) - J)]||_2)
 *   = sqrt((n-1)/(2n)) <= sqrt(2)/2 for every n. One draw's ||W(k) - J||_2 is not
 *   bounded so (about 0.96 measured): only the mean-square contraction is.
 * - OU-EquiDyn:    draw v_k and a start s_k; walking i = s_k, s_k + 1, ... (mod n),
 *   pair i with i + v_k when both are still free. Pairs (i, j) get
 *   B[i][j] = B[j][i] = (n-1)/n and B[i][i] = B[j][j] = 1/n, unpaired nodes
 *   B[i][i] = 1; then W(k) = (1 - eta) I + eta B. Symmetric, one peer at most.
 * - With a degree M (or a target epsilon), OD-/OU-EquiDyn draw v_k from the
 *   M indices u_1..u_M of the static draw of the same seed (uniformly over
 *   the M entries), as the reference code's ODEquiDyn(n, Ms) and
 *   OUEquiDyn(n, Ms) do; without one they draw from all of 1..n-1.
 * - Choosing M (the EquiTopo reference's rule): M = floor(8 ln(2n/p) / (3 eps^2))
 *   makes Pr(||W - J||_2 < eps) >= 1 - p. Read backwards, M basis graphs give
 *   eps = sqrt(8 ln(2n/p) / (3M)); the default M = ceil(log2 n) gives
 *   eps = 1.6 to 2.1 at p = 0.1 for n = 8..1024: above 1, so no guarantee.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { exponentialTau } from './exponential.js';
import { identity, zeros } from './linalg.js';
import type { TopologyOptions } from './options.js';
import { rngFrom } from './random.js';

/** Stream ids that keep the draws of each family independent for one seed. */
const STREAM_STATIC = 0x45515354; // basis indices of D-/U-EquiStatic
const STREAM_OD = 0x45514f44; // v_k of OD-EquiDyn
const STREAM_OU = 0x45514f55; // (v_k, s_k) of OU-EquiDyn

function checkNodes(n: number, family: string): void {
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new TopologyError(
      'E_TOPOLOGY_NODES',
      `${family} needs an integer number of nodes n >= 2; got n = ${n}. Use at least 2 nodes.`,
    );
  }
}

function checkIteration(k: number): void {
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `iteration k must be a non-negative integer; got ${k}`);
  }
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `seed must be a non-negative integer; got ${seed}`);
  }
  return seed;
}

function etaOf(options: TopologyOptions): number {
  const eta = options.eta ?? 0.5;
  if (!Number.isFinite(eta) || eta <= 0 || eta > 1) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `eta must be in (0, 1]; got ${eta}. The default is 0.5.`);
  }
  return eta;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The seed's basis matrix A^(v): node j sends to (j + v) mod n with weight (n-1)/n, keeps 1/n. */
export function equiBasis(n: number, v: number): Matrix {
  checkNodes(n, 'EquiTopo basis graph');
  if (!Number.isInteger(v) || v < 1 || v > n - 1) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `basis index v must be an integer in 1..${n - 1}; got ${v}`);
  }
  const A = zeros(n);
  for (let j = 0; j < n; j++) {
    A[j][j] = 1 / n;
    A[(j + v) % n][j] = (n - 1) / n;
  }
  return A;
}

/** Default number of basis graphs M for D-/U-EquiStatic: ceil(log2 n), at least 1. */
export function defaultEquiStaticDegree(n: number): number {
  return Math.max(1, exponentialTau(n));
}

/** Failure probability p of the reference's bound when options.p is absent. */
export const EQUI_DEFAULT_FAILURE_PROBABILITY = 0.1;

function failureProbability(options: TopologyOptions): number {
  const p = options.p ?? EQUI_DEFAULT_FAILURE_PROBABILITY;
  if (!Number.isFinite(p) || p <= 0 || p >= 1) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `EquiTopo: the failure probability p must be in (0, 1); got p=${p}; e.g. p=0.1`);
  }
  return p;
}

/** The reference's M for Pr(rho < epsilon) >= 1 - p: floor(8 ln(2n/p) / (3 epsilon^2)), at least 1. */
export function equiDegreeFor(n: number, epsilon: number, p = EQUI_DEFAULT_FAILURE_PROBABILITY): number {
  checkNodes(n, 'EquiTopo');
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `EquiTopo: epsilon must be a positive number; got epsilon=${epsilon}; e.g. 0.5`);
  }
  failureProbability({ p });
  return Math.max(1, Math.floor((8 * Math.log((2 * n) / p)) / (3 * epsilon * epsilon)));
}

/** The epsilon that M basis graphs guarantee with probability 1 - p by the same rule: sqrt(8 ln(2n/p) / (3M)). */
export function equiEpsilonOf(n: number, M: number, p = EQUI_DEFAULT_FAILURE_PROBABILITY): number {
  return Math.sqrt((8 * Math.log((2 * n) / p)) / (3 * M));
}

/** M from options: degree, or epsilon (and p), or the default ceil(log2 n); giving both degree and epsilon is an error. */
export function equiDegree(n: number, options: TopologyOptions): number {
  if (options.degree !== undefined && options.epsilon !== undefined) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `EquiTopo: give the number of basis graphs (degree=${options.degree}) or a target epsilon (epsilon=${options.epsilon}), not both`,
    );
  }
  if (options.epsilon !== undefined) return equiDegreeFor(n, options.epsilon, failureProbability(options));
  if (options.p !== undefined) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `EquiTopo: p=${options.p} is the failure probability of a target epsilon; give epsilon as well (e.g. epsilon=0.5), or drop p`,
    );
  }
  return options.degree ?? defaultEquiStaticDegree(n);
}

/**
 * The M basis indices of D-/U-EquiStatic, iid uniform on 1..n-1 from
 * rngFrom(seed, stream); a whole draw is repeated (same stream, further on)
 * while gcd(n, u_1..u_M) > 1, since such a graph is disconnected.
 */
export function equiStaticIndices(n: number, options: TopologyOptions = {}): number[] {
  checkNodes(n, 'EquiStatic');
  const M = equiDegree(n, options);
  if (!Number.isSafeInteger(M) || M < 1) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `EquiStatic degree (number of basis graphs M) must be an integer >= 1; got ${M}`,
    );
  }
  const rng = rngFrom(checkSeed(options.seed ?? 0), STREAM_STATIC);
  for (;;) {
    const indices = Array.from({ length: M }, () => rng.int(1, n - 1));
    if (indices.reduce(gcd, n) === 1) return indices;
  }
}

/** D-EquiStatic: the average of M random basis matrices (directed, doubly stochastic). */
export function dEquiStatic(n: number, options: TopologyOptions = {}): Matrix {
  const indices = equiStaticIndices(n, options);
  const W = zeros(n);
  const share = 1 / indices.length;
  for (const v of indices) {
    for (let j = 0; j < n; j++) {
      W[j][j] += share / n;
      W[(j + v) % n][j] += (share * (n - 1)) / n;
    }
  }
  return W;
}

/** U-EquiStatic: the average of the symmetrised basis matrices (A + A^T)/2 (symmetric, doubly stochastic). */
export function uEquiStatic(n: number, options: TopologyOptions = {}): Matrix {
  const D = dEquiStatic(n, options);
  return D.map((row, i) => row.map((w, j) => (w + D[j][i]) / 2));
}

/** True when OD-/OU-EquiDyn draw from the M indices of a static draw (degree or epsilon given). */
export function equiDynRestricted(options: TopologyOptions): boolean {
  return options.degree !== undefined || options.epsilon !== undefined || options.p !== undefined;
}

/**
 * v_k of OD-EquiDyn, a pure function of (seed, k): uniform on 1..n-1, or,
 * given `indices` (a static draw), a uniformly chosen entry of it.
 */
export function odEquiDynIndex(n: number, k: number, seed: number, indices?: readonly number[]): number {
  checkNodes(n, 'OD-EquiDyn');
  checkIteration(k);
  const rng = rngFrom(checkSeed(seed), STREAM_OD, k);
  return indices === undefined ? rng.int(1, n - 1) : indices[rng.int(0, indices.length - 1)];
}

function dynIndices(n: number, options: TopologyOptions): number[] | undefined {
  return equiDynRestricted(options) ? equiStaticIndices(n, options) : undefined;
}

/** OD-EquiDyn W(k) = (1 - eta) I + eta A^(v_k); eta = options.eta ?? 1/2. */
export function odEquiDyn(n: number, k: number, options: TopologyOptions = {}): Matrix {
  const eta = etaOf(options);
  const A = equiBasis(n, odEquiDynIndex(n, k, options.seed ?? 0, dynIndices(n, options)));
  return A.map((row, i) => row.map((a, j) => eta * a + (i === j ? 1 - eta : 0)));
}

/** (v_k, s_k) of OU-EquiDyn: the basis index (from `indices` when given) and the node the pairing walk starts from. */
export function ouEquiDynDraw(n: number, k: number, seed: number, indices?: readonly number[]): { v: number; start: number } {
  checkNodes(n, 'OU-EquiDyn');
  checkIteration(k);
  const rng = rngFrom(checkSeed(seed), STREAM_OU, k);
  const v = indices === undefined ? rng.int(1, n - 1) : indices[rng.int(0, indices.length - 1)];
  return { v, start: rng.int(0, n - 1) };
}

/** OU-EquiDyn W(k): a one-peer matching along label difference v_k, symmetric and doubly stochastic. */
export function ouEquiDyn(n: number, k: number, options: TopologyOptions = {}): Matrix {
  const eta = etaOf(options);
  const { v, start } = ouEquiDynDraw(n, k, options.seed ?? 0, dynIndices(n, options));
  const W = identity(n);
  const paired = new Array<boolean>(n).fill(false);
  const off = (eta * (n - 1)) / n;
  for (let t = 0; t < n; t++) {
    const i = (start + t) % n;
    const j = (i + v) % n;
    if (paired[i] || paired[j]) continue;
    paired[i] = paired[j] = true;
    W[i][j] = W[j][i] = off;
    W[i][i] = W[j][j] = 1 - off;
  }
  return W;
}
