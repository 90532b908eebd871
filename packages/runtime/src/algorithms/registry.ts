/**
 * Every algorithm by name: what it needs of the schedule, which options it
 * reads, and how to build it. `validateAlgorithm` refuses an invalid
 * (algorithm, topology, options) triple before training starts, naming why;
 * `createAlgorithm` validates and builds.
 */
import type { Schedule } from '@dtrain/topology';
import { AlgorithmError } from '../errors.js';
import { DEFAULT_GLOBAL_AVG_PERIOD, DEFAULT_MOMENTUM, DEFAULT_ROUNDS } from './constants.js';
import { createDsgd } from './dsgd.js';
import { createExactDiffusion } from './exact-diffusion.js';
import { createGradientTracking } from './gradient-tracking.js';
import { resolveCompress, resolveOuter } from './extra-options.js';
import { createDilocoGossip, createLocalSgd, createPga } from './pga.js';
import { createPsgd } from './psgd.js';
import { createPushSum } from './push-sum.js';
import type { Algorithm, AlgorithmName, AlgorithmOptions, AlgorithmSetup, ResolvedAlgorithmOptions } from './types.js';

/**
 * What an algorithm needs of the schedule:
 * - 'none': it does not gossip (allreduce only);
 * - 'doubly': every W(k) doubly stochastic (static or time-varying);
 * - 'symmetric-static': one symmetric doubly stochastic W;
 * - 'column': column stochastic is enough (push-sum), doubly stochastic too.
 */
export type ScheduleNeed = 'none' | 'doubly' | 'symmetric-static' | 'column';

export interface AlgorithmSpec {
  readonly name: AlgorithmName;
  readonly description: string;
  readonly needs: ScheduleNeed;
  /** Options this algorithm reads; any other option given is refused. */
  readonly options: readonly (keyof AlgorithmOptions)[];
  /** Largest vector it sends, in model sizes (default 1): the transport refuses frames above it. */
  readonly frameScale?: number;
  create(setup: AlgorithmSetup): Algorithm;
}

export const ALGORITHMS: Readonly<Record<AlgorithmName, AlgorithmSpec>> = {
  psgd: {
    name: 'psgd',
    description: 'parallel SGD: gradients averaged by ring allreduce every step (the baseline)',
    needs: 'none',
    options: ['compress'],
    create: createPsgd,
  },
  dsgd: {
    name: 'dsgd',
    description: 'decentralized SGD, adapt-then-combine: local step, then partial averaging with W(k)',
    needs: 'doubly',
    options: ['rounds', 'momentum', 'overlap', 'compress', 'consensusStep'],
    create: createDsgd,
  },
  pga: {
    name: 'pga',
    description: 'Gossip-PGA: dsgd plus an exact global average every globalAvgPeriod steps',
    needs: 'doubly',
    options: ['rounds', 'momentum', 'globalAvgPeriod', 'overlap', 'compress', 'consensusStep', 'outerOptimizer', 'outerLr', 'outerMomentum'],
    create: createPga,
  },
  'local-sgd': {
    name: 'local-sgd',
    description: 'local SGD: no gossip, an exact global average every globalAvgPeriod steps',
    needs: 'none',
    options: ['momentum', 'globalAvgPeriod', 'compress', 'outerOptimizer', 'outerLr', 'outerMomentum'],
    create: createLocalSgd,
  },
  'diloco-gossip': {
    name: 'diloco-gossip',
    description: 'DiLoCo over gossip: local steps, every globalAvgPeriod steps a neighbour average and the outer step on x(round start) - W x',
    needs: 'doubly',
    options: ['rounds', 'momentum', 'globalAvgPeriod', 'compress', 'consensusStep', 'outerOptimizer', 'outerLr', 'outerMomentum'],
    create: createDilocoGossip,
  },
  'gradient-tracking': {
    name: 'gradient-tracking',
    description: 'gradient tracking: gossip x - gamma y and a tracker y of the average gradient; exact under heterogeneity',
    needs: 'doubly',
    options: ['rounds'],
    frameScale: 2,
    create: createGradientTracking,
  },
  'exact-diffusion': {
    name: 'exact-diffusion',
    description: 'Exact-Diffusion / D2: adapt, correct, combine with (I + W)/2; exact under heterogeneity; symmetric static W',
    needs: 'symmetric-static',
    options: ['rounds'],
    create: createExactDiffusion,
  },
  'push-sum': {
    name: 'push-sum',
    description: 'stochastic gradient push: SGD with push-sum weights, for directed column-stochastic schedules',
    needs: 'column',
    options: ['rounds'],
    create: createPushSum,
  },
};

