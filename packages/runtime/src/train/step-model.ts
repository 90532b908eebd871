/**
 * The LocalModel handed to the algorithm during one step: the flat-vector
 * view of TfLocalModel with the round trips that change nothing taken out.
 *
 * - apply(g) with the step's own gradient buffer applies the gradient
 *   tensors tfjs computed, instead of uploading the flat copy again (the
 *   values are the same bits: the flat copy was read from those tensors);
 * - read() after read() with no change in between copies the cached vector;
 * - write(x) with exactly the values last read (bit for bit, e.g. after a
 *   gossip step that is an identity on one rank) is skipped.
 *
 * The cache lives only between begin() and end(): outside a step every
 * read/write goes to the variables, so changes made by user code between
 * steps are always seen. Algorithms treat `g` as read-only (types.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { TrainError } from '../errors.js';
import type { ParamSource } from '../tf/params.js';
import { readFloat32Into } from '../tf/read.js';
import { TfLocalModel } from './local-model.js';

export class StepModel extends TfLocalModel {
  /** The flat parameters as last read or written during this step. */
  private readonly flat: Float32Array;
  private flatValid = false;
  private inStep = false;
  /** The gradient tensors of this step, and the flat buffer they were copied into. */
  private grads: tf.NamedTensorMap | null = null;
  private gradBuffer: Float32Array | null = null;

  constructor(src: ParamSource, optimizer: tf.Optimizer) {
    super(src, optimizer);
    this.flat = new Float32Array(this.size);
  }

  /** Start of a step: the cache may be used until end(). */
  begin(): void {
    this.inStep = true;
    this.flatValid = false;
  }

  /** End of a step: drop the cache and the step's gradient tensors. */
  end(): void {
    this.inStep = false;
    this.flatValid = false;
    this.gradBuffer = null;
    if (this.grads !== null) {
      for (const t of Object.values(this.grads)) t.dispose();
      this.grads = null;
    }
  }

  override read(out: Float32Array): void {
    if (!this.inStep) {
      super.read(out);
      return;
    }
    if (!this.flatValid) {
      super.read(this.flat);
      this.flatValid = true;
    }
    out.set(this.flat);
  }

  override write(x: Float32Array): void {
    if (this.inStep && this.flatValid && sameBits(x, this.flat)) return;
    super.write(x);
    if (this.inStep) {
      this.flat.set(x);
      this.flatValid = true;
    }
  }

  override apply(direction: Float32Array): void {
    this.flatValid = false;
    if (this.grads !== null && direction === this.gradBuffer) {
      this.optimizer.applyGradients(this.grads);
      return;
    }
    super.apply(direction);
  }

  /**
   * The loss and the flat gradient; within a step the gradient tensors are
   * kept for apply(). With `flat` false (an algorithm that never reads the
   * gradient's values) and every variable's gradient present, `out` is not
   * written: apply(out) uses the tensors, and no copy of the gradient leaves
   * the backend.
   */
  override gradient(lossFn: () => tf.Scalar, out: Float32Array, flat = true): number {
    if (!this.inStep) return super.gradient(lossFn, out);
    if (this.grads !== null) {
      throw new TrainError('E_TRAIN_STATE', 'a second gradient in one step; call end() between steps');
    }
    let res: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      res = tf.variableGrads(lossFn, this.variables);
    } catch (err) {
      throw new TrainError('E_TRAIN_MODEL', `computing the gradient failed: ${(err as Error).message}; the loss function must return a scalar that depends on the wrapped variables`, { cause: err });
    }
    const complete = this.variables.every((v) => res.grads[v.name] !== undefined);
    try {
      if (flat || !complete) {
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
      if (complete) {
        this.grads = res.grads;
        this.gradBuffer = out;
      } else {
        for (const t of Object.values(res.grads)) t.dispose();
      }
    }
  }
}

/** Bitwise equality of two float vectors (NaN payloads and -0 included), by a native byte compare. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
