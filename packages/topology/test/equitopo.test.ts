import { describe, expect, it } from 'vitest';
import {
  dEquiStatic,
  equiBasis,
  equiStaticIndices,
  minusAverage,
  multiply,
  odEquiDyn,
  odEquiDynIndex,
  ouEquiDyn,
  spectralNorm,
  transpose,
  uEquiStatic,
  type Matrix,
} from '@dtrain/topology';

function expectDoublyStochastic(W: Matrix): void {
  const n = W.length;
  for (let i = 0; i < n; i++) {
    expect(W[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(W.reduce((s, row) => s + row[i], 0)).toBeCloseTo(1, 12);
    for (const w of W[i]) expect(w).toBeGreaterThanOrEqual(0);
  }
}
const rho = (W: Matrix): number => spectralNorm(minusAverage(W));
const isSymmetric = (W: Matrix): boolean => W.every((row, i) => row.every((w, j) => w === W[j][i]));
const offDiagonal = (row: number[], i: number): number[] => row.flatMap((w, j) => (w !== 0 && j !== i ? [j] : []));

/** sqrt(|| mean_s (W_s - J)^T (W_s - J) ||_2): the mean-square contraction of a random W. */
function meanSquareContraction(samples: Matrix[]): number {
  const n = samples[0].length;
  const S: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const W of samples) {
    const A = minusAverage(W);
    const P = multiply(transpose(A), A);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i][j] += P[i][j] / samples.length;
  }
  return Math.sqrt(spectralNorm(S));
}

