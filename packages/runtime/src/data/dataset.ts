/**
 * An in-memory labelled dataset: row-major float32 features and int32 labels.
 * Sample i occupies x[i * sampleSize, (i + 1) * sampleSize).
 */
import { DataError } from '../errors.js';

export interface LabeledData {
  readonly name: string;
  /** n * prod(sampleShape) features, images scaled to [0, 1]. */
  readonly x: Float32Array;
  /** n labels in 0..classes-1. */
  readonly y: Int32Array;
  readonly n: number;
  /** Shape of one sample, e.g. [28, 28, 1] (NHWC without the batch axis) or [dim]. */
  readonly sampleShape: readonly number[];
  readonly classes: number;
}

export interface LabeledSplit {
  train: LabeledData;
  test: LabeledData;
}

export function sampleSize(ds: Pick<LabeledData, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

/** Check the invariants of a dataset; throws DataError E_DATA_FORMAT naming what is wrong. */
export function validateDataset(ds: LabeledData): LabeledData {
  const size = sampleSize(ds);
  if (ds.y.length !== ds.n || ds.x.length !== ds.n * size) {
    throw new DataError(
      'E_DATA_FORMAT',
      `dataset ${ds.name}: ${ds.n} samples of [${ds.sampleShape.join(', ')}] need ${ds.n * size} features and ${ds.n} labels; ` +
        `got ${ds.x.length} and ${ds.y.length}`,
    );
  }
  for (let i = 0; i < ds.n; i++) {
    const label = ds.y[i] as number;
    if (label < 0 || label >= ds.classes) {
      throw new DataError(
        'E_DATA_FORMAT',
        `dataset ${ds.name}: label ${label} of sample ${i} is outside 0..${ds.classes - 1}; the label file is corrupt or for another dataset`,
      );
    }
  }
  return ds;
}

/** A new dataset holding copies of the given samples, in the given order. */
export function subset(ds: LabeledData, indices: ArrayLike<number>, name = ds.name): LabeledData {
  const size = sampleSize(ds);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new DataError('E_DATA_OPTION', `subset of ${ds.name}: index ${i} is outside 0..${ds.n - 1}`);
    }
    x.set(ds.x.subarray(i * size, (i + 1) * size), k * size);
    y[k] = ds.y[i] as number;
  }
  return { name, x, y, n: indices.length, sampleShape: ds.sampleShape, classes: ds.classes };
}

/**
 * Copy the samples `indices` into preallocated batch buffers (xOut holds
 * indices.length * sampleSize floats, yOut indices.length labels).
 */
export function gatherBatch(ds: LabeledData, indices: ArrayLike<number>, xOut: Float32Array, yOut: Int32Array): void {
  const size = sampleSize(ds);
  if (xOut.length < indices.length * size || yOut.length < indices.length) {
    throw new DataError(
      'E_DATA_OPTION',
      `gatherBatch: buffers hold ${xOut.length} features / ${yOut.length} labels, ${indices.length} samples need ${indices.length * size} / ${indices.length}`,
    );
  }
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    xOut.set(ds.x.subarray(i * size, (i + 1) * size), k * size);
    yOut[k] = ds.y[i] as number;
  }
}

/** Count of each label. */
export function labelHistogram(y: ArrayLike<number>, classes: number): number[] {
  const h = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) h[y[i] as number] += 1;
  return h;
}
