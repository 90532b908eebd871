/** Small helpers to build simple undirected graphs as adjacency matrices. */
import type { Adjacency } from '../weights.js';

/** n isolated nodes. */
export function emptyAdjacency(n: number): Adjacency {
  return Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
}

/** Adds edge {i, j}; ignores i === j and edges already present, so graphs stay simple. */
export function addEdge(adj: Adjacency, i: number, j: number): void {
  if (i === j) return;
  (adj[i] as boolean[])[j] = true;
  (adj[j] as boolean[])[i] = true;
}

/** Removes edge {i, j}. */
export function removeEdge(adj: Adjacency, i: number, j: number): void {
  (adj[i] as boolean[])[j] = false;
  (adj[j] as boolean[])[i] = false;
}

/** True when {i, j} is an edge. */
export function hasEdge(adj: Adjacency, i: number, j: number): boolean {
  return (adj[i] as boolean[])[j] === true;
}

/** The graph on n nodes with the given edges. */
export function fromEdges(n: number, edges: Iterable<readonly [number, number]>): Adjacency {
  const adj = emptyAdjacency(n);
  for (const [i, j] of edges) addEdge(adj, i, j);
  return adj;
}

/** Every edge once, as [i, j] with i < j, in row order. */
export function edgeList(adj: Adjacency): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < adj.length; i++) {
    const row = adj[i] as boolean[];
    for (let j = i + 1; j < adj.length; j++) if (row[j]) out.push([i, j]);
  }
  return out;
}

/** A deep copy. */
export function copyAdjacency(adj: Adjacency): Adjacency {
  return adj.map((row) => [...row]);
}
