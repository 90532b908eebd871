/**
 * What `fit` trains: the loss, the optimizer and the metrics, taken from
 * `model.compile` and overridden by fit's own options (`optimizer`, `loss`).
 * An uncompiled model gets dtrain's default, which `fit` logs: sgd(lr) and
 * the cross-entropy that matches the output layer (of probabilities for a
 * softmax or sigmoid output, of logits for a linear one).
 */
import * as tf from '@tensorflow/tfjs';
import { TrainError } from '../errors.js';

/** A Keras-style loss or metric: per-sample (or scalar) values of (yTrue, yPred). */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Loss names fit accepts in its own `loss` option (model.compile accepts every tfjs name). */
export const LOSS_NAMES: Readonly<Record<string, LossFn>> = {
  categoricalCrossentropy: tf.metrics.categoricalCrossentropy,
  sparseCategoricalCrossentropy: (yTrue, yPred) =>
    tf.tidy(() => tf.metrics.categoricalCrossentropy(tf.oneHot(yTrue.flatten().toInt(), yPred.shape[yPred.shape.length - 1] as number).toFloat(), yPred)),
  binaryCrossentropy: tf.metrics.binaryCrossentropy,
  meanSquaredError: tf.metrics.meanSquaredError,
};

/** What the model's output layer emits. */
export type OutputKind = 'probabilities' | 'logits';

/**
 * How dtrain's in-memory labels are handed to the loss: the default loss
 * takes integer labels; a sparse loss takes them as floats; any other loss
 * takes one-hot rows (several outputs) or 0/1 columns (one output).
 */
export type TargetForm = 'labels' | 'sparse' | 'onehot';

export interface Metric {
  name: string;
  fn: LossFn;
}

export interface Objective {
  loss: LossFn;
  /** Mean of the loss over the batch plus the model's regularization losses. */
  total(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
  optimizer: tf.Optimizer;
  metrics: Metric[];
  output: OutputKind;
  target: TargetForm;
  /** Where each part came from, for the log line. */
  source: { optimizer: 'fit' | 'compile' | 'default'; loss: 'fit' | 'compile' | 'default'; lossName: string; optimizerName: string };
}

export interface ObjectiveOptions {
  optimizer?: tf.Optimizer;
  lr?: number;
  loss?: string | LossFn;
  /** Replaces the compiled metrics: functions (named by their name) or 'accuracy' / 'acc'. */
  metrics?: readonly (string | LossFn)[];
}

/** Clip probabilities away from 0 and 1 before the log. */
const EPS = 1e-7;

const ACTIVATION_OF_OUTPUT: Readonly<Record<string, OutputKind>> = { softmax: 'probabilities', sigmoid: 'probabilities', linear: 'logits' };

/** Whether the last layer emits probabilities (softmax, sigmoid) or logits (linear or none). */
export function outputKind(model: tf.LayersModel): OutputKind {
  const last = model.layers[model.layers.length - 1];
  const activation = last === undefined ? undefined : (last.getConfig() as { activation?: unknown }).activation;
  return typeof activation === 'string' ? (ACTIVATION_OF_OUTPUT[activation] ?? 'probabilities') : 'logits';
}

/**
 * dtrain's default loss: mean cross-entropy against integer labels (or
 * targets of the output's shape), of probabilities or of logits.
 */
export function defaultLoss(output: OutputKind): LossFn {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const classes = yPred.shape[yPred.shape.length - 1] as number;
      const sameShape = yTrue.shape.length === yPred.shape.length && yTrue.shape.every((d, i) => d === yPred.shape[i]);
      const target = sameShape ? yTrue.toFloat() : classes === 1 ? yTrue.toFloat().reshape(yPred.shape) : tf.oneHot(yTrue.flatten().toInt(), classes).toFloat();
      if (output === 'logits') {
        return classes === 1 ? tf.losses.sigmoidCrossEntropy(target, yPred) : tf.losses.softmaxCrossEntropy(target, yPred);
      }
      const p = yPred.clipByValue(EPS, 1 - EPS);
      if (classes === 1) return tf.neg(tf.mean(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))))));
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(p)), -1)));
    });
}

function lossFromOption(loss: string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = LOSS_NAMES[loss];
  if (fn === undefined) {
    throw new TrainError('E_TRAIN_OPTION', `loss ${JSON.stringify(loss)} is not one of ${Object.keys(LOSS_NAMES).join(', ')}; pass a function (yTrue, yPred) => tensor, or compile the model with it`);
  }
  return fn;
}

