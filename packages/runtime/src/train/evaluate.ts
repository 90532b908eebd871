/**
 * Losses and metrics for classification models: cross-entropy of a softmax
 * (or, with one output unit, sigmoid) model, accuracy on a dataset, and the
 * consensus distance (1/n) sum_i ||x_i - xbar||^2 (seed 001).
 */
import * as tf from '@tensorflow/tfjs';
import { sampleSize, type Dataset } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import type { Communicator } from '../comm/communicator.js';

/** What `Session.evaluate` needs beyond the optimizer. */
export interface EvaluateOptions {
  /** A Layers model to measure accuracy with (its weights are the wrapped ones). */
  model?: tf.LayersModel;
  test?: Dataset;
  /** Evaluate on at most this many test samples. */
  limit?: number;
}

/** Clip probabilities away from 0 and 1 before the log. */
const EPS = 1e-7;
/** Samples per forward pass when evaluating. */
const EVAL_BATCH = 1000;

function forward(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  if (Array.isArray(out) || !(out instanceof tf.Tensor)) {
    throw new TrainError('E_TRAIN_MODEL', 'the model must have one output tensor (class probabilities); got several');
  }
  return out;
}

/** Mean cross-entropy of the model's probabilities against integer labels. */
export function crossEntropy(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const p = forward(model, x, true).clipByValue(EPS, 1 - EPS);
    const classes = p.shape[p.shape.length - 1] as number;
    if (classes === 1) {
      const y = labels.toFloat().reshape(p.shape);
      return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    }
    const onehot = tf.oneHot(labels, classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.log(p)), -1))) as tf.Scalar;
  });
}

/** Fraction of the first `limit` samples of `data` the model classifies correctly. */
export function accuracy(model: tf.LayersModel, data: Dataset, limit = data.n): number {
  const n = Math.min(limit, data.n);
  const size = sampleSize(data);
  let correct = 0;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const m = Math.min(EVAL_BATCH, n - start);
    const pred = tf.tidy(() => {
      const x = tf.tensor(data.x.slice(start * size, (start + m) * size), [m, ...data.sampleShape]);
      const p = forward(model, x, false);
      return p.shape[p.shape.length - 1] === 1 ? tf.greater(p.reshape([m]), 0.5).toInt() : tf.argMax(p, -1);
    });
    const got = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < m; i++) if (got[i] === data.y[start + i]) correct++;
  }
  return n === 0 ? 0 : correct / n;
}

/**
 * The average model xbar (allreduce mean into a fresh vector) and the
 * consensus distance (1/n) sum_i ||x_i - xbar||^2 (allreduce of the local
 * squared distance). Collective: every rank calls it at the same point.
 */
export async function consensus(
  comm: Communicator,
  x: Float32Array,
  iteration: number,
): Promise<{ average: Float32Array; distance: number }> {
  const average = x.slice();
  await comm.allreduce(average, { op: 'mean', iteration });
  let local = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - average[i];
    local += d * d;
  }
  const all = await comm.allgather([local], { iteration });
  const sum = all.reduce((s, v) => s + v[0], 0);
  return { average, distance: sum / comm.size };
}
