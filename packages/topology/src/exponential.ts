/**
 * Static and one-peer exponential graphs (seed 000, "Exponential graphs").
 *
 * Orientation. We follow the seed's formula literally:
 *
 *   W[i][j] = 1 / (tau + 1)   if i = j or mod(j - i, n) is a power of two,
 *
 * with tau = ceil(log2 n). So node i receives from i + 1, i + 2, i + 4, ...
 * and sends to i - 1, i - 2, i - 4, ... (mod n). The example matrix the seed
 * prints is the transpose (mod(i - j, n)); both have the same spectral gap.
 *
 * Facts the tests check (seed 000):
 * - static: doubly stochastic; rho = ||W - J||_2 = 1 - 2/(tau + 1) for even n
 *   and rho < 1 - 2/(tau + 1) for odd n.
 * - one-peer: W(k)[i][j] = 1/2 for i = j and for mod(j - i, n) = 2^(k mod tau);
 *   when n is a power of two, any tau consecutive W(k) multiply to (1/n) 1 1^T.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { zeros } from './linalg.js';

/** tau = ceil(log2 n), computed exactly on integers (n >= 1). */
export function exponentialTau(n: number): number {
  let tau = 0;
  while (2 ** tau < n) tau++;
  return tau;
}

function checkNodes(n: number, family: string): void {
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new TopologyError(
      'E_TOPOLOGY_NODES',
      `${family} needs an integer number of nodes n >= 2; got n = ${n}. Use at least 2 nodes.`,
    );
  }
}

/** The offsets 2^0, 2^1, ..., 2^(tau-1); all are < n, so they are distinct mod n. */
export function exponentialOffsets(n: number): number[] {
  checkNodes(n, 'exponential graph');
  const tau = exponentialTau(n);
  return Array.from({ length: tau }, (_, t) => 2 ** t);
}

/** The static exponential graph: self plus offsets that are powers of two, weight 1/(tau + 1) each. */
export function staticExponential(n: number): Matrix {
  checkNodes(n, 'static exponential graph');
  const offsets = exponentialOffsets(n);
  const w = 1 / (offsets.length + 1);
  const W = zeros(n);
  for (let i = 0; i < n; i++) {
    W[i][i] = w;
    for (const d of offsets) W[i][(i + d) % n] = w;
  }
  return W;
}

/** The offset node i receives from at iteration k of the one-peer exponential graph: 2^(k mod tau). */
export function onePeerExponentialOffset(n: number, k: number): number {
  checkNodes(n, 'one-peer exponential graph');
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `iteration k must be a non-negative integer; got ${k}`);
  }
  return 2 ** (k % exponentialTau(n));
}

/**
 * W(k) of the one-peer exponential graph: node i averages (1/2, 1/2) its own
 * value with that of node i + 2^(k mod tau); it sends to i - 2^(k mod tau).
 */
export function onePeerExponential(n: number, k: number): Matrix {
  const d = onePeerExponentialOffset(n, k);
  const W = zeros(n);
  for (let i = 0; i < n; i++) {
    W[i][i] = 0.5;
    W[i][(i + d) % n] = 0.5;
  }
  return W;
}
