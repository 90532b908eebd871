/**
 * TensorFlow's thread pools per rank, as torchrun sets OMP_NUM_THREADS: the
 * cores of the host shared among the ranks on it, max(1, floor(cores /
 * ranks here)), unless the user set TF_NUM_INTRAOP_THREADS or
 * TF_NUM_INTEROP_THREADS themselves.
 */
import { availableParallelism } from 'node:os';

export const TF_THREAD_VARS = ['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS'] as const;

export interface ThreadEnv {
  /** Threads per pool and rank. */
  value: number;
  /** 'user' when the user's own variables are kept, else 'cores/ranks'. */
  source: 'user' | 'cores/ranks';
  /** The variables to give each rank (empty when the user's are inherited). */
  env: Record<string, string>;
}

export function threadsPerRank(cores: number, ranksOnHost: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, ranksOnHost)));
}

export function tfThreadEnv(ranksOnHost: number, env: NodeJS.ProcessEnv, cores: number = availableParallelism()): ThreadEnv {
  const set = TF_THREAD_VARS.filter((v) => env[v] !== undefined && env[v] !== '');
  if (set.length > 0) {
    const n = Number(env[set[0]]);
    return { value: Number.isFinite(n) ? n : 0, source: 'user', env: {} };
  }
  const value = threadsPerRank(cores, ranksOnHost);
  return { value, source: 'cores/ranks', env: { TF_NUM_INTRAOP_THREADS: String(value), TF_NUM_INTEROP_THREADS: String(value) } };
}
