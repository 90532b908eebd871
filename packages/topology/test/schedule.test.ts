import { describe, expect, it } from 'vitest';
import { TopologyError } from '../src/errors.js';
import { onePeerExponential, staticExponential } from '../src/exponential.js';
import { rngFrom } from '../src/random.js';
import { dynamicSchedule, staticSchedule, stepOf, verifySchedule } from '../src/schedule.js';
import type { Matrix, RankStep, Schedule } from '../src/convention.js';
import { codeOf, ringMatrix as ring } from '../../../test-utils/index.js';

/** Column-stochastic weights of seed 003: column j spreads 1/(1 + outdeg j) over j and its out-neighbours. */
function columnStochastic(n: number, edges: Array<[number, number]>): Matrix {
  const W = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const out = new Array<number>(n).fill(0);
  for (const [from] of edges) out[from]++;
  for (let j = 0; j < n; j++) W[j][j] = 1 / (1 + out[j]);
  for (const [from, to] of edges) W[to][from] = 1 / (1 + out[from]);
  return W;
}

function randomSparse(n: number, seed: number): Matrix {
  const rng = rngFrom(seed);
  return Array.from({ length: n }, () => Array.from({ length: n }, () => (rng.next() < 0.4 ? rng.next() : 0)));
}

describe('stepOf', () => {
  it('rebuilds W exactly from the steps of every rank (rows from receives, columns from sends)', () => {
    for (const seed of [1, 2, 3]) {
      const W = randomSparse(9, seed);
      const fromRecv = W.map(() => new Array<number>(9).fill(0));
      const fromSend = W.map(() => new Array<number>(9).fill(0));
      for (let r = 0; r < 9; r++) {
        const s = stepOf(W, r);
        fromRecv[r][r] = s.selfWeight;
        fromSend[r][r] = s.selfWeight;
        s.recvFrom.forEach((j, t) => (fromRecv[r][j] = s.recvWeights[t]));
        s.sendTo.forEach((j, t) => (fromSend[j][r] = s.sendWeights[t]));
        expect([...s.sendTo]).toEqual([...s.sendTo].sort((a, b) => a - b));
        expect(s.recvFrom.includes(r) || s.sendTo.includes(r)).toBe(false);
      }
      expect(fromRecv).toEqual(W);
      expect(fromSend).toEqual(W);
    }
  });

  it('rejects a rank outside [0, n)', () => {
    expect(codeOf(() => stepOf(ring(4), 4), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => stepOf(ring(4), -1), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});

describe('staticSchedule', () => {
  it('infers directed and stochastic from the matrix', () => {
    const r = staticSchedule('ring', ring(6));
    expect([r.directed, r.stochastic, r.dynamic]).toEqual([false, 'doubly', false]);
    const e = staticSchedule('exp', staticExponential(6));
    expect([e.directed, e.stochastic]).toEqual([true, 'doubly']);
    const c = staticSchedule('directed', columnStochastic(4, [[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]]));
    expect([c.directed, c.stochastic]).toEqual([true, 'column']);
  });

  it('refuses a matrix whose columns do not sum to 1, or that is not square', () => {
    const bad = ring(5);
    bad[0][0] = 0.5;
    expect(codeOf(() => staticSchedule('bad', bad), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    expect(codeOf(() => staticSchedule('bad', [[1, 0]]), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    expect(codeOf(() => staticSchedule('bad', [[Number.NaN]]), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
  });

  it('hands out copies: mutating matrix(k) does not change the schedule', () => {
    const s = staticSchedule('ring', ring(5));
    const W = s.matrix(0);
    W[0][0] = 42;
    expect(s.matrix(3)[0][0]).toBeCloseTo(1 / 3, 15);
  });

  it('validates iterations: non-negative integers only', () => {
    const s = staticSchedule('ring', ring(5));
    for (const k of [-1, 1.5, Number.NaN, Infinity]) {
      expect(codeOf(() => s.at(k, 0), TopologyError)).toBe('E_TOPOLOGY_OPTION');
      expect(codeOf(() => s.matrix(k), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    }
  });
});

describe('dynamicSchedule', () => {
  it('builds W(k) once for all ranks of an iteration, and agrees with the matrix', () => {
    let calls = 0;
    const s = dynamicSchedule('onepeer-exp', 8, (k) => (calls++, onePeerExponential(8, k)), {
      directed: true,
      stochastic: 'doubly',
    });
    for (let k = 0; k < 5; k++) {
      const W = s.matrix(k);
      for (let r = 0; r < 8; r++) expect(s.at(k, r)).toEqual(stepOf(W, r));
    }
    expect(calls).toBe(5);
  });

  it('re-derives an evicted iteration identically', () => {
    const s = dynamicSchedule('onepeer-exp', 16, (k) => onePeerExponential(16, k), { directed: true, stochastic: 'doubly' });
    const first = s.matrix(2);
    for (let k = 3; k < 40; k++) s.at(k, 0);
    expect(s.matrix(2)).toEqual(first);
  });

  it('checks every W(k) against the declared stochasticity and size', () => {
    const col = columnStochastic(3, [[0, 1], [1, 2], [2, 0], [0, 2]]);
    const s = dynamicSchedule('x', 3, () => col, { directed: true, stochastic: 'doubly' });
    expect(codeOf(() => s.matrix(0), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
    const wrongSize = dynamicSchedule('x', 4, () => ring(3), { directed: false, stochastic: 'doubly' });
    expect(codeOf(() => wrongSize.at(0, 0), TopologyError)).toBe('E_TOPOLOGY_MATRIX');
  });
});

/** A schedule whose rank `liar` claims not to receive from `from` at iteration `k`. */
function withDroppedReceive(base: Schedule, k: number, liar: number, from: number): Schedule {
  return {
    ...base,
    matrix: (it) => base.matrix(it),
    at(it, rank): RankStep {
      const s = base.at(it, rank);
      if (it !== k || rank !== liar) return s;
      const keep = s.recvFrom.map((_, t) => t).filter((t) => s.recvFrom[t] !== from);
      return { ...s, recvFrom: keep.map((t) => s.recvFrom[t]), recvWeights: keep.map((t) => s.recvWeights[t]) };
    },
  };
}

describe('verifySchedule', () => {
  it('accepts static, directed and time-varying schedules and counts their messages', () => {
    expect(verifySchedule(staticSchedule('ring', ring(7)), 0, 3)).toEqual({ iterations: 3, messages: 3 * 7 * 2 });
    const dyn = dynamicSchedule('onepeer-exp', 8, (k) => onePeerExponential(8, k), { directed: true, stochastic: 'doubly' });
    expect(verifySchedule(dyn, 10, 6).messages).toBe(6 * 8);
    const edges: Array<[number, number]> = [[0, 1], [1, 2], [2, 0], [0, 2]];
    expect(verifySchedule(staticSchedule('d', columnStochastic(3, edges)), 0, 1).messages).toBe(edges.length);
  });

  it('names the iteration and both ranks when a send has no matching receive', () => {
    const dyn = dynamicSchedule('onepeer-exp', 8, (k) => onePeerExponential(8, k), { directed: true, stochastic: 'doubly' });
    // At k = 1 rank 3 receives from 3 + 2 = 5.
    const broken = withDroppedReceive(dyn, 1, 3, 5);
    expect(codeOf(() => verifySchedule(broken, 0, 1), TopologyError)).toBeUndefined();
    let caught: unknown;
    try {
      verifySchedule(broken, 0, 3);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TopologyError);
    expect((caught as TopologyError).code).toBe('E_TOPOLOGY_SCHEDULE');
    expect((caught as TopologyError).message).toMatch(/iteration 1 .*rank 5 .*rank 3/);
  });

  it('catches disagreeing weights', () => {
    const base = staticSchedule('ring', ring(5));
    const skewed: Schedule = {
      ...base,
      at(it, rank) {
        const s = base.at(it, rank);
        return rank === 2 ? { ...s, sendWeights: s.sendWeights.map((w) => w / 2) } : s;
      },
    };
    expect(codeOf(() => verifySchedule(skewed, 0, 1), TopologyError)).toBe('E_TOPOLOGY_SCHEDULE');
  });

  it('rejects a negative start or count', () => {
    expect(codeOf(() => verifySchedule(staticSchedule('ring', ring(3)), -1, 1), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => verifySchedule(staticSchedule('ring', ring(3)), 0, 0.5), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});
