/**
 * Models by name, with initial weights that are a pure function of the seed
 * (Glorot-uniform kernels drawn from rngFrom(seed, layer), zero biases), so
 * every rank of a job starts from identical weights without talking.
 */
import type * as tf from '@tensorflow/tfjs';
import { rngFrom } from '@dtrain/topology';
import { ModelError } from '../errors.js';
import { paramLayout, writeParams } from '../tf/params.js';
import { cnn } from './cnn.js';
import { logistic } from './logistic.js';
import { mlp } from './mlp.js';

export type ModelName = 'mlp' | 'cnn' | 'logistic';
export const MODEL_NAMES: readonly ModelName[] = ['mlp', 'cnn', 'logistic'];

export interface BuildModelOptions {
  /** MLP hidden widths (default [128]). */
  hidden?: readonly number[];
}

/** Stream id of the initial-weight draws, apart from data and schedule streams. */
const INIT_STREAM = 0x1a17;

/** Glorot-uniform values for a kernel of `shape`, zeros for a bias (rank 1). */
function initialValues(shape: readonly number[], seed: number, index: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (shape.length < 2) return out;
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = (shape[shape.length - 2] as number) * receptive;
  const fanOut = (shape[shape.length - 1] as number) * receptive;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const rng = rngFrom(seed, INIT_STREAM, index);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** Write the seeded initial weights into a built model. */
export function initializeWeights(model: tf.LayersModel, seed: number): void {
  const layout = paramLayout(model);
  const flat = new Float32Array(layout.total);
  layout.shapes.forEach((shape, k) => flat.set(initialValues(shape, seed, k), layout.offsets[k]));
  writeParams(model, flat);
}

/**
 * Build `name` for samples of `inputShape` and `classes` outputs (uncompiled),
 * with deterministic initial weights from `seed`.
 */
export function buildModel(
  name: ModelName,
  inputShape: readonly number[],
  classes: number,
  seed: number,
  options: BuildModelOptions = {},
): tf.Sequential {
  if (!MODEL_NAMES.includes(name)) {
    throw new ModelError('E_MODEL_UNKNOWN', `unknown model ${JSON.stringify(name)}; use one of ${MODEL_NAMES.join(', ')}`);
  }
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ModelError('E_MODEL_SHAPE', `classes must be a positive integer; got ${classes}`);
  }
  if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModelError('E_MODEL_SHAPE', `inputShape must be positive integers, e.g. [28, 28, 1]; got [${inputShape.join(', ')}]`);
  }
  if (options.hidden !== undefined && name !== 'mlp') {
    throw new ModelError('E_MODEL_SHAPE', `hidden widths apply to the mlp model only; got hidden [${options.hidden.join(', ')}] for ${name}. Drop them or use mlp`);
  }
  const model = name === 'mlp' ? mlp(inputShape, classes, options.hidden) : name === 'cnn' ? cnn(inputShape, classes) : logistic(inputShape, classes);
  initializeWeights(model, seed);
  return model;
}
