/**
 * Split a dataset's sample indices among ranks, deterministically from a seed;
 * every sample goes to exactly one rank.
 *
 * iid: a seeded shuffle, then contiguous balanced blocks (sizes differ by at most 1).
 * dirichlet: for each class, proportions p ~ Dirichlet(alpha, ..., alpha) over
 * the ranks; the class's shuffled samples are cut into blocks of those sizes.
 * Small alpha gives skewed label histograms, large alpha near-uniform ones.
 * A draw leaving some rank below `minPerRank` samples is redrawn (next attempt
 * of the same seed), so the split stays a pure function of its inputs.
 */
import { rngFrom } from '@dtrain/topology';
import { DataError } from '../errors.js';
import { subset, type LabeledData } from './dataset.js';
import { sampleDirichlet } from './dirichlet.js';

export type ShardSpec =
  | { kind: 'iid'; seed: number }
  | { kind: 'dirichlet'; seed: number; alpha: number; minPerRank?: number };

const STREAM_IID = 0x5a01;
const STREAM_DIRICHLET = 0x5a02;
const MAX_ATTEMPTS = 1000;

function checkRanks(n: number, ranks: number): void {
  if (!Number.isInteger(ranks) || ranks < 1) {
    throw new DataError('E_DATA_SHARD', `shard: ranks must be a positive integer; got ${ranks}`);
  }
  if (n < ranks) {
    throw new DataError('E_DATA_SHARD', `shard: ${n} samples cannot be split among ${ranks} ranks; use fewer ranks or more data`);
  }
}

/** iid split of 0..n-1 among `ranks`. */
export function iidShards(n: number, ranks: number, seed: number): Int32Array[] {
  checkRanks(n, ranks);
  const order = rngFrom(seed, STREAM_IID).shuffle(Array.from({ length: n }, (_, i) => i));
  const out: Int32Array[] = [];
  let at = 0;
  for (let r = 0; r < ranks; r++) {
    const size = Math.floor(n / ranks) + (r < n % ranks ? 1 : 0);
    out.push(Int32Array.from(order.slice(at, at + size)));
    at += size;
  }
  return out;
}

/** Cut `count` items into blocks proportional to `p` (largest-remainder rounding). */
function blockSizes(count: number, p: readonly number[]): number[] {
  const raw = p.map((v) => v * count);
  const sizes = raw.map(Math.floor);
  let left = count - sizes.reduce((a, b) => a + b, 0);
  const order = raw.map((v, i) => [v - Math.floor(v), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) sizes[(order[k % order.length] as readonly [number, number])[1]] += 1;
  return sizes;
}

/** Non-iid split by label: Dirichlet(alpha) proportions of each class over the ranks. */
export function dirichletShards(labels: ArrayLike<number>, classes: number, ranks: number, seed: number, alpha: number, minPerRank = 1): Int32Array[] {
  checkRanks(labels.length, ranks);
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new DataError('E_DATA_SHARD', `shard: dirichlet alpha must be a positive number (e.g. 0.1 skewed, 100 near-iid); got ${alpha}`);
  }
  if (!Number.isInteger(minPerRank) || minPerRank < 0 || minPerRank * ranks > labels.length) {
    throw new DataError('E_DATA_SHARD', `shard: minPerRank ${minPerRank} is impossible with ${labels.length} samples and ${ranks} ranks`);
  }
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new DataError('E_DATA_SHARD', `shard: label ${c} of sample ${i} is outside 0..${classes - 1}`);
    }
    (byClass[c] as number[]).push(i);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const rng = rngFrom(seed, STREAM_DIRICHLET, attempt);
    const parts: number[][] = Array.from({ length: ranks }, () => []);
    for (const members of byClass) {
      const shuffled = rng.shuffle([...members]);
      const sizes = blockSizes(shuffled.length, sampleDirichlet(rng, alpha, ranks));
      let at = 0;
      sizes.forEach((s, r) => {
        (parts[r] as number[]).push(...shuffled.slice(at, at + s));
        at += s;
      });
    }
    if (parts.every((p) => p.length >= minPerRank)) return parts.map((p) => Int32Array.from(p.sort((a, b) => a - b)));
  }
  throw new DataError(
    'E_DATA_SHARD',
    `shard: no Dirichlet(alpha=${alpha}) split among ${ranks} ranks gave every rank ${minPerRank}+ samples in ${MAX_ATTEMPTS} draws; raise alpha or lower minPerRank`,
  );
}

/** Indices of every rank's shard of `ds`. */
export function shardIndices(ds: Pick<LabeledData, 'n' | 'y' | 'classes'>, ranks: number, spec: ShardSpec): Int32Array[] {
  if (spec.kind === 'iid') return iidShards(ds.n, ranks, spec.seed);
  if (spec.kind === 'dirichlet') return dirichletShards(ds.y, ds.classes, ranks, spec.seed, spec.alpha, spec.minPerRank);
  throw new DataError('E_DATA_SHARD', `shard: unknown kind ${JSON.stringify((spec as { kind: unknown }).kind)}; use 'iid' or 'dirichlet'`);
}

/** Only rank `rank`'s samples of `ds`, copied (the rank keeps nothing else). */
export function takeShard(ds: LabeledData, rank: number, ranks: number, spec: ShardSpec): LabeledData {
  if (!Number.isInteger(rank) || rank < 0 || rank >= ranks) {
    throw new DataError('E_DATA_SHARD', `shard: rank ${rank} is outside 0..${ranks - 1}`);
  }
  return subset(ds, shardIndices(ds, ranks, spec)[rank] as Int32Array, `${ds.name}[${spec.kind} ${rank}/${ranks}]`);
}
