/**
 * BlueFog's machine-level one-peer schedules. Ranks are numbered host by
 * host: rank = host * L + local, with L ranks on each of M hosts (n = M L).
 * Each iteration every rank sends to one rank and receives from one, so
 * W(k) = (I + P_k) / 2 for a permutation P_k: directed, doubly stochastic.
 *
 * - inner-outer-ring (GetInnerOuterRingDynamicSendRecvRanks, L >= 3): at
 *   iteration k the local rank o = k mod L of every host talks across, to the
 *   same local rank on host h + 1; the other L - 1 local ranks form a ring
 *   inside the host that skips o (send to the next local rank, o skipped).
 * - inner-outer-exp2 (GetInnerOuterExpo2DynamicSendRecvRanks, L >= 3): the
 *   same split, with exponential distances: across to host
 *   h + 2^(k mod (floor(log2(M - 1)) + 1)); inside, a distance
 *   d = 2^(k mod (floor(log2(L - 2)) + 1)) on the ring of the L - 1 local
 *   ranks other than o (d + 1 when the step of d would reach or pass o).
 * - machine-exp2 (GetExp2DynamicSendRecvMachineRanks, as its
 *   hierarchical neighbour allreduce uses it): an exact average inside each
 *   host, then host h averages (1/2, 1/2) with host h - 2^(k mod tau), tau =
 *   floor(log2(M - 1)) + 1 (host h sends to h + 2^(...)): W(k) = B(k) (x) (1/L) 1 1^T.
 *   When M is a power of two, tau = log2 M consecutive W(k) multiply to the
 *   exact average (1/n) 1 1^T.
 * The distances are computed on integers, not through a float log2.
 */
import type { Matrix } from './convention.js';
import { TopologyError } from './errors.js';
import { zeros } from './linalg.js';

/** M hosts of L ranks each. */
export interface HostShape {
  readonly hosts: number;
  readonly localSize: number;
}

/** floor(log2 x) for an integer x >= 1. */
export function floorLog2(x: number): number {
  let t = 0;
  while (2 ** (t + 1) <= x) t++;
  return t;
}

/** The host shape of n ranks with `localSize` per host; throws unless it divides n and both sides are large enough. */
export function hostShape(name: string, n: number, localSize: number | undefined, minLocal: number): HostShape {
  if (localSize === undefined) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${name} needs the ranks per host; pass localSize (CLI: --local-size L) with L dividing n = ${n}`,
    );
  }
  if (!Number.isSafeInteger(localSize) || localSize < minLocal || n % localSize !== 0 || n / localSize < 2) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${name} needs n = hosts x localSize with localSize >= ${minLocal} and at least 2 hosts; ` +
        `got n = ${n}, localSize = ${localSize}` +
        (minLocal > 1 ? `; with ${minLocal - 1} or fewer ranks per host use machine-exp2 or onepeer-exp` : ''),
    );
  }
  return { hosts: n / localSize, localSize };
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** Distance exponent count of the host-level exp2 step: floor(log2(M - 1)) + 1 distances 1, 2, 4, ... */
export function machineExp2Distances(hosts: number): number {
  return floorLog2(Math.max(1, hosts - 1)) + 1;
}

/** The host that host h sends to at iteration k of machine-exp2 (it receives from h - the same distance). */
export function machineExp2Target(hosts: number, k: number, host: number): number {
  return mod(host + 2 ** (k % machineExp2Distances(hosts)), hosts);
}

/** The rank `rank` sends to at iteration k of inner-outer-ring. */
export function innerOuterRingTarget(shape: HostShape, k: number, rank: number): number {
  const { hosts: M, localSize: L } = shape;
  const host = Math.floor(rank / L);
  const local = rank % L;
  const outside = k % L;
  if (local === outside) return mod(host + 1, M) * L + local;
  let to = mod(local + 1, L);
  if (to === outside) to = mod(to + 1, L);
  return host * L + to;
}

/** The rank `rank` sends to at iteration k of inner-outer-exp2. */
export function innerOuterExp2Target(shape: HostShape, k: number, rank: number): number {
  const { hosts: M, localSize: L } = shape;
  const host = Math.floor(rank / L);
  const local = rank % L;
  const outside = k % L;
  if (local === outside) return mod(host + 2 ** (k % machineExp2Distances(M)), M) * L + local;
  const inner = floorLog2(L - 2) + 1;
  let d = 2 ** (k % inner);
  if (d >= mod(outside - local, L)) d += 1;
  return host * L + mod(local + d, L);
}

/** (I + P)/2 where rank i sends to targets[i]; throws E_TOPOLOGY_SCHEDULE unless the targets are a permutation. */
export function halfPermutation(name: string, k: number, targets: readonly number[]): Matrix {
  const n = targets.length;
  const W = zeros(n);
  const seen = new Array<boolean>(n).fill(false);
  targets.forEach((t, i) => {
    if (seen[t] || t === i) {
      throw new TopologyError('E_TOPOLOGY_SCHEDULE', `${name} at iteration ${k}: rank ${t} would be sent to twice or by itself`);
    }
    seen[t] = true;
    W[i][i] = 0.5;
    W[t][i] = 0.5;
  });
  return W;
}

/** W(k) of machine-exp2: B(k) (x) (1/L) 1 1^T. */
export function machineExp2(shape: HostShape, k: number): Matrix {
  const { hosts: M, localSize: L } = shape;
  const n = M * L;
  const W = zeros(n);
  for (let h = 0; h < M; h++) {
    const to = machineExp2Target(M, k, h);
    for (let a = 0; a < L; a++) {
      for (let b = 0; b < L; b++) {
        W[h * L + a][h * L + b] += 0.5 / L;
        W[to * L + a][h * L + b] += 0.5 / L;
      }
    }
  }
  return W;
}
