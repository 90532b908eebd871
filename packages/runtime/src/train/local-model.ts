/**
 * A tfjs model (or a list of tf.Variables) plus the user's tfjs optimizer,
 * seen as one flat parameter vector: the LocalModel the algorithms drive.
 * The gradient of a user loss comes back flat in the same order.
 *
 * Between begin() and end() (one step of DistributedOptimizer) the
 * gradient is not uploaded again: apply(g) with the step's own gradient
 * buffer applies the gradient tensors tfjs computed (the same bits: the
 * flat copy was read from those tensors), and with gradient(..., flat =
 * false) that flat copy is not even made. read() and write() always go to
 * the variables, each with one copy (tf/read.ts, tf/param-writer.ts).
 * Algorithms treat `g` as read-only.
 */
import * as tf from '@tensorflow/tfjs';
import type { LocalModel } from '../algorithms/types.js';
import { TrainError } from '../errors.js';
import { ParamWriter } from '../tf/param-writer.js';
import { readParams, trainableVariables, type ParamSource } from '../tf/params.js';
import { readFloat32Into } from '../tf/read.js';

export class TfLocalModel implements LocalModel {
  readonly size: number;
  readonly variables: tf.Variable[];
  private readonly writer: ParamWriter;
  private inStep = false;
  /** The gradient tensors of this step, and the flat buffer they stand for. */
  private grads: tf.NamedTensorMap | null = null;
  private gradBuffer: Float32Array | null = null;

  constructor(
    src: ParamSource,
    readonly optimizer: tf.Optimizer,
  ) {
    this.variables = trainableVariables(src);
    if (this.variables.length === 0) {
      throw new TrainError('E_TRAIN_MODEL', 'the model has no trainable variables; build (call) the model before wrapping it');
    }
    let total = 0;
    for (const v of this.variables) {
      if (v.dtype !== 'float32') {
        throw new TrainError('E_TRAIN_MODEL', `variable ${v.name} is ${v.dtype}; only float32 variables can be trained`);
      }
      total += v.size;
    }
    this.size = total;
    this.writer = new ParamWriter(this.variables);
  }

  /** Start of a step: the step's gradient tensors are kept for apply() until end(). */
  begin(): void {
    this.inStep = true;
  }

  /** End of a step: drop the step's gradient tensors. */
  end(): void {
    this.inStep = false;
    this.gradBuffer = null;
    if (this.grads !== null) {
      for (const t of Object.values(this.grads)) t.dispose();
      this.grads = null;
    }
  }

  read(out: Float32Array): void {
    readParams(this.variables, out);
  }

  write(x: Float32Array): void {
    if (x.length !== this.size) {
      throw new TrainError('E_TRAIN_MODEL', `write: parameter vector has ${x.length} floats but the model has ${this.size} trainable parameters`);
    }
    this.writer.write(x);
  }

  apply(direction: Float32Array): void {
    if (this.grads !== null && direction === this.gradBuffer) {
      this.optimizer.applyGradients(this.grads);
      return;
    }
    const grads: tf.NamedTensorMap = {};
    let off = 0;
    for (const v of this.variables) {
      grads[v.name] = tf.tensor(direction.slice(off, off + v.size), v.shape, 'float32');
      off += v.size;
    }
    try {
      this.optimizer.applyGradients(grads);
    } finally {
      for (const t of Object.values(grads)) t.dispose();
    }
  }

  /**
   * The loss and its gradient (into `out`, flat) at the current parameters.
   * Within a step the gradient tensors are kept for apply(); with `flat`
   * false and every variable's gradient present, `out` is not written
   * (apply(out) uses the tensors; no copy of the gradient leaves the backend).
   */
  gradient(lossFn: () => tf.Scalar, out: Float32Array, flat = true): number {
    if (this.grads !== null) {
      throw new TrainError('E_TRAIN_STATE', 'a second gradient in one step; call end() between steps');
    }
    let res: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      res = tf.variableGrads(lossFn, this.variables);
    } catch (err) {
      throw new TrainError('E_TRAIN_MODEL', `computing the gradient failed: ${(err as Error).message}; the loss function must return a scalar that depends on the wrapped variables`, { cause: err });
    }
    const keep = this.inStep && this.variables.every((v) => res.grads[v.name] !== undefined);
    try {
      if (flat || !keep) {
        let off = 0;
        for (const v of this.variables) {
          const g = res.grads[v.name];
          if (g === undefined) out.fill(0, off, off + v.size);
          else readFloat32Into(g, out, off);
          off += v.size;
        }
      }
      return res.value.dataSync()[0];
    } finally {
      res.value.dispose();
      if (keep) {
        this.grads = res.grads;
        this.gradBuffer = out;
      } else {
        for (const t of Object.values(res.grads)) t.dispose();
      }
    }
  }
}
