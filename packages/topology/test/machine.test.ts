import { describe, expect, it } from 'vitest';
import {
  consensusCurve,
  createSchedule,
  multiply,
  periodContraction,
  rho,
  verifySchedule,
  type Matrix,
  type Schedule,
} from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

const sendsAt = (s: Schedule, k: number): number[] => Array.from({ length: s.nodes }, (_, r) => s.at(k, r).sendTo[0]);
const recvAt = (s: Schedule, k: number, r: number): number => s.at(k, r).recvFrom[0];
const mod = (a: number, m: number): number => ((a % m) + m) % m;

function productOver(s: Schedule, from: number, len: number): Matrix {
  let P = s.matrix(from);
  for (let t = 1; t < len; t++) P = multiply(s.matrix(from + t), P);
  return P;
}

function expectDoublyStochastic(W: Matrix): void {
  for (let i = 0; i < W.length; i++) {
    expect(W[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(W.reduce((a, row) => a + row[i], 0)).toBeCloseTo(1, 12);
  }
}

describe('inner-outer-ring (BlueFog GetInnerOuterRingDynamicSendRecvRanks)', () => {
  it('2 hosts of 3 by hand: local rank k mod 3 crosses, the other two swap', () => {
    const s = createSchedule('inner-outer-ring', 6, { localSize: 3 });
    expect(sendsAt(s, 0)).toEqual([3, 2, 1, 0, 5, 4]);
    expect(sendsAt(s, 1)).toEqual([2, 4, 0, 5, 1, 3]);
    expect(s.period).toBe(3);
  });

  it("every rank receives from the rank BlueFog's generator names as its source, and W(k) is doubly stochastic", () => {
    for (const [M, L] of [[2, 3], [3, 4], [4, 5]]) {
      const s = createSchedule('inner-outer-ring', M * L, { localSize: L });
      verifySchedule(s, 0, 2 * L);
      for (let k = 0; k < 2 * L; k++) {
        expectDoublyStochastic(s.matrix(k));
        const o = k % L;
        for (let r = 0; r < M * L; r++) {
          const h = Math.floor(r / L);
          const l = r % L;
          let src = mod(l - 1, L);
          if (src === o) src = mod(src - 1, L);
          const expected = l === o ? mod(h - 1, M) * L + l : h * L + src;
          expect(recvAt(s, k, r)).toBe(expected);
        }
      }
      expect(consensusCurve(s, 400)[399]).toBeLessThan(1e-6);
    }
  });
});

describe('inner-outer-exp2 (BlueFog GetInnerOuterExpo2DynamicSendRecvRanks)', () => {
  it('4 hosts of 4 by hand, iterations 0 and 1', () => {
    const s = createSchedule('inner-outer-exp2', 16, { localSize: 4 });
    expect(sendsAt(s, 0).slice(0, 4)).toEqual([4, 2, 3, 1]);
    expect(sendsAt(s, 1).slice(0, 4)).toEqual([3, 9, 0, 2]);
  });

  it("receives match BlueFog's reverse-distance rule for several shapes", () => {
    for (const [M, L] of [[2, 3], [4, 4], [3, 6], [5, 7]]) {
      const s = createSchedule('inner-outer-exp2', M * L, { localSize: L });
      const outer = Math.floor(Math.log2(M - 1) + 1e-12) + 1;
      const inner = Math.floor(Math.log2(L - 2) + 1e-12) + 1;
      verifySchedule(s, 0, 3 * L);
      for (let k = 0; k < 3 * L; k++) {
        expectDoublyStochastic(s.matrix(k));
        const o = k % L;
        for (let r = 0; r < M * L; r++) {
          const h = Math.floor(r / L);
          const l = r % L;
          let expected: number;
          if (l === o) expected = mod(h - 2 ** (k % outer), M) * L + l;
          else {
            let d = 2 ** (k % inner);
            if (d >= mod(l - o, L)) d += 1;
            expected = h * L + mod(l - d, L);
          }
          expect(recvAt(s, k, r), `M=${M} L=${L} k=${k} r=${r}`).toBe(expected);
        }
      }
    }
  });

  it('refuses hosts of 2 or fewer ranks and a local size that does not divide n', () => {
    expect(codeOf(() => createSchedule('inner-outer-exp2', 8, { localSize: 2 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('inner-outer-ring', 10, { localSize: 4 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('inner-outer-ring', 12))).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('machine-exp2 (BlueFog GetExp2DynamicSendRecvMachineRanks with a local average)', () => {
  it('host h sends to h + 2^(k mod (floor(log2(M-1)) + 1)): M = 5 uses distances 1, 2, 4', () => {
    const s = createSchedule('machine-exp2', 5, { localSize: 1 });
    for (let k = 0; k < 6; k++) expect(sendsAt(s, k)).toEqual([0, 1, 2, 3, 4].map((h) => (h + [1, 2, 4][k % 3]) % 5));
    expect(s.period).toBe(3);
  });

  it('W(k) = B(k) (x) J_L: every rank of a host applies 1/(2L) to each rank of its own and of the sending host', () => {
    const W = createSchedule('machine-exp2', 8, { localSize: 2 }).matrix(0);
    // hosts {0,1} {2,3} {4,5} {6,7}; at k = 0 host h sends to h + 1, so host 1 receives from host 0
    expect(W[2]).toEqual([0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0]);
    expectDoublyStochastic(W);
  });

  it('exact average after log2 M steps when M is a power of two, from any iteration', () => {
    for (const [M, L] of [[2, 3], [4, 2], [8, 1], [8, 2]]) {
      const s = createSchedule('machine-exp2', M * L, { localSize: L });
      const steps = Math.log2(M);
      for (const from of [0, 1, 2]) {
        for (const row of productOver(s, from, steps)) for (const w of row) expect(w).toBeCloseTo(1 / (M * L), 14);
      }
    }
  });

  it('not exact for 3 hosts, but still contracting', () => {
    const s = createSchedule('machine-exp2', 6, { localSize: 2 });
    const curve = consensusCurve(s, 30);
    expect(curve[1]).toBeGreaterThan(1e-6);
    expect(curve[29]).toBeLessThan(1e-6);
  });
});

describe('periodContraction: the product over one period', () => {
  it('one-peer exp at n = 8 is exact after its period of 3, though ||W(k) - J|| is cos(pi/8) to 1 per step', () => {
    const s = createSchedule('onepeer-exp', 8);
    expect(periodContraction(s)).toEqual({ period: 3, contraction: 0, perStep: 0, exact: true });
    expect(rho(s.matrix(0))).toBeCloseTo(Math.cos(Math.PI / 8), 10);
    expect(rho(s.matrix(2))).toBeCloseTo(1, 10); // offset 4 = n/2
  });

  it('one-peer exp at n = 6 is not exact: contraction in (0, 1), and it bounds the consensus error after a period', () => {
    const s = createSchedule('onepeer-exp', 6);
    const r = periodContraction(s);
    expect(r?.exact).toBe(false);
    expect(r?.contraction).toBeGreaterThan(0);
    expect(r?.contraction).toBeLessThan(1);
    const curve = consensusCurve(s, 9);
    expect(curve[2]).toBeLessThanOrEqual((r?.contraction ?? 0) + 1e-12);
    expect(curve[8]).toBeLessThanOrEqual((r?.contraction ?? 0) ** 3 + 1e-12);
  });

  it('is undefined for random and static schedules', () => {
    expect(periodContraction(createSchedule('od-equidyn', 8))).toBeUndefined();
    expect(periodContraction(createSchedule('ring', 8))).toBeUndefined();
  });
});
