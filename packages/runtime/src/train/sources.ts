/**
 * The training data `fit` accepts, as one stream of (xs, ys) batches per rank:
 * - dtrain's in-memory `LabeledData` and `{xs, ys}` tensors: an iid shard
 *   per rank (shard: 'iid'), batches from a permutation of the shard that is
 *   a pure function of (seed, rank, epoch) (batches.ts);
 * - a `tf.data.Dataset` of `{xs, ys}` batches: rank r of n takes batches
 *   r, r + n, r + 2n, ... of every pass (shard: 'none': every batch), so
 *   every rank reads the whole pipeline and keeps its share. Steps per epoch
 *   are floor(batches / n), from `dataset.size` or `batchesPerEpoch`.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleSize, type LabeledData } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import { BatchStream, iidShard } from './batches.js';
import { labelTargets, type TargetForm } from './objective.js';

/** `{xs, ys}` tensors: samples along the first axis of both. */
export interface TensorData {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/** Batches of `{xs, ys}` (e.g. `tf.data.array(...).batch(32)` of such objects). */
export type BatchDataset = tf.data.Dataset<tf.TensorContainer>;

/** What `fit` trains on. */
export type TrainData = LabeledData | TensorData | BatchDataset;

export interface SourceOptions {
  rank: number;
  size: number;
  seed: number;
  batchSize: number;
  shard: 'iid' | 'none';
  target: TargetForm;
  /** Batches in one pass over a Dataset whose size is unknown or infinite. */
  batchesPerEpoch?: number;
  steps?: number;
}

/** One rank's stream of batches; the caller disposes each batch's tensors. */
export interface BatchSource {
  readonly stepsPerEpoch: number;
  /** Samples this rank holds (for a Dataset: batches it takes per epoch times the batch size asked for). */
  readonly shardSize: number;
  readonly kind: 'labeled' | 'tensors' | 'dataset';
  position(step: number): { epoch: number; offset: number };
  batch(step: number): Promise<TensorData>;
}

/** A short description of any value, for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof tf.Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    const keys = Object.keys(v as object).slice(0, 8);
    return `${name !== undefined && name !== 'Object' ? `a ${name}` : 'an object'} with keys [${keys.join(', ')}]`;
  }
  return `${typeof v} ${String(v)}`;
}

export function isLabeledData(v: unknown): v is LabeledData {
  const d = v as Partial<LabeledData> | null;
  return typeof d === 'object' && d !== null && d.x instanceof Float32Array && d.y instanceof Int32Array && Array.isArray(d.sampleShape);
}

export function isTensorData(v: unknown): v is TensorData {
  const d = v as Partial<TensorData> | null;
  return typeof d === 'object' && d !== null && d.xs instanceof tf.Tensor && d.ys instanceof tf.Tensor;
}

export function isBatchDataset(v: unknown): v is BatchDataset {
  return v instanceof tf.data.Dataset;
}

const ACCEPTED = "a tf.data.Dataset of {xs, ys} batches, {xs, ys} tensors, or dtrain's LabeledData (loadMnist, syntheticLogisticShard)";

/** Refuse anything but the three kinds of training data, naming what was given. */
export function checkTrainData(v: unknown, what = 'train'): TrainData {
  if (isLabeledData(v) || isTensorData(v) || isBatchDataset(v)) return v;
  throw new TrainError('E_TRAIN_DATA', `fit: ${what} must be ${ACCEPTED}; got ${describeValue(v)}`);
}

function tensorSource(data: TensorData, o: SourceOptions): BatchSource {
  const n = data.xs.shape[0] ?? 0;
  if (data.xs.shape.length === 0 || data.ys.shape[0] !== n) {
    throw new TrainError('E_TRAIN_DATA', `fit: xs and ys must hold the same number of samples along their first axis; got xs [${data.xs.shape.join(', ')}] and ys [${data.ys.shape.join(', ')}]`);
  }
  const indices = o.shard === 'iid' ? iidShard(n, o.rank, o.size, o.seed) : Int32Array.from({ length: n }, (_, i) => i);
  const stream = new BatchStream(null, indices, o.batchSize, o.seed, o.rank);
  return {
    kind: 'tensors',
    stepsPerEpoch: stream.stepsPerEpoch,
    shardSize: indices.length,
    position: (k) => stream.position(k),
    batch: (k) => {
      const picks = stream.picks(k);
      return Promise.resolve(tf.tidy(() => {
        const idx = tf.tensor1d(picks, 'int32');
        return { xs: tf.gather(data.xs, idx), ys: tf.gather(data.ys, idx) };
      }));
    },
  };
}

function labeledSource(data: LabeledData, o: SourceOptions): BatchSource {
  const indices = o.shard === 'iid' ? iidShard(data.n, o.rank, o.size, o.seed) : Int32Array.from({ length: data.n }, (_, i) => i);
  const stream = new BatchStream(data, indices, o.batchSize, o.seed, o.rank);
  const shape = [o.batchSize, ...data.sampleShape];
  return {
    kind: 'labeled',
    stepsPerEpoch: stream.stepsPerEpoch,
    shardSize: indices.length,
    position: (k) => stream.position(k),
    batch: (k) => {
      const b = stream.batch(k);
      return Promise.resolve({ xs: tf.tensor(b.x, shape, 'float32'), ys: labelTargets(b.y, o.target, data.classes) });
    },
  };
}

function datasetSource(ds: BatchDataset, o: SourceOptions): BatchSource {
  const share = o.shard === 'iid' ? o.size : 1;
  const finite = Number.isFinite(ds.size) && ds.size > 0;
  const batches = o.batchesPerEpoch ?? (finite ? ds.size : undefined);
  let stepsPerEpoch: number;
  if (batches !== undefined) stepsPerEpoch = Math.floor(batches / share);
  else if (o.steps !== undefined) stepsPerEpoch = Math.max(o.steps, 1);
  else {
    throw new TrainError('E_TRAIN_OPTION', `fit: the dataset's size is ${String(ds.size)} (unknown or infinite); set batchesPerEpoch (batches in one pass) or steps`);
  }
  if (stepsPerEpoch < 1) {
    throw new TrainError('E_TRAIN_OPTION', `fit: the dataset has ${String(batches)} batches per pass, fewer than one per rank for ${share} ranks; use smaller batches or more data`);
  }
  let iterator: { next(): Promise<IteratorResult<tf.TensorContainer>> } | undefined;
  let epochOpen = -1;
  let next = 0;
  const take = async (): Promise<tf.TensorContainer> => {
    const r = await (iterator as NonNullable<typeof iterator>).next();
    if (r.done === true) {
      throw new TrainError('E_TRAIN_DATA', `fit: the dataset ended after ${next} batches, but ${stepsPerEpoch} steps per epoch on ${share} rank(s) need ${stepsPerEpoch * share}; set batchesPerEpoch to the batches one pass holds`);
    }
    next += 1;
    return r.value;
  };
  return {
    kind: 'dataset',
    stepsPerEpoch,
    shardSize: stepsPerEpoch * o.batchSize,
    position: (k) => ({ epoch: Math.floor(k / stepsPerEpoch), offset: k % stepsPerEpoch }),
    batch: async (k) => {
      const epoch = Math.floor(k / stepsPerEpoch);
      const wanted = (k % stepsPerEpoch) * share + (o.shard === 'iid' ? o.rank : 0);
      if (epoch !== epochOpen || wanted < next) {
        iterator = await ds.iterator();
        [epochOpen, next] = [epoch, 0];
      }
      while (next < wanted) tf.dispose(await take());
      const value = await take();
      if (!isTensorData(value)) {
        tf.dispose(value);
        throw new TrainError('E_TRAIN_DATA', `fit: dataset elements must be {xs, ys} batches of tensors; batch ${wanted} is ${describeValue(value)}`);
      }
      return value;
    },
  };
}

/** This rank's batch stream over any kind of training data. */
export function batchSource(data: TrainData, o: SourceOptions): BatchSource {
  if (isLabeledData(data)) return labeledSource(data, o);
  if (isTensorData(data)) return tensorSource(data, o);
  return datasetSource(data, o);
}

/** Samples of one LabeledData row-block as tensors (for evaluation). */
export function labeledBatch(data: LabeledData, start: number, count: number, target: TargetForm): TensorData {
  const size = sampleSize(data);
  return {
    xs: tf.tensor(data.x.slice(start * size, (start + count) * size), [count, ...data.sampleShape], 'float32'),
    ys: labelTargets(data.y.subarray(start, start + count), target, data.classes),
  };
}
