/**
 * Hierarchical schedules, `hier:<inter>`: ranks are grouped by host (L ranks
 * on each of M hosts, rank = host * L + local rank). One iteration is
 *
 *   1. an exact average inside each host (a ring allreduce over the host),
 *   2. one step of the host-level schedule `inter` among the hosts' leaders
 *      (local rank 0), the only traffic that crosses hosts,
 *   3. a broadcast of the leader's result back inside the host,
 *
 * so the effective matrix is W(k) = B(k) (x) (1/L) 1 1^T, B(k) = inter's
 * W(k) over the M hosts. It is doubly stochastic when B(k) is, and with an
 * exact inter schedule it is exact: one-peer exp over M = 2^t hosts averages
 * all n ranks exactly after t iterations. `hier` alone is `hier:full`:
 * every iteration the exact average (a hierarchical allreduce).
 */
import type { Hierarchy, Matrix, RankStep, Schedule } from './convention.js';
import { TopologyError } from './errors.js';
import { zeros } from './linalg.js';
import { dynamicSchedule, staticSchedule } from './schedule.js';

export const HIER_PREFIX = 'hier';
/** The inter-host schedule of plain `hier`. */
export const HIER_DEFAULT_INTER = 'full';

/** The inter-host schedule's name of a hierarchical name ('hier' -> 'full', 'hier:X' -> 'X'), else undefined. */
export function hierInterName(name: string): string | undefined {
  if (name === HIER_PREFIX) return HIER_DEFAULT_INTER;
  if (!name.startsWith(`${HIER_PREFIX}:`)) return undefined;
  return name.slice(HIER_PREFIX.length + 1);
}

/** The host of a rank and its leader (local rank 0 of that host). */
export function hostOf(rank: number, localSize: number): number {
  return Math.floor(rank / localSize);
}

/** The ranks of host h, ascending (the first is its leader). */
export function hostMembers(host: number, localSize: number): number[] {
  return Array.from({ length: localSize }, (_, a) => host * localSize + a);
}

/** What host h's leader does at iteration k: inter's step of node h with hosts mapped to their leaders' ranks. */
export function leaderStep(h: Hierarchy, k: number, host: number): RankStep {
  const s = h.inter.at(k, host);
  const L = h.localSize;
  return { ...s, sendTo: s.sendTo.map((g) => g * L), recvFrom: s.recvFrom.map((g) => g * L) };
}

function effective(B: Matrix, L: number): Matrix {
  const M = B.length;
  const W = zeros(M * L);
  for (let h = 0; h < M; h++) {
    for (let g = 0; g < M; g++) {
      if (B[h][g] === 0) continue;
      const w = B[h][g] / L;
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) W[h * L + a][g * L + b] = w;
    }
  }
  return W;
}

/** The hierarchical schedule `name` over n = hosts x localSize ranks with the host-level schedule `inter`. */
export function hierarchicalSchedule(name: string, n: number, localSize: number, inter: Schedule): Schedule {
  if (inter.stochastic !== 'doubly') {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${name}: the inter-host schedule '${inter.name}' is column stochastic; a host average needs a doubly stochastic one (e.g. onepeer-exp, exp, od-equidyn)`,
    );
  }
  if (inter.nodes * localSize !== n) {
    throw new TopologyError('E_TOPOLOGY_NODES', `${name}: ${inter.nodes} hosts x ${localSize} ranks is not n = ${n}`);
  }
  const hierarchy: Hierarchy = { localSize, hosts: inter.nodes, inter };
  const base = inter.dynamic
    ? dynamicSchedule(name, n, (k) => effective(inter.matrix(k), localSize), {
        directed: inter.directed,
        stochastic: 'doubly',
        ...(inter.period === undefined ? {} : { period: inter.period }),
      })
    : staticSchedule(name, effective(inter.matrix(0), localSize), { stochastic: 'doubly' });
  return Object.assign(base, { hierarchy });
}

/** The hosts x localSize shape of a hierarchical schedule; throws unless localSize is given and divides n. */
export function hierShape(name: string, n: number, localSize: number | undefined): { hosts: number; localSize: number } {
  if (localSize === undefined || !Number.isSafeInteger(localSize) || localSize < 1 || n % localSize !== 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `${name} groups ranks by host and needs the ranks per host, the same on every host and dividing n = ${n}; got ${localSize === undefined ? 'none' : `localSize = ${localSize}`}. ` +
        'dtrain launch takes it from --hosts when every host holds as many ranks (e.g. --hosts a:2,b:2; DTRAIN_LOCAL_WORLD_SIZE); the topology CLI from --local-size L',
    );
  }
  return { hosts: n / localSize, localSize };
}
