export type { Hierarchy, Matrix, RankStep, Schedule } from './convention.js';
export type { TopologyOptions, WeightScheme } from './options.js';
export { DtrainError, TopologyError, type TopologyErrorCode } from './errors.js';
export { rngFrom, hashInts, type Rng } from './random.js';
export * from './linalg.js';
export * from './exponential.js';
export * from './equitopo.js';
export * from './onepeer.js';
export * from './onepeer-cycle.js';
export * from './hierarchy.js';
export * from './circulant.js';
export * from './machine.js';
export * from './directed.js';
export * from './schedule.js';
export * from './metrics.js';
export * from './period.js';
export * from './weights.js';
export { ring, grid, torus, star, full, squareFactors, meshShape } from './graphs/basic.js';
export { ringLattice, regularLattice } from './graphs/lattice.js';
export {
  erdosRenyi,
  halfRandom,
  wattsStrogatz,
  r3l,
  defaultEdgeProbability,
  ER_DRAWS,
  WS_DEFAULT_P,
  R3L_SWAPS_PER_EDGE,
} from './graphs/random-graphs.js';
export { lsR2l, lsR2lSearch, LS_R2L_DEFAULT_ITERATIONS, type LocalSearchResult } from './graphs/search.js';
export { emptyAdjacency, fromEdges, edgeList, addEdge, removeEdge, hasEdge, copyAdjacency } from './graphs/edges.js';
export { UNDIRECTED_GRAPHS, undirectedMatrix, undirectedSpec, type StaticGraphSpec } from './graphs/catalog.js';
export * from './registry.js';
