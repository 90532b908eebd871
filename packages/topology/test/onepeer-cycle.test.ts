import { describe, expect, it } from 'vitest';
import { consensusCurve, createSchedule, multiply, verifySchedule, type Matrix, type Schedule } from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

const sendsAt = (s: Schedule, k: number): number[][] => Array.from({ length: s.nodes }, (_, r) => [...s.at(k, r).sendTo]);
const recvsAt = (s: Schedule, k: number): number[][] => Array.from({ length: s.nodes }, (_, r) => [...s.at(k, r).recvFrom]);

function productOver(s: Schedule, from: number, len: number): Matrix {
  let P = s.matrix(from);
  for (let t = 1; t < len; t++) P = multiply(s.matrix(from + t), P);
  return P;
}

function columnSums(W: Matrix): number[] {
  return W[0].map((_, j) => W.reduce((a, row) => a + row[j], 0));
}

describe("onepeer-cycle: BlueFog's GetDynamicOnePeerSendRecvRanks over a base graph", () => {
  it('ring of 6: rank i sends to i + 1 on even iterations and to i - 1 on odd ones (clockwise order)', () => {
    const s = createSchedule('onepeer-cycle', 6, { base: 'ring' });
    for (let k = 0; k < 6; k++) {
      expect(sendsAt(s, k)).toEqual([0, 1, 2, 3, 4, 5].map((i) => [(i + (k % 2 === 0 ? 1 : 5)) % 6]));
    }
    expect(s.stochastic).toBe('doubly');
    expect(s.period).toBe(2);
  });

  it("BlueFog's exponential-two digraph (i > i+1, i+2, i+4) at n = 8 is one-peer exp: i sends to i + 2^(k mod 3), exact after 3", () => {
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < 8; i++) for (const d of [1, 2, 4]) edges.push([i, (i + d) % 8]);
    const s = createSchedule('onepeer-cycle', 8, { base: 'directed', edges });
    for (let k = 0; k < 7; k++) {
      const d = 2 ** (k % 3);
      expect(sendsAt(s, k)).toEqual(Array.from({ length: 8 }, (_, i) => [(i + d) % 8]));
      expect(recvsAt(s, k)).toEqual(Array.from({ length: 8 }, (_, i) => [(i + 8 - d) % 8]));
    }
    expect(s.stochastic).toBe('doubly');
    expect(s.period).toBe(3);
    for (const from of [0, 1, 5]) {
      for (const row of productOver(s, from, 3)) for (const w of row) expect(w).toBeCloseTo(1 / 8, 14);
    }
  });

  it('star of 4 (hub 0) by hand: the hub cycles 1, 2, 3 while every leaf sends to the hub; push-sum weights', () => {
    const s = createSchedule('onepeer-cycle', 4, { base: 'star' });
    expect(sendsAt(s, 0)).toEqual([[1], [0], [0], [0]]);
    expect(recvsAt(s, 0)).toEqual([[1, 2, 3], [0], [], []]);
    expect(sendsAt(s, 1)).toEqual([[2], [0], [0], [0]]);
    expect(recvsAt(s, 2)).toEqual([[1, 2, 3], [], [], [0]]);
    expect(s.stochastic).toBe('column');
    expect(s.period).toBe(3);
    for (let k = 0; k < 3; k++) for (const c of columnSums(s.matrix(k))) expect(c).toBeCloseTo(1, 15);
    expect(s.at(0, 0).selfWeight).toBe(0.5);
    expect(s.at(0, 0).recvWeights).toEqual([0.5, 0.5, 0.5]);
  });

  it('a grid base: every send has its receive and the push-sum ratio reaches consensus', () => {
    const s = createSchedule('onepeer-cycle', 12, { base: 'grid', rows: 3 });
    verifySchedule(s, 0, 40);
    const curve = consensusCurve(s, 200);
    expect(curve[199]).toBeLessThan(1e-6);
  });

  it('symmetric exponential base: doubly stochastic, and consensus contracts over each period', () => {
    const s = createSchedule('onepeer-cycle', 16, { base: 'sym-exp' });
    expect(s.stochastic).toBe('doubly');
    const curve = consensusCurve(s, 60);
    expect(curve[59]).toBeLessThan(curve[19]);
    expect(curve[59]).toBeLessThan(1e-3);
  });

  it('refuses a time-varying base and names it', () => {
    expect(codeOf(() => createSchedule('onepeer-cycle', 8, { base: 'onepeer-exp' }))).toBe('E_TOPOLOGY_OPTION');
  });
});
