import { describe, expect, it } from 'vitest';
import type { Matrix } from '../src/convention.js';
import { TopologyError } from '../src/errors.js';
import { exponentialTau, onePeerExponential, staticExponential } from '../src/exponential.js';
import { minusAverage, multiply, spectralNorm, transpose } from '../src/linalg.js';
import {
  consensusCurve,
  digraphTransientIterations,
  maxDegree,
  meanSquareContraction,
  rho,
  seededVector,
  transientIterations,
} from '../src/metrics.js';
import { dynamicSchedule, staticSchedule } from '../src/schedule.js';
import { codeOf, ringMatrix as ring } from '../../../test-utils/index.js';

/** Column j spreads its value evenly over itself and j+1; the last column also feeds 0 (a skewed digraph). */
function chain(n: number): Matrix {
  const W = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    W[j][j] = 0.5;
    W[(j + 1) % n][j] = 0.5;
  }
  W[0][0] = 0.9;
  W[1][0] = 0.1;
  return W;
}

const onePeer = (n: number) =>
  dynamicSchedule('onepeer-exp', n, (k) => onePeerExponential(n, k), { directed: true, stochastic: 'doubly' });

describe('rho', () => {
  it('is 0 for exact averaging and 1 for no communication', () => {
    const n = 5;
    const J = Array.from({ length: n }, () => new Array<number>(n).fill(1 / n));
    const I = J.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    expect(rho(J)).toBeLessThan(1e-12);
    expect(rho(I)).toBeCloseTo(1, 12);
  });

  it('matches the static exponential theorem of seed 000: = 1 - 2/(tau+1) for even n, below it for odd n', () => {
    for (const n of [4, 6, 10, 16, 24]) {
      expect(rho(staticExponential(n))).toBeCloseTo(1 - 2 / (exponentialTau(n) + 1), 9);
    }
    for (const n of [5, 7, 13]) expect(rho(staticExponential(n))).toBeLessThan(1 - 2 / (exponentialTau(n) + 1));
  });

  it('ring: rho = (1 + 2 cos(2 pi / n)) / 3 for the 1/3 weights', () => {
    for (const n of [5, 8, 13]) expect(rho(ring(n))).toBeCloseTo((1 + 2 * Math.cos((2 * Math.PI) / n)) / 3, 10);
  });
});

