import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSchedule, listTopologies, type Schedule } from '@dtrain/topology';
import {
  ALGORITHM_NAMES,
  ALGORITHMS,
  AlgorithmError,
  createMemoryNetwork,
  createSession,
  validateAlgorithm,
  type AlgorithmOptions,
} from '@dtrain/runtime';
import { closeAll, distance, leastSquares, lsLoss, maxAbsDiff, sessions, type LeastSquares } from './helpers/train-world.js';
import { codeOf } from '../../../test-utils/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What the seeds require of W for each algorithm, stated independently of the registry. */
function shouldAccept(alg: string, s: Schedule): boolean {
  if (alg === 'psgd' || alg === 'local-sgd') return true;
  if (alg === 'push-sum') return s.hierarchy === undefined; // no push-sum weight through a host average
  if (alg === 'exact-diffusion') return s.stochastic === 'doubly' && !s.directed && !s.dynamic;
  return s.stochastic === 'doubly';
}

describe('validateAlgorithm', () => {
  const n = 4;
  const topologies = listTopologies()
    .map((t) => t.name)
    .filter((name) => name !== 'directed');
  // Hosts for the schedules that group ranks by host (ignored by the others); inner-outer-* need 3 ranks per host.
  const schedules = topologies.map((name) =>
    name.startsWith('inner-outer') ? createSchedule(name, 6, { seed: 1, localSize: 3 }) : createSchedule(name, n, { seed: 1, localSize: 2 }),
  );
  schedules.push(createSchedule('directed', n, { edges: [[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]] }));

  it('accepts exactly the valid (algorithm, topology) pairs and refuses the rest with E_ALGORITHM_TOPOLOGY', () => {
    let refused = 0;
    for (const alg of ALGORITHM_NAMES) {
      for (const s of schedules) {
        const code = codeOf(() => validateAlgorithm(alg, s), AlgorithmError);
        expect({ alg, topology: s.name, code }).toEqual({ alg, topology: s.name, code: shouldAccept(alg, s) ? undefined : 'E_ALGORITHM_TOPOLOGY' });
        if (code !== undefined) refused++;
      }
    }
    expect(refused).toBeGreaterThan(5);
  });

  it('names the reason: dsgd on a column-stochastic digraph, exact-diffusion on a time-varying W', () => {
    expect(() => validateAlgorithm('dsgd', createSchedule('digraph-skewed', 4))).toThrow(/column stochastic/);
    expect(() => validateAlgorithm('exact-diffusion', createSchedule('ou-equidyn', 4, { seed: 2 }))).toThrow(/changes every iteration/);
    expect(() => validateAlgorithm('exact-diffusion', createSchedule('exp', 5))).toThrow(/not symmetric/);
  });

  it('refuses unknown names and options an algorithm does not read, with typed codes', () => {
    const ring = createSchedule('ring', 4);
    expect(codeOf(() => validateAlgorithm('dsdg', ring), AlgorithmError)).toBe('E_ALGORITHM_UNKNOWN');
    expect(codeOf(() => validateAlgorithm('psgd', ring, { rounds: 2 }), AlgorithmError)).toBe('E_ALGORITHM_OPTION');
    expect(codeOf(() => validateAlgorithm('dsgd', ring, { globalAvgPeriod: 4 }), AlgorithmError)).toBe('E_ALGORITHM_OPTION');
    expect(codeOf(() => validateAlgorithm('dsgd', ring, { momentum: 1 }), AlgorithmError)).toBe('E_ALGORITHM_OPTION');
    expect(codeOf(() => validateAlgorithm('pga', ring, { globalAvgPeriod: 0 }), AlgorithmError)).toBe('E_ALGORITHM_OPTION');
    expect(validateAlgorithm('pga', ring, { globalAvgPeriod: 3, rounds: 2 }).options).toEqual({ globalAvgPeriod: 3, rounds: 2, momentum: 0 });
  });

  it('createSession refuses an invalid pair before any training', () => {
    const ts = createMemoryNetwork(3);
    expect(codeOf(() => createSession({ transport: ts[0], algorithm: 'gradient-tracking', topology: 'digraph-skewed' }), AlgorithmError)).toBe('E_ALGORITHM_TOPOLOGY');
    expect(codeOf(() => createSession({ transport: ts[0], algorithm: 'exact-diffusion', topology: 'onepeer-exp' }), AlgorithmError)).toBe('E_ALGORITHM_TOPOLOGY');
    expect(Object.keys(ALGORITHMS).sort()).toEqual([...ALGORITHM_NAMES].sort());
  });
});

/** Run `steps` iterations of `algorithm` on the least-squares problem; returns each rank's final x. */
async function solve(
  p: LeastSquares,
  n: number,
  algorithm: string,
  topology: string,
  lr: number,
  steps: number,
  algorithmOptions?: AlgorithmOptions,
): Promise<Float32Array[]> {
  const ss = sessions(n, { algorithm, topology, algorithmOptions });
  try {
    return await Promise.all(
      ss.map(async (s, r) => {
        const x = tf.variable(tf.zeros([p.dim, 1]));
        const opt = s.wrap([x], tf.train.sgd(lr));
        const loss = lsLoss(p, r, x);
        for (let k = 0; k < steps; k++) await opt.step(loss);
        return opt.params();
      }),
    );
  } finally {
    await closeAll(ss);
  }
}

