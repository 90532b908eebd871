/**
 * fit trains what model.compile says (optimizer, loss by name or function,
 * metrics), logs the default of an uncompiled model, and takes {xs, ys}
 * tensors as well as dtrain's LabeledData; wrong data is named. Ranks run
 * in one process over the in-memory network.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, TrainError, type BackendChoice, type TrainData } from '@dtrain/runtime';
import { blobs, dense, DIM, run } from './helpers/fit-world.js';
import { backendsUnderTest, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('fit-compile.test.ts');

const train = blobs(1200, 1);
const test = blobs(600, 2);

describe.each(backendsUnderTest(['cpu']))('fit trains what model.compile says, on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend as BackendChoice);
  });

  it('the compiled optimizer, loss name and metrics: Adam, categoricalCrossentropy, accuracy in the History', async () => {
    const models = [0, 1].map(() => dense('softmax'));
    for (const m of models) m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const { results, lines } = await run(2, (r) => ({ model: models[r], data: train, test }), { batchSize: 20, epochs: 3 });
    const fit = lines[0].find((l) => l.kind === 'fit');
    expect(fit).toMatchObject({ optimizer: 'Adam (compile)', loss: 'categoricalCrossentropy (compile)' });
    expect(results[0].optimizer.optimizer).toBe(models[0].optimizer);
    expect(lines[0].some((l) => l.kind === 'objective')).toBe(false);
    const h = results[0].history;
    expect(results[0].epoch).toEqual([0, 1, 2]);
    expect(h.loss).toHaveLength(3);
    expect(h.acc).toHaveLength(3);
    expect((h.loss as number[])[2]).toBeLessThan((h.loss as number[])[0]);
    expect((h.acc as number[])[2]).toBeGreaterThan(0.9);
    expect(results[0].summary.finalAccuracy as number).toBeGreaterThan(0.9);
  });

  it('a logits model trains correctly with a logits loss function, and uncompiled with the logged default', async () => {
    const logitsLoss = (yt: tf.Tensor, yp: tf.Tensor): tf.Tensor => tf.losses.softmaxCrossEntropy(yt, yp);
    const compiled = await run(2, () => {
      const m = dense('linear');
      m.compile({ optimizer: tf.train.sgd(0.2), loss: logitsLoss });
      return { model: m, data: train, test };
    }, { batchSize: 20, epochs: 2 });
    expect(compiled.results[0].summary.finalAccuracy as number).toBeGreaterThan(0.9);
    const plain = await run(2, () => ({ model: dense('linear'), data: train, test }), { batchSize: 20, epochs: 2, lr: 0.2 });
    expect(plain.results[0].summary.finalAccuracy as number).toBeGreaterThan(0.9);
    const objective = plain.lines[0].find((l) => l.kind === 'objective');
    expect(objective).toMatchObject({ optimizer: 'SGD (default)', loss: 'cross-entropy of logits (default)' });
    expect(String(objective?.msg)).toContain('not compiled');
    // fit's metrics option on the uncompiled model: accuracy of the logits against integer labels.
    const measured = await run(1, () => ({ model: dense('linear'), data: train }), { batchSize: 20, epochs: 2, lr: 0.2, metrics: ['accuracy'] });
    expect((measured.results[0].history.acc as number[])[1]).toBeGreaterThan(0.9);
  });

  it('sparseCategoricalCrossentropy on {xs, ys} tensors of integer labels, sharded iid per rank', async () => {
    const xs = tf.tensor2d(train.x, [train.n, DIM]);
    const ys = tf.tensor2d(Float32Array.from(train.y), [train.n, 1]);
    const { results, lines } = await run(2, () => {
      const m = dense('softmax');
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return { model: m, data: { xs, ys }, test };
    }, { batchSize: 20, epochs: 3 });
    expect(lines[0].find((l) => l.kind === 'fit')).toMatchObject({ shard: train.n / 2, stepsPerEpoch: train.n / 2 / 20 });
    // History holds each epoch's mean over its batches (onEpochBegin runs once an epoch), as tfjs's does.
    const acc = results[0].history.acc as number[];
    expect(acc[2]).toBeGreaterThan(0.85);
    expect(acc[2]).toBeGreaterThan(acc[0]!);
    expect(results[1].summary.finalAccuracy as number).toBeGreaterThan(0.9);
    tf.dispose([xs, ys]);
  });

  it("fit's own optimizer wins over the compiled one; lr with a compiled optimizer is refused, naming both", async () => {
    const own = tf.train.sgd(0.1);
    const { results, lines } = await run(1, () => {
      const m = dense('softmax');
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return { model: m, data: train };
    }, { steps: 5, optimizer: own });
    expect(results[0].optimizer.optimizer).toBe(own);
    expect(lines[0].find((l) => l.kind === 'fit')).toMatchObject({ optimizer: 'SGD (fit)' });
    const m = dense('softmax');
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const err = await run(1, () => ({ model: m, data: train }), { steps: 5, lr: 0.3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe('E_TRAIN_OPTION');
    expect((err as TrainError).message).toContain('Adam');
  });

  it('training data of another kind is a type error naming what was given, not "0 samples"', async () => {
    for (const [given, named] of [
      [[1, 2, 3], 'an array of length 3'],
      [{ x: [1], y: [0] }, 'an object with keys [x, y]'],
      [tf.zeros([4, DIM]), 'a float32 tensor of shape [4, 4]'],
    ] as const) {
      const err = await run(1, () => ({ model: dense('softmax'), data: given as unknown as TrainData }), { steps: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrainError);
      expect((err as TrainError).code).toBe('E_TRAIN_DATA');
      expect((err as TrainError).message).toContain(named);
    }
  });
});
