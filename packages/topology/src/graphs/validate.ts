/**
 * Reading and checking generator options. Every failure is a TopologyError
 * whose message names the graph, the value seen and what to pass instead.
 */
import { TopologyError } from '../errors.js';
import type { TopologyOptions } from '../options.js';

/** Throws E_TOPOLOGY_NODES unless n is an integer >= min. */
export function checkNodes(graph: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new TopologyError(
      'E_TOPOLOGY_NODES',
      `${graph} needs an integer number of nodes >= ${min}; got n=${n}; pass nodes >= ${min}`,
    );
  }
}

/** options.seed, default 0; throws E_TOPOLOGY_OPTION unless a nonnegative integer. */
export function seedOption(graph: string, options: TopologyOptions): number {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: seed must be a nonnegative integer; got seed=${seed}; pass e.g. seed=0`,
    );
  }
  return seed;
}

/** options.p (or `fallback` when absent); throws E_TOPOLOGY_OPTION unless in [0, 1]. */
export function probabilityOption(graph: string, options: TopologyOptions, fallback: number): number {
  const p = options.p ?? fallback;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: probability p must be in [0, 1]; got p=${p}; pass a value such as p=${fallback.toFixed(2)}`,
    );
  }
  return p;
}

/**
 * options.degree (or `fallback`), checked: an integer in [2, n-1], even when
 * `even`, and with n * degree even (a regular graph needs it) when `regular`.
 */
export function degreeOption(
  graph: string,
  n: number,
  options: TopologyOptions,
  fallback: number,
  rule: { even: boolean; regular: boolean },
): number {
  const c = options.degree ?? fallback;
  if (!Number.isSafeInteger(c) || c < 2 || c > n - 1) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: degree must be an integer in [2, n-1] = [2, ${n - 1}]; got degree=${c} with n=${n}; ` +
        `pass a smaller degree or more nodes`,
    );
  }
  if (rule.even && c % 2 !== 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: degree must be even (each node links to degree/2 neighbours on each side); got degree=${c}; ` +
        `pass degree=${c - 1}${c + 1 <= n - 1 ? ` or degree=${c + 1}` : ''}`,
    );
  }
  if (rule.regular && (n * c) % 2 !== 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: a regular graph needs n x degree even; got n=${n}, degree=${c}; ` +
        `pass an even degree or an even number of nodes`,
    );
  }
  return c;
}

/** Default lattice degree: 4, or the largest even degree below n when n is small. */
export function defaultEvenDegree(n: number): number {
  const top = n - 1 - ((n - 1) % 2);
  return Math.max(2, Math.min(4, top));
}

/** options.searchIterations (or `fallback`); a nonnegative integer. */
export function iterationsOption(graph: string, options: TopologyOptions, fallback: number): number {
  const k = options.searchIterations ?? fallback;
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph}: searchIterations must be a nonnegative integer; got ${k}; pass e.g. searchIterations=${fallback}`,
    );
  }
  return k;
}