describe('EquiTopo basis graphs (seed 000)', () => {
  it('A^(v) has (n-1)/n at i = (j + v) mod n, 1/n on the diagonal, and is doubly stochastic', () => {
    for (const n of [2, 5, 6, 9]) {
      for (let v = 1; v < n; v++) {
        const A = equiBasis(n, v);
        expectDoublyStochastic(A);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const expected = i === j ? 1 / n : i === (j + v) % n ? (n - 1) / n : 0;
            expect(A[i][j]).toBe(expected);
          }
        }
      }
    }
    expect(() => equiBasis(6, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    expect(() => equiBasis(6, 6)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    expect(() => equiBasis(1, 1)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_NODES' }));
  });
});

describe('OD-EquiDyn (seed 000)', () => {
  it('with eta = 1/2 contracts in mean square by at most sqrt(2)/2 for every n in 2..64 (exact over v)', () => {
    for (let n = 2; n <= 64; n++) {
      const samples = Array.from({ length: n - 1 }, (_, t) => {
        const A = equiBasis(n, t + 1);
        return A.map((row, i) => row.map((a, j) => 0.5 * a + (i === j ? 0.5 : 0)));
      });
      const c = meanSquareContraction(samples);
      expect(c, `n = ${n}`).toBeLessThanOrEqual(Math.SQRT1_2 + 1e-12);
      // Fourier check of the same quantity: every circulant mode m != 0 gives (n - 1) / (2n).
      expect(c).toBeCloseTo(Math.sqrt((n - 1) / (2 * n)), 10);
    }
  });

  it('needs the mean over v: one draw alone can leave the graph disconnected', () => {
    const W = odEquiDyn(4, 0, { seed: 0 });
    const v = odEquiDynIndex(4, 0, 0);
    expect(W).toEqual(
      equiBasis(4, v).map((row, i) => row.map((a, j) => 0.5 * a + (i === j ? 0.5 : 0))),
    );
    const disconnected = equiBasis(4, 2).map((row, i) => row.map((a, j) => 0.5 * a + (i === j ? 0.5 : 0)));
    expect(rho(disconnected)).toBeCloseTo(1, 12);
  });

  it('draws v_k uniformly over 1..n-1 (chi-square, fixed seed), never 0 or n', () => {
    for (const n of [2, 7, 16]) {
      const K = 20000;
      const counts = new Array<number>(n).fill(0);
      for (let k = 0; k < K; k++) {
        const v = odEquiDynIndex(n, k, 12345);
        expect(Number.isInteger(v) && v >= 1 && v <= n - 1).toBe(true);
        counts[v]++;
      }
      expect(counts[0]).toBe(0);
      const expected = K / (n - 1);
      const chi2 = counts.slice(1).reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // 0.999 quantile of chi-square with df = n - 2 (df 0: exactly 0; 5: 20.5; 14: 36.1).
      const critical = { 2: 1e-9, 7: 20.52, 16: 36.12 }[n] as number;
      expect(chi2, `n = ${n}`).toBeLessThan(critical);
    }
  });

  it('is a pure function of (seed, k): same draw again, k + 1 and other seeds usually differ', () => {
    const n = 16;
    let repeats = 0;
    let seedMatches = 0;
    for (let k = 0; k < 2000; k++) {
      const v = odEquiDynIndex(n, k, 7);
      expect(odEquiDynIndex(n, k, 7)).toBe(v);
      if (odEquiDynIndex(n, k + 1, 7) === v) repeats++;
      if (odEquiDynIndex(n, k, 8) === v) seedMatches++;
    }
    // independent draws agree with probability 1/(n-1) = 1/15, about 133 of 2000
    expect(repeats).toBeLessThan(200);
    expect(seedMatches).toBeLessThan(200);
  });

  it('is doubly stochastic with one in-peer and one out-peer, and validates eta', () => {
    for (const n of [2, 5, 12]) {
      for (let k = 0; k < 10; k++) {
        const W = odEquiDyn(n, k, { seed: 3, eta: 0.3 });
        expectDoublyStochastic(W);
        const v = odEquiDynIndex(n, k, 3);
        for (let i = 0; i < n; i++) {
          expect(offDiagonal(W[i], i)).toEqual([(i - v + n) % n]);
          expect(W[i][i]).toBeCloseTo(0.7 + 0.3 / n, 14);
        }
      }
    }
    for (const eta of [0, -0.1, 1.5, Number.NaN]) {
      expect(() => odEquiDyn(5, 0, { eta })).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    }
    expect(() => odEquiDynIndex(5, -1, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
  });
});

describe('OU-EquiDyn (seed 000)', () => {
  it('is symmetric, doubly stochastic, and pairs each node with at most one peer', () => {
    for (const n of [2, 3, 8, 9, 20]) {
      for (let k = 0; k < 20; k++) {
        const W = ouEquiDyn(n, k, { seed: 11 });
        expect(isSymmetric(W)).toBe(true);
        expectDoublyStochastic(W);
        for (let i = 0; i < n; i++) expect(offDiagonal(W[i], i).length).toBeLessThanOrEqual(1);
      }
    }
  });

  it('has a mean-square contraction that does not grow with n (sampled, eta = 1/2)', () => {
    const estimate = (n: number): number =>
      meanSquareContraction(Array.from({ length: 150 }, (_, k) => ouEquiDyn(n, k, { seed: 5 })));
    const small = estimate(8);
    const large = estimate(48);
    expect(small).toBeLessThan(1);
    expect(large).toBeLessThan(small + 0.1);
  });
});

describe('D-/U-EquiStatic (seed 000)', () => {
  it('D is the mean of its basis matrices, doubly stochastic with rho < 1; U is its symmetrisation', () => {
    for (const n of [2, 6, 12, 17, 32]) {
      for (let seed = 0; seed < 5; seed++) {
        const D = dEquiStatic(n, { seed });
        const U = uEquiStatic(n, { seed });
        const indices = equiStaticIndices(n, { seed });
        expect(indices.length).toBe(Math.ceil(Math.log2(n) - 1e-12));
        const mean = indices
          .map((v) => equiBasis(n, v))
          .reduce(
            (acc, A) => acc.map((row, i) => row.map((x, j) => x + A[i][j] / indices.length)),
            D.map((row) => row.map(() => 0)),
          );
        D.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(mean[i][j], 14)));
        expectDoublyStochastic(D);
        expectDoublyStochastic(U);
        expect(isSymmetric(U)).toBe(true);
        U.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo((D[i][j] + D[j][i]) / 2, 14)));
        expect(rho(D), `n = ${n}, seed = ${seed}`).toBeLessThan(1 - 1e-9);
        expect(rho(U), `n = ${n}, seed = ${seed}`).toBeLessThan(1 - 1e-9);
      }
    }
  });

  it('gets better connected as the number of basis graphs M grows (mean rho over 20 seeds)', () => {
    for (const n of [8, 17, 32]) {
      for (const build of [dEquiStatic, uEquiStatic]) {
        const means = [1, 2, 4, 8, 16, 32].map((degree) => {
          let s = 0;
          for (let seed = 0; seed < 20; seed++) s += rho(build(n, { seed, degree }));
          return s / 20;
        });
        for (let t = 1; t < means.length; t++) expect(means[t], `n = ${n}, ${build.name}`).toBeLessThan(means[t - 1]);
      }
    }
  });

  it('meets the EquiTopo high-probability bound: M >= 8 ln(2n/p) / (3 eps^2) gives rho < eps w.p. >= 1 - p', () => {
    const n = 32;
    const eps = 0.5;
    const p = 0.1;
    const degree = Math.ceil((8 * Math.log((2 * n) / p)) / (3 * eps * eps));
    let below = 0;
    for (let seed = 0; seed < 20; seed++) if (rho(dEquiStatic(n, { seed, degree })) < eps) below++;
    expect(below).toBeGreaterThanOrEqual(18);
  });

  it('rejects a non-positive or fractional degree', () => {
    for (const degree of [0, -2, 1.5]) {
      expect(() => dEquiStatic(8, { degree })).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    }
  });
});
