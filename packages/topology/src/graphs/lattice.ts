/**
 * Regular ring lattices (seed 002's RRL): a cycle in which every node also
 * links to the nodes 2, ..., C/2 hops away on each side, so every node has
 * degree C. The starting point of Watts-Strogatz, R3L and LS-R2L.
 */
import type { TopologyOptions } from '../options.js';
import type { Adjacency } from '../weights.js';
import { addEdge, emptyAdjacency } from './edges.js';
import { checkNodes, defaultEvenDegree, degreeOption } from './validate.js';

/**
 * The C-regular lattice on n nodes: hops 1..floor(C/2) on each side, plus,
 * when C is odd (n must then be even), the diameter link i -- i + n/2.
 * Requires 2 <= C <= n - 1 and n * C even; all links are distinct, since
 * every hop is below n/2.
 */
export function regularLattice(n: number, c: number): Adjacency {
  const adj = emptyAdjacency(n);
  const half = Math.floor(c / 2);
  for (let i = 0; i < n; i++) {
    for (let h = 1; h <= half; h++) addEdge(adj, i, (i + h) % n);
    if (c % 2 === 1) addEdge(adj, i, (i + n / 2) % n);
  }
  return adj;
}

/** ring-lattice: options.degree = C, even, in [2, n-1]; default 4 (or less when n < 5). */
export function ringLattice(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('ring-lattice', n, 3);
  const c = degreeOption('ring-lattice', n, options, defaultEvenDegree(n), { even: true, regular: true });
  return regularLattice(n, c);
}
