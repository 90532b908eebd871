/**
 * The table of named schedules beyond the static undirected catalog: what
 * each is, its kind, the options it reads, and how it is built. registry.ts
 * looks names up here; `createBase` builds the base graph of the one-peer
 * samplers without an import cycle.
 */
import type { Schedule } from './convention.js';
import { oneWayRing, symmetricExponential } from './circulant.js';
import { columnStochastic, digraphSkewed } from './directed.js';
import { dEquiStatic, odEquiDyn, ouEquiDyn, uEquiStatic } from './equitopo.js';
import { TopologyError } from './errors.js';
import { UNDIRECTED_GRAPHS } from './graphs/catalog.js';
import { exponentialTau, onePeerExponential, staticExponential } from './exponential.js';
import {
  halfPermutation,
  hostShape,
  innerOuterExp2Target,
  innerOuterRingTarget,
  machineExp2,
  machineExp2Distances,
  type HostShape,
} from './machine.js';
import { clockwiseTargets, isPermutationStep, onePeerCycle, onePeerCyclePeriod } from './onepeer-cycle.js';
import { onePeerSample } from './onepeer.js';
import type { TopologyOptions } from './options.js';
import { dynamicSchedule, isSymmetric, staticSchedule } from './schedule.js';

export type TopologyKind = 'static' | 'dynamic' | 'directed';
export type OptionKey = keyof TopologyOptions;

export interface Entry {
  readonly description: string;
  readonly kind: TopologyKind;
  /** The options it reads besides seed; a function when they follow another option (a base graph's). */
  readonly options: readonly OptionKey[] | ((o: TopologyOptions) => readonly OptionKey[]);
  create(n: number, options: TopologyOptions): Schedule;
}

/** The base graph a one-peer sampler draws from when options.base is absent. */
export const DEFAULT_ONEPEER_BASE = 'ring';

/** Builds a named static base graph and says which options it reads. */
export interface BaseResolver {
  create(name: string, n: number, options: TopologyOptions): Schedule;
  options(name: string, options: TopologyOptions): readonly OptionKey[];
}

/** A dynamic schedule whose W(0) is built now, so bad options fail at creation, not mid-run. */
function eager(schedule: Schedule): Schedule {
  schedule.matrix(0);
  return schedule;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** Steps of a periodic one-peer schedule checked for doubly stochastic W(k) (the whole period when it is shorter). */
const PERMUTATION_CHECK_STEPS = 4096;

function onePeerCycleSchedule(n: number, options: TopologyOptions, bases: BaseResolver): Schedule {
  const base = bases.create(options.base ?? DEFAULT_ONEPEER_BASE, n, { ...options, base: undefined });
  if (base.dynamic) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `onepeer-cycle cycles through the neighbours of a static base graph; got the time-varying base '${base.name}'`,
    );
  }
  const targets = clockwiseTargets(base.matrix(0));
  const period = onePeerCyclePeriod(targets);
  const checked = Math.min(period ?? PERMUTATION_CHECK_STEPS, PERMUTATION_CHECK_STEPS);
  let doubly = period !== undefined && period <= PERMUTATION_CHECK_STEPS;
  let symmetric = true;
  for (let k = 0; k < checked && doubly; k++) doubly = isPermutationStep(targets, k);
  for (let k = 0; k < checked && symmetric; k++) symmetric = isSymmetric(onePeerCycle(targets, k));
  return eager(
    dynamicSchedule('onepeer-cycle', n, (k) => onePeerCycle(targets, k), {
      directed: !symmetric,
      stochastic: doubly ? 'doubly' : 'column',
      ...(period === undefined ? {} : { period }),
    }),
  );
}

