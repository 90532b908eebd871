/**
 * A tfjs model (or a list of tf.Variables) plus the user's tfjs optimizer,
 * seen as one flat parameter vector: the LocalModel the algorithms drive.
 * The gradient of a user loss comes back flat in the same order.
 */
import * as tf from '@tensorflow/tfjs';
import type { LocalModel } from '../algorithms/types.js';
import { TrainError } from '../errors.js';
import { ParamWriter } from '../tf/param-writer.js';
import { readParams, trainableVariables, type ParamSource } from '../tf/params.js';

export class TfLocalModel implements LocalModel {
  readonly size: number;
  readonly variables: tf.Variable[];
  private readonly offsets: number[] = [];
  private readonly writer: ParamWriter;

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
      this.offsets.push(total);
      total += v.size;
    }
    this.size = total;
    this.writer = new ParamWriter(this.variables);
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
    const grads: tf.NamedTensorMap = {};
    this.variables.forEach((v, i) => {
      const off = this.offsets[i];
      grads[v.name] = tf.tensor(direction.slice(off, off + v.size), v.shape, 'float32');
    });
    try {
      this.optimizer.applyGradients(grads);
    } finally {
      for (const t of Object.values(grads)) t.dispose();
    }
  }

  /** The loss and its gradient (into `out`, flat) at the current parameters. */
  gradient(lossFn: () => tf.Scalar, out: Float32Array, _flat = true): number {
    let res: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      res = tf.variableGrads(lossFn, this.variables);
    } catch (err) {
      throw new TrainError('E_TRAIN_MODEL', `computing the gradient failed: ${(err as Error).message}; the loss function must return a scalar that depends on the wrapped variables`, { cause: err });
    }
    try {
      this.variables.forEach((v, i) => {
        const g = res.grads[v.name];
        const off = this.offsets[i];
        if (g === undefined) out.fill(0, off, off + v.size);
        else out.set(g.dataSync() as Float32Array, off);
      });
      const loss = res.value.dataSync()[0];
      return loss;
    } finally {
      res.value.dispose();
      for (const g of Object.values(res.grads)) g.dispose();
    }
  }
}
