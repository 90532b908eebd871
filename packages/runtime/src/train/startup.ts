/**
 * Startup checks, run by init() before the first step, so a job that cannot
 * work fails at once with a message that names the cause instead of hanging
 * on its first exchange or failing at its last one:
 *
 * 1. the schedule is consistent over a horizon of iterations (every send has
 *    a matching receive with the same weight: verifySchedule);
 * 2. this rank can exchange frames both ways with every peer the job will
 *    talk to (the transport's checkPeers, which names the unreachable pairs
 *    and their addresses).
 *
 * The peers a rank talks to are the union of
 * - its schedule neighbours over the horizon (gossip: exchange),
 * - its ring neighbours (ring allreduce: psgd, pga, local-sgd, the average
 *   model of every evaluation; the initial broadcast from rank 0),
 * - every other rank: allgather sends to every peer directly, and fit() and
 *   summarize() use it (resume step, consensus distance, summary figures).
 * The last set makes the check cover all pairs today; the first two are
 * kept separate so the check shrinks with the collectives.
 */
import { verifySchedule, type Schedule } from '@dtrain/topology';
import type { Transport } from '../transport/types.js';

/** Fewest iterations of a time-varying schedule checked at startup (covers one period of every periodic schedule up to 2^64 nodes). */
export const STARTUP_MIN_ITERATIONS = 64;
/** Iterations checked per node beyond the minimum: K = max(64, 4n) ... */
export const STARTUP_ITERATIONS_PER_NODE = 4;
/** ... while K * n^2 stays under this many units of work (verifySchedule costs about n^2 per iteration). */
export const STARTUP_WORK_BUDGET = 1 << 22;

/** What the startup checks did, for the init log line. */
export interface StartupReport {
  /** Iterations of the schedule verified (0, 1, ..., iterations - 1). */
  readonly iterations: number;
  /** Point-to-point messages the schedule sends over those iterations. */
  readonly messages: number;
  /** Peers of this rank whose links were checked. */
  readonly peers: readonly number[];
  readonly verifySeconds: number;
  readonly checkSeconds: number;
}

/**
 * Iterations to verify: one for a static schedule (every W(k) is the same),
 * else max(64, 4n), lowered towards 64 for large n so startup stays quick.
 */
export function startupHorizon(schedule: Schedule): number {
  if (!schedule.dynamic) return 1;
  const n = schedule.nodes;
  const wanted = Math.max(STARTUP_MIN_ITERATIONS, STARTUP_ITERATIONS_PER_NODE * n);
  const affordable = Math.floor(STARTUP_WORK_BUDGET / (n * n));
  return Math.max(STARTUP_MIN_ITERATIONS, Math.min(wanted, affordable));
}

/** Ranks `rank` sends to or receives from in iterations 0 .. iterations-1. */
export function scheduleNeighbours(schedule: Schedule, rank: number, iterations: number): Set<number> {
  const peers = new Set<number>();
  for (let k = 0; k < iterations; k++) {
    const step = schedule.at(k, rank);
    for (const p of step.sendTo) peers.add(p);
    for (const p of step.recvFrom) peers.add(p);
  }
  return peers;
}

/** Ring allreduce and broadcast: rank-1 and rank+1 (mod size). */
export function ringNeighbours(rank: number, size: number): Set<number> {
  if (size < 2) return new Set();
  return new Set([(rank + 1) % size, (rank - 1 + size) % size]);
}

/** Allgather: every other rank. */
export function allgatherPeers(rank: number, size: number): Set<number> {
  return new Set(Array.from({ length: size }, (_, p) => p).filter((p) => p !== rank));
}

/** Every peer `rank` will exchange frames with (ascending, never itself). */
export function startupPeers(schedule: Schedule, rank: number, iterations: number): number[] {
  const n = schedule.nodes;
  const all = new Set([...scheduleNeighbours(schedule, rank, iterations), ...ringNeighbours(rank, n), ...allgatherPeers(rank, n)]);
  all.delete(rank);
  return [...all].sort((a, b) => a - b);
}

/**
 * Step 1 (pure, no network): throws TopologyError E_TOPOLOGY_SCHEDULE naming
 * the iteration and ranks. A hierarchical schedule is checked as it runs: its
 * inter-host schedule, whose pairs are the leaders' exchanges (the effective
 * W(k) is checked as well); `messages` then counts those that cross hosts.
 */
export function verifyStartupSchedule(schedule: Schedule): { iterations: number; messages: number; seconds: number } {
  const t0 = performance.now();
  const iterations = startupHorizon(schedule);
  const inter = schedule.hierarchy?.inter;
  const { messages } = verifySchedule(schedule, 0, iterations);
  const across = inter === undefined ? messages : verifySchedule(inter, 0, iterations).messages;
  return { iterations, messages: across, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Both steps. Every rank must call it (each checks its own links, and a
 * link works only when both ends answer). Rejects with the schedule's
 * TopologyError or the transport's TransportError E_TRANSPORT_UNREACHABLE.
 */
export async function runStartupChecks(
  transport: Transport,
  schedule: Schedule,
  verified?: { iterations: number; messages: number; seconds: number },
): Promise<StartupReport> {
  const v = verified ?? verifyStartupSchedule(schedule);
  const peers = startupPeers(schedule, transport.rank, v.iterations);
  const t0 = performance.now();
  if (peers.length > 0) await transport.checkPeers(peers);
  return { iterations: v.iterations, messages: v.messages, peers, verifySeconds: v.seconds, checkSeconds: (performance.now() - t0) / 1000 };
}
