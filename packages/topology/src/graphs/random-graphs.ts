/**
 * Random undirected graphs, each a pure function of (n, options): the same
 * options.seed always gives the same graph.
 *
 * - erdos-renyi: every pair linked with probability p (seed 000), redrawn
 *   until connected (at most ER_DRAWS draws).
 * - half-random: erdos-renyi with p = 1/2, the 1/2-RandGraph of seed 000.
 * - watts-strogatz: the ring lattice of degree C with each lattice link
 *   rewired with probability p to a random new endpoint (seed 002, WS).
 * - r3l: seed 002's random regular Ramanujan-like graph: the C-regular
 *   lattice randomised by many degree-preserving edge swaps, so it stays
 *   C-regular; close to a uniform random C-regular graph, whose spectrum is
 *   near the Ramanujan bound.
 *
 * watts-strogatz and r3l refuse any rewiring that would disconnect the graph.
 */
import { TopologyError } from '../errors.js';
import type { TopologyOptions } from '../options.js';
import { rngFrom } from '../random.js';
import { type Adjacency, isConnected } from '../weights.js';
import { addEdge, emptyAdjacency, hasEdge, removeEdge } from './edges.js';
import { regularLattice } from './lattice.js';
import { SwapGraph } from './swap.js';
import { checkNodes, defaultEvenDegree, degreeOption, probabilityOption, seedOption } from './validate.js';

/** Random stream ids, so that graphs drawn from one seed do not share draws. */
const STREAM_ERDOS_RENYI = 0x67720001;
const STREAM_WATTS_STROGATZ = 0x67720002;
const STREAM_R3L = 0x67720003;

/** How many independent draws erdos-renyi makes before giving up on connectivity. */
export const ER_DRAWS = 100;

/** Default edge probability of erdos-renyi: twice the connectivity threshold ln(n)/n, at most 1. */
export function defaultEdgeProbability(n: number): number {
  return n < 2 ? 1 : Math.min(1, (2 * Math.log(n)) / n);
}

/** Erdos-Renyi G(n, p), redrawn until connected. */
export function erdosRenyi(n: number, options: TopologyOptions = {}, graph = 'erdos-renyi'): Adjacency {
  checkNodes(graph, n, 1);
  const p = probabilityOption(graph, options, defaultEdgeProbability(n));
  const seed = seedOption(graph, options);
  const threshold = n < 2 ? 0 : Math.log(n) / n;
  const hint = `raise p above ln(n)/n = ${threshold.toFixed(3)} (e.g. p=${defaultEdgeProbability(n).toFixed(2)})`;
  if (n >= 2 && p === 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `${graph}: p=0 gives no edges, so ${n} nodes cannot be connected; ${hint}`);
  }
  for (let draw = 0; draw < ER_DRAWS; draw++) {
    const rng = rngFrom(seed, STREAM_ERDOS_RENYI, draw);
    const adj = emptyAdjacency(n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.next() < p) addEdge(adj, i, j);
    if (isConnected(adj)) return adj;
  }
  throw new TopologyError(
    'E_TOPOLOGY_OPTION',
    `${graph}: no connected graph in ${ER_DRAWS} draws with n=${n}, p=${p}, seed=${seed}; ${hint}`,
  );
}

/** The 1/2-RandGraph: erdos-renyi with p = 1/2 (options.p is ignored). */
export function halfRandom(n: number, options: TopologyOptions = {}): Adjacency {
  return erdosRenyi(n, { ...options, p: 0.5 }, 'half-random');
}

/** Default rewiring probability of watts-strogatz. */
export const WS_DEFAULT_P = 0.2;

/**
 * Watts-Strogatz: for hop h = 1..C/2 and node i in order, with probability p
 * the lattice link {i, i+h} is replaced by {i, k}, k drawn uniformly among the
 * nodes not yet linked to i. A rewiring that would disconnect the graph is
 * skipped. The edge count stays nC/2; degrees vary.
 */
export function wattsStrogatz(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('watts-strogatz', n, 3);
  const c = degreeOption('watts-strogatz', n, options, defaultEvenDegree(n), { even: true, regular: true });
  const p = probabilityOption('watts-strogatz', options, WS_DEFAULT_P);
  const rng = rngFrom(seedOption('watts-strogatz', options), STREAM_WATTS_STROGATZ);
  const adj = regularLattice(n, c);
  for (let h = 1; h <= c / 2; h++) {
    for (let i = 0; i < n; i++) {
      const j = (i + h) % n;
      if (rng.next() >= p || !hasEdge(adj, i, j)) continue;
      const free: number[] = [];
      for (let k = 0; k < n; k++) if (k !== i && !hasEdge(adj, i, k)) free.push(k);
      if (free.length === 0) continue;
      const k = free[Math.floor(rng.next() * free.length)] as number;
      removeEdge(adj, i, j);
      addEdge(adj, i, k);
      if (!isConnected(adj)) {
        removeEdge(adj, i, k);
        addEdge(adj, i, j);
      }
    }
  }
  return adj;
}

/** Swap attempts of r3l per edge of the graph. */
export const R3L_SWAPS_PER_EDGE = 10;

/**
 * R3L: start from the C-regular lattice and make R3L_SWAPS_PER_EDGE x edges
 * random degree-preserving swap attempts, keeping those that leave the graph
 * connected. Any C in [2, n-1] with n x C even (odd C uses diameter links).
 */
export function r3l(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('r3l', n, 3);
  const c = degreeOption('r3l', n, options, defaultEvenDegree(n), { even: false, regular: true });
  const rng = rngFrom(seedOption('r3l', options), STREAM_R3L);
  const g = new SwapGraph(regularLattice(n, c));
  const attempts = R3L_SWAPS_PER_EDGE * g.edges.length;
  for (let t = 0; t < attempts; t++) {
    const swap = g.propose(rng);
    if (swap === undefined) continue;
    g.apply(swap);
    if (!g.connected()) g.undo(swap);
  }
  return g.adj;
}