const worst = (xs: Float32Array[], opt: Float64Array): number => Math.max(...xs.map((x) => distance(x, opt)));

describe('exactness under heterogeneous data (seed 001 dynamic average consensus; seed 003 ED/D2)', () => {
  const n = 5;
  const p = leastSquares(n, 4, 12, 7, 1.5);
  const lr = 0.15;
  const steps = 400;

  it('gradient tracking and exact-diffusion reach the exact optimum with a constant step; DSGD keeps a bias', async () => {
    const [gt, ed, dsgd] = [
      await solve(p, n, 'gradient-tracking', 'ring', lr, steps),
      await solve(p, n, 'exact-diffusion', 'ring', lr, steps),
      await solve(p, n, 'dsgd', 'ring', lr, steps),
    ];
    const scale = Math.sqrt(p.optimum.reduce((s, v) => s + v * v, 0));
    expect(worst(gt, p.optimum) / scale).toBeLessThan(1e-4);
    expect(worst(ed, p.optimum) / scale).toBeLessThan(1e-4);
    expect(worst(dsgd, p.optimum) / scale).toBeGreaterThan(1e-2);
  });

  it('gradient tracking stays exact on a time-varying schedule (one-peer exponential)', async () => {
    const p4 = leastSquares(4, 4, 12, 7, 1.5);
    const gt4 = await solve(p4, 4, 'gradient-tracking', 'onepeer-exp', lr, steps);
    expect(worst(gt4, p4.optimum) / Math.sqrt(p4.optimum.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-4);
  });
});

describe('push-sum on directed graphs (seed 003)', () => {
  it('converges on the skewed digraph (kappa_pi = 2^(n-1)) to the optimum of the average loss', async () => {
    const n = 4;
    const homogeneous = leastSquares(n, 3, 10, 3, 0);
    const xs = await solve(homogeneous, n, 'push-sum', 'digraph-skewed', 0.1, 300);
    expect(worst(xs, homogeneous.optimum)).toBeLessThan(1e-4);
    const hetero = leastSquares(n, 3, 10, 3, 1);
    const start = distance(new Float64Array(3), hetero.optimum);
    const ys = await solve(hetero, n, 'push-sum', 'digraph-skewed', 0.02, 800);
    expect(worst(ys, hetero.optimum)).toBeLessThan(0.05 * start);
  });
});

describe('equivalences', () => {
  const n = 4;
  const p = leastSquares(n, 4, 8, 11, 1);

  it('PGA with H = 1 and local SGD with H = 1 give the same models as PSGD (plain SGD)', async () => {
    const ref = await solve(p, n, 'psgd', 'ring', 0.1, 30);
    const pga = await solve(p, n, 'pga', 'ring', 0.1, 30, { globalAvgPeriod: 1 });
    const local = await solve(p, n, 'local-sgd', 'ring', 0.1, 30, { globalAvgPeriod: 1 });
    for (let r = 0; r < n; r++) {
      expect(maxAbsDiff(pga[r], ref[r])).toBeLessThan(1e-5);
      expect(maxAbsDiff(local[r], ref[r])).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(ref[0], ref[3])).toBe(0);
  });

  it('multi-gossip with R = log2 n rounds of one-peer exponential is an exact average: DSGD equals PSGD (seed 000)', async () => {
    const ref = await solve(p, n, 'psgd', 'ring', 0.1, 20);
    const mg = await solve(p, n, 'dsgd', 'onepeer-exp', 0.1, 20, { rounds: 2 });
    const single = await solve(p, n, 'dsgd', 'onepeer-exp', 0.1, 20);
    for (let r = 0; r < n; r++) expect(maxAbsDiff(mg[r], ref[r])).toBeLessThan(1e-5);
    expect(Math.max(...single.map((x, r) => maxAbsDiff(x, ref[r])))).toBeGreaterThan(1e-4);
  });

  it('local heavy-ball momentum in DSGD equals tf.train.momentum on one rank', async () => {
    const one = leastSquares(1, 3, 6, 5, 0);
    const [a] = await solve(one, 1, 'dsgd', 'ring', 0.05, 25, { momentum: 0.9 });
    const ss = sessions(1, { algorithm: 'psgd', topology: 'ring' });
    const x = tf.variable(tf.zeros([3, 1]));
    const opt = ss[0].wrap([x], tf.train.momentum(0.05, 0.9));
    const loss = lsLoss(one, 0, x);
    for (let k = 0; k < 25; k++) await opt.step(loss);
    await closeAll(ss);
    expect(maxAbsDiff(a, opt.params())).toBeLessThan(1e-5);
  });
});
