/**
 * CIFAR-10 binary format: records of 1 label byte + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each 32x32 row-major). Files
 * data_batch_1..5.bin (train) and test_batch.bin, usually in cifar-10-batches-bin/.
 * Images become [32, 32, 3] (NHWC) floats in [0, 1].
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { validateDataset, type LabeledData, type LabeledSplit } from './dataset.js';

export const CIFAR_SIDE = 32;
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILE = 'test_batch.bin';

const HOW_TO_GET = 'download the CIFAR-10 binary version (cifar-10-binary.tar.gz), extract it, and pass the cifar-10-batches-bin directory';

/** Decode the records of one batch file's bytes. */
export function parseCifarBatch(bytes: Uint8Array, file: string): { x: Float32Array; y: Int32Array; n: number } {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new DataError(
      'E_DATA_FORMAT',
      `${file}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte CIFAR-10 records (truncated or not the binary version); ${HOW_TO_GET}`,
      file,
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const x = new Float32Array(n * plane * 3);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    const label = bytes[base] as number;
    if (label > 9) {
      throw new DataError('E_DATA_FORMAT', `${file}: record ${r} has label ${label}, CIFAR-10 labels are 0..9; the file is corrupt or not CIFAR-10`, file);
    }
    y[r] = label;
    const out = r * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) x[out + p * 3 + c] = (bytes[base + 1 + c * plane + p] as number) / 255;
    }
  }
  return { x, y, n };
}

/** Read several batch files of `dir` into one dataset. */
export function readCifarFiles(dir: string, files: readonly string[], name: string): LabeledData {
  const parts = files.map((f) => {
    const path = join(dir, f);
    if (!existsSync(path)) throw new DataError('E_DATA_MISSING', `${path} not found; ${HOW_TO_GET}`, path);
    return parseCifarBatch(readFileSync(path), path);
  });
  const n = parts.reduce((s, p) => s + p.n, 0);
  const x = new Float32Array(n * CIFAR_RECORD_BYTES - n);
  const y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * (CIFAR_RECORD_BYTES - 1));
    y.set(p.y, at);
    at += p.n;
  }
  return validateDataset({ name, x, y, n, sampleShape: [CIFAR_SIDE, CIFAR_SIDE, 3], classes: 10 });
}

/** Load CIFAR-10 (binary version) from `dir`. */
export function loadCifar10(dir: string): LabeledSplit {
  if (!existsSync(dir)) throw new DataError('E_DATA_MISSING', `CIFAR-10 directory ${dir} does not exist; ${HOW_TO_GET}`, dir);
  return {
    train: readCifarFiles(dir, CIFAR_TRAIN_FILES, 'cifar10-train'),
    test: readCifarFiles(dir, [CIFAR_TEST_FILE], 'cifar10-test'),
  };
}
