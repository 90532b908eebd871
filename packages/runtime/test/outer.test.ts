/**
 * The outer optimizer of local-sgd / pga (DiLoCo, algorithms/outer.ts) and
 * its gossip form, diloco-gossip, on real TensorFlow.js over the in-memory
 * transport (over real processes: compress-process.test.ts):
 * - outer Nesterov with H = 1, lr 1, momentum 0 is bit for bit local SGD
 *   with a global average every step;
 * - with an outer lr != 1 it is not (the test can fail), and H = 1 plain
 *   SGD outer steps equal x0 - lr (x0 - avg) on one step worked by hand;
 * - bad values are refused with E_ALGORITHM_OPTION before training.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSchedule } from '@dtrain/topology';
import { AlgorithmError, validateAlgorithm, type AlgorithmOptions } from '@dtrain/runtime';
import { createOuterStep } from '../src/algorithms/outer.js';
import { closeAll, leastSquares, lsLoss, maxAbsDiff, sessions, type LeastSquares } from './helpers/train-world.js';
import { codeOf } from '../../../test-utils/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function solve(p: LeastSquares, n: number, algorithm: string, steps: number, options: AlgorithmOptions, topology = 'ring'): Promise<Float32Array[]> {
  const ss = sessions(n, { algorithm, topology, algorithmOptions: options });
  try {
    return await Promise.all(
      ss.map(async (s, r) => {
        const x = tf.variable(tf.zeros([p.dim, 1]));
        const opt = s.wrap([x], tf.train.sgd(0.1));
        const loss = lsLoss(p, r, x);
        for (let k = 0; k < steps; k++) await opt.step(loss);
        return opt.params();
      }),
    );
  } finally {
    await closeAll(ss);
  }
}

describe('DiLoCo outer optimizer', () => {
  const n = 4;
  const p = leastSquares(n, 5, 10, 13, 1);

  it('outer Nesterov with H = 1, lr 1, momentum 0 is exactly local SGD with a global average every step', async () => {
    const plain = await solve(p, n, 'local-sgd', 25, { globalAvgPeriod: 1 });
    const outer = await solve(p, n, 'local-sgd', 25, { globalAvgPeriod: 1, outerOptimizer: 'nesterov', outerLr: 1, outerMomentum: 0 });
    const pga = await solve(p, n, 'pga', 25, { globalAvgPeriod: 1, outerOptimizer: 'nesterov', outerLr: 1, outerMomentum: 0 });
    const overlapped = await solve(p, n, 'pga', 25, { globalAvgPeriod: 1, overlap: true, outerOptimizer: 'nesterov', outerLr: 1, outerMomentum: 0 });
    for (let r = 0; r < n; r++) {
      expect(Array.from(outer[r])).toEqual(Array.from(plain[r]));
      expect(Array.from(pga[r])).toEqual(Array.from(plain[r]));
      expect(Array.from(overlapped[r])).toEqual(Array.from(plain[r]));
    }
    const moved = await solve(p, n, 'local-sgd', 25, { globalAvgPeriod: 1, outerOptimizer: 'nesterov', outerLr: 0.7, outerMomentum: 0 });
    expect(maxAbsDiff(moved[0], plain[0])).toBeGreaterThan(1e-4);
  });

  it('the anchor and the outer momentum survive a checkpoint: a restored step continues exactly', () => {
    const model = { size: 3, read: (out: Float32Array) => out.set([1, 2, 3]), write: () => undefined, apply: () => undefined };
    const a = createOuterStep(3, { optimizer: 'nesterov', lr: 0.7, momentum: 0.9 }, 'local-sgd');
    a.begin(model);
    a.finish(Float32Array.from([0.5, 1, 1.5]));
    const b = createOuterStep(3, { optimizer: 'nesterov', lr: 0.7, momentum: 0.9 }, 'local-sgd');
    b.restore(a.state());
    b.begin(model); // holds the restored anchor: does not read the model again
    const [x, y] = [Float32Array.from([0.2, 0.4, 0.6]), Float32Array.from([0.2, 0.4, 0.6])];
    a.finish(x);
    b.finish(y);
    expect(Array.from(y)).toEqual(Array.from(x));
    // By hand, element 0: d1 = 0.5, m1 = 0.5, x1 = 1 - 0.7 (0.5 + 0.45) = 0.335; d2 = 0.135, m2 = 0.585, x2 = 0.335 - 0.7 (0.135 + 0.5265).
    expect(x[0]).toBeCloseTo(0.335 - 0.7 * (0.135 + 0.5265), 5);
  });

  it('pga with an outer step: a round of gossip then the global average, every rank the same model after it', async () => {
    const a = await solve(p, n, 'pga', 24, { globalAvgPeriod: 4, outerOptimizer: 'nesterov' }, 'onepeer-exp');
    const b = await solve(p, n, 'pga', 24, { globalAvgPeriod: 4, overlap: true, outerOptimizer: 'nesterov' }, 'onepeer-exp');
    const plain = await solve(p, n, 'pga', 24, { globalAvgPeriod: 4 }, 'onepeer-exp');
    // After a global average every rank holds the same model, with or without the outer step.
    for (const xs of [a, b, plain]) for (let r = 1; r < n; r++) expect(Array.from(xs[r])).toEqual(Array.from(xs[0]));
    expect(maxAbsDiff(a[0], plain[0])).toBeGreaterThan(1e-3);
  });

  it('one round of outer SGD (no momentum) lands at x0 - lr (x0 - avg), x0 = 0 here', async () => {
    const H = 3;
    const plain = await solve(p, n, 'local-sgd', H, { globalAvgPeriod: H });
    const outer = await solve(p, n, 'local-sgd', H, { globalAvgPeriod: H, outerOptimizer: 'sgd', outerLr: 0.5 });
    for (let r = 0; r < n; r++) for (let i = 0; i < p.dim; i++) expect(outer[r][i]).toBeCloseTo(0.5 * plain[r][i], 6);
  });

  it('diloco-gossip reaches the least-squares optimum neighbourhood on a ring and keeps the ranks close', async () => {
    const xs = await solve(p, n, 'diloco-gossip', 240, { globalAvgPeriod: 4, outerOptimizer: 'nesterov' });
    const scale = Math.sqrt(p.optimum.reduce((s, v) => s + v * v, 0));
    const far = Math.max(...xs.map((x) => Math.sqrt(Array.from(x).reduce((s, v, i) => s + (v - p.optimum[i]) ** 2, 0))));
    expect(far / scale).toBeLessThan(0.2);
  });

  it('refuses bad values and options without their companion', () => {
    const ring = createSchedule('ring', 4);
    const code = (alg: string, o: AlgorithmOptions): string | undefined => codeOf(() => validateAlgorithm(alg, ring, o), AlgorithmError);
    expect(code('local-sgd', { outerOptimizer: 'adam' })).toBe('E_ALGORITHM_OPTION');
    expect(code('local-sgd', { outerLr: 0.7 })).toBe('E_ALGORITHM_OPTION');
    expect(code('local-sgd', { outerOptimizer: 'nesterov', outerMomentum: 1 })).toBe('E_ALGORITHM_OPTION');
    expect(code('dsgd', { outerOptimizer: 'sgd' })).toBe('E_ALGORITHM_OPTION');
    expect(code('dsgd', { compress: 'int4' })).toBe('E_ALGORITHM_OPTION');
    expect(code('dsgd', { compress: 'topk:0.9' })).toBe('E_ALGORITHM_OPTION');
    expect(code('dsgd', { consensusStep: 0.5 })).toBe('E_ALGORITHM_OPTION');
    expect(code('psgd', { compress: 'int8', consensusStep: 0.5 })).toBe('E_ALGORITHM_OPTION');
    expect(code('gradient-tracking', { compress: 'int8' })).toBe('E_ALGORITHM_OPTION');
    expect(code('diloco-gossip', { overlap: true })).toBe('E_ALGORITHM_OPTION');
    const resolved = validateAlgorithm('pga', ring, { outerOptimizer: 'nesterov', compress: 'topk:0.05' }).options;
    expect(resolved.outer).toEqual({ optimizer: 'nesterov', lr: 0.7, momentum: 0.9 });
    expect(resolved.compress).toEqual({ codec: { dtype: 'topk', fraction: 0.05 }, name: 'topk:0.05', gamma: 0.2 });
  });
});
