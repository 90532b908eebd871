import { describe, expect, it } from 'vitest';
import {
  type Adjacency,
  TopologyError,
  UNDIRECTED_GRAPHS,
  degrees,
  emptyAdjacency,
  fromEdges,
  isConnected,
  laplacian,
  laplacianAlpha,
  laplacianEigenRatio,
  laplacianExtremes,
  laplacianWeights,
  minusAverage,
  ring,
  spectralNorm,
  star,
  full,
  symmetricEigenvalues,
  weightMatrix,
} from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

const rho = (W: number[][]): number => spectralNorm(minusAverage(W));

/** A mixed bag of connected graphs with uneven degrees. */
function sampleGraphs(): Adjacency[] {
  const out: Adjacency[] = [];
  for (const n of [5, 9, 16, 23]) {
    out.push(UNDIRECTED_GRAPHS.grid!.adjacency(n, {}));
    out.push(UNDIRECTED_GRAPHS['erdos-renyi']!.adjacency(n, { seed: n }));
    out.push(UNDIRECTED_GRAPHS['watts-strogatz']!.adjacency(n, { seed: n, p: 0.5 }));
    out.push(star(n));
  }
  return out;
}

describe('weight formulas', () => {
  it('metropolis: w_ij = 1 / (1 + max(d_i, d_j)) on edges, 0 elsewhere, self weight the rest', () => {
    for (const adj of sampleGraphs()) {
      const d = adj.map((row) => row.filter(Boolean).length);
      const W = weightMatrix(adj, 'metropolis');
      let worst = 0;
      adj.forEach((row, i) => {
        let sum = 0;
        row.forEach((e, j) => {
          if (i === j) return;
          const want = e ? 1 / (1 + Math.max(d[i]!, d[j]!)) : 0;
          worst = Math.max(worst, Math.abs(W[i]![j]! - want));
          sum += want;
        });
        worst = Math.max(worst, Math.abs(W[i]![i]! - (1 - sum)));
        expect(W[i]![i]!).toBeGreaterThan(0);
      });
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('max-degree: one weight 1 / (1 + d_max) on every edge', () => {
    for (const adj of sampleGraphs()) {
      const dmax = Math.max(...degrees(adj));
      const W = weightMatrix(adj, 'max-degree');
      const offDiagonal = new Set<number>();
      adj.forEach((row, i) => row.forEach((e, j) => e && offDiagonal.add(W[i]![j]!)));
      expect([...offDiagonal]).toEqual([1 / (1 + dmax)]);
    }
  });

  it('laplacian: W = I - alpha L with alpha = 2 / (lambda2 + lambdaN)', () => {
    for (const adj of sampleGraphs()) {
      const ev = symmetricEigenvalues(laplacian(adj));
      const alpha = 2 / (ev[1]! + ev[ev.length - 1]!);
      expect(laplacianAlpha(adj)).toBeCloseTo(alpha, 12);
      const L = laplacian(adj);
      const W = weightMatrix(adj, 'laplacian');
      let worst = 0;
      W.forEach((row, i) => row.forEach((w, j) => (worst = Math.max(worst, Math.abs(w - ((i === j ? 1 : 0) - alpha * L[i]![j]!))))));
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('a graph without edges gets W = I under every scheme', () => {
    for (const scheme of ['metropolis', 'max-degree', 'laplacian'] as const) {
      expect(weightMatrix(emptyAdjacency(3), scheme)).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      expect(weightMatrix([[false]], scheme)).toEqual([[1]]);
    }
  });
});

describe('the best constant Laplacian weight (seed 002)', () => {
  it('perturbing alpha up or down never lowers rho', () => {
    for (const adj of sampleGraphs()) {
      const alpha = laplacianAlpha(adj);
      const best = rho(laplacianWeights(adj, alpha));
      for (const f of [0.9, 0.99, 0.999, 1.001, 1.01, 1.1]) {
        expect(rho(laplacianWeights(adj, alpha * f))).toBeGreaterThan(best - 1e-12);
      }
    }
  });

  it('rho = (1 - r) / (1 + r) with r = lambda2 / lambdaN: maximising r minimises rho', () => {
    for (const adj of sampleGraphs()) {
      const r = laplacianEigenRatio(adj);
      expect(rho(weightMatrix(adj, 'laplacian'))).toBeCloseTo((1 - r) / (1 + r), 10);
    }
  });

  it('best constant beats the max-degree constant 1 / (1 + d_max)', () => {
    for (const adj of sampleGraphs()) {
      expect(rho(weightMatrix(adj, 'laplacian'))).toBeLessThanOrEqual(rho(weightMatrix(adj, 'max-degree')) + 1e-12);
    }
  });

  it('star gets negative hub self weight under laplacian weights but rho < 1', () => {
    const W = weightMatrix(star(10), 'laplacian');
    expect(W[0]![0]!).toBeLessThan(0);
    expect(rho(W)).toBeLessThan(1);
  });
});

describe('Laplacian spectra', () => {
  it('rows of L sum to 0 and its smallest eigenvalue is 0', () => {
    for (const adj of sampleGraphs()) {
      const L = laplacian(adj);
      for (const row of L) expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBe(0);
      expect(Math.abs(symmetricEigenvalues(L)[0]!)).toBeLessThan(1e-9);
    }
  });

  it('closed forms: ring lambda2 = 2 - 2cos(2pi/n); star lambda2 = 1, lambdaN = n; full lambda2 = lambdaN = n', () => {
    for (let n = 3; n <= 30; n++) {
      expect(laplacianExtremes(ring(n)).lambda2).toBeCloseTo(2 - 2 * Math.cos((2 * Math.PI) / n), 10);
      const s = laplacianExtremes(star(n));
      expect(s.lambda2).toBeCloseTo(1, 10);
      expect(s.lambdaN).toBeCloseTo(n, 10);
      expect(laplacianEigenRatio(full(n))).toBeCloseTo(1, 10);
    }
  });

  it('ring with metropolis weights 1/3: rho = max_k |1/3 + 2/3 cos(2 pi k / n)|', () => {
    for (let n = 3; n <= 40; n++) {
      let want = 0;
      for (let k = 1; k < n; k++) want = Math.max(want, Math.abs(1 / 3 + (2 / 3) * Math.cos((2 * Math.PI * k) / n)));
      expect(rho(weightMatrix(ring(n), 'metropolis'))).toBeCloseTo(want, 10);
    }
  });

  it('disconnected graphs: isConnected false, lambda2 / lambdaN = 0', () => {
    const twoTriangles = fromEdges(6, [[0, 1], [1, 2], [2, 0], [3, 4], [4, 5], [5, 3]]);
    expect(isConnected(twoTriangles)).toBe(false);
    expect(laplacianEigenRatio(twoTriangles)).toBeLessThan(1e-12);
    expect(isConnected(emptyAdjacency(2))).toBe(false);
    expect(isConnected(ring(5))).toBe(true);
  });
});

describe('invalid adjacency', () => {
  it('asymmetric, self loop, ragged: E_TOPOLOGY_MATRIX', () => {
    expect(codeOf(() => weightMatrix([[false, true], [false, false]], 'metropolis'), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    expect(codeOf(() => weightMatrix([[true, false], [false, false]], 'metropolis'), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    expect(codeOf(() => weightMatrix([[false, true], [true]], 'laplacian'), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    expect(codeOf(() => weightMatrix(ring(4), 'optimal' as never), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});
