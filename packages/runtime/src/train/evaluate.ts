/**
 * Losses and metrics for classification models: cross-entropy of a softmax
 * or sigmoid model (or of logits), accuracy on a dataset, and the
 * consensus distance (1/n) sum_i ||x_i - xbar||^2 (seed 001).
 */
import * as tf from '@tensorflow/tfjs';
import { sampleSize, type LabeledData } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import type { Communicator } from '../comm/communicator.js';
import { defaultLoss, outputKind, type OutputKind } from './objective.js';

/** What `Session.evaluate` needs beyond the optimizer. */
export interface EvaluateOptions {
  /** A Layers model to measure accuracy with (its weights are the wrapped ones). */
  model?: tf.LayersModel;
  test?: LabeledData;
  /** Evaluate on at most this many test samples. */
  limit?: number;
}

/** Samples per forward pass when evaluating. */
const EVAL_BATCH = 1000;

/** The model's one output tensor for `x`. */
export function forward(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  if (Array.isArray(out) || !(out instanceof tf.Tensor)) {
    throw new TrainError('E_TRAIN_MODEL', 'the model must have one output tensor (class probabilities or logits); got several');
  }
  return out;
}

/** Mean cross-entropy of the model's output (probabilities, or logits) against integer labels. */
export function crossEntropy(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor1D, output: OutputKind = outputKind(model)): tf.Scalar {
  return tf.tidy(() => tf.mean(defaultLoss(output)(labels, forward(model, x, true))) as tf.Scalar);
}

/** Fraction of the first `limit` samples of `data` the model classifies correctly. */
export function accuracy(model: tf.LayersModel, data: LabeledData, limit = data.n, output: OutputKind = outputKind(model)): number {
  const n = Math.min(limit, data.n);
  const size = sampleSize(data);
  let correct = 0;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const m = Math.min(EVAL_BATCH, n - start);
    const pred = tf.tidy(() => {
      const x = tf.tensor(data.x.slice(start * size, (start + m) * size), [m, ...data.sampleShape]);
      const p = forward(model, x, false);
      return p.shape[p.shape.length - 1] === 1 ? tf.greater(p.reshape([m]), output === 'logits' ? 0 : 0.5).toInt() : tf.argMax(p, -1);
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
