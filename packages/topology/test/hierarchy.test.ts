import { describe, expect, it } from 'vitest';
import {
  consensusCurve,
  createSchedule,
  leaderStep,
  multiply,
  periodContraction,
  topologyOptionKeys,
  verifySchedule,
  type Matrix,
  type Schedule,
} from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

function productOver(s: Schedule, len: number): Matrix {
  let P = s.matrix(0);
  for (let t = 1; t < len; t++) P = multiply(s.matrix(t), P);
  return P;
}

describe('hier:<inter>: exact average inside hosts, inter among hosts, broadcast back', () => {
  it('the effective W(k) is B(k) (x) J_L: rank 2 (host 1 of 4 hosts of 2) at k = 0 mixes host 1 and host 2 equally', () => {
    const s = createSchedule('hier:onepeer-exp', 8, { localSize: 2 });
    const B = createSchedule('onepeer-exp', 4).matrix(0);
    const W = s.matrix(0);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(W[i][j]).toBeCloseTo(B[Math.floor(i / 2)][Math.floor(j / 2)] / 2, 15);
    expect(s.hierarchy).toMatchObject({ hosts: 4, localSize: 2 });
    expect(s.hierarchy?.inter.name).toBe('onepeer-exp');
  });

  it('one-peer exp over 2^t hosts averages all ranks exactly after t iterations (not before), whatever L', () => {
    for (const [M, L] of [[2, 3], [4, 2], [8, 2], [4, 4]]) {
      const s = createSchedule('hier:onepeer-exp', M * L, { localSize: L });
      const t = Math.log2(M);
      for (const row of productOver(s, t)) for (const w of row) expect(w).toBeCloseTo(1 / (M * L), 14);
      if (t > 1) expect(Math.max(...productOver(s, t - 1).flat().map((w) => Math.abs(w - 1 / (M * L))))).toBeGreaterThan(1e-3);
      expect(periodContraction(s)?.exact).toBe(true);
    }
  });

  it('hier alone is hier:full: the exact average in one step', () => {
    const s = createSchedule('hier', 6, { localSize: 3 });
    for (const row of s.matrix(0)) for (const w of row) expect(w).toBeCloseTo(1 / 6, 15);
    expect(s.dynamic).toBe(false);
  });

  it("a leader's step is the inter schedule's with hosts named by their leaders' ranks, and it verifies", () => {
    const s = createSchedule('hier:od-equidyn', 12, { localSize: 3, seed: 4 });
    const h = s.hierarchy;
    if (h === undefined) throw new Error('no hierarchy');
    for (let k = 0; k < 10; k++) {
      for (let host = 0; host < 4; host++) {
        const inter = h.inter.at(k, host);
        const lead = leaderStep(h, k, host);
        expect(lead.sendTo).toEqual(inter.sendTo.map((g) => 3 * g));
        expect(lead.recvWeights).toEqual(inter.recvWeights);
      }
    }
    verifySchedule(h.inter, 0, 64);
    verifySchedule(s, 0, 8);
    expect(consensusCurve(s, 60)[59]).toBeLessThan(1e-4);
  });

  it('reads localSize and the options of its inter schedule', () => {
    expect(topologyOptionKeys('hier:od-equidyn')).toEqual(['localSize', 'eta', 'degree', 'epsilon', 'p']);
  });

  it('refuses a missing or non-dividing localSize, a column-stochastic inter, and an unknown inter', () => {
    expect(codeOf(() => createSchedule('hier:onepeer-exp', 8))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('hier:onepeer-exp', 8, { localSize: 3 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('hier:digraph-skewed', 8, { localSize: 2 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('hier:nosuch', 8, { localSize: 2 }))).toBe('E_TOPOLOGY_UNKNOWN');
    expect(codeOf(() => createSchedule('hier:hier', 8, { localSize: 2 }))).toBe('E_TOPOLOGY_UNKNOWN');
  });
});
