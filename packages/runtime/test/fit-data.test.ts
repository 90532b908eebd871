/**
 * fit on a tf.data.Dataset (every rank takes every n-th batch), tfjs-style
 * callbacks, validationData and the History, and the average model saved
 * through file:// and loaded back. Ranks run in one process over the
 * in-memory network.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHandler, registerFileRouter, selectBackend, TrainError, type BackendChoice, type Logs } from '@dtrain/runtime';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';
import { blobs, dense, DIM, run } from './helpers/fit-world.js';
import { backendsUnderTest, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('fit-data.test.ts');

afterAll(() => removeTempDirs());

const train = blobs(1200, 1);
const test = blobs(600, 2);

/** A model whose loss records the batch ids it is given (ys holds the batch's id). */
function recorder(seen: number[]): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [1], units: 1 }));
  m.compile({
    optimizer: tf.train.sgd(0.001),
    loss: (yt: tf.Tensor, yp: tf.Tensor) => {
      seen.push(yt.dataSync()[0] as number);
      return tf.losses.meanSquaredError(yt, yp);
    },
  });
  return m;
}

/** 10 batches of 2 samples; batch b has ys = b. */
const idBatches = (): tf.data.Dataset<tf.TensorContainer> =>
  tf.data.array(Array.from({ length: 10 }, (_, b) => ({ xs: tf.ones([2, 1]), ys: tf.fill([2, 1], b) })));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fit on a tf.data.Dataset of {xs, ys} batches', () => {
  it('rank r of n takes batches r, r + n, ... of every pass', async () => {
    const seen: number[][] = [[], [], []];
    const { lines } = await run(3, (r) => ({ model: recorder(seen[r]), data: idBatches() }), { epochs: 2 });
    expect(seen).toEqual([
      [0, 3, 6, 0, 3, 6],
      [1, 4, 7, 1, 4, 7],
      [2, 5, 8, 2, 5, 8],
    ]);
    expect(lines[0].find((l) => l.kind === 'fit')).toMatchObject({ stepsPerEpoch: 3, steps: 6 });
  });

  it("shard: 'none' takes every batch; a dataset of unknown size needs batchesPerEpoch or steps", async () => {
    const seen: number[] = [];
    await run(1, () => ({ model: recorder(seen), data: idBatches() }), { epochs: 1, shard: 'none' });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const unknown = (): tf.data.Dataset<tf.TensorContainer> => idBatches().filter(() => true);
    const err = await run(1, () => ({ model: recorder([]), data: unknown() }), { epochs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe('E_TRAIN_OPTION');
    const counted: number[] = [];
    await run(2, (r) => ({ model: recorder(r === 0 ? counted : []), data: unknown() }), { batchesPerEpoch: 10, epochs: 1 });
    expect(counted).toEqual([0, 2, 4, 6, 8]);
  });

  it('elements that are not {xs, ys} are named', async () => {
    const bad = tf.data.array([{ a: tf.ones([2, 1]) }, { a: tf.ones([2, 1]) }]);
    const err = await run(1, () => ({ model: recorder([]), data: bad }), { epochs: 1 }).catch((e: unknown) => e);
    expect((err as TrainError).code).toBe('E_TRAIN_DATA');
    expect((err as TrainError).message).toContain('keys [a]');
  });
});

describe('callbacks, validationData and the History', () => {
  it('onBatchEnd per step, onEpochEnd per epoch with val_* of the validation data, onTrainEnd once', async () => {
    const calls: string[] = [];
    const epochs: Logs[] = [];
    const trainEnd: Logs[] = [];
    const xs = tf.tensor2d(test.x, [test.n, DIM]);
    const ys = tf.oneHot(tf.tensor1d(test.y, 'int32'), 3);
    const { results } = await run(2, () => {
      const m = dense('softmax');
      m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return { model: m, data: train };
    }, {
      batchSize: 50,
      epochs: 3,
      validationData: [xs, ys],
      callbacks: [{
        onBatchEnd: (batch, logs) => { calls.push(`b${batch}:${typeof logs?.loss}:${typeof logs?.acc}`); },
        onEpochEnd: (epoch, logs) => { calls.push(`e${epoch}`); epochs.push(logs ?? {}); },
        onTrainEnd: (logs) => { trainEnd.push(logs ?? {}); },
      }],
    });
    // 2 ranks share 1200 samples: 600 each, 12 batches of 50 per epoch; rank 1's callbacks land in the same list.
    expect(calls.filter((c) => c.startsWith('b')).length).toBe(2 * 3 * 12);
    expect(calls.filter((c) => c.startsWith('b')).every((c) => c.endsWith(':number:number'))).toBe(true);
    expect(calls.filter((c) => c.startsWith('e')).length).toBe(2 * 3);
    expect(trainEnd).toHaveLength(2);
    const h = results[0].history;
    expect(Object.keys(h).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(h.val_loss).toHaveLength(3);
    expect((h.val_acc as number[])[2]).toBeGreaterThan(0.9);
    expect((h.val_loss as number[])[2]).toBeLessThan((h.val_loss as number[])[0]);
    expect(epochs[epochs.length - 1]).toHaveProperty('val_acc');
    tf.dispose([xs, ys]);
  });
});

describe.each(backendsUnderTest(['cpu']))('averageModel and saving on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend as BackendChoice);
  });

  it("sets every rank's weights to the mean over ranks; model.save('file://...') and loading back give the same model", async () => {
    const dir = join(tempDir('dtrain-model-'), 'model');
    // On cpu dtrain's handler takes file:// (registered here, as init() does); tfjs-node's wins once loaded.
    registerFileRouter();
    expect(tf.io.getSaveHandlers(`file://${dir}`)).toHaveLength(1);
    const averaged: Float32Array[][] = [];
    const before: Float32Array[][] = [];
    // Different weights per rank (no broadcast, no step): the mean is not any rank's model.
    const make = (r: number): tf.LayersModel => {
      const m = dense('softmax');
      m.setWeights(m.getWeights().map((w) => tf.randomNormal(w.shape, 0, 1, 'float32', r + 1)));
      return m;
    };
    await run(2, (r) => ({ model: make(r), data: blobs(200, 10 + r) }), { batchSize: 10, steps: 0, syncInitial: false }, async (s, model) => {
      before[s.rank] = model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => a.slice());
      await s.averageModel(model);
      averaged[s.rank] = model.getWeights().map((w) => (w.dataSync() as Float32Array).slice());
      if (s.rank === 0) await model.save(`file://${dir}`);
    });
    for (let k = 0; k < before[0].length; k++) {
      const mean = before[0][k].map((v, i) => (v + before[1][k][i]) / 2);
      for (let i = 0; i < mean.length; i++) expect(averaged[0][k][i]).toBeCloseTo(mean[i], 6);
      expect(averaged[1][k]).toEqual(averaged[0][k]);
    }
    expect(before[0][0]).not.toEqual(before[1][0]);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
    const loaded = await tf.loadLayersModel(fileHandler(dir));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(averaged[0].map((a) => Array.from(a)));
    const viaUrl = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
    expect(viaUrl.getWeights().length).toBe(averaged[0].length);
  });
});
