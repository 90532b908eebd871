import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRunSummary, DROP_REASONS, gatherSummary, type AlgorithmOptions } from '@dtrain/runtime';
import { closeAll, sessions } from './helpers/train-world.js';

const dirs: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Four ranks take `steps` steps on a small least-squares model; returns rank 0's summary.json. */
async function run(algorithm: string, topology: string, algorithmOptions: AlgorithmOptions, steps: number): Promise<Record<string, unknown>> {
  const out = mkdtempSync(join(tmpdir(), 'dtrain-summary-'));
  dirs.push(out);
  const ss = sessions(4, { algorithm, topology, algorithmOptions, out });
  try {
    await Promise.all(
      ss.map(async (s) => {
        const w = tf.variable(tf.fill([3, 1], s.rank + 1));
        const X = tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [4, 3]);
        const y = tf.tensor2d([s.rank, 1, 2, 3], [4, 1]);
        const opt = s.wrap([w], tf.train.sgd(0.1), { syncInitial: false });
        for (let k = 0; k < steps; k++) await opt.step(() => tf.losses.meanSquaredError(y, tf.matMul(X, w)));
        await s.summarize(opt);
      }),
    );
  } finally {
    await closeAll(ss);
  }
  const written: unknown = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  // What a reader gets back through the contract is exactly what the run wrote.
  expect(decodeRunSummary(written, 'summary.json')).toEqual(written);
  return written as Record<string, unknown>;
}

describe('summary.json records the schedule, rounds and the global-average period', () => {
  it('pga: H, rounds and the time-varying schedule', async () => {
    const s = await run('pga', 'onepeer-exp', { globalAvgPeriod: 3, rounds: 2 }, 6);
    expect(s).toMatchObject({ algorithm: 'pga', schedule: 'onepeer-exp', dynamic: true, rounds: 2, globalAvgPeriod: 3, steps: 6, nodes: 4 });
    // H = 3 divides 6: the last step was an exact average, so the ranks agree.
    expect(s.consensusDistance as number).toBeLessThan(1e-10);
    expect(s.meanCommSeconds as number).toBeGreaterThan(0);
    expect(s.meanStepSeconds as number).toBeGreaterThanOrEqual(s.meanCommSeconds as number);
  });

  it('dsgd: no period, static ring, and the ranks still disagree', async () => {
    const s = await run('dsgd', 'ring', {}, 4);
    expect(s).toMatchObject({ algorithm: 'dsgd', schedule: 'ring', dynamic: false, rounds: 1 });
    expect('globalAvgPeriod' in s).toBe(false);
    expect(s.consensusDistance as number).toBeGreaterThan(1e-6);
  });

  it('psgd: rounds 1 (it does not gossip) and no period', async () => {
    const s = await run('psgd', 'ring', {}, 2);
    expect(s).toMatchObject({ algorithm: 'psgd', rounds: 1 });
    expect('globalAvgPeriod' in s).toBe(false);
  });
});

describe('summary.json counts every rank\'s dropped frames by reason', () => {
  it('per rank and summed over ranks', async () => {
    const ss = sessions(3, { algorithm: 'dsgd', topology: 'ring' });
    try {
      const summaries = await Promise.all(
        ss.map(async (s) => {
          const w = tf.variable(tf.fill([2, 1], 1));
          const opt = s.wrap([w], tf.train.sgd(0.1), { syncInitial: false });
          await opt.step(() => tf.sum(tf.square(w)));
          const dropped = { ...s.transport.stats().dropped, 'bad-mac': s.rank, replay: 10 * s.rank, refused: 1 };
          return gatherSummary(s.comm, opt, { algorithm: 'dsgd', topology: 'ring', schedule: 'ring', dynamic: false, rounds: 1, overlap: false, backend: 'cpu', seed: 0 },
            { localAccuracy: null, averageAccuracy: null, consensusDistance: 0 }, { dropped, framesResent: 2 * s.rank });
        }),
      );
      for (const summary of summaries) {
        expect(summary.dropped).toMatchObject({ 'bad-mac': 3, replay: 30, refused: 3, malformed: 0, oversized: 0 });
        expect(Object.keys(summary.dropped)).toEqual([...DROP_REASONS]);
        expect(summary.ranks.map((r) => [r.dropped['bad-mac'], r.dropped.replay, r.framesResent])).toEqual([[0, 0, 0], [1, 10, 2], [2, 20, 4]]);
      }
    } finally {
      await closeAll(ss);
    }
  });
});
