import { describe, expect, it } from 'vitest';
import { createSchedule, rho, type Matrix } from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

function expectDoublyStochastic(W: Matrix): void {
  const n = W.length;
  for (let i = 0; i < n; i++) {
    expect(W[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(W.reduce((a, row) => a + row[i], 0)).toBeCloseTo(1, 12);
    for (const w of W[i]) expect(w).toBeGreaterThanOrEqual(0);
  }
}

/** max over m = 1..n-1 of |sum_j W[0][j] e^(2 pi i m j / n)|: rho of a circulant W, by the DFT of its first row. */
function circulantRho(W: Matrix): number {
  const n = W.length;
  let worst = 0;
  for (let m = 1; m < n; m++) {
    let re = 0;
    let im = 0;
    W[0].forEach((c, j) => {
      re += c * Math.cos((2 * Math.PI * m * j) / n);
      im += c * Math.sin((2 * Math.PI * m * j) / n);
    });
    worst = Math.max(worst, Math.hypot(re, im));
  }
  return worst;
}

function expectCirculant(W: Matrix): void {
  const n = W.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(W[i][j]).toBe(W[0][(j - i + n) % n]);
}

/** The row-0 offsets with a nonzero weight. */
const offsets = (W: Matrix): number[] => W[0].flatMap((w, j) => (w !== 0 ? [j] : []));

describe('exponential graph with base b (BlueFog ExponentialGraph)', () => {
  it('links i to i + b^t for every power below n, equal weights: n = 10, b = 3 by hand', () => {
    const W = createSchedule('exp', 10, { expBase: 3 }).matrix(0);
    expect(offsets(W)).toEqual([0, 1, 3, 9]);
    for (const d of [0, 1, 3, 9]) expect(W[0][d]).toBe(1 / 4);
    expectCirculant(W);
  });

  it('is doubly stochastic, and its rho is the circulant spectrum, below 1, for b = 2..5 and n = 2..40', () => {
    for (const b of [2, 3, 4, 5]) {
      for (let n = 2; n <= 40; n++) {
        const W = createSchedule('exp', n, { expBase: b }).matrix(0);
        expectDoublyStochastic(W);
        const r = rho(W);
        expect(r).toBeCloseTo(circulantRho(W), 10);
        expect(r).toBeLessThan(1);
      }
    }
  });

  it('base 2 is the seed 000 graph: rho = 1 - 2/(tau + 1) for even n', () => {
    for (const n of [4, 6, 8, 12, 16, 32]) {
      const tau = Math.ceil(Math.log2(n) - 1e-12);
      expect(rho(createSchedule('exp', n, { expBase: 2 }).matrix(0))).toBeCloseTo(1 - 2 / (tau + 1), 10);
    }
  });

  it('a larger base is sparser and mixes worse at equal n', () => {
    const at = (b: number): number => rho(createSchedule('exp', 64, { expBase: b }).matrix(0));
    expect(at(2)).toBeLessThan(at(4));
    expect(at(4)).toBeLessThan(at(8));
  });

  it('computes powers exactly: base 3 at n = 244 includes offset 243', () => {
    expect(offsets(createSchedule('exp', 244, { expBase: 3 }).matrix(0))).toEqual([0, 1, 3, 9, 27, 81, 243]);
  });

  it('rejects a base below 2 or not an integer', () => {
    for (const expBase of [1, 0, 2.5]) expect(codeOf(() => createSchedule('exp', 8, { expBase }))).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('symmetric exponential graph (BlueFog SymmetricExponentialGraph)', () => {
  it('n = 12, base 4 by hand: offsets 1, 4, 8, 11 and self, weight 1/5', () => {
    const W = createSchedule('sym-exp', 12).matrix(0);
    expect(offsets(W)).toEqual([0, 1, 4, 8, 11]);
    for (const d of [0, 1, 4, 8, 11]) expect(W[0][d]).toBe(1 / 5);
  });

  it('n = 16, base 4: 8 is not a power of 4, so offsets 1, 4, 12, 15', () => {
    expect(offsets(createSchedule('sym-exp', 16).matrix(0))).toEqual([0, 1, 4, 12, 15]);
  });

  it('is symmetric, doubly stochastic and undirected; rho is its real spectrum max |sum c_d cos(2 pi m d / n)| < 1', () => {
    for (const b of [2, 4]) {
      for (let n = 2; n <= 48; n++) {
        const s = createSchedule('sym-exp', n, { expBase: b });
        const W = s.matrix(0);
        expect(s.directed).toBe(false);
        expectDoublyStochastic(W);
        expectCirculant(W);
        expect(rho(W)).toBeCloseTo(circulantRho(W), 10);
        expect(rho(W)).toBeLessThan(1);
      }
    }
  });
});

describe('one-way rings (BlueFog RingGraph left / right)', () => {
  it('ring-right: rank i sends to i + 1 with weight 1/2; ring-left to i - 1', () => {
    const n = 5;
    const right = createSchedule('ring-right', n);
    const left = createSchedule('ring-left', n);
    for (let i = 0; i < n; i++) {
      expect(right.at(0, i)).toMatchObject({ sendTo: [(i + 1) % n], sendWeights: [0.5], recvFrom: [(i + n - 1) % n], selfWeight: 0.5 });
      expect(left.at(0, i)).toMatchObject({ sendTo: [(i + n - 1) % n], recvFrom: [(i + 1) % n], recvWeights: [0.5] });
    }
    expect(right.directed && left.directed).toBe(true);
    expect(right.stochastic).toBe('doubly');
  });

  it('rho = cos(pi / n) (eigenvalues (1 + w)/2 of a normal matrix)', () => {
    for (let n = 3; n <= 30; n++) {
      for (const name of ['ring-left', 'ring-right']) {
        const W = createSchedule(name, n).matrix(0);
        expectDoublyStochastic(W);
        expect(rho(W)).toBeCloseTo(Math.cos(Math.PI / n), 10);
      }
    }
  });

  it('n = 2 is the full average and n = 1 the identity', () => {
    expect(createSchedule('ring-left', 2).matrix(0)).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    expect(createSchedule('ring-right', 1).matrix(0)).toEqual([[1]]);
  });
});

describe('star with a chosen hub (BlueFog StarGraph)', () => {
  it('hub 3 of 6 by hand: the hub averages everyone (1/6), a leaf keeps 5/6', () => {
    const W = createSchedule('star', 6, { hub: 3 }).matrix(0);
    for (let j = 0; j < 6; j++) {
      expect(W[3][j]).toBeCloseTo(1 / 6, 15);
      if (j !== 3) {
        expect(W[j][j]).toBeCloseTo(5 / 6, 15);
        expect(W[j][3]).toBeCloseTo(1 / 6, 15);
      }
    }
    expectDoublyStochastic(W);
  });

  it('rho = 1 - 1/n whatever the hub (W = I - L/n, L with eigenvalues 0, 1, n)', () => {
    for (const n of [3, 5, 9, 16]) {
      for (const hub of [0, 1, n - 1]) expect(rho(createSchedule('star', n, { hub }).matrix(0))).toBeCloseTo(1 - 1 / n, 10);
    }
  });

  it('rejects a hub outside the ranks', () => {
    for (const hub of [-1, 6, 1.5]) expect(codeOf(() => createSchedule('star', 6, { hub }))).toBe('E_TOPOLOGY_OPTION');
  });
});
