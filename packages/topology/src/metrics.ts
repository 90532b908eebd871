/**
 * How well a schedule averages: the consensus rate rho (seeds 000/001), the
 * mean-square contraction of a time-varying schedule, consensus curves,
 * transient-iteration estimates (seeds 000/003) and, re-exported from
 * directed.ts, pi / beta_pi / kappa_pi for column-stochastic W (seed 003).
 */
import type { Matrix, Schedule } from './convention.js';
import { TopologyError } from './errors.js';
import { minusAverage, spectralNorm, symmetricEigenvalues } from './linalg.js';
import { rngFrom } from './random.js';
import { checkIteration, isSymmetric } from './schedule.js';

import { betaPi, kappaPi } from './directed.js';

export { equilibrium, betaPi, kappaPi } from './directed.js';

/** Stream id of the default consensus starting vector (so it is not correlated with graph draws). */
const X0_STREAM = 0x5eed_c0de;

/** rho = ||W - (1/n) 1 1^T||_2, the largest singular value. */
export function rho(W: Matrix): number {
  const A = minusAverage(W);
  if (isSymmetric(A, 0)) {
    const ev = symmetricEigenvalues(A);
    return Math.max(Math.abs(ev[0]), Math.abs(ev[ev.length - 1]));
  }
  return spectralNorm(A);
}

/**
 * (W - J)^T (W - J) with J = (1/n) 1 1^T, built from the non-zeros of W:
 * entry (a, b) = (W^T W)[a][b] - (c_a + c_b - 1) / n, c = column sums of W.
 */
function gram(W: Matrix, into: Matrix): void {
  const n = W.length;
  const cols = new Array<number>(n).fill(0);
  for (const row of W) {
    const nz: number[] = [];
    for (let a = 0; a < n; a++) {
      if (row[a] !== 0) {
        nz.push(a);
        cols[a] += row[a];
      }
    }
    for (const a of nz) for (const b of nz) into[a][b] += row[a] * row[b];
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) into[a][b] -= (cols[a] + cols[b] - 1) / n;
}

/**
 * sqrt(|| (1/K) sum_{k=from}^{from+K-1} (W(k) - J)^T (W(k) - J) ||_2): the
 * mean-square contraction factor of a random or time-varying schedule. For a
 * static schedule it is rho(W).
 */
export function meanSquareContraction(schedule: Schedule, K: number, from = 0): number {
  checkIteration(from, 'from');
  if (!Number.isInteger(K) || K < 1) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `K must be an integer >= 1; got ${K}`);
  }
  if (!schedule.dynamic) return rho(schedule.matrix(from));
  const n = schedule.nodes;
  const M: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = from; k < from + K; k++) gram(schedule.matrix(k), M);
  for (const row of M) for (let b = 0; b < n; b++) row[b] /= K;
  // M is symmetric positive semi-definite: its norm is its largest eigenvalue.
  const ev = symmetricEigenvalues(M);
  return Math.sqrt(Math.max(0, ev[ev.length - 1]));
}

/** A starting vector with standard normal entries, fixed by the seed. */
export function seededVector(n: number, seed: number): number[] {
  const rng = rngFrom(seed, X0_STREAM, n);
  return Array.from({ length: n }, () => rng.normal());
}

function mix(W: Matrix, x: readonly number[]): number[] {
  return W.map((row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) if (row[j] !== 0) s += row[j] * x[j];
    return s;
  });
}

function distance(x: readonly number[], mean: number): number {
  return Math.sqrt(x.reduce((s, v) => s + (v - mean) * (v - mean), 0));
}

/**
 * The consensus curve: entry k-1 is ||Phi(k) x0 - xbar 1|| / ||x0 - xbar 1||
 * with Phi(k) = W(k-1) ... W(0) and xbar the average of x0.
 *
 * For a column-stochastic schedule W(k) x alone tends to pi 1^T x, not the
 * average, so the curve runs push-sum instead (seed 003): z and a weight y
 * (y0 = 1) are both mixed, and the ratio z_i / y_i is compared with xbar.
 *
 * x0 defaults to a standard normal vector drawn from seed 0; pass {seed} to
 * draw another, or the vector itself (it must not be constant).
 */
