/**
 * Circulant graphs of BlueFog's family that seed 000 does not define, in our
 * convention x_i(next) = sum_j W[i][j] x_j (row i = what node i receives).
 *
 * - Symmetric exponential graph, base b (default 4): node i is linked to
 *   i +- d for every d <= n/2 that is a power of b (1, b, b^2, ...); every
 *   offset in 1..n-1 whose distance min(d, n - d) is such a power gets
 *   weight 1/(c + 1), c = the number of those offsets, and so does the node
 *   itself. Symmetric and doubly stochastic (BlueFog's
 *   SymmetricExponentialGraph).
 * - One-way rings: 'right' means node i sends to i + 1 (so it receives from
 *   i - 1), 'left' that it sends to i - 1; weights 1/2, 1/2 (BlueFog's
 *   RingGraph with connect_style 2 and 1). Directed and doubly stochastic for
 *   n >= 3; n = 2 is [[1/2, 1/2], [1/2, 1/2]] and n = 1 is [[1]].
 *
 * Facts the tests check: a circulant W with first row c has eigenvalues
 * lambda_m = sum_d c_d e^(2 pi i m d / n) and, being normal, singular values
 * |lambda_m|; so rho = max over m = 1..n-1 of |lambda_m|. For the one-way
 * ring that is cos(pi / n).
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { powersBelow } from './exponential.js';
import { zeros } from './linalg.js';

/** Default base of the symmetric exponential graph, as in BlueFog. */
export const SYMMETRIC_EXP_DEFAULT_BASE = 4;

function checkNodes(n: number, family: string): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new TopologyError('E_TOPOLOGY_NODES', `${family} needs an integer number of nodes n >= 1; got n = ${n}`);
  }
}

/** The circulant matrix whose row i holds weights[t] at column (i + offsets[t]) mod n (offsets may repeat 0). */
export function circulant(n: number, offsets: readonly number[], weights: readonly number[]): Matrix {
  const W = zeros(n);
  for (let i = 0; i < n; i++) {
    offsets.forEach((d, t) => {
      const j = (((i + d) % n) + n) % n;
      W[i][j] += weights[t];
    });
  }
  return W;
}

/** The offsets in 1..n-1 of the symmetric exponential graph with base b: min(d, n - d) is a power of b. */
export function symmetricExponentialOffsets(n: number, base = SYMMETRIC_EXP_DEFAULT_BASE): number[] {
  checkNodes(n, 'symmetric exponential graph');
  const powers = new Set(powersBelow(n, base));
  const out: number[] = [];
  for (let d = 1; d < n; d++) if (powers.has(Math.min(d, n - d))) out.push(d);
  return out;
}

/** The symmetric exponential graph: self and every offset of symmetricExponentialOffsets, equal weights. */
export function symmetricExponential(n: number, base = SYMMETRIC_EXP_DEFAULT_BASE): Matrix {
  const offsets = [0, ...symmetricExponentialOffsets(n, base)];
  return circulant(n, offsets, offsets.map(() => 1 / offsets.length));
}

export type RingDirection = 'left' | 'right';

/** The one-way ring: node i sends to i + 1 ('right') or to i - 1 ('left'), keeping half. */
export function oneWayRing(n: number, direction: RingDirection): Matrix {
  checkNodes(n, `ring-${direction}`);
  if (n === 1) return [[1]];
  // Sending to i + 1 means receiving from i - 1: offset -1 in row i.
  return circulant(n, [0, direction === 'right' ? -1 : 1], [0.5, 0.5]);
}
