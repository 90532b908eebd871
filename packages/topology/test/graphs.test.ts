import { describe, expect, it } from 'vitest';
import {
  type Adjacency,
  type Matrix,
  type TopologyOptions,
  TopologyError,
  UNDIRECTED_GRAPHS,
  WEIGHT_SCHEMES,
  degrees,
  edgeCount,
  isConnected,
  minusAverage,
  spectralNorm,
  undirectedMatrix,
  weightMatrix,
} from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

const TOL = 1e-9;
const NAMES = Object.keys(UNDIRECTED_GRAPHS);

/** Node counts each graph is tested on, and the options used. */
const CASES: Record<string, { ns: number[]; options: TopologyOptions }> = {
  ring: { ns: range(1, 40), options: {} },
  grid: { ns: range(1, 40), options: {} },
  torus: { ns: range(4, 40).filter((n) => !isPrime(n)), options: {} },
  star: { ns: range(1, 40), options: {} },
  full: { ns: range(1, 40), options: {} },
  'erdos-renyi': { ns: range(1, 40), options: { seed: 3 } },
  'half-random': { ns: range(1, 40), options: { seed: 5 } },
  'ring-lattice': { ns: range(3, 40), options: {} },
  'watts-strogatz': { ns: range(3, 40), options: { seed: 7, p: 0.3 } },
  r3l: { ns: range(3, 40), options: { seed: 11 } },
  'ls-r2l': { ns: [3, 4, 5, 8, 13, 16, 24, 31, 40], options: { seed: 13, searchIterations: 25 } },
};

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n >= 2;
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** The properties every (graph, scheme) pair must have; returns the first one violated, or ''. */
function weightViolation(adj: Adjacency, W: Matrix, scheme: string): string {
  const n = adj.length;
  for (let i = 0; i < n; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < n; j++) {
      const w = W[i]![j]!;
      row += w;
      col += W[j]![i]!;
      if (Math.abs(w - W[j]![i]!) > TOL) return `not symmetric at ${i},${j}`;
      if (i !== j && Math.abs(w) > TOL !== adj[i]![j]) return `sparsity differs from the graph at ${i},${j}`;
      if (scheme !== 'laplacian' && w < -TOL) return `negative weight ${w} at ${i},${j}`;
    }
    if (Math.abs(row - 1) > TOL || Math.abs(col - 1) > TOL) return `row/column ${i} sums to ${row}/${col}`;
  }
  if (n >= 2) {
    const rho = spectralNorm(minusAverage(W));
    if (!(rho < 1 - 1e-9)) return `rho = ${rho}`;
  }
  return '';
}

describe('every undirected graph under every weight scheme', () => {
  it('the catalog has exactly the documented names, each with a one-line description', () => {
    expect(NAMES).toEqual([
      'ring', 'grid', 'torus', 'star', 'full', 'erdos-renyi', 'half-random',
      'ring-lattice', 'watts-strogatz', 'r3l', 'ls-r2l',
    ]);
    for (const name of NAMES) expect(UNDIRECTED_GRAPHS[name]!.description).toMatch(/^[^\n]{10,120}$/);
    expect('toString' in UNDIRECTED_GRAPHS).toBe(false);
  });

  for (const name of NAMES) {
    it(`${name}: simple, connected, symmetric doubly stochastic W with the graph's sparsity and rho < 1`, () => {
      const { ns, options } = CASES[name]!;
      for (const n of ns) {
        const adj = UNDIRECTED_GRAPHS[name]!.adjacency(n, options);
        expect(adj.length).toBe(n);
        expect(adj.every((row, i) => row.length === n && row[i] === false)).toBe(true);
        expect(isConnected(adj)).toBe(true);
        for (const scheme of WEIGHT_SCHEMES) {
          expect(`${name} n=${n} ${scheme}: ${weightViolation(adj, weightMatrix(adj, scheme), scheme)}`).toBe(
            `${name} n=${n} ${scheme}: `,
          );
        }
      }
    });
  }

  it('undirectedMatrix uses options.weights, metropolis by default', () => {
    const adj = UNDIRECTED_GRAPHS.torus!.adjacency(12, {});
    expect(undirectedMatrix('torus', 12, {})).toEqual(weightMatrix(adj, 'metropolis'));
    expect(undirectedMatrix('torus', 12, { weights: 'laplacian' })).toEqual(weightMatrix(adj, 'laplacian'));
  });
});

