/**
 * One-peer sampling over any static undirected graph (in the spirit of the
 * one-peer exponential graph of seed 000: keep the graph, talk to one
 * neighbour per iteration).
 *
 * At iteration k the edges of the base graph (the nonzero off-diagonal
 * pattern of `base`, which must be symmetric) are shuffled by
 * rngFrom(seed, stream, k) and scanned in that order, keeping an edge when
 * both ends are still free: a random maximal matching. Matched pairs average
 * (1/2, 1/2); unmatched nodes keep their value (weight 1). W(k) is symmetric,
 * doubly stochastic, and every node has at most one peer.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { identity } from './linalg.js';
import { rngFrom } from './random.js';

/** Stream id of the one-peer sampler's draws. */
const STREAM_ONE_PEER = 0x4f4e4550;

/** The undirected edges [i, j], i < j, of a symmetric weight pattern; throws if the pattern is not symmetric. */
export function onePeerBaseEdges(base: Matrix): Array<[number, number]> {
  const n = base.length;
  if (n < 1) throw new TopologyError('E_TOPOLOGY_MATRIX', 'the base graph has no nodes; give an n x n matrix with n >= 1');
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const row = base[i];
    if (row === undefined || row.length !== n) {
      throw new TopologyError(
        'E_TOPOLOGY_MATRIX',
        `the base graph must be a square matrix; row ${i} has ${row?.length ?? 0} entries, expected ${n}`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const forward = base[i][j] !== 0;
      if (forward !== (base[j][i] !== 0)) {
        throw new TopologyError(
          'E_TOPOLOGY_MATRIX',
          `the one-peer sampler needs an undirected base graph; W[${i}][${j}] = ${base[i][j]} but ` +
            `W[${j}][${i}] = ${base[j][i]}. Use a symmetric base graph.`,
        );
      }
      if (forward) edges.push([i, j]);
    }
  }
  return edges;
}

/** W(k) of the one-peer sampler over `base`: a random maximal matching of its edges, drawn from (seed, k). */
export function onePeerSample(base: Matrix, k: number, seed: number): Matrix {
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `iteration k must be a non-negative integer; got ${k}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `seed must be a non-negative integer; got ${seed}`);
  }
  const n = base.length;
  const edges = rngFrom(seed, STREAM_ONE_PEER, k).shuffle(onePeerBaseEdges(base));
  const W = identity(n);
  const paired = new Array<boolean>(n).fill(false);
  for (const [i, j] of edges) {
    if (paired[i] || paired[j]) continue;
    paired[i] = paired[j] = true;
    W[i][i] = W[j][j] = W[i][j] = W[j][i] = 0.5;
  }
  return W;
}
