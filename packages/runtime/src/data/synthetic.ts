/**
 * A seeded synthetic logistic-regression problem, as in the seeds'
 * experiments: features x ~ N(0, I_dim), a true weight vector w* ~ N(0, I_dim),
 * labels y ~ Bernoulli(sigmoid(x . w_r)) in {0, 1}.
 *
 * Heterogeneous data: rank r labels with w_r = w* + heterogeneity * z_r,
 * z_r ~ N(0, I_dim) (heterogeneity 0: every rank samples the same
 * distribution). Every draw is a pure function of (seed, stream, rank), so a
 * rank generates its own shard without the others.
 */
import { rngFrom } from '@dtrain/topology';
import { DataError } from '../errors.js';
import type { LabeledData } from './dataset.js';

export interface SyntheticLogisticOptions {
  seed: number;
  /** Feature dimension. */
  dim: number;
  /** Samples in each rank's shard. */
  samplesPerRank: number;
  /** Number of ranks (default 1). */
  ranks?: number;
  /** Spread of the per-rank true weights around w* (default 0). */
  heterogeneity?: number;
  /** Size of the test set drawn with w* (default 1000). */
  testSamples?: number;
}

const STREAM_TRUE = 0x5107;
const STREAM_RANK_W = 0x5108;
const STREAM_SAMPLES = 0x5109;
/** Pseudo-rank of the test set's sample stream. */
const TEST_RANK = 0xfffff;

function check(o: SyntheticLogisticOptions, rank?: number): void {
  const bad = (what: string, v: unknown, want: string): never => {
    throw new DataError('E_DATA_OPTION', `synthetic logistic: ${what} must be ${want}; got ${String(v)}`);
  };
  if (!Number.isInteger(o.seed) || o.seed < 0) bad('seed', o.seed, 'a non-negative integer');
  if (!Number.isInteger(o.dim) || o.dim < 1) bad('dim', o.dim, 'a positive integer');
  if (!Number.isInteger(o.samplesPerRank) || o.samplesPerRank < 1) bad('samplesPerRank', o.samplesPerRank, 'a positive integer');
  const ranks = o.ranks ?? 1;
  if (!Number.isInteger(ranks) || ranks < 1) bad('ranks', ranks, 'a positive integer');
  if (!((o.heterogeneity ?? 0) >= 0)) bad('heterogeneity', o.heterogeneity, '>= 0');
  if (rank !== undefined && (!Number.isInteger(rank) || rank < 0 || rank >= ranks)) bad('rank', rank, `in 0..${ranks - 1}`);
}

function normals(dim: number, ...stream: number[]): Float32Array {
  const rng = rngFrom(...stream);
  return Float32Array.from({ length: dim }, () => rng.normal());
}

/** w*, shared by every rank. */
export function syntheticTrueWeights(o: SyntheticLogisticOptions): Float32Array {
  check(o);
  return normals(o.dim, o.seed, STREAM_TRUE);
}

/** w_r = w* + heterogeneity * z_r. */
export function syntheticRankWeights(o: SyntheticLogisticOptions, rank: number): Float32Array {
  check(o, rank);
  const w = syntheticTrueWeights(o);
  const h = o.heterogeneity ?? 0;
  if (h === 0) return w;
  const z = normals(o.dim, o.seed, STREAM_RANK_W, rank);
  for (let i = 0; i < o.dim; i++) w[i] = (w[i] as number) + h * (z[i] as number);
  return w;
}

function sample(o: SyntheticLogisticOptions, w: Float32Array, n: number, streamRank: number, name: string): LabeledData {
  const rng = rngFrom(o.seed, STREAM_SAMPLES, streamRank);
  const x = new Float32Array(n * o.dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < o.dim; j++) {
      const v = rng.normal();
      x[i * o.dim + j] = v;
      z += v * (w[j] as number);
    }
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { name, x, y, n, sampleShape: [o.dim], classes: 2 };
}

/** Rank `rank`'s training shard. */
export function syntheticLogisticShard(o: SyntheticLogisticOptions, rank: number): LabeledData {
  check(o, rank);
  return sample(o, syntheticRankWeights(o, rank), o.samplesPerRank, rank, `synthetic-logistic-r${rank}`);
}

/** A test set labelled with w* (the global model every rank should approach). */
export function syntheticLogisticTest(o: SyntheticLogisticOptions): LabeledData {
  check(o);
  return sample(o, syntheticTrueWeights(o), o.testSamples ?? 1000, TEST_RANK, 'synthetic-logistic-test');
}
