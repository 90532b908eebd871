/**
 * `validationData`: the loss and compiled metrics of this rank's local model
 * on held-out data at the end of every epoch (`val_loss`, `val_<metric>` in
 * the epoch logs and the History). No communication: each rank measures its
 * own model; the average model's accuracy is the eval record's (`test`).
 */
import * as tf from '@tensorflow/tfjs';
import { TrainError } from '../errors.js';
import { forward } from './evaluate.js';
import type { Logs } from './callbacks.js';
import type { Objective } from './objective.js';
import { describeValue, isBatchDataset, isLabeledData, isTensorData, labeledBatch, type BatchDataset, type TensorData } from './sources.js';
import type { LabeledData } from '../data/dataset.js';

/** Held-out data: like the training data, or tfjs's `[xs, ys]`. */
export type ValidationData = LabeledData | TensorData | readonly [tf.Tensor, tf.Tensor] | BatchDataset;

/** Samples per forward pass. */
const VALIDATION_BATCH = 1000;

type Validator = (model: tf.LayersModel, objective: Objective) => Promise<Logs>;

function isPair(v: unknown): v is readonly [tf.Tensor, tf.Tensor] {
  return Array.isArray(v) && v.length === 2 && v[0] instanceof tf.Tensor && v[1] instanceof tf.Tensor;
}

/** Sums of the loss and metrics over one batch (per-sample means times its size). */
function accumulate(model: tf.LayersModel, objective: Objective, b: TensorData, sums: Logs): number {
  const n = b.xs.shape[0] ?? 0;
  const values = tf.tidy(() => {
    const yPred = forward(model, b.xs, false);
    return [tf.mean(objective.loss(b.ys, yPred)), ...objective.metrics.map((m) => tf.mean(m.fn(b.ys, yPred)))];
  });
  const names = ['val_loss', ...objective.metrics.map((m) => `val_${m.name}`)];
  values.forEach((t, i) => {
    sums[names[i] as string] = (sums[names[i] as string] ?? 0) + (t.dataSync()[0] as number) * n;
    t.dispose();
  });
  return n;
}

function means(sums: Logs, count: number): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(sums)) out[k] = count === 0 ? Number.NaN : v / count;
  return out;
}

/** A function measuring the local model on `data` (checked now, run at each epoch's end). */
export function validator(data: unknown): Validator {
  if (isBatchDataset(data)) {
    return async (model, objective) => {
      const sums: Logs = {};
      let count = 0;
      const it = await data.iterator();
      for (let r = await it.next(); r.done !== true; r = await it.next()) {
        if (!isTensorData(r.value)) {
          tf.dispose(r.value);
          throw new TrainError('E_TRAIN_DATA', `fit: validationData elements must be {xs, ys} batches; got ${describeValue(r.value)}`);
        }
        count += accumulate(model, objective, r.value, sums);
        tf.dispose(r.value);
      }
      return means(sums, count);
    };
  }
  if (isLabeledData(data)) {
    return (model, objective) => {
      const sums: Logs = {};
      for (let start = 0; start < data.n; start += VALIDATION_BATCH) {
        const b = labeledBatch(data, start, Math.min(VALIDATION_BATCH, data.n - start), objective.target);
        try {
          accumulate(model, objective, b, sums);
        } finally {
          tf.dispose([b.xs, b.ys]);
        }
      }
      return Promise.resolve(means(sums, data.n));
    };
  }
  if (isTensorData(data) || isPair(data)) {
    const [xs, ys] = isPair(data) ? data : [data.xs, data.ys];
    return (model, objective) => {
      const sums: Logs = {};
      const n = xs.shape[0] ?? 0;
      for (let start = 0; start < n; start += VALIDATION_BATCH) {
        const m = Math.min(VALIDATION_BATCH, n - start);
        const b = { xs: xs.slice(start, m), ys: ys.slice(start, m) };
        try {
          accumulate(model, objective, b, sums);
        } finally {
          tf.dispose([b.xs, b.ys]);
        }
      }
      return Promise.resolve(means(sums, n));
    };
  }
  throw new TrainError('E_TRAIN_DATA', `fit: validationData must be {xs, ys} tensors, [xs, ys], a tf.data.Dataset of {xs, ys} batches or LabeledData; got ${describeValue(data)}`);
}
