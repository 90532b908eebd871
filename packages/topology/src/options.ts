/** Weight schemes for undirected graphs (seed 002). */
export type WeightScheme = 'metropolis' | 'max-degree' | 'laplacian';

/**
 * Options accepted by every generator; each generator reads the ones it
 * needs and rejects values out of range with a TopologyError.
 */
export interface TopologyOptions {
  /** Seed of every random choice (graph draws and time-varying schedules). Default 0. */
  seed?: number;
  /** grid / torus: rows (cols = n / rows). Default: the most nearly square factorisation. */
  rows?: number;
  /** grid / torus: columns. */
  cols?: number;
  /**
   * erdos-renyi / watts-strogatz: edge or rewiring probability. d-/u-equistatic
   * and od-/ou-equidyn with `epsilon`: the failure probability p of the bound
   * Pr(rho < epsilon) >= 1 - p (default 0.1).
   */
  p?: number;
  /** d-/u-equistatic, od-/ou-equidyn: choose M from the target rho < epsilon w.p. >= 1 - p. */
  epsilon?: number;
  /** exp (default 2) and sym-exp (default 4): the base b of the offsets 1, b, b^2, ... */
  expBase?: number;
  /** star: the hub rank (default 0). */
  hub?: number;
  /** Machine-level schedules: ranks per host, ranks numbered host by host (rank = host * localSize + local). */
  localSize?: number;
  /** ring-lattice / watts-strogatz / r3l / ls-r2l: degree C (even for lattices). */
  degree?: number;
  /** od-equidyn / ou-equidyn: mixing parameter eta in (0, 1]. Default 1/2. */
  eta?: number;
  /** Weight scheme for static undirected graphs. Default 'metropolis'. */
  weights?: WeightScheme;
  /** onepeer / onepeer-cycle: the static graph to take one peer per iteration from. */
  base?: string;
  /** directed: edge list [from, to] for the column-stochastic weighting. */
  edges?: ReadonlyArray<readonly [number, number]>;
  /** ls-r2l: local search iterations. */
  searchIterations?: number;
}