export const ALGORITHM_NAMES: readonly AlgorithmName[] = Object.keys(ALGORITHMS) as AlgorithmName[];

function isName(name: string): name is AlgorithmName {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, name);
}

/** The spec of `name`, or AlgorithmError E_ALGORITHM_UNKNOWN listing the known names. */
export function algorithmSpec(name: string): AlgorithmSpec {
  if (!isName(name)) {
    throw new AlgorithmError('E_ALGORITHM_UNKNOWN', `unknown algorithm '${name}'; known algorithms: ${ALGORITHM_NAMES.join(', ')}`);
  }
  return ALGORITHMS[name];
}

function checkTopology(spec: AlgorithmSpec, schedule: Schedule): void {
  const where = `${spec.name} on topology '${schedule.name}'`;
  const refuse = (why: string, fix: string): never => {
    throw new AlgorithmError('E_ALGORITHM_TOPOLOGY', `${where}: ${why}; ${fix}`);
  };
  switch (spec.needs) {
    case 'none':
      return;
    case 'column':
      // A hierarchical schedule averages inside hosts and broadcasts back: no push-sum weight travels with it.
      if (schedule.hierarchy !== undefined) {
        refuse(`${spec.name} mixes push-sum weights, which a hierarchical schedule does not carry`, 'use dsgd (the schedule is doubly stochastic)');
      }
      return;
    case 'doubly':
      if (schedule.stochastic !== 'doubly') {
        refuse(
          `${spec.name} needs a doubly stochastic W but this schedule is column stochastic only (its rows do not sum to 1, so gossip would drift to a pi-weighted average)`,
          'use --algorithm push-sum on directed schedules, or an undirected topology',
        );
      }
      return;
    case 'symmetric-static':
      if (schedule.stochastic !== 'doubly' || schedule.directed) {
        refuse(
          `${spec.name} needs a symmetric doubly stochastic W but this schedule is ${schedule.stochastic !== 'doubly' ? 'column stochastic only' : 'not symmetric (directed)'}`,
          'use an undirected static topology (ring, grid, torus, u-equistatic...), or gradient-tracking / push-sum',
        );
      }
      if (schedule.dynamic) {
        refuse(
          `${spec.name} needs one fixed W but this schedule changes every iteration`,
          'use a static undirected topology (ring, torus, u-equistatic...), or gradient-tracking, which accepts time-varying W',
        );
      }
      return;
  }
}

function intAtLeast(name: string, value: number | undefined, min: number, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new AlgorithmError('E_ALGORITHM_OPTION', `${name} must be an integer >= ${min}; got ${String(value)}`);
  }
  return v;
}

/** Why each algorithm without the overlap option cannot overlap its communication with the gradient. */
const NO_OVERLAP: Readonly<Partial<Record<AlgorithmName, string>>> = {
  psgd: 'its allreduce averages the gradient of the same iteration, so it cannot start before that gradient exists',
  'local-sgd': 'it does not gossip, and its periodic global averages need the local step first',
  'gradient-tracking': 'it gossips x - gamma y, and the tracker y needs the gradient of the same iteration',
  'exact-diffusion': 'it combines the corrected half-step, which needs the gradient of the same iteration',
  'push-sum': 'it pushes the half-step x - gamma g, which needs the gradient of the same iteration',
  'diloco-gossip': 'it gossips once a round, after the local steps, so there is nothing to overlap',
};

