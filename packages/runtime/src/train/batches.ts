/**
 * The data stream of one rank: its shard of the training set and, for each
 * epoch, a permutation of the shard that is a pure function of
 * (seed, rank, epoch). The position in the stream is therefore just the
 * step number, which is what makes a resumed run see the same batches.
 */
import { rngFrom } from '@dtrain/topology';
import { gatherBatch, sampleSize, type LabeledData } from '../data/dataset.js';
import { iidShards } from '../data/shard.js';
import { TrainError } from '../errors.js';

/** Stream id that keeps the epoch permutations apart from the model-init and schedule streams. */
const EPOCH_STREAM = 0x0e90;

/** The indices of rank `rank`'s iid shard (data/shard.ts: a seeded shuffle cut into balanced blocks). */
export function iidShard(n: number, rank: number, size: number, seed: number): Int32Array {
  return iidShards(n, size, seed)[rank];
}

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  epoch: number;
  offset: number;
}

export class BatchStream {
  readonly stepsPerEpoch: number;
  private epochCached = -1;
  private order: Int32Array = new Int32Array(0);

  constructor(
    /** The samples to gather (null: the caller gathers the picks itself, e.g. from tensors). */
    readonly data: LabeledData | null,
    readonly indices: Int32Array,
    readonly batchSize: number,
    readonly seed: number,
    readonly rank: number,
  ) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new TrainError('E_TRAIN_OPTION', `batchSize must be an integer >= 1; got ${String(batchSize)}`);
    }
    this.stepsPerEpoch = Math.floor(indices.length / batchSize);
    if (this.stepsPerEpoch < 1) {
      throw new TrainError(
        'E_TRAIN_OPTION',
        `rank ${rank} holds ${indices.length} training samples, fewer than one batch of ${batchSize}; lower batchSize or use more data`,
      );
    }
  }

  /** Epoch and offset of step k. */
  position(step: number): { epoch: number; offset: number } {
    return { epoch: Math.floor(step / this.stepsPerEpoch), offset: step % this.stepsPerEpoch };
  }

  /** The sample indices of step k's batch (a view: copy to keep). */
  picks(step: number): Int32Array {
    const { epoch, offset } = this.position(step);
    if (epoch !== this.epochCached) {
      const perm = rngFrom(this.seed, EPOCH_STREAM, this.rank, epoch).shuffle(Array.from(this.indices));
      this.order = Int32Array.from(perm);
      this.epochCached = epoch;
    }
    return this.order.subarray(offset * this.batchSize, (offset + 1) * this.batchSize);
  }

  /** The batch of step k (fresh buffers: tensors made from them may share them). */
  batch(step: number): Batch {
    const { epoch, offset } = this.position(step);
    if (this.data === null) throw new TrainError('E_TRAIN_STATE', 'this BatchStream has no samples to gather; use picks(step)');
    const picks = this.picks(step);
    const x = new Float32Array(this.batchSize * sampleSize(this.data));
    const y = new Int32Array(this.batchSize);
    gatherBatch(this.data, picks, x, y);
    return { x, y, epoch, offset };
  }
}