export function consensusCurve(schedule: Schedule, K: number, x0: readonly number[] | { seed: number } = { seed: 0 }): number[] {
  const n = schedule.nodes;
  if (!Number.isInteger(K) || K < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `K must be a non-negative integer; got ${K}`);
  }
  const start = Array.isArray(x0) ? [...(x0 as readonly number[])] : seededVector(n, (x0 as { seed: number }).seed);
  if (start.length !== n || start.some((v) => !Number.isFinite(v))) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `x0 must hold ${n} finite numbers; got ${start.length} entries`);
  }
  const mean = start.reduce((s, v) => s + v, 0) / n;
  const initial = distance(start, mean);
  if (initial === 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', 'x0 is already at consensus (all entries equal); pass a non-constant vector');
  }
  const pushSum = schedule.stochastic === 'column';
  let z = start;
  let y = new Array<number>(n).fill(1);
  const curve: number[] = [];
  for (let k = 0; k < K; k++) {
    const W = schedule.matrix(k);
    z = mix(W, z);
    if (pushSum) y = mix(W, y);
    const estimate = pushSum ? z.map((v, i) => v / y[i]) : z;
    curve.push(distance(estimate, mean) / initial);
  }
  return curve;
}

/** Data across nodes: identical distributions ('iid') or heterogeneous ('non-iid'). */
export type DataScenario = 'iid' | 'non-iid';

/**
 * Order-of-magnitude estimate of DSGD's transient iterations (iterations
 * before it reaches linear speedup), constants dropped:
 *
 * - 'iid':     rho^4 n^3 / (1 - rho)^2  (seed 000: the extra overhead
 *   rho^(2/3) sigma^(2/3) / (T^(2/3) (1 - rho)^(1/3)) drops below sigma / sqrt(nT));
 * - 'non-iid': rho^4 n^3 / (1 - rho)^4  (seed 003's O(n^3 / (1 - rho)^4),
 *   with the same rho^4 factor, so a complete graph, rho = 0, has none).
 *
 * Returns Infinity when rho >= 1 (the schedule does not average).
 */
export function transientIterations(rhoValue: number, n: number, scenario: DataScenario = 'iid'): number {
  if (!Number.isFinite(rhoValue) || rhoValue < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `rho must be a finite number >= 0; got ${rhoValue}`);
  }
  if (!Number.isInteger(n) || n < 1) throw new TopologyError('E_TOPOLOGY_NODES', `n must be an integer >= 1; got ${n}`);
  if (scenario !== 'iid' && scenario !== 'non-iid') {
    throw new TopologyError('E_TOPOLOGY_OPTION', `scenario must be 'iid' or 'non-iid'; got '${String(scenario)}'`);
  }
  if (rhoValue >= 1) return Infinity;
  const gap = 1 - rhoValue;
  return (rhoValue ** 4 * n ** 3) / gap ** (scenario === 'iid' ? 2 : 4);
}

/**
 * Order-of-magnitude transient iterations of push-sum gradient tracking over a
 * column-stochastic W (seed 003): 'push-diging' n kappa^8 / (1 - beta)^4 (the
 * seed's upper bound), 'multi-gossip' n (1 + ln kappa)^2 / (1 - beta)^2 (its
 * multi-gossip variant, which matches the lower bound). Infinity when beta >= 1.
 */
export function digraphTransientIterations(
  betaPiValue: number,
  kappaPiValue: number,
  n: number,
  algorithm: 'push-diging' | 'multi-gossip' = 'push-diging',
): number {
  if (!Number.isFinite(betaPiValue) || betaPiValue < 0 || !(kappaPiValue >= 1)) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `need beta_pi >= 0 and kappa_pi >= 1; got beta_pi = ${betaPiValue}, kappa_pi = ${kappaPiValue}`,
    );
  }
  if (!Number.isInteger(n) || n < 1) throw new TopologyError('E_TOPOLOGY_NODES', `n must be an integer >= 1; got ${n}`);
  if (betaPiValue >= 1) return Infinity;
  const gap = 1 - betaPiValue;
  if (algorithm === 'push-diging') return (n * kappaPiValue ** 8) / gap ** 4;
  return (n * (1 + Math.log(kappaPiValue)) ** 2) / gap ** 2;
}

/**
 * Peers a node receives from in one iteration, maximised over nodes and the
 * K iterations from `from` (the per-iteration communication cost d_max).
 */
export function maxDegree(schedule: Schedule, K = 1, from = 0): number {
  checkIteration(from, 'from');
  const span = schedule.dynamic ? K : Math.min(K, 1);
  let best = 0;
  for (let k = from; k < from + span; k++) {
    for (let r = 0; r < schedule.nodes; r++) best = Math.max(best, schedule.at(k, r).recvFrom.length);
  }
  return best;
}

/**
 * beta_pi and kappa_pi (seed 003) of a static schedule's W; undefined for a
 * time-varying one, whose W(k) each have their own. For a doubly stochastic W
 * they are rho and 1.
 */
export function digraphMetrics(schedule: Schedule): { betaPi: number; kappaPi: number } | undefined {
  if (schedule.dynamic) return undefined;
  const W = schedule.matrix(0);
  return { betaPi: betaPi(W), kappaPi: kappaPi(W) };
}
