/**
 * BlueFog's deterministic one-peer schedule over any static base graph
 * (GetDynamicOnePeerSendRecvRanks): each rank lists its out-neighbours in
 * clockwise order, by (j - i) mod n, and at iteration k sends to entry
 * k mod (its out-degree) of that list. A rank receives from every rank whose
 * entry this iteration is itself.
 *
 * Weights: the sender keeps 1/2 and hands 1/2 to its peer, so W(k) is
 * column stochastic (W[t][i] = W[i][i] = 1/2 for i's target t). When every
 * rank receives from exactly one rank, as on circulant bases (ring, exp,
 * sym-exp, full, ring-lattice), W(k) is (I + P_k)/2 for a permutation P_k and
 * doubly stochastic; otherwise (star, grid, random graphs) some rank
 * receives from several and the schedule needs push-sum. BlueFog's examples
 * weight the receiver's side 1/(receivers + 1) instead, which is row
 * stochastic and so averages to a weighted mean on such bases.
 *
 * The schedule repeats with period lcm(out-degrees).
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { identity } from './linalg.js';

/** Each rank's out-neighbours under W (every j != i with W[j][i] != 0), clockwise from i. */
export function clockwiseTargets(base: Matrix): number[][] {
  const n = base.length;
  return Array.from({ length: n }, (_, i) => {
    const out: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i && base[j][i] !== 0) out.push(j);
    return out.sort((a, b) => ((a - i + n) % n) - ((b - i + n) % n));
  });
}

/** The rank `rank` sends to at iteration k, or undefined for a rank without out-neighbours. */
export function onePeerCycleTarget(targets: readonly (readonly number[])[], k: number, rank: number): number | undefined {
  const list = targets[rank];
  return list.length === 0 ? undefined : list[k % list.length];
}

/** W(k): each rank keeps 1/2 and sends 1/2 to its target (a rank with no target keeps all). */
export function onePeerCycle(targets: readonly (readonly number[])[], k: number): Matrix {
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `iteration k must be a non-negative integer; got ${k}`);
  }
  const n = targets.length;
  const W = identity(n);
  for (let i = 0; i < n; i++) {
    const t = onePeerCycleTarget(targets, k, i);
    if (t === undefined) continue;
    W[i][i] = 0.5;
    W[t][i] = 0.5;
  }
  return W;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** lcm of the out-degrees (1 when no rank has one), or undefined above `cap`. */
export function onePeerCyclePeriod(targets: readonly (readonly number[])[], cap = 1 << 20): number | undefined {
  let p = 1;
  for (const list of targets) {
    if (list.length === 0) continue;
    p = (p / gcd(p, list.length)) * list.length;
    if (p > cap) return undefined;
  }
  return p;
}

/** True when at iteration k every rank with a target is the target of exactly one rank (W(k) is doubly stochastic). */
export function isPermutationStep(targets: readonly (readonly number[])[], k: number): boolean {
  const n = targets.length;
  const hits = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const t = onePeerCycleTarget(targets, k, i);
    if (t !== undefined) hits[t]++;
  }
  return targets.every((list, i) => hits[i] === (list.length === 0 ? 0 : 1));
}