/** 'accuracy' for the targets the loss takes (as tfjs's compile resolves it). */
function accuracyFor(target: TargetForm, output: OutputKind): LossFn {
  if (target === 'sparse') return tf.metrics.sparseCategoricalAccuracy;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const classes = yPred.shape[yPred.shape.length - 1] as number;
      if (classes === 1) return tf.metrics.binaryAccuracy(yTrue.toFloat().reshape(yPred.shape), output === 'logits' ? tf.sigmoid(yPred) : yPred);
      const want = target === 'labels' && yTrue.shape.length !== yPred.shape.length ? yTrue.flatten().toInt() : tf.argMax(yTrue, -1);
      return tf.equal(want, tf.argMax(yPred, -1)).toFloat();
    });
}

function metricsFromOption(metrics: readonly (string | LossFn)[], target: TargetForm, output: OutputKind): Metric[] {
  return metrics.map((m, i) => {
    if (typeof m === 'function') return { name: m.name || `metric${i}`, fn: m };
    if (m === 'accuracy' || m === 'acc') return { name: 'acc', fn: accuracyFor(target, output) };
    throw new TrainError('E_TRAIN_OPTION', `metric ${JSON.stringify(m)} is not 'accuracy'; pass a function (yTrue, yPred) => tensor, or compile the model with it`);
  });
}

const nameOf = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'function' ? x.name || 'function' : 'custom');

/** The model that holds what compile resolved (a tf.Sequential keeps it in its inner model). */
function compiledPart(model: tf.LayersModel): Pick<tf.LayersModel, 'lossFunctions' | 'metricsTensors' | 'metricsNames' | 'loss'> | undefined {
  const inner = (model as { model?: tf.LayersModel }).model;
  for (const m of [model, inner]) if (m !== undefined && Array.isArray(m.lossFunctions) && m.lossFunctions.length > 0) return m;
  return undefined;
}

/** The loss, optimizer and metrics `fit` trains with (see the file comment). */
export function resolveObjective(model: tf.LayersModel, options: ObjectiveOptions, defaultLr: number): Objective {
  const part = compiledPart(model);
  const compiled = part !== undefined;
  if (part !== undefined && part.lossFunctions.length !== 1) {
    throw new TrainError('E_TRAIN_MODEL', `the model is compiled with ${part.lossFunctions.length} losses (one per output); fit trains models with one output`);
  }
  const output = outputKind(model);
  const compiledOptimizer = compiled ? (model.optimizer as tf.Optimizer | undefined) : undefined;
  if (options.lr !== undefined && options.optimizer === undefined && compiledOptimizer !== undefined) {
    throw new TrainError(
      'E_TRAIN_OPTION',
      `lr = ${options.lr} sets the learning rate of the default sgd optimizer, but the model is compiled with ${compiledOptimizer.getClassName()}; pass optimizer: tf.train.${compiledOptimizer.getClassName().replace(/Optimizer$/, '').toLowerCase()}(${options.lr}) to fit, or drop lr`,
    );
  }
  const lr = options.lr ?? defaultLr;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new TrainError('E_TRAIN_OPTION', `lr must be a positive number; got ${String(options.lr)}`);
  const optimizer = options.optimizer ?? compiledOptimizer ?? tf.train.sgd(lr);
  const optimizerSource = options.optimizer !== undefined ? 'fit' : compiledOptimizer !== undefined ? 'compile' : 'default';
  let loss: LossFn;
  let lossSource: Objective['source']['loss'];
  let lossName: string;
  if (options.loss !== undefined) {
    [loss, lossSource, lossName] = [lossFromOption(options.loss), 'fit', nameOf(options.loss)];
  } else if (part !== undefined) {
    [loss, lossSource, lossName] = [part.lossFunctions[0] as LossFn, 'compile', nameOf(part.loss)];
  } else {
    [loss, lossSource, lossName] = [defaultLoss(output), 'default', `cross-entropy of ${output}`];
  }
  const target: TargetForm = lossSource === 'default' ? 'labels' : /sparse/i.test(lossName) ? 'sparse' : 'onehot';
  const metrics: Metric[] =
    options.metrics !== undefined ? metricsFromOption(options.metrics, target, output) : part === undefined ? [] : part.metricsTensors.filter(([, i]) => i === 0).map(([fn], k) => ({ name: part.metricsNames[k + 1] ?? `metric${k}`, fn: fn as LossFn }));
  const total = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const reg = model.calculateLosses();
      const value = tf.mean(loss(yTrue, yPred)) as tf.Scalar;
      return reg.length === 0 ? value : (tf.addN([value, ...reg]) as tf.Scalar);
    });
  return {
    loss,
    total,
    optimizer,
    metrics,
    output,
    target,
    source: { optimizer: optimizerSource, loss: lossSource, lossName, optimizerName: optimizer.getClassName() },
  };
}

/** Labels of dtrain's in-memory data as the tensor the objective's loss takes. */
export function labelTargets(labels: Int32Array, form: TargetForm, classes: number): tf.Tensor {
  if (form === 'labels') return tf.tensor1d(labels, 'int32');
  if (form === 'sparse' || classes === 1) return tf.tensor2d(Float32Array.from(labels), [labels.length, 1]);
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat());
}
