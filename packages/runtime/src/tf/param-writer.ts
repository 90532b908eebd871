/**
 * Writing a flat vector into a model's variables step after step without
 * allocating: writeParams copies each variable's part into a fresh array
 * (the backend keeps that array as the tensor's memory: cpu does, and so
 * does tfjs-node, whose TensorFlow tensor wraps it), 15 MB of new memory
 * per step for a 3.7M-parameter model, which V8 then has to collect.
 *
 * Here each variable has two arrays used in turn. An array is reused only
 * once the tensor made from it is gone from the engine (its data disposed:
 * the variable has moved on, after the optimizer's next update); while it
 * is still alive (someone kept a clone, or the step did not update that
 * variable) a fresh array is taken instead, so no live tensor ever sees its
 * memory change.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs-core's engine state member this reads (Engine.state.tensorInfo, a WeakMap keyed by dataId). */
interface EngineState {
  state: { tensorInfo: { has(dataId: object): boolean } };
}

function dataAlive(dataId: object): boolean {
  const engine = tf.engine() as unknown as Partial<EngineState>;
  const info = engine.state?.tensorInfo;
  // Without the engine's table we cannot tell: treat the data as alive (always a fresh array).
  return info === undefined || typeof info.has !== 'function' ? true : info.has(dataId);
}

interface Slot {
  buffer: Float32Array;
  /** dataId of the tensor last made from `buffer`, or null when never used. */
  dataId: object | null;
}

export class ParamWriter {
  private readonly slots: [Slot, Slot][];
  private turn = 0;
  /** Arrays allocated because both of a variable's were still in use (for tests and diagnostics). */
  fresh = 0;

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.slots = variables.map((v) => [
      { buffer: new Float32Array(v.size), dataId: null },
      { buffer: new Float32Array(v.size), dataId: null },
    ]);
  }

  /** Assign every variable its part of `src` (copied; `src` is free when this returns). */
  write(src: Float32Array): void {
    this.turn ^= 1;
    let off = 0;
    this.variables.forEach((v, i) => {
      const slot = this.free(i);
      slot.buffer.set(src.subarray(off, off + v.size));
      off += v.size;
      tf.tidy(() => {
        const t = tf.tensor(slot.buffer, v.shape, 'float32');
        slot.dataId = t.dataId;
        v.assign(t);
      });
    });
  }

  /** This turn's slot of variable i when its last tensor is gone, else the other one when free, else a new array. */
  private free(i: number): Slot {
    const pair = this.slots[i];
    for (const slot of [pair[this.turn], pair[this.turn ^ 1]]) {
      if (slot.dataId === null || !dataAlive(slot.dataId)) return slot;
    }
    this.fresh += 1;
    const slot: Slot = { buffer: new Float32Array(pair[0].buffer.length), dataId: null };
    pair[this.turn] = slot;
    return slot;
  }
}
