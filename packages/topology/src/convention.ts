/**
 * The one weight convention of dtrain, stated once.
 *
 *   x_i(next) = sum_j W[i][j] * x_j
 *
 * Row i holds the weights node i applies to what it receives; column j holds
 * what node j's value contributes to each node. This is the convention of the
 * seeds (partial averaging x_i^+ = sum_j w_ij x_j).
 *
 * - Undirected schedules are symmetric and doubly stochastic.
 * - Directed (push-sum) schedules are column stochastic: sum_i W[i][j] = 1.
 * - A node i sends its value to every j != i with W[j][i] != 0 and receives
 *   from every j != i with W[i][j] != 0.
 */

/** A dense n x n weight matrix: `matrix[i][j]` = W[i][j]. */
export type Matrix = number[][];

/** What one rank does in one iteration of a schedule. */
export interface RankStep {
  /** Ranks this rank sends its value to (ascending, never itself). */
  readonly sendTo: readonly number[];
  /** W[sendTo[t]][rank]: the weight each receiver applies to this rank's value. */
  readonly sendWeights: readonly number[];
  /** Ranks this rank receives from (ascending, never itself). */
  readonly recvFrom: readonly number[];
  /** W[rank][recvFrom[t]]: the weight this rank applies to each received value. */
  readonly recvWeights: readonly number[];
  /** W[rank][rank]. */
  readonly selfWeight: number;
}

/**
 * A communication schedule: random access by iteration, deterministic from
 * (seed, iteration), so every process computes the same W(k) without talking.
 */
export interface Schedule {
  /** Kebab-case name, as accepted by the CLI. */
  readonly name: string;
  /** Number of nodes n. */
  readonly nodes: number;
  /** True when some W(k) is not symmetric (edges that carry data one way only). */
  readonly directed: boolean;
  /**
   * 'doubly' when every W(k) has rows and columns summing to 1 (DSGD and
   * friends may use it); 'column' when only columns sum to 1 (push-sum only).
   */
  readonly stochastic: 'doubly' | 'column';
  /** True when W depends on the iteration. */
  readonly dynamic: boolean;
  /** For a deterministic time-varying schedule: P with W(k + P) = W(k) for every k. Absent otherwise. */
  readonly period?: number;
  /**
   * Hierarchical schedules (hierarchy.ts): ranks grouped by host; matrix(k)
   * and at(k, rank) give the effective W(k), while the runtime runs an exact
   * average inside each host, `inter` among the hosts' leaders, and a
   * broadcast back inside.
   */
  readonly hierarchy?: Hierarchy;
  /** W(k) as a dense matrix (a fresh copy the caller may mutate). */
  matrix(iteration: number): Matrix;
  /** What `rank` sends and receives, and with which weights, at iteration k. */
  at(iteration: number, rank: number): RankStep;
}

/** How a hierarchical schedule groups ranks: `hosts` hosts of `localSize` ranks, rank = host * localSize + local rank. */
export interface Hierarchy {
  readonly localSize: number;
  readonly hosts: number;
  /** The schedule among the hosts (node h = host h; its leader, local rank 0, talks across). */
  readonly inter: Schedule;
}