describe('degrees and shapes', () => {
  const adjOf = (name: string, n: number, o: TopologyOptions = {}): Adjacency => UNDIRECTED_GRAPHS[name]!.adjacency(n, o);

  it('ring is 2-regular for n >= 3; n = 2 is one edge, n = 1 a lone node', () => {
    for (let n = 3; n <= 40; n++) expect(new Set(degrees(adjOf('ring', n)))).toEqual(new Set([2]));
    expect(degrees(adjOf('ring', 2))).toEqual([1, 1]);
    expect(degrees(adjOf('ring', 1))).toEqual([0]);
  });

  it('full is (n-1)-regular; star has hub degree n-1 and leaves of degree 1', () => {
    for (let n = 2; n <= 40; n++) {
      expect(new Set(degrees(adjOf('full', n)))).toEqual(new Set([n - 1]));
      const d = degrees(adjOf('star', n));
      expect(d[0]).toBe(n - 1);
      expect(d.slice(1).every((x) => x === 1)).toBe(true);
    }
  });

  it('torus with rows, cols >= 3 is 4-regular; a 2 x k torus is 3-regular; 2 x 2 is the 4-cycle', () => {
    for (const [rows, cols] of [[3, 3], [3, 4], [4, 4], [3, 7], [5, 6], [6, 6]] as const) {
      expect(new Set(degrees(adjOf('torus', rows * cols, { rows, cols })))).toEqual(new Set([4]));
    }
    for (const cols of [3, 4, 5, 9]) expect(new Set(degrees(adjOf('torus', 2 * cols, { rows: 2 })))).toEqual(new Set([3]));
    expect(degrees(adjOf('torus', 4))).toEqual([2, 2, 2, 2]);
  });

  it('grid has rows(cols-1) + cols(rows-1) edges and degrees 2..4; 1 x n is a path', () => {
    for (const [rows, cols] of [[1, 1], [1, 7], [2, 2], [3, 5], [4, 4], [5, 8]] as const) {
      const adj = adjOf('grid', rows * cols, { rows, cols });
      expect(edgeCount(adj)).toBe(rows * (cols - 1) + cols * (rows - 1));
      if (rows >= 2) expect(Math.min(...degrees(adj))).toBe(2);
      if (rows >= 3 && cols >= 3) expect(Math.max(...degrees(adj))).toBe(4);
    }
    expect(degrees(adjOf('grid', 7))).toEqual([1, 2, 2, 2, 2, 2, 1]);
  });

  it('default mesh shape is the most nearly square factorisation', () => {
    // 12 = 3 x 4: a 3 x 4 grid has 3*3 + 4*2 = 17 edges; 2 x 6 would have 16.
    expect(edgeCount(adjOf('grid', 12))).toBe(17);
    expect(edgeCount(adjOf('grid', 36))).toBe(6 * 5 * 2);
  });

  it('ring-lattice, r3l and ls-r2l are C-regular; watts-strogatz keeps nC/2 edges', () => {
    for (const n of [9, 16, 25, 32]) {
      for (const degree of [2, 4, 6]) {
        for (const name of ['ring-lattice', 'r3l', 'ls-r2l']) {
          const o = { degree, seed: n, searchIterations: 20 };
          expect(new Set(degrees(adjOf(name, n, o)))).toEqual(new Set([degree]));
        }
        expect(edgeCount(adjOf('watts-strogatz', n, { degree, p: 0.5, seed: n }))).toBe((n * degree) / 2);
      }
    }
    // odd degree needs an even n: the lattice then adds the diameter links.
    expect(new Set(degrees(adjOf('r3l', 16, { degree: 3 })))).toEqual(new Set([3]));
    expect(new Set(degrees(adjOf('ls-r2l', 20, { degree: 5, searchIterations: 10 })))).toEqual(new Set([5]));
  });

  it('watts-strogatz with p = 0 is the ring lattice', () => {
    expect(adjOf('watts-strogatz', 20, { degree: 4, p: 0 })).toEqual(adjOf('ring-lattice', 20, { degree: 4 }));
  });

  it('erdos-renyi links a fraction near p of the pairs', () => {
    for (const p of [0.3, 0.6]) {
      let edges = 0;
      for (let seed = 0; seed < 10; seed++) edges += edgeCount(adjOf('erdos-renyi', 40, { p, seed }));
      expect(Math.abs(edges / (10 * 780) - p)).toBeLessThan(0.03);
    }
    let half = 0;
    for (let seed = 0; seed < 10; seed++) half += edgeCount(adjOf('half-random', 40, { seed }));
    expect(Math.abs(half / 7800 - 0.5)).toBeLessThan(0.03);
  });
});