function machineSchedule(
  name: string,
  n: number,
  options: TopologyOptions,
  minLocal: number,
  build: (shape: HostShape, k: number) => ReturnType<typeof machineExp2>,
  periodOf: (shape: HostShape) => number,
): Schedule {
  const shape = hostShape(name, n, options.localSize, minLocal);
  return eager(dynamicSchedule(name, n, (k) => build(shape, k), { directed: true, stochastic: 'doubly', period: periodOf(shape) }));
}

const ranks = (shape: HostShape): number[] => Array.from({ length: shape.hosts * shape.localSize }, (_, r) => r);

export function specialEntries(bases: BaseResolver): Record<string, Entry> {
  const baseOptions = (o: TopologyOptions): readonly OptionKey[] => [
    'base',
    ...bases.options(o.base ?? DEFAULT_ONEPEER_BASE, o).filter((k) => k !== 'weights'),
  ];
  return {
    exp: {
      kind: 'static',
      options: ['expBase'],
      description: 'static exponential graph: node i receives from i+1, i+b, i+b^2, ... (--exp-base b, default 2), equal weights',
      create: (n, o) => staticSchedule('exp', staticExponential(n, o.expBase ?? 2)),
    },
    'sym-exp': {
      kind: 'static',
      options: ['expBase'],
      description: 'symmetric exponential graph: node i linked to i +- 1, b, b^2, ... up to n/2 (--exp-base b, default 4)',
      create: (n, o) => staticSchedule('sym-exp', symmetricExponential(n, o.expBase)),
    },
    'ring-left': {
      kind: 'static',
      options: [],
      description: 'one-way ring: node i sends to i - 1 and keeps half (directed, doubly stochastic)',
      create: (n) => staticSchedule('ring-left', oneWayRing(n, 'left')),
    },
    'ring-right': {
      kind: 'static',
      options: [],
      description: 'one-way ring: node i sends to i + 1 and keeps half (directed, doubly stochastic)',
      create: (n) => staticSchedule('ring-right', oneWayRing(n, 'right')),
    },
    'd-equistatic': {
      kind: 'static',
      options: ['degree', 'epsilon', 'p'],
      description: 'D-EquiStatic: average of M random EquiTopo basis graphs, directed (--degree M, default ceil(log2 n), or --epsilon [--p])',
      create: (n, o) => staticSchedule('d-equistatic', dEquiStatic(n, o)),
    },
    'u-equistatic': {
      kind: 'static',
      options: ['degree', 'epsilon', 'p'],
      description: 'U-EquiStatic: the symmetrised D-EquiStatic, undirected (--degree M or --epsilon [--p])',
      create: (n, o) => staticSchedule('u-equistatic', uEquiStatic(n, o)),
    },
    'onepeer-exp': {
      kind: 'dynamic',
      options: [],
      description: 'one-peer exponential graph: at iteration k node i averages with i + 2^(k mod tau); exact average every log2 n rounds when n is a power of 2',
      create: (n) =>
        eager(
          dynamicSchedule('onepeer-exp', n, (k) => onePeerExponential(n, k), {
            directed: n > 2,
            stochastic: 'doubly',
            period: Math.max(1, exponentialTau(n)),
          }),
        ),
    },
    'od-equidyn': {
      kind: 'dynamic',
      options: ['eta', 'degree', 'epsilon', 'p'],
      description: 'OD-EquiDyn: one random basis graph per iteration, W(k) = (1-eta) I + eta A(v_k), directed one-peer (--eta, default 0.5; v_k from the M indices of a static draw with --degree M or --epsilon)',
      create: (n, o) =>
        eager(dynamicSchedule('od-equidyn', n, (k) => odEquiDyn(n, k, o), { directed: n > 2, stochastic: 'doubly' })),
    },
    'ou-equidyn': {
      kind: 'dynamic',
      options: ['eta', 'degree', 'epsilon', 'p'],
      description: 'OU-EquiDyn: undirected one-peer matching along a random label difference per iteration (--eta; --degree M or --epsilon as od-equidyn)',
      create: (n, o) =>
        eager(dynamicSchedule('ou-equidyn', n, (k) => ouEquiDyn(n, k, o), { directed: false, stochastic: 'doubly' })),
    },
    onepeer: {
      kind: 'dynamic',
      options: baseOptions,
      description: `one random peer per iteration: a random maximal matching of a static undirected --base graph (default ${DEFAULT_ONEPEER_BASE})`,
      create: (n, o) => {
        const baseName = o.base ?? DEFAULT_ONEPEER_BASE;
        if (!(baseName in UNDIRECTED_GRAPHS) && baseName !== 'u-equistatic') {
          const fits = [...Object.keys(UNDIRECTED_GRAPHS), 'u-equistatic'].join(', ');
          throw new TopologyError(
            'E_TOPOLOGY_OPTION',
            `onepeer samples a static undirected base graph; got base='${baseName}'; choose one of: ${fits}`,
          );
        }
        const base = bases.create(baseName, n, { ...o, base: undefined }).matrix(0);
        return eager(dynamicSchedule('onepeer', n, (k) => onePeerSample(base, k, o.seed ?? 0), { directed: false, stochastic: 'doubly' }));
      },
    },
    'onepeer-cycle': {
      kind: 'dynamic',
      options: baseOptions,
      description: `BlueFog's one-peer schedule: each rank cycles through its out-neighbours in a static --base graph (default ${DEFAULT_ONEPEER_BASE}), clockwise; push-sum when a rank can be the target of several`,
      create: (n, o) => onePeerCycleSchedule(n, o, bases),
    },
    'inner-outer-ring': {
      kind: 'dynamic',
      options: ['localSize'],
      description: 'hosts of --local-size L >= 3 ranks: local rank k mod L talks to the next host, the others form a ring inside the host',
      create: (n, o) =>
        machineSchedule('inner-outer-ring', n, o, 3, (s, k) => halfPermutation('inner-outer-ring', k, ranks(s).map((r) => innerOuterRingTarget(s, k, r))), (s) => s.localSize),
    },
    'inner-outer-exp2': {
      kind: 'dynamic',
      options: ['localSize'],
      description: 'hosts of --local-size L >= 3 ranks: local rank k mod L talks to host h + 2^t, the others exponential distances inside the host',
      create: (n, o) =>
        machineSchedule(
          'inner-outer-exp2',
          n,
          o,
          3,
          (s, k) => halfPermutation('inner-outer-exp2', k, ranks(s).map((r) => innerOuterExp2Target(s, k, r))),
          (s) => lcm(lcm(s.localSize, machineExp2Distances(s.hosts)), machineExp2Distances(s.localSize - 1)),
        ),
    },
    'machine-exp2': {
      kind: 'dynamic',
      options: ['localSize'],
      description: 'hosts of --local-size L ranks: exact average inside each host, then host h averages with host h - 2^(k mod tau)',
      create: (n, o) => machineSchedule('machine-exp2', n, o, 1, machineExp2, (s) => machineExp2Distances(s.hosts)),
    },
    directed: {
      kind: 'directed',
      options: ['edges'],
      description: 'column-stochastic digraph from --edges "from>to,...", weights 1/(1 + out-degree); use push-sum',
      create: (n, o) => {
        if (o.edges === undefined || o.edges.length === 0) {
          throw new TopologyError(
            'E_TOPOLOGY_OPTION',
            `directed needs its edges; got none; pass edges as [from, to] pairs (CLI: --edges "0>1,1>2,2>0")`,
          );
        }
        return staticSchedule('directed', columnStochastic(n, o.edges));
      },
    },
    'digraph-skewed': {
      kind: 'directed',
      options: [],
      description: 'seed 003 digraph with kappa_pi = 2^(n-1) and beta_pi = 1/sqrt(2) for every n; use push-sum',
      create: (n) => staticSchedule('digraph-skewed', digraphSkewed(n)),
    },
  };
}
