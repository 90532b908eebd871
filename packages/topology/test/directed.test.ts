import { describe, expect, it } from 'vitest';
import {
  betaPi,
  columnStochastic,
  digraphSkewed,
  digraphSkewedEdges,
  equilibrium,
  kappaPi,
  minusAverage,
  multiply,
  rngFrom,
  spectralNorm,
  staticExponential,
  type Matrix,
} from '@dtrain/topology';

const columnSums = (W: Matrix): number[] => W[0].map((_, j) => W.reduce((s, row) => s + row[j], 0));

/** A strongly connected digraph: a directed ring plus random extra edges. */
function randomDigraph(n: number, p: number, seed: number): Array<[number, number]> {
  const rng = rngFrom(seed, 17);
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    edges.push([i, (i + 1) % n]);
    for (let j = 0; j < n; j++) if (j !== i && j !== (i + 1) % n && rng.next() < p) edges.push([i, j]);
  }
  return edges;
}

describe('column-stochastic weights w_ij = 1/(1 + d_j^out) (seed 003)', () => {
  it("reproduces the seed's 6-node example", () => {
    // Read off the seed's matrix: node 1 sends to 3 and 4, 2 to 1, 3 to 5 and 6, 5 to 2 (1-based).
    const W = columnStochastic(6, [[0, 2], [0, 3], [1, 0], [2, 4], [2, 5], [4, 1]]);
    const t = 1 / 3;
    expect(W).toEqual([
      [t, 1 / 2, 0, 0, 0, 0],
      [0, 1 / 2, 0, 0, 1 / 2, 0],
      [t, 0, t, 0, 0, 0],
      [t, 0, 0, 1, 0, 0],
      [0, 0, t, 0, 1 / 2, 0],
      [0, 0, t, 0, 0, 1],
    ]);
  });

  it('has columns summing to 1 and W[i][j] = 1/(1 + d_j^out) on edges and the diagonal', () => {
    for (const seed of [1, 2, 3]) {
      const n = 12;
      const edges = randomDigraph(n, 0.25, seed);
      const W = columnStochastic(n, edges);
      for (const s of columnSums(W)) expect(s).toBeCloseTo(1, 14);
      const out = new Array<number>(n).fill(0);
      for (const [from] of edges) out[from]++;
      const isEdge = new Set(edges.map(([f, t]) => `${f}>${t}`));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const expected = i === j || isEdge.has(`${j}>${i}`) ? 1 / (1 + out[j]) : 0;
          expect(W[i][j]).toBe(expected);
        }
      }
    }
  });

  it('rejects ranks out of range, self-loops and duplicate edges with E_TOPOLOGY_OPTION', () => {
    const bad: Array<Array<[number, number]>> = [[[0, 5]], [[-1, 2]], [[1.5, 2]], [[2, 2]], [[0, 1], [0, 1]]];
    for (const edges of bad) {
      expect(() => columnStochastic(5, edges)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    }
    expect(() => columnStochastic(0, [])).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_NODES' }));
  });
});