describe('seeds and determinism', () => {
  const RANDOM = ['erdos-renyi', 'half-random', 'watts-strogatz', 'r3l', 'ls-r2l'];
  it('same seed gives the same graph, different seeds different graphs', () => {
    for (const name of RANDOM) {
      const o = { seed: 42, searchIterations: 30 };
      const a = UNDIRECTED_GRAPHS[name]!.adjacency(24, o);
      expect(UNDIRECTED_GRAPHS[name]!.adjacency(24, { ...o })).toEqual(a);
      expect(UNDIRECTED_GRAPHS[name]!.adjacency(24, { ...o, seed: 43 })).not.toEqual(a);
    }
  });
});

describe('errors', () => {
  const adj = (name: string, n: number, o: TopologyOptions = {}) => () => UNDIRECTED_GRAPHS[name]!.adjacency(n, o);

  it('torus on a prime n or a shape that does not multiply to n', () => {
    expect(codeOf(adj('torus', 7), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(message(adj('torus', 7))).toMatch(/n=7.*rows=1, cols=7.*nodes=8/);
    expect(codeOf(adj('torus', 10, { rows: 3 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(message(adj('torus', 10, { rows: 3, cols: 4 }))).toMatch(/n=10 with rows=3, cols=4/);
    expect(codeOf(adj('torus', 12, { rows: 1 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(adj('grid', 12, { cols: 5 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(adj('grid', 12, { rows: 0 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(adj('torus', 3), TopologyError)).toBe('E_TOPOLOGY_NODES');
  });

  it('bad node counts', () => {
    for (const name of NAMES) {
      expect(codeOf(adj(name, 0), TopologyError)).toBe('E_TOPOLOGY_NODES');
      expect(codeOf(adj(name, 2.5), TopologyError)).toBe('E_TOPOLOGY_NODES');
    }
    expect(codeOf(adj('ring-lattice', 2), TopologyError)).toBe('E_TOPOLOGY_NODES');
  });

  it('degree out of range, odd lattice degree, odd n x degree', () => {
    for (const name of ['ring-lattice', 'watts-strogatz', 'r3l', 'ls-r2l']) {
      expect(codeOf(adj(name, 8, { degree: 8 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
      expect(message(adj(name, 8, { degree: 8 }))).toMatch(/degree=8/);
      expect(codeOf(adj(name, 8, { degree: 1 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    }
    expect(codeOf(adj('ring-lattice', 10, { degree: 3 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(message(adj('ring-lattice', 10, { degree: 3 }))).toMatch(/even.*degree=3.*degree=2 or degree=4/);
    expect(codeOf(adj('watts-strogatz', 10, { degree: 5 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(adj('r3l', 9, { degree: 3 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });

  it('probability out of range, or too small to connect', () => {
    for (const p of [-0.1, 1.5, Number.NaN]) {
      expect(codeOf(adj('erdos-renyi', 10, { p }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
      expect(codeOf(adj('watts-strogatz', 10, { p }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    }
    expect(message(adj('erdos-renyi', 10, { p: 1.5 }))).toMatch(/p=1.5/);
    expect(codeOf(adj('erdos-renyi', 10, { p: 0 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(message(adj('erdos-renyi', 40, { p: 0.01 }))).toMatch(/100 draws.*raise p/);
  });

  it('bad seed, search iterations, weight scheme or graph name', () => {
    expect(codeOf(adj('r3l', 10, { seed: -1 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(adj('ls-r2l', 10, { searchIterations: 1.5 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => undirectedMatrix('ring', 5, { weights: 'uniform' as never }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => undirectedMatrix('hypercube', 8, {}), TopologyError)).toBe('E_TOPOLOGY_UNKNOWN');
    expect(codeOf(() => undirectedMatrix('toString', 8, {}), TopologyError)).toBe('E_TOPOLOGY_UNKNOWN');
  });
});
