/**
 * The average model: every rank's weights (trainable and not, e.g.
 * batch-norm statistics) replaced by their mean over the ranks, by one
 * ring allreduce of the flat vector. Collective: every rank calls it at the
 * same point.
 */
import * as tf from '@tensorflow/tfjs';
import type { Communicator } from '../comm/communicator.js';
import { TrainError } from '../errors.js';
import { readFloat32Into } from '../tf/read.js';

export async function averageWeights(comm: Communicator, model: tf.LayersModel | readonly tf.Variable[]): Promise<void> {
  const list = Array.isArray(model);
  const current: tf.Tensor[] = list ? [...(model as readonly tf.Variable[])] : (model as tf.LayersModel).getWeights();
  const bad = current.find((t) => t.dtype !== 'float32');
  if (bad !== undefined) {
    throw new TrainError('E_TRAIN_MODEL', `averageModel: a weight of shape [${bad.shape.join(', ')}] is ${bad.dtype}; only float32 weights can be averaged`);
  }
  const total = current.reduce((s, t) => s + t.size, 0);
  const flat = new Float32Array(total);
  let off = 0;
  for (const t of current) {
    readFloat32Into(t, flat, off);
    off += t.size;
  }
  await comm.allreduce(flat, { op: 'mean' });
  off = 0;
  const next = current.map((t) => {
    const v = tf.tensor(flat.slice(off, off + t.size), t.shape, 'float32');
    off += t.size;
    return v;
  });
  try {
    if (list) (model as readonly tf.Variable[]).forEach((v, i) => v.assign(next[i] as tf.Tensor));
    else (model as tf.LayersModel).setWeights(next);
  } finally {
    tf.dispose(next);
  }
}
