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

/** The powers 1, b, b^2, ... of an integer base b >= 2 that are below n, computed exactly on integers. */
export function powersBelow(n: number, base: number): number[] {
  if (!Number.isSafeInteger(base) || base < 2) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `the exponential base must be an integer >= 2; got ${base}; e.g. 2 or 4`);
  }
  const out: number[] = [];
  for (let d = 1; d < n; d *= base) out.push(d);
  return out;
}

/**
 * The static exponential graph with base b (default 2): self plus the offsets
 * 1, b, b^2, ... below n, weight 1 / (offsets + 1) each. Base 2 is seed 000's
 * graph; other bases are BlueFog's ExponentialGraph(size, base) up to the
 * mirror image i -> -i (BlueFog's node i sends to i + b^t, ours receives from it).
 */
export function staticExponential(n: number, base = 2): Matrix {
  checkNodes(n, 'static exponential graph');
  const offsets = powersBelow(n, base);
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
