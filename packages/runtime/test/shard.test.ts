import { describe, expect, it } from 'vitest';
import { rngFrom } from '@dtrain/topology';
import {
  DataError,
  dirichletShards,
  iidShards,
  labelHistogram,
  sampleDirichlet,
  sampleGamma,
  shardIndices,
  takeShard,
  type LabeledData,
} from '@dtrain/runtime';

/** A dataset whose features encode the sample index. */
function indexed(n: number, classes: number, seed: number): LabeledData {
  const rng = rngFrom(seed);
  const y = Int32Array.from({ length: n }, () => rng.int(0, classes - 1));
  const x = Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? Math.floor(k / 2) : -Math.floor(k / 2)));
  return { name: 'indexed', x, y, n, sampleShape: [2], classes };
}

function expectPartition(shards: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const s of shards) for (const i of s) seen[i]! += 1;
  expect(seen.every((c) => c === 1)).toBe(true);
}

/** Mean over ranks of the total-variation distance between a rank's label distribution and the global one. */
function meanTv(ds: LabeledData, shards: Int32Array[]): number {
  const global = labelHistogram(ds.y, ds.classes).map((c) => c / ds.n);
  let sum = 0;
  for (const s of shards) {
    const h = labelHistogram(Array.from(s, (i) => ds.y[i]!), ds.classes).map((c) => c / s.length);
    sum += 0.5 * h.reduce((acc, p, k) => acc + Math.abs(p - global[k]!), 0);
  }
  return sum / shards.length;
}

describe('iid sharding', () => {
  it('uses every sample once, balanced, deterministic from the seed', () => {
    const shards = iidShards(1003, 4, 5);
    expectPartition(shards, 1003);
    expect(shards.map((s) => s.length)).toEqual([251, 251, 251, 250]);
    expect(iidShards(1003, 4, 5)).toEqual(shards);
    expect(iidShards(1003, 4, 6)[0]).not.toEqual(shards[0]);
    // Shuffled, not the identity split.
    expect(Array.from(shards[0]!.slice(0, 5))).not.toEqual([0, 1, 2, 3, 4]);
  });

  it('takeShard hands a rank exactly its rows and nothing else', () => {
    const ds = indexed(100, 3, 1);
    const spec = { kind: 'iid', seed: 2 } as const;
    const idx = shardIndices(ds, 3, spec)[1]!;
    const mine = takeShard(ds, 1, 3, spec);
    expect(mine.n).toBe(idx.length);
    expect(mine.x.length).toBe(idx.length * 2);
    idx.forEach((i, k) => {
      expect(mine.x[2 * k]).toBe(i);
      expect(mine.y[k]).toBe(ds.y[i]);
    });
    mine.x[0] = 999;
    expect(ds.x[2 * idx[0]!]).toBe(idx[0]);
  });
});

describe('Dirichlet label sharding', () => {
  const ds = indexed(10000, 10, 3);

  it('is a deterministic partition', () => {
    const a = dirichletShards(ds.y, 10, 8, 11, 0.5);
    expectPartition(a, ds.n);
    expect(dirichletShards(ds.y, 10, 8, 11, 0.5)).toEqual(a);
    expect(dirichletShards(ds.y, 10, 8, 12, 0.5)).not.toEqual(a);
    expect(a.every((s) => s.length >= 1)).toBe(true);
  });

  it('small alpha skews label histograms, large alpha leaves them near the global one', () => {
    const skewed = meanTv(ds, shardIndices(ds, 8, { kind: 'dirichlet', seed: 4, alpha: 0.05 }));
    const mild = meanTv(ds, shardIndices(ds, 8, { kind: 'dirichlet', seed: 4, alpha: 1 }));
    const flat = meanTv(ds, shardIndices(ds, 8, { kind: 'dirichlet', seed: 4, alpha: 1000 }));
    const iid = meanTv(ds, shardIndices(ds, 8, { kind: 'iid', seed: 4 }));
    expect(skewed).toBeGreaterThan(0.5);
    expect(mild).toBeGreaterThan(flat);
    expect(skewed).toBeGreaterThan(mild);
    expect(flat).toBeLessThan(0.06);
    expect(iid).toBeLessThan(0.06);
  });

  it('minPerRank is honoured or reported', () => {
    const shards = dirichletShards(ds.y, 10, 16, 9, 0.05, 50);
    expect(Math.min(...shards.map((s) => s.length))).toBeGreaterThanOrEqual(50);
    expectPartition(shards, ds.n);
  });

  it('bad requests are E_DATA_SHARD', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(DataError);
        return (err as DataError).code;
      }
      return undefined;
    };
    expect(code(() => dirichletShards(ds.y, 10, 4, 1, 0))).toBe('E_DATA_SHARD');
    expect(code(() => iidShards(3, 4, 1))).toBe('E_DATA_SHARD');
    expect(code(() => dirichletShards(Int32Array.from([0, 1, 2]), 2, 2, 1, 1))).toBe('E_DATA_SHARD');
    expect(code(() => takeShard(ds, 4, 4, { kind: 'iid', seed: 1 }))).toBe('E_DATA_SHARD');
  });
});

describe('gamma and Dirichlet samplers', () => {
  it.each([0.3, 1, 4.5])('Gamma(%s) has mean and variance equal to its shape', (a) => {
    const rng = rngFrom(17, Math.round(a * 10));
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = sampleGamma(rng, a);
      s += g;
      s2 += g * g;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - a)).toBeLessThan(5 * Math.sqrt(a / n));
    expect(Math.abs(variance - a) / a).toBeLessThan(0.1);
  });

  it('Dirichlet draws sum to 1; tiny alpha puts nearly all mass on one category', () => {
    const rng = rngFrom(3);
    let maxShare = 0;
    for (let t = 0; t < 200; t++) {
      const p = sampleDirichlet(rng, 0.01, 10);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
      expect(p.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
      maxShare += Math.max(...p) / 200;
    }
    expect(maxShare).toBeGreaterThan(0.9);
  });
});
