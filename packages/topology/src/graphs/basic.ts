/**
 * Deterministic undirected graphs of seed 000: ring, 2-D grid, 2-D torus,
 * star and the complete graph. Nodes of a grid or torus are numbered row by
 * row: node r * cols + c sits at row r, column c.
 */
import { TopologyError } from '../errors.js';
import type { TopologyOptions } from '../options.js';
import type { Adjacency } from '../weights.js';
import { addEdge, emptyAdjacency } from './edges.js';
import { checkNodes } from './validate.js';

/** Cycle 0-1-...-(n-1)-0. n = 1 is a lone node and n = 2 a single edge (no duplicate edge). */
export function ring(n: number): Adjacency {
  checkNodes('ring', n, 1);
  const adj = emptyAdjacency(n);
  for (let i = 0; i < n; i++) addEdge(adj, i, (i + 1) % n);
  return adj;
}

/**
 * The hub (options.hub, default 0) linked to every other node. With
 * Metropolis weights every hub link gets 1/n: BlueFog's StarGraph(size,
 * center_rank). rho = 1 - 1/n for n >= 3 (W = I - L/n, L's eigenvalues 0, 1, n).
 */
export function star(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('star', n, 1);
  const hub = options.hub ?? 0;
  if (!Number.isSafeInteger(hub) || hub < 0 || hub >= n) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `star: hub must be a rank in 0..${n - 1}; got hub=${hub}`);
  }
  const adj = emptyAdjacency(n);
  for (let i = 0; i < n; i++) if (i !== hub) addEdge(adj, hub, i);
  return adj;
}

/** Every pair linked. */
export function full(n: number): Adjacency {
  checkNodes('full', n, 1);
  const adj = emptyAdjacency(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) addEdge(adj, i, j);
  return adj;
}

/** The most nearly square rows x cols = n with rows <= cols. */
export function squareFactors(n: number): { rows: number; cols: number } {
  let rows = Math.floor(Math.sqrt(n));
  while (rows > 1 && n % rows !== 0) rows--;
  return { rows: Math.max(1, rows), cols: n / Math.max(1, rows) };
}

function nextComposite(n: number): number {
  let m = Math.max(4, n + 1);
  while (squareFactors(m).rows < 2) m++;
  return m;
}

function positiveInteger(graph: string, key: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `${graph}: ${key} must be a positive integer; got ${key}=${v}`);
  }
}

/** rows x cols from options (either, both or neither given), checked against n. */
export function meshShape(graph: string, n: number, options: TopologyOptions): { rows: number; cols: number } {
  const { rows, cols } = options;
  positiveInteger(graph, 'rows', rows);
  positiveInteger(graph, 'cols', cols);
  if (rows === undefined && cols === undefined) return squareFactors(n);
  const r = rows ?? n / (cols as number);
  const c = cols ?? n / (rows as number);
  if (!Number.isInteger(r) || !Number.isInteger(c) || r * c !== n) {
    const { rows: sr, cols: sc } = squareFactors(n);
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${graph} needs nodes = rows x cols; got n=${n} with rows=${rows ?? 'unset'}, cols=${cols ?? 'unset'}; ` +
        `pass rows and cols whose product is ${n} (e.g. rows=${sr}, cols=${sc}) or change the number of nodes`,
    );
  }
  return { rows: r, cols: c };
}

/**
 * 2-D mesh without wraparound: each node links to its left, right, up and down
 * neighbours where they exist (corner degree 2, border 3, inside 4). A 1 x n
 * grid is a path; a prime n with the default shape is therefore a path.
 */
export function grid(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('grid', n, 1);
  const { rows, cols } = meshShape('grid', n, options);
  const adj = emptyAdjacency(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = r * cols + c;
      if (c + 1 < cols) addEdge(adj, v, v + 1);
      if (r + 1 < rows) addEdge(adj, v, v + cols);
    }
  }
  return adj;
}

/**
 * 2-D mesh with wraparound: with rows, cols >= 3 every node has degree 4.
 * Both sides must be >= 2 (a 1 x n torus is a ring: use 'ring'). A side of
 * length 2 gets no wraparound link, since it would repeat the mesh link
 * (a 2 x k torus is the prism graph, degree 3; 2 x 2 is the 4-cycle).
 */
export function torus(n: number, options: TopologyOptions = {}): Adjacency {
  checkNodes('torus', n, 4);
  const { rows, cols } = meshShape('torus', n, options);
  if (rows < 2 || cols < 2) {
    const fix =
      squareFactors(n).rows >= 2
        ? `pass rows=${squareFactors(n).rows}, cols=${squareFactors(n).cols}`
        : `n=${n} has no factorisation with both sides >= 2: use nodes=${nextComposite(n)} or 'ring'`;
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `torus needs nodes = rows x cols with rows, cols >= 2; got n=${n} with rows=${rows}, cols=${cols}; ${fix}`,
    );
  }
  const adj = emptyAdjacency(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = r * cols + c;
      if (c + 1 < cols || cols >= 3) addEdge(adj, v, r * cols + ((c + 1) % cols));
      if (r + 1 < rows || rows >= 3) addEdge(adj, v, ((r + 1) % rows) * cols + c);
    }
  }
  return adj;
}