/** Refuse overlap: true for an algorithm without it, naming the algorithm, why, and the fix. */
function checkOverlap(spec: AlgorithmSpec, overlap: unknown): boolean {
  if (overlap !== undefined && typeof overlap !== 'boolean') {
    throw new AlgorithmError('E_ALGORITHM_OPTION', `overlap must be true or false; got ${JSON.stringify(overlap)}`);
  }
  if (overlap !== true) return false;
  if (spec.options.includes('overlap')) return true;
  const supported = ALGORITHM_NAMES.filter((n) => ALGORITHMS[n].options.includes('overlap'));
  throw new AlgorithmError(
    'E_ALGORITHM_OPTION',
    `${spec.name} cannot overlap communication with computation (overlap: true): ${NO_OVERLAP[spec.name] ?? 'it does not support it'}. ` +
      `Drop --overlap / DTRAIN_OVERLAP=1 / overlap: true, or use ${supported.join(' or ')}`,
  );
}

/** Fill defaults and check ranges; refuses options the algorithm does not read. */
export function resolveAlgorithmOptions(spec: AlgorithmSpec, options: AlgorithmOptions): ResolvedAlgorithmOptions {
  const overlap = checkOverlap(spec, options.overlap);
  for (const key of Object.keys(options) as (keyof AlgorithmOptions)[]) {
    if (key === 'overlap' || options[key] === undefined || spec.options.includes(key)) continue;
    throw new AlgorithmError(
      'E_ALGORITHM_OPTION',
      `${spec.name} does not use ${key} (got ${String(options[key])}); ${spec.options.length > 0 ? `it reads ${spec.options.join(', ')}` : 'it takes no options'}. Leave ${key} out or pick an algorithm that uses it`,
    );
  }
  const momentum = options.momentum ?? DEFAULT_MOMENTUM;
  if (!Number.isFinite(momentum) || momentum < 0 || momentum >= 1) {
    throw new AlgorithmError('E_ALGORITHM_OPTION', `momentum must be in [0, 1); got ${String(options.momentum)}`);
  }
  const compress = resolveCompress(spec.name, options, spec.needs !== 'none');
  const outer = resolveOuter(options);
  return {
    rounds: intAtLeast('rounds', options.rounds, 1, DEFAULT_ROUNDS),
    globalAvgPeriod: intAtLeast('globalAvgPeriod', options.globalAvgPeriod, 1, DEFAULT_GLOBAL_AVG_PERIOD),
    momentum,
    ...(overlap ? { overlap: true as const } : {}),
    ...(compress !== undefined ? { compress } : {}),
    ...(outer !== undefined ? { outer } : {}),
  };
}

/**
 * Refuse an invalid pair before training: an unknown name
 * (E_ALGORITHM_UNKNOWN), a schedule the algorithm cannot run on
 * (E_ALGORITHM_TOPOLOGY, naming why) or a bad option (E_ALGORITHM_OPTION,
 * also overlap: true for an algorithm that cannot overlap).
 * Returns the spec and the options with defaults filled in.
 */
export function validateAlgorithm(
  name: string,
  schedule: Schedule,
  options: AlgorithmOptions = {},
): { spec: AlgorithmSpec; options: ResolvedAlgorithmOptions } {
  const spec = algorithmSpec(name);
  checkTopology(spec, schedule);
  return { spec, options: resolveAlgorithmOptions(spec, options) };
}

/** Validate, then build the algorithm for a model of `size` parameters. */
export function createAlgorithm(name: string, schedule: Schedule, size: number, options: AlgorithmOptions = {}): Algorithm {
  const v = validateAlgorithm(name, schedule, options);
  return v.spec.create({ size, options: v.options });
}
