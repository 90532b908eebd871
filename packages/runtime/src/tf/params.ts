/**
 * A model's trainable weights <-> one flat Float32Array, in a fixed order
 * (the model's trainableWeights order), with no aliasing on either side:
 * on the cpu backend (and on tfjs-node, whose TensorFlow tensor wraps the JS
 * memory) tf.tensor(typedArray) shares the caller's buffer, and
 * dataSync() can return the backend's own array, so both directions copy
 * (reads once, with readFloat32Into: no intermediate array on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { readFloat32Into } from './read.js';

/** A model or its variables, in the order the flat vector uses. */
export type ParamSource = tf.LayersModel | readonly tf.Variable[];

/** Where each variable sits in the flat vector. */
export interface ParamLayout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  total: number;
}

/** The trainable variables of a model (or the list itself). */
export function trainableVariables(src: ParamSource): tf.Variable[] {
  if (Array.isArray(src)) return [...(src as readonly tf.Variable[])];
  return (src as tf.LayersModel).trainableWeights.map((w) => w.read() as tf.Variable);
}

export function paramLayout(src: ParamSource): ParamLayout {
  const vars = trainableVariables(src);
  const layout: ParamLayout = { names: [], shapes: [], offsets: [], sizes: [], total: 0 };
  for (const v of vars) {
    layout.names.push(v.name);
    layout.shapes.push([...v.shape]);
    layout.offsets.push(layout.total);
    layout.sizes.push(v.size);
    layout.total += v.size;
  }
  return layout;
}

/** Number of trainable parameters. */
export function paramCount(src: ParamSource): number {
  return trainableVariables(src).reduce((n, v) => n + v.size, 0);
}

function checkLength(what: string, got: number, want: number): void {
  if (got !== want) {
    throw new ModelError(
      'E_PARAMS_LENGTH',
      `${what}: parameter vector has ${got} floats but the model has ${want} trainable parameters; ` +
        'allocate it with createParamVector(model) from the same model definition',
    );
  }
}

/** Copy the weights into `out` (no aliasing); returns `out`. */
export function readParams(src: ParamSource, out: Float32Array): Float32Array {
  const vars = trainableVariables(src);
  const total = vars.reduce((n, v) => n + v.size, 0);
  checkLength('readParams', out.length, total);
  let off = 0;
  for (const v of vars) {
    if (v.dtype !== 'float32') {
      throw new ModelError('E_PARAMS_LENGTH', `readParams: variable ${v.name} is ${v.dtype}; only float32 weights are supported`);
    }
    readFloat32Into(v, out, off);
    off += v.size;
  }
  return out;
}

/** A new Float32Array holding a copy of the weights; reuse it with readParams/writeParams. */
export function createParamVector(src: ParamSource): Float32Array {
  return readParams(src, new Float32Array(paramCount(src)));
}

/**
 * Assign the weights from `src` (copied: mutating `src` afterwards does not
 * change the model).
 */
export function writeParams(target: ParamSource, src: Float32Array): void {
  const vars = trainableVariables(target);
  const total = vars.reduce((n, v) => n + v.size, 0);
  checkLength('writeParams', src.length, total);
  let off = 0;
  for (const v of vars) {
    // A copy on every backend: cpu keeps the array it is given, and tfjs-node hands it to
    // TensorFlow without copying (TF_NewTensor over the JS memory, when it is aligned), so a
    // view would let the next write into `src` (a neighbour's frame) change the model.
    const part = src.slice(off, off + v.size);
    off += v.size;
    tf.tidy(() => v.assign(tf.tensor(part, v.shape, 'float32')));
  }
}
