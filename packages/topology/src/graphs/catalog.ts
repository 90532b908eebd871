/**
 * The static undirected graphs by CLI name, and their weight matrices.
 * Each spec builds the adjacency; the weight scheme is chosen separately
 * (options.weights, default 'metropolis').
 */
import type { Matrix } from '../convention.js';
import { TopologyError } from '../errors.js';
import type { TopologyOptions } from '../options.js';
import { type Adjacency, weightMatrix } from '../weights.js';
import { full, grid, ring, star, torus } from './basic.js';
import { ringLattice } from './lattice.js';
import { erdosRenyi, halfRandom, r3l, wattsStrogatz } from './random-graphs.js';
import { lsR2l } from './search.js';

/** A static undirected graph family. */
export interface StaticGraphSpec {
  /** One line for `dtrain topology list`. */
  readonly description: string;
  /** The options it reads besides seed and weights (the CLI refuses the others). */
  readonly options: readonly (keyof TopologyOptions)[];
  /** The graph on n nodes (throws TopologyError on invalid n or options). */
  adjacency(n: number, options: TopologyOptions): Adjacency;
}

/** Keyed by CLI name, in listing order; a null-prototype object, so `name in UNDIRECTED_GRAPHS` sees only graphs. */
export const UNDIRECTED_GRAPHS: Readonly<Record<string, StaticGraphSpec>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, StaticGraphSpec>, {
    ring: { description: 'cycle; degree 2', options: [], adjacency: (n: number) => ring(n) },
    grid: {
      options: ['rows', 'cols'],
      description: '2-D mesh rows x cols without wraparound (default most nearly square); degree 2-4',
      adjacency: (n: number, o: TopologyOptions) => grid(n, o),
    },
    torus: {
      options: ['rows', 'cols'],
      description: '2-D mesh rows x cols with wraparound; degree 4 when rows, cols >= 3; needs composite n',
      adjacency: (n: number, o: TopologyOptions) => torus(n, o),
    },
    star: {
      options: ['hub'],
      description: 'hub (--hub, default 0) linked to every other node',
      adjacency: (n: number, o: TopologyOptions) => star(n, o),
    },
    full: { description: 'complete graph; exact averaging in one step', options: [], adjacency: (n: number) => full(n) },
    'erdos-renyi': {
      options: ['p'],
      description: 'random G(n, p), redrawn until connected (p default 2 ln(n)/n; seed)',
      adjacency: (n: number, o: TopologyOptions) => erdosRenyi(n, o),
    },
    'half-random': {
      options: [],
      description: '1/2-RandGraph: erdos-renyi with p = 1/2 (seed)',
      adjacency: (n: number, o: TopologyOptions) => halfRandom(n, o),
    },
    'ring-lattice': {
      options: ['degree'],
      description: 'regular ring lattice: links to degree/2 nearest on each side (degree even, default 4)',
      adjacency: (n: number, o: TopologyOptions) => ringLattice(n, o),
    },
    'watts-strogatz': {
      options: ['degree', 'p'],
      description: 'small world: ring lattice with links rewired with probability p (default 0.2; degree, seed)',
      adjacency: (n: number, o: TopologyOptions) => wattsStrogatz(n, o),
    },
    r3l: {
      options: ['degree'],
      description: 'random regular Ramanujan-like: lattice randomised by degree-preserving swaps (degree, seed)',
      adjacency: (n: number, o: TopologyOptions) => r3l(n, o),
    },
    'ls-r2l': {
      options: ['degree', 'searchIterations'],
      description: 'local search maximising lambda2/lambdaN of the Laplacian at fixed degree (degree, seed, searchIterations)',
      adjacency: (n: number, o: TopologyOptions) => lsR2l(n, o),
    },
  }),
);

/** Throws E_TOPOLOGY_UNKNOWN unless `name` is a key of UNDIRECTED_GRAPHS. */
export function undirectedSpec(name: string): StaticGraphSpec {
  const spec = Object.prototype.hasOwnProperty.call(UNDIRECTED_GRAPHS, name) ? UNDIRECTED_GRAPHS[name] : undefined;
  if (spec === undefined) {
    throw new TopologyError(
      'E_TOPOLOGY_UNKNOWN',
      `unknown undirected graph ${JSON.stringify(name)}; use one of ${Object.keys(UNDIRECTED_GRAPHS).join(', ')}`,
    );
  }
  return spec;
}

/** The weight matrix of graph `name` on n nodes under options.weights (default 'metropolis'). */
export function undirectedMatrix(name: string, n: number, options: TopologyOptions = {}): Matrix {
  return weightMatrix(undirectedSpec(name).adjacency(n, options), options.weights ?? 'metropolis');
}
