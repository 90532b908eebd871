/**
 * The alpha-beta cost model of one communication operation.
 *
 * A message of b bytes between two ranks takes alpha + b * beta seconds
 * (alpha: per-message latency; beta: seconds per byte = 8 / link bit rate).
 * Links are full duplex (a rank sends and receives at once, each at the full
 * rate) and a rank's sends share its one link, one after the other.
 * An operation's cost is the critical path, as `messages` latencies plus
 * `bytes` at the link rate: seconds = messages * alpha + bytes * beta.
 *
 * - Ring allreduce of b bytes over n ranks (reduce-scatter + allgather):
 *   2(n-1) messages of b/n bytes: 2(n-1) alpha + 2(n-1)/n * b * beta.
 * - One-peer gossip (each rank sends to one and receives from one):
 *   alpha + b * beta.
 * - Static exponential graph (log2 n peers each way): log2(n) (alpha + b beta).
 * - Any schedule: at iteration k rank i sends to out(i,k) peers and receives
 *   from in(i,k); full duplex, so it is busy max(in, out) messages and the
 *   iteration costs max over ranks of max(in, out) * (alpha + b beta). The
 *   cost of a time-varying schedule is the mean over its iterations.
 */
import type { Schedule } from '@dtrain/topology';

export interface Link {
  /** Per-message latency, seconds. */
  alpha: number;
  /** Seconds per byte (8 / bits per second). */
  beta: number;
}

/** Critical path of an operation: latencies paid, bytes through one link. */
export interface CommTerms {
  messages: number;
  bytes: number;
}

export const NO_COMM: CommTerms = { messages: 0, bytes: 0 };

export function linkFromRate(bitsPerSecond: number, alphaSeconds: number): Link {
  return { alpha: alphaSeconds, beta: 8 / bitsPerSecond };
}

export function seconds(terms: CommTerms, link: Link): number {
  return terms.messages * link.alpha + terms.bytes * link.beta;
}

export function scale(terms: CommTerms, factor: number): CommTerms {
  return { messages: terms.messages * factor, bytes: terms.bytes * factor };
}

export function add(a: CommTerms, b: CommTerms): CommTerms {
  return { messages: a.messages + b.messages, bytes: a.bytes + b.bytes };
}

/** Ring allreduce of `bytes` over n ranks: 2(n-1) alpha + 2(n-1)/n bytes beta. */
export function ringAllreduce(nodes: number, bytes: number): CommTerms {
  if (nodes <= 1) return NO_COMM;
  return { messages: 2 * (nodes - 1), bytes: (2 * (nodes - 1) * bytes) / nodes };
}

/** One-peer gossip: alpha + bytes beta. */
export function onePeer(bytes: number): CommTerms {
  return { messages: 1, bytes };
}

/** Static exponential graph, n a power of two: log2(n) (alpha + bytes beta). */
export function staticExponential(nodes: number, bytes: number): CommTerms {
  const peers = Math.log2(nodes);
  return { messages: peers, bytes: peers * bytes };
}

/** Busiest rank's max(in-degree, out-degree) in W (ignoring self loops). */
export function busiestDegree(w: readonly (readonly number[])[]): number {
  const n = w.length;
  const inDeg = new Array<number>(n).fill(0);
  const outDeg = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || w[i][j] === 0) continue;
      inDeg[i] += 1; // i receives from j
      outDeg[j] += 1; // j sends to i
    }
  }
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, inDeg[i], outDeg[i]);
  return max;
}

/** Iterations sampled for a time-varying schedule that has no known period. */
export const DYNAMIC_SAMPLE = 64;

/** Iterations that represent a schedule: 1 if static, one period of onepeer-exp, else DYNAMIC_SAMPLE. */
export function sampleIterations(schedule: Schedule): number {
  if (!schedule.dynamic) return 1;
  if (schedule.name === 'onepeer-exp') return Math.max(1, Math.ceil(Math.log2(schedule.nodes)));
  return DYNAMIC_SAMPLE;
}

/** Mean over sampled iterations of one gossip round of `bytes` on `schedule`. */
export function scheduleGossip(schedule: Schedule, bytes: number, iterations = sampleIterations(schedule)): CommTerms {
  let degrees = 0;
  for (let k = 0; k < iterations; k++) degrees += busiestDegree(schedule.matrix(k));
  const mean = degrees / iterations;
  return { messages: mean, bytes: mean * bytes };
}