describe('meanSquareContraction', () => {
  it('equals rho for a static schedule and for a dynamic one that never changes', () => {
    const W = staticExponential(12);
    expect(meanSquareContraction(staticSchedule('exp', W), 5)).toBeCloseTo(rho(W), 12);
    const frozen = dynamicSchedule('frozen', 12, () => W, { directed: true, stochastic: 'doubly' });
    expect(meanSquareContraction(frozen, 4)).toBeCloseTo(rho(W), 9);
  });

  it('agrees with the dense definition sqrt(||(1/K) sum (W-J)^T (W-J)||)', () => {
    const cases = [
      { s: onePeer(12), K: 7, from: 3 },
      { s: dynamicSchedule('chain', 6, () => chain(6), { directed: true, stochastic: 'column' }), K: 2, from: 0 },
    ];
    for (const { s, K, from } of cases) {
      const n = s.nodes;
      const sum = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let k = from; k < from + K; k++) {
        const A = minusAverage(s.matrix(k));
        const G = multiply(transpose(A), A);
        G.forEach((row, a) => row.forEach((v, b) => (sum[a][b] += v / K)));
      }
      expect(meanSquareContraction(s, K, from)).toBeCloseTo(Math.sqrt(spectralNorm(sum)), 9);
    }
  });

  it('refuses K < 1', () => {
    expect(codeOf(() => meanSquareContraction(onePeer(8), 0), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('consensusCurve', () => {
  it('one-peer exponential reaches the exact average after tau = log2 n rounds (seed 000)', () => {
    for (const n of [8, 16, 32]) {
      const tau = exponentialTau(n);
      const curve = consensusCurve(onePeer(n), tau + 3, { seed: 11 });
      expect(curve[tau - 2]).toBeGreaterThan(1e-6);
      for (let k = tau; k <= tau + 3; k++) expect(curve[k - 1]).toBeLessThan(1e-12);
    }
  });

  it('a doubly stochastic schedule contracts at least as fast as rho^k', () => {
    for (const W of [staticExponential(12), ring(9)]) {
      const r = rho(W);
      const curve = consensusCurve(staticSchedule('w', W), 25, { seed: 3 });
      curve.forEach((e, idx) => expect(e).toBeLessThanOrEqual(r ** (idx + 1) + 1e-12));
    }
  });

  it('column-stochastic schedules run push-sum, which reaches the average that plain mixing misses', () => {
    const n = 6;
    const s = staticSchedule('chain', chain(n));
    expect(s.stochastic).toBe('column');
    const x0 = seededVector(n, 5);
    const curve = consensusCurve(s, 400, x0);
    expect(curve[399]).toBeLessThan(1e-8);
    // Plain mixing W^k x0 tends to pi 1^T x0, which is not the average.
    let x = x0;
    const W = s.matrix(0);
    for (let k = 0; k < 400; k++) x = W.map((row) => row.reduce((acc, w, j) => acc + w * x[j], 0));
    const mean = x0.reduce((a, b) => a + b, 0) / n;
    expect(Math.max(...x.map((v) => Math.abs(v - mean)))).toBeGreaterThan(1e-3);
  });

  it('is a pure function of the seed, and rejects a constant or mis-sized x0', () => {
    const s = staticSchedule('ring', ring(7));
    expect(consensusCurve(s, 5, { seed: 2 })).toEqual(consensusCurve(s, 5, { seed: 2 }));
    expect(consensusCurve(s, 5, { seed: 2 })).not.toEqual(consensusCurve(s, 5, { seed: 3 }));
    expect(codeOf(() => consensusCurve(s, 5, new Array(7).fill(1)), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => consensusCurve(s, 5, [1, 2]), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('transientIterations', () => {
  it('grows as n^3 at fixed rho and is longer for non-iid data', () => {
    const t = transientIterations(0.9, 16, 'iid');
    expect(transientIterations(0.9, 32, 'iid') / t).toBeCloseTo(8, 12);
    expect(transientIterations(0.9, 16, 'non-iid')).toBeGreaterThan(t);
    expect(transientIterations(0.9, 16, 'non-iid') / t).toBeCloseTo(1 / 0.1 ** 2, 6);
  });

  it('orders ring above static exponential at n = 64 (seed 000: n^7 vs n^3 log^2 n)', () => {
    expect(transientIterations(rho(ring(64)), 64)).toBeGreaterThan(100 * transientIterations(rho(staticExponential(64)), 64));
  });

  it('is 0 for a complete graph, Infinity when rho >= 1, and checks its inputs', () => {
    expect(transientIterations(0, 10)).toBe(0);
    expect(transientIterations(1, 10)).toBe(Infinity);
    expect(codeOf(() => transientIterations(-0.1, 10), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => transientIterations(0.5, 2.5), TopologyError)).toBe('E_TOPOLOGY_NODES');
    expect(codeOf(() => transientIterations(0.5, 4, 'iidd' as 'iid'), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });

  it('digraph estimates: multi-gossip is never worse than push-diging (seed 003)', () => {
    for (const [b, kappa] of [[0.7, 1], [0.7071, 2 ** 9], [0.95, 3]] as const) {
      expect(digraphTransientIterations(b, kappa, 10, 'multi-gossip')).toBeLessThanOrEqual(
        digraphTransientIterations(b, kappa, 10, 'push-diging'),
      );
    }
    expect(codeOf(() => digraphTransientIterations(0.5, 0.5, 10), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('maxDegree', () => {
  it('is 1 for one-peer exponential, tau for static exponential, 2 for a ring', () => {
    expect(maxDegree(onePeer(16), 30)).toBe(1);
    expect(maxDegree(staticSchedule('exp', staticExponential(20)), 30)).toBe(exponentialTau(20));
    expect(maxDegree(staticSchedule('ring', ring(9)))).toBe(2);
  });
});