describe('equilibrium, kappa_pi and beta_pi (seed 003)', () => {
  it('pi is positive, sums to 1, W pi = pi, and W^k -> pi 1^T', () => {
    const W = columnStochastic(10, randomDigraph(10, 0.2, 4));
    const pi = equilibrium(W);
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (const p of pi) expect(p).toBeGreaterThan(0);
    W.forEach((row, i) => expect(row.reduce((s, w, j) => s + w * pi[j], 0)).toBeCloseTo(pi[i], 14));
    let P = W;
    for (let k = 0; k < 200; k++) P = multiply(W, P);
    P.forEach((row, i) => row.forEach((p) => expect(p).toBeCloseTo(pi[i], 10)));
  });

  it('for a doubly stochastic W, pi is uniform, kappa_pi = 1 and beta_pi = ||W - J||_2', () => {
    for (const n of [5, 8, 13]) {
      const W = staticExponential(n);
      for (const p of equilibrium(W)) expect(p).toBeCloseTo(1 / n, 14);
      expect(kappaPi(W)).toBeCloseTo(1, 12);
      expect(betaPi(W)).toBeCloseTo(spectralNorm(minusAverage(W)), 12);
    }
  });

  it('push-sum averaging meets ||w(k) - zbar||_F <= kappa_pi^(3/2) beta_pi^k ||z(0)||_F (Theorem 1)', () => {
    const rng = rngFrom(3, 1);
    for (const W of [digraphSkewed(6), columnStochastic(8, randomDigraph(8, 0.2, 5))]) {
      const n = W.length;
      const z0 = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
      const zbar = [0, 1].map((c) => z0.reduce((s, r) => s + r[c], 0) / n);
      const norm0 = Math.hypot(...z0.flat());
      const kappa = kappaPi(W);
      const beta = betaPi(W);
      let z = z0;
      let v = new Array<number>(n).fill(1);
      for (let k = 1; k <= 40; k++) {
        z = multiply(W, z);
        v = W.map((row) => row.reduce((s, w, j) => s + w * v[j], 0));
        const err = Math.hypot(...z.flatMap((row, i) => row.map((x, c) => x / v[i] - zbar[c])));
        expect(err, `k = ${k}`).toBeLessThanOrEqual(kappa ** 1.5 * beta ** k * norm0 + 1e-12);
      }
    }
  });

  it('rejects a W that is not column stochastic or not strongly connected', () => {
    expect(() => equilibrium([[0.5, 0.5], [0.4, 0.5]])).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_MATRIX' }));
    expect(() => equilibrium([[1, -0.5], [0, 1.5]])).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_MATRIX' }));
    // the seed's example has two sinks (nodes 4 and 6): eigenvalue 1 twice
    const sinks = columnStochastic(6, [[0, 2], [0, 3], [1, 0], [2, 4], [2, 5], [4, 1]]);
    expect(() => equilibrium(sinks)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_MATRIX' }));
  });
});

describe('the skewed digraph: kappa_pi = 2^(n-1), beta_pi = 1/sqrt(2) (seed 003, Theorem 2)', () => {
  it('is column stochastic and its edges are the nonzero off-diagonal pattern', () => {
    for (const n of [2, 3, 7]) {
      const W = digraphSkewed(n);
      for (const s of columnSums(W)) expect(s).toBeCloseTo(1, 15);
      const pattern = W.flatMap((row, i) => row.flatMap((w, j) => (w !== 0 && i !== j ? [`${j}>${i}`] : [])));
      expect(new Set(pattern)).toEqual(new Set(digraphSkewedEdges(n).map(([f, t]) => `${f}>${t}`)));
    }
    expect(() => digraphSkewed(1)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_NODES' }));
  });

  it('has pi proportional to (2^(n-1), ..., 2, 1) and kappa_pi = 2^(n-1) for n = 2..20', () => {
    for (let n = 2; n <= 20; n++) {
      const W = digraphSkewed(n);
      const pi = equilibrium(W);
      for (let i = 0; i + 1 < n; i++) expect(Math.abs(pi[i] / pi[i + 1] / 2 - 1)).toBeLessThan(1e-9);
      expect(Math.abs(kappaPi(W) / 2 ** (n - 1) - 1), `n = ${n}`).toBeLessThan(1e-9);
    }
  });

  it('has beta_pi = 1/sqrt(2) for n = 3..20 (and 1/2 at n = 2)', () => {
    for (let n = 3; n <= 20; n++) expect(Math.abs(betaPi(digraphSkewed(n)) - Math.SQRT1_2), `n = ${n}`).toBeLessThan(1e-9);
    // n = 2: pi = (2/3, 1/3); the pi-scaled W - pi 1^T is rank one with Frobenius norm 1/2.
    expect(betaPi(digraphSkewed(2))).toBeCloseTo(0.5, 12);
  });
});
