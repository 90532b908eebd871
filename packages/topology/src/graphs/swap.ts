/**
 * Degree-preserving edge swaps: take two edges {a, b} and {c, d} on four
 * distinct nodes and replace them by {a, c} and {b, d} when both are new.
 * Every node keeps its degree, so a C-regular graph stays C-regular and the
 * communication budget of seed 002 is respected. R3L takes random swaps that
 * keep the graph connected; LS-R2L keeps those that do not lower
 * lambda2(L) / lambdaN(L).
 */
import type { Rng } from '../random.js';
import type { Adjacency } from '../weights.js';
import { addEdge, copyAdjacency, edgeList, hasEdge, removeEdge } from './edges.js';

/** One swap: edges[first] was {a, b} and edges[second] {c, d}; they become {a, c} and {b, d}. */
export interface Swap {
  readonly first: number;
  readonly second: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

/** A graph under edit: its adjacency matrix, its edge list and neighbour sets kept in step. */
export class SwapGraph {
  readonly adj: Adjacency;
  readonly edges: Array<[number, number]>;
  private readonly neighbours: Array<Set<number>>;

  constructor(start: Adjacency) {
    this.adj = copyAdjacency(start);
    this.edges = edgeList(this.adj);
    this.neighbours = this.adj.map(() => new Set<number>());
    for (const [i, j] of this.edges) this.link(i, j);
  }

  /** A random valid swap, or undefined when the drawn pair of edges admits none. */
  propose(rng: Rng): Swap | undefined {
    const m = this.edges.length;
    if (m < 2) return undefined;
    const first = Math.floor(rng.next() * m);
    let second = Math.floor(rng.next() * (m - 1));
    if (second >= first) second++;
    const [a, b] = this.edges[first] as [number, number];
    const e2 = this.edges[second] as [number, number];
    const [c, d] = rng.next() < 0.5 ? e2 : [e2[1], e2[0]];
    if (a === c || a === d || b === c || b === d) return undefined;
    if (hasEdge(this.adj, a, c) || hasEdge(this.adj, b, d)) return undefined;
    return { first, second, a, b, c, d };
  }

  apply(s: Swap): void {
    this.unlink(s.a, s.b);
    this.unlink(s.c, s.d);
    this.link(s.a, s.c);
    this.link(s.b, s.d);
    this.edges[s.first] = [s.a, s.c];
    this.edges[s.second] = [s.b, s.d];
  }

  undo(s: Swap): void {
    this.unlink(s.a, s.c);
    this.unlink(s.b, s.d);
    this.link(s.a, s.b);
    this.link(s.c, s.d);
    this.edges[s.first] = [s.a, s.b];
    this.edges[s.second] = [s.c, s.d];
  }

  /** Breadth-first search over the neighbour sets: O(n + edges). */
  connected(): boolean {
    const n = this.adj.length;
    if (n <= 1) return true;
    const seen = new Uint8Array(n);
    const queue = [0];
    seen[0] = 1;
    for (let k = 0; k < queue.length; k++) {
      for (const j of this.neighbours[queue[k] as number] as Set<number>) {
        if (seen[j] === 0) {
          seen[j] = 1;
          queue.push(j);
        }
      }
    }
    return queue.length === n;
  }

  private link(i: number, j: number): void {
    addEdge(this.adj, i, j);
    (this.neighbours[i] as Set<number>).add(j);
    (this.neighbours[j] as Set<number>).add(i);
  }

  private unlink(i: number, j: number): void {
    removeEdge(this.adj, i, j);
    (this.neighbours[i] as Set<number>).delete(j);
    (this.neighbours[j] as Set<number>).delete(i);
  }
}
