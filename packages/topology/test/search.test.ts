import { describe, expect, it } from 'vitest';
import {
  LS_R2L_DEFAULT_ITERATIONS,
  degrees,
  isConnected,
  laplacianEigenRatio,
  lsR2l,
  lsR2lSearch,
  minusAverage,
  r3l,
  ringLattice,
  spectralNorm,
  symmetricEigenvalues,
  wattsStrogatz,
  weightMatrix,
} from '@dtrain/topology';

const rhoLaplacian = (adj: boolean[][]): number => spectralNorm(minusAverage(weightMatrix(adj, 'laplacian')));

describe('seed 002: learned and randomised topologies beat the ring lattice', () => {
  for (const n of [16, 32]) {
    for (const degree of [4, 6]) {
      it(`n=${n}, C=${degree}: lambda2/lambdaN of LS-R2L >= R3L > ring lattice`, () => {
        const lattice = laplacianEigenRatio(ringLattice(n, { degree }));
        const random = laplacianEigenRatio(r3l(n, { degree, seed: 1 }));
        const search = lsR2lSearch(n, { degree, seed: 1 });
        expect(random).toBeGreaterThan(1.2 * lattice);
        expect(search.ratio).toBeGreaterThan(random);
        expect(search.ratio).toBeCloseTo(laplacianEigenRatio(search.adjacency), 12);
        // and so the best-constant Laplacian weights average faster
        expect(rhoLaplacian(search.adjacency)).toBeLessThan(rhoLaplacian(ringLattice(n, { degree })));
      });
    }
  }

  it('R3L is an order of magnitude better than the lattice at n=64, C=4', () => {
    const lattice = laplacianEigenRatio(ringLattice(64, { degree: 4 }));
    for (let seed = 0; seed < 3; seed++) {
      expect(laplacianEigenRatio(r3l(64, { degree: 4, seed }))).toBeGreaterThan(5 * lattice);
    }
  });

  it('Watts-Strogatz rewiring improves on the lattice on average over seeds', () => {
    const lattice = laplacianEigenRatio(ringLattice(32, { degree: 4 }));
    let sum = 0;
    for (let seed = 0; seed < 5; seed++) sum += laplacianEigenRatio(wattsStrogatz(32, { degree: 4, p: 0.2, seed }));
    expect(sum / 5).toBeGreaterThan(lattice);
  });
});

describe('R3L is Ramanujan-like', () => {
  it('every nontrivial adjacency eigenvalue is within 2 sqrt(C-1) (+ small slack)', () => {
    for (const [n, degree] of [[16, 4], [32, 4], [64, 4], [32, 6], [16, 3], [40, 5]] as const) {
      for (let seed = 0; seed < 3; seed++) {
        const A = r3l(n, { degree, seed }).map((row) => row.map((e) => (e ? 1 : 0)));
        const ev = symmetricEigenvalues(A);
        expect(ev[n - 1]).toBeCloseTo(degree, 9);
        const nontrivial = Math.max(ev[n - 2]!, -ev[0]!);
        expect(nontrivial).toBeLessThan(2 * Math.sqrt(degree - 1) + 0.25);
      }
    }
  });
});

describe('LS-R2L search', () => {
  it('never lowers the objective: a longer search with the same seed is at least as good', () => {
    const ratios = [0, 10, 40, 120].map((searchIterations) => lsR2lSearch(24, { degree: 4, seed: 9, searchIterations }).ratio);
    for (let k = 1; k < ratios.length; k++) expect(ratios[k]!).toBeGreaterThanOrEqual(ratios[k - 1]!);
    expect(ratios[3]!).toBeGreaterThan(ratios[0]!);
  });

  it('with zero iterations it is the R3L graph of the same seed', () => {
    expect(lsR2l(20, { degree: 4, seed: 2, searchIterations: 0 })).toEqual(r3l(20, { degree: 4, seed: 2 }));
  });

  it('keeps the degree budget and connectivity, and reports what it did', () => {
    const res = lsR2lSearch(30, { degree: 3, seed: 4, searchIterations: 60 });
    expect(new Set(degrees(res.adjacency))).toEqual(new Set([3]));
    expect(isConnected(res.adjacency)).toBe(true);
    expect(res.evaluated).toBeLessThanOrEqual(60);
    expect(res.accepted).toBeLessThanOrEqual(res.evaluated);
    expect(res.ratio).toBeGreaterThanOrEqual(res.initialRatio);
  });

  it('default iterations are used when searchIterations is absent', () => {
    const byDefault = lsR2lSearch(16, { degree: 4, seed: 6 });
    const explicit = lsR2lSearch(16, { degree: 4, seed: 6, searchIterations: LS_R2L_DEFAULT_ITERATIONS });
    expect(byDefault.adjacency).toEqual(explicit.adjacency);
    expect(byDefault.evaluated).toBeGreaterThan(0);
  });
});
