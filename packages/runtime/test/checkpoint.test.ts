import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  CheckpointError,
  checkpointDir,
  createMemoryNetwork,
  createSession,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  syntheticLogisticShard,
  syntheticLogisticTest,
  type Checkpoint,
  type CheckpointMeta,
  type SyntheticLogisticOptions,
} from '@dtrain/runtime';
import { closeAll } from './helpers/train-world.js';
import { codeOf, removeTempDirs, tempDir } from '../../../test-utils/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

const meta: CheckpointMeta = { algorithm: 'gradient-tracking', topology: 'ring', nodes: 3, rank: 1, seed: 5, paramCount: 4 };

function sample(step: number): Checkpoint {
  return {
    meta,
    step,
    data: { epoch: 1, offset: step % 7 },
    snapshot: {
      iteration: step,
      params: Float32Array.from([1, -2, 3.5, step]),
      algorithm: { vectors: { yMixed: Float32Array.from([0.25, 0, 0, -1]), gPrev: new Float32Array(4) }, scalars: { started: 1 } },
      optimizer: [{ name: 'iter', shape: [], values: Float32Array.from([step]) }, { name: 'w/momentum', shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) }],
    },
  };
}

describe('checkpoint files', () => {
  it('round-trips every field and keeps only the two newest steps', () => {
    const dir = join(tempDir(), 'rank-1');
    for (const s of [10, 20, 30]) saveCheckpoint(dir, sample(s));
    expect(listCheckpoints(dir)).toEqual([20, 30]);
    const back = loadCheckpoint(dir, 30, meta);
    expect(back).toEqual(sample(30));
  });

  it('refuses a checkpoint of another run, a corrupt file and a missing one, with typed codes', () => {
    const dir = join(tempDir(), 'rank-1');
    saveCheckpoint(dir, sample(5));
    expect(codeOf(() => loadCheckpoint(dir, 5, { ...meta, nodes: 4 }), CheckpointError)).toBe('E_CHECKPOINT_MISMATCH');
    expect(codeOf(() => loadCheckpoint(dir, 6, meta), CheckpointError)).toBe('E_CHECKPOINT_MISSING');
    const file = join(dir, 'step-5.ckpt');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    expect(codeOf(() => loadCheckpoint(dir, 5, meta), CheckpointError)).toBe('E_CHECKPOINT_FORMAT');
    writeFileSync(file, Buffer.from('not a checkpoint at all'));
    expect(codeOf(() => loadCheckpoint(dir, 5, meta), CheckpointError)).toBe('E_CHECKPOINT_FORMAT');
  });
});

const problem: SyntheticLogisticOptions = { seed: 8, dim: 6, samplesPerRank: 96, ranks: 4, heterogeneity: 1, testSamples: 200 };
const test = syntheticLogisticTest(problem);

/** A run of 4 ranks (a ring of 3 would be the complete graph); `stopAfter` aborts every rank after that many steps (a crash). Returns final params. */
async function run(algorithm: string, out: string, stopAfter?: number): Promise<{ params: Float32Array[]; resumedFrom: (number | null)[] }> {
  const ss = createMemoryNetwork(4, { timeoutMs: 10_000 }).map((transport) => createSession({ transport, algorithm, topology: 'ring', seed: 5, out }));
  try {
    const results = await Promise.all(
      ss.map((s, r) =>
        s.fit(buildModel('mlp', [problem.dim], 2, 2, { hidden: [5] }), { train: syntheticLogisticShard(problem, r), test }, {
          shard: 'none',
          // tf.train.momentum: its whole state is in getWeights(). (Adam recomputes beta^t with pow
          // on setWeights, which can differ from the running product in the last bit.)
          optimizer: algorithm === 'gradient-tracking' ? tf.train.sgd(0.2) : tf.train.momentum(0.1, 0.9),
          batchSize: 8,
          steps: 30,
          evalEvery: 0,
          checkpointEvery: 10,
          onStep: (st) => {
            if (stopAfter !== undefined && st.iteration + 1 === stopAfter) throw new Error('simulated crash');
          },
        }),
      ),
    );
    return { params: results.map((res) => res.optimizer.params()), resumedFrom: results.map((res) => res.resumedFrom) };
  } finally {
    await closeAll(ss);
  }
}

describe('kill and resume', () => {
  it.each(['gradient-tracking', 'dsgd'])(
    '%s: a run stopped after step 25 and resumed from the step-20 checkpoint ends with the same models as an uninterrupted run',
    async (algorithm) => {
      const whole = await run(algorithm, tempDir());
      const out = tempDir();
      await expect(run(algorithm, out, 25)).rejects.toThrow('simulated crash');
      expect(listCheckpoints(checkpointDir(out, 2))).toEqual([10, 20]);
      const resumed = await run(algorithm, out);
      expect(resumed.resumedFrom).toEqual([20, 20, 20, 20]);
      for (let r = 0; r < 4; r++) expect(Array.from(resumed.params[r])).toEqual(Array.from(whole.params[r]));
      // The ranks really differ (the comparison is per rank, not of one shared model).
      expect(Array.from(whole.params[0])).not.toEqual(Array.from(whole.params[1]));
    },
  );

  it('resumes from the newest step every rank holds when one rank got further', async () => {
    const out = tempDir();
    await expect(run('dsgd', out, 25)).rejects.toThrow('simulated crash');
    rmSync(join(checkpointDir(out, 1), 'step-20.ckpt'));
    const whole = await run('dsgd', tempDir());
    const resumed = await run('dsgd', out);
    expect(resumed.resumedFrom).toEqual([10, 10, 10, 10]);
    expect(Array.from(resumed.params[1])).toEqual(Array.from(whole.params[1]));
  });
});
