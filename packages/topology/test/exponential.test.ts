import { describe, expect, it } from 'vitest';
import {
  TopologyError,
  minusAverage,
  onePeerExponential,
  spectralNorm,
  staticExponential,
  type Matrix,
} from '@dtrain/topology';

const tauOf = (n: number): number => Math.ceil(Math.log2(n) - 1e-12);

function rowSums(W: Matrix): number[] {
  return W.map((row) => row.reduce((a, b) => a + b, 0));
}
function colSums(W: Matrix): number[] {
  return W[0].map((_, j) => W.reduce((s, row) => s + row[j], 0));
}
function expectDoublyStochastic(W: Matrix): void {
  for (const s of [...rowSums(W), ...colSums(W)]) expect(s).toBeCloseTo(1, 12);
  for (const row of W) for (const w of row) expect(w).toBeGreaterThanOrEqual(0);
}

/** W P for a W with few nonzeros per row, in O(nnz * n). */
function sparseTimes(W: Matrix, P: Matrix): Matrix {
  return W.map((row) => {
    const out = new Array<number>(P[0].length).fill(0);
    row.forEach((w, j) => {
      if (w !== 0) P[j].forEach((p, c) => (out[c] += w * p));
    });
    return out;
  });
}

/** max |(W(k+len-1) ... W(k)) - (1/n) 1 1^T| */
function productDistanceToAverage(n: number, k: number, len: number): number {
  let P: Matrix = onePeerExponential(n, k);
  for (let t = 1; t < len; t++) P = sparseTimes(onePeerExponential(n, k + t), P);
  return Math.max(...P.flat().map((p) => Math.abs(p - 1 / n)));
}

describe('static exponential graph (seed 000)', () => {
  it('has tau + 1 equal weights per row, on self and power-of-two offsets mod(j - i, n)', () => {
    for (const n of [2, 3, 5, 6, 8, 13, 33]) {
      const W = staticExponential(n);
      const tau = tauOf(n);
      for (let i = 0; i < n; i++) {
        const support = W[i].flatMap((w, j) => (w !== 0 ? [(j - i + n) % n] : [])).sort((a, b) => a - b);
        const expected = [0, ...Array.from({ length: tau }, (_, t) => 2 ** t)];
        expect(support).toEqual(expected);
        for (const d of support) expect(W[i][(i + d) % n]).toBe(1 / (tau + 1));
      }
    }
  });

  it('is doubly stochastic and meets the spectral-gap theorem for n = 2..64', () => {
    for (let n = 2; n <= 64; n++) {
      const W = staticExponential(n);
      expectDoublyStochastic(W);
      const tau = tauOf(n);
      const rho = spectralNorm(minusAverage(W));
      const bound = 1 - 2 / (tau + 1);
      if (n % 2 === 0) expect(Math.abs(rho - bound), `n = ${n}`).toBeLessThan(1e-9);
      else expect(rho, `n = ${n}`).toBeLessThan(bound - 1e-9);
    }
  });

  it('rejects n = 1 with E_TOPOLOGY_NODES naming n', () => {
    let caught: unknown;
    try {
      staticExponential(1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TopologyError);
    expect((caught as TopologyError).code).toBe('E_TOPOLOGY_NODES');
    expect((caught as TopologyError).message).toContain('n = 1');
    expect(() => staticExponential(2.5)).toThrow(TopologyError);
  });
});

describe('one-peer exponential graph (seed 000)', () => {
  it('is doubly stochastic with exactly one in-peer and one out-peer per node, offset 2^(k mod tau)', () => {
    for (const n of [2, 3, 6, 7, 8, 12, 16]) {
      const tau = tauOf(n);
      for (let k = 0; k < 2 * tau + 1; k++) {
        const W = onePeerExponential(n, k);
        expectDoublyStochastic(W);
        const d = 2 ** (k % tau);
        for (let i = 0; i < n; i++) {
          const inPeers = W[i].flatMap((w, j) => (w !== 0 && j !== i ? [j] : []));
          const outPeers = W.flatMap((row, r) => (row[i] !== 0 && r !== i ? [r] : []));
          expect(inPeers).toEqual([(i + d) % n]);
          expect(outPeers).toEqual([(i - d + n) % n]);
          expect(W[i][i]).toBe(0.5);
        }
      }
    }
  });

  it('averages exactly after any tau consecutive iterations when n is a power of two (n <= 256)', () => {
    for (let tau = 1; tau <= 8; tau++) {
      const n = 2 ** tau;
      for (let k = 0; k < tau + 2; k++) {
        expect(productDistanceToAverage(n, k, tau), `n = ${n}, k = ${k}`).toBeLessThan(1e-12);
      }
      // and any longer window too (l >= tau - 1 in the seed's indexing)
      expect(productDistanceToAverage(n, 3, tau + 3)).toBeLessThan(1e-12);
    }
  });

  it('does not average exactly after tau iterations when n is not a power of two', () => {
    for (const n of [3, 5, 6, 12, 24]) {
      expect(productDistanceToAverage(n, 0, tauOf(n)), `n = ${n}`).toBeGreaterThan(1e-3);
    }
  });

  it('rejects n = 1 and negative or fractional iterations', () => {
    expect(() => onePeerExponential(1, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_NODES' }));
    expect(() => onePeerExponential(4, -1)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    expect(() => onePeerExponential(4, 0.5)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
  });
});
