/**
 * Every topology by name: the table the CLI and the runtime choose from.
 * createSchedule(name, nodes, options) turns a name into a Schedule.
 *
 * Kinds: 'static' (one doubly stochastic W), 'dynamic' (W(k) changes with the
 * iteration, doubly stochastic, drawn from (seed, k)), 'directed' (column
 * stochastic only: use push-sum algorithms).
 */
import type { Schedule } from './convention.js';
import { columnStochastic, digraphSkewed } from './directed.js';
import { dEquiStatic, odEquiDyn, ouEquiDyn, uEquiStatic } from './equitopo.js';
import { TopologyError } from './errors.js';
import { onePeerExponential, staticExponential } from './exponential.js';
import { UNDIRECTED_GRAPHS, undirectedMatrix } from './graphs/catalog.js';
import { onePeerSample } from './onepeer.js';
import type { TopologyOptions } from './options.js';
import { dynamicSchedule, staticSchedule } from './schedule.js';

export type TopologyKind = 'static' | 'dynamic' | 'directed';

export interface TopologyInfo {
  readonly name: string;
  readonly description: string;
  readonly kind: TopologyKind;
}

/** The static undirected graph the `onepeer` sampler draws from when options.base is absent. */
export const DEFAULT_ONEPEER_BASE = 'ring';

interface Entry {
  readonly description: string;
  readonly kind: TopologyKind;
  create(n: number, options: TopologyOptions): Schedule;
}

function checkSeed(options: TopologyOptions): number {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `seed must be a non-negative integer; got ${seed}; pass e.g. seed=0`);
  }
  return seed;
}

/** A dynamic schedule whose W(0) is built now, so bad options fail at creation, not mid-run. */
function eager(schedule: Schedule): Schedule {
  schedule.matrix(0);
  return schedule;
}

function onePeerSchedule(n: number, options: TopologyOptions): Schedule {
  const baseName = options.base ?? DEFAULT_ONEPEER_BASE;
  if (!(baseName in UNDIRECTED_GRAPHS) && !['u-equistatic'].includes(baseName)) {
    const fits = [...Object.keys(UNDIRECTED_GRAPHS), 'u-equistatic'].join(', ');
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `onepeer samples a static undirected base graph; got base='${baseName}'; choose one of: ${fits}`,
    );
  }
  const base = createSchedule(baseName, n, { ...options, base: undefined }).matrix(0);
  const seed = checkSeed(options);
  return eager(dynamicSchedule('onepeer', n, (k) => onePeerSample(base, k, seed), { directed: false, stochastic: 'doubly' }));
}

function directedSchedule(n: number, options: TopologyOptions): Schedule {
  if (options.edges === undefined || options.edges.length === 0) {
    throw new TopologyError(
      'E_TOPOLOGY_OPTION',
      `directed needs its edges; got none; pass edges as [from, to] pairs (CLI: --edges "0>1,1>2,2>0")`,
    );
  }
  return staticSchedule('directed', columnStochastic(n, options.edges));
}

const SPECIAL: Record<string, Entry> = {
  exp: {
    kind: 'static',
    description: 'static exponential graph: node i receives from i+1, i+2, i+4, ... (ceil(log2 n) peers), weights 1/(tau+1)',
    create: (n) => staticSchedule('exp', staticExponential(n)),
  },
  'd-equistatic': {
    kind: 'static',
    description: 'D-EquiStatic: average of M random EquiTopo basis graphs, directed (--degree M, default ceil(log2 n))',
    create: (n, o) => staticSchedule('d-equistatic', dEquiStatic(n, o)),
  },
  'u-equistatic': {
    kind: 'static',
    description: 'U-EquiStatic: the symmetrised D-EquiStatic, undirected (--degree M)',
    create: (n, o) => staticSchedule('u-equistatic', uEquiStatic(n, o)),
  },
  'onepeer-exp': {
    kind: 'dynamic',
    description: 'one-peer exponential graph: at iteration k node i averages with i + 2^(k mod tau); exact average every log2 n rounds when n is a power of 2',
    create: (n) =>
      eager(dynamicSchedule('onepeer-exp', n, (k) => onePeerExponential(n, k), { directed: n > 2, stochastic: 'doubly' })),
  },
  'od-equidyn': {
    kind: 'dynamic',
    description: 'OD-EquiDyn: one random basis graph per iteration, W(k) = (1-eta) I + eta A(v_k), directed one-peer (--eta, default 0.5)',
    create: (n, o) =>
      eager(dynamicSchedule('od-equidyn', n, (k) => odEquiDyn(n, k, o), { directed: n > 2, stochastic: 'doubly' })),
  },
  'ou-equidyn': {
    kind: 'dynamic',
    description: 'OU-EquiDyn: undirected one-peer matching along a random label difference per iteration (--eta, default 0.5)',
    create: (n, o) =>
      eager(dynamicSchedule('ou-equidyn', n, (k) => ouEquiDyn(n, k, o), { directed: false, stochastic: 'doubly' })),
  },
  onepeer: {
    kind: 'dynamic',
    description: `one random peer per iteration: a random maximal matching of a static undirected --base graph (default ${DEFAULT_ONEPEER_BASE})`,
    create: onePeerSchedule,
  },
  directed: {
    kind: 'directed',
    description: 'column-stochastic digraph from --edges "from>to,...", weights 1/(1 + out-degree); use push-sum',
    create: directedSchedule,
  },
  'digraph-skewed': {
    kind: 'directed',
    description: 'seed 003 digraph with kappa_pi = 2^(n-1) and beta_pi = 1/sqrt(2) for every n; use push-sum',
    create: (n) => staticSchedule('digraph-skewed', digraphSkewed(n)),
  },
};

function entryOf(name: string): Entry | undefined {
  if (Object.prototype.hasOwnProperty.call(SPECIAL, name)) return SPECIAL[name];
  if (!Object.prototype.hasOwnProperty.call(UNDIRECTED_GRAPHS, name)) return undefined;
  const graph = UNDIRECTED_GRAPHS[name];
  return {
    kind: 'static',
    description: graph.description,
    create: (n, o) => staticSchedule(name, undirectedMatrix(name, n, o)),
  };
}

/** Every name createSchedule accepts: the undirected catalog first, then the others. */
export const TOPOLOGY_NAMES: readonly string[] = [...Object.keys(UNDIRECTED_GRAPHS), ...Object.keys(SPECIAL)];

/** Each name with a one-line description and its kind. */
export function listTopologies(): TopologyInfo[] {
  return TOPOLOGY_NAMES.map((name) => {
    const e = entryOf(name) as Entry;
    return { name, description: e.description, kind: e.kind };
  });
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The schedule of topology `name` over `nodes` ranks. Options a topology does
 * not read are ignored. Throws E_TOPOLOGY_UNKNOWN (listing the known names),
 * E_TOPOLOGY_NODES or E_TOPOLOGY_OPTION.
 */
export function createSchedule(name: string, nodes: number, options: TopologyOptions = {}): Schedule {
  const entry = entryOf(name);
  if (entry === undefined) {
    const near = TOPOLOGY_NAMES.filter((t) => editDistance(t, name) <= 2);
    const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
    throw new TopologyError(
      'E_TOPOLOGY_UNKNOWN',
      `unknown topology '${name}'${hint}; known topologies: ${TOPOLOGY_NAMES.join(', ')}`,
    );
  }
  if (!Number.isSafeInteger(nodes) || nodes < 1) {
    throw new TopologyError('E_TOPOLOGY_NODES', `${name} needs an integer number of nodes >= 1; got ${nodes}`);
  }
  checkSeed(options);
  return entry.create(nodes, options);
}
