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
  /** erdos-renyi / watts-strogatz: edge or rewiring probability. */
  p?: number;
  /** ring-lattice / watts-strogatz / r3l / ls-r2l: degree C (even for lattices). */
  degree?: number;
  /** od-equidyn / ou-equidyn: mixing parameter eta in (0, 1]. Default 1/2. */
  eta?: number;
  /** Weight scheme for static undirected graphs. Default 'metropolis'. */
  weights?: WeightScheme;
  /** onepeer sampler: the static graph to sample one peer per iteration from. */
  base?: string;
  /** directed: edge list [from, to] for the column-stochastic weighting. */
  edges?: ReadonlyArray<readonly [number, number]>;
  /** ls-r2l: local search iterations. */
  searchIterations?: number;
}
