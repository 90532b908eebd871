/**
 * Every topology by name: the table the CLI and the runtime choose from.
 * createSchedule(name, nodes, options) turns a name into a Schedule.
 *
 * Kinds: 'static' (one doubly stochastic W), 'dynamic' (W(k) changes with the
 * iteration, drawn from (seed, k) or cycling deterministically), 'directed'
 * (column stochastic only: use push-sum algorithms).
 */
import type { Schedule } from './convention.js';
import { DEFAULT_ONEPEER_BASE, specialEntries, type Entry, type OptionKey, type TopologyKind } from './entries.js';
import { TopologyError } from './errors.js';
import { UNDIRECTED_GRAPHS, undirectedMatrix } from './graphs/catalog.js';
import { HIER_PREFIX, hierarchicalSchedule, hierInterName, hierShape } from './hierarchy.js';
import type { TopologyOptions } from './options.js';
import { staticSchedule } from './schedule.js';

export { DEFAULT_ONEPEER_BASE, type OptionKey, type TopologyKind };

export interface TopologyInfo {
  readonly name: string;
  readonly description: string;
  readonly kind: TopologyKind;
}

function checkSeed(options: TopologyOptions): number {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `seed must be a non-negative integer; got ${seed}; pass e.g. seed=0`);
  }
  return seed;
}

const SPECIAL: Record<string, Entry> = specialEntries({
  create: (name, n, options) => createSchedule(name, n, options),
  options: (name, options) => topologyOptionKeys(name, options),
});

/** `hier` and `hier:<inter>`: an exact average inside each host, `inter` among the hosts, a broadcast back. */
function hierEntry(name: string, interName: string): Entry | undefined {
  if (interName === '' || hierInterName(interName) !== undefined) return undefined;
  const inter = entryOf(interName);
  if (inter === undefined) return undefined;
  return {
    kind: inter.kind === 'dynamic' ? 'dynamic' : 'static',
    description: `hierarchical: exact average inside each host (--local-size L ranks), then ${interName} among the hosts (one rank each), then a broadcast; hier alone is hier:full (write hier:NAME for another inter-host schedule)`,
    options: (o) => ['localSize', ...(typeof inter.options === 'function' ? inter.options(o) : inter.options)],
    create: (n, o) => {
      const { hosts, localSize } = hierShape(name, n, o.localSize);
      let between: Schedule;
      try {
        between = inter.create(hosts, { ...o, localSize: undefined });
      } catch (err) {
        if (!(err instanceof TopologyError)) throw err;
        const one = hosts === 1 ? '; every rank is on one host: group them with --hosts a:L,b:L (localhost:L,127.0.0.1:L emulates two)' : '';
        throw new TopologyError(err.code, `${name} over ${hosts} host(s) of ${localSize}: the inter-host schedule ${interName} on ${hosts} nodes: ${one === '' ? err.message : err.message.replace(/\.$/, '')}${one}`);
      }
      return hierarchicalSchedule(name, n, localSize, between);
    },
  };
}

function entryOf(name: string): Entry | undefined {
  const interName = hierInterName(name);
  if (interName !== undefined) return hierEntry(name, interName);
  if (Object.prototype.hasOwnProperty.call(SPECIAL, name)) return SPECIAL[name];
  if (!Object.prototype.hasOwnProperty.call(UNDIRECTED_GRAPHS, name)) return undefined;
  const graph = UNDIRECTED_GRAPHS[name];
  return {
    kind: 'static',
    description: graph.description,
    options: [...graph.options, 'weights'],
    create: (n, o) => staticSchedule(name, undirectedMatrix(name, n, o)),
  };
}

/** Every name createSchedule accepts: the undirected catalog first, then the others. */
export const TOPOLOGY_NAMES: readonly string[] = [...Object.keys(UNDIRECTED_GRAPHS), ...Object.keys(SPECIAL), HIER_PREFIX];

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

function knownEntry(name: string): Entry {
  const entry = entryOf(name);
  if (entry !== undefined) return entry;
  const near = TOPOLOGY_NAMES.filter((t) => editDistance(t, name) <= 2);
  const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
  throw new TopologyError(
    'E_TOPOLOGY_UNKNOWN',
    `unknown topology '${name}'${hint}; known topologies: ${TOPOLOGY_NAMES.join(', ')}`,
  );
}

/**
 * The options topology `name` reads besides `seed` (for the one-peer
 * samplers: `base` and the options of the base graph named in `options`).
 * The CLI refuses every other option.
 */
export function topologyOptionKeys(name: string, options: TopologyOptions = {}): readonly OptionKey[] {
  const { options: keys } = knownEntry(name);
  return typeof keys === 'function' ? keys(options) : keys;
}

/**
 * The schedule of topology `name` over `nodes` ranks. Options a topology does
 * not read are ignored here (topologyOptionKeys says which it reads). Throws
 * E_TOPOLOGY_UNKNOWN (listing the known names), E_TOPOLOGY_NODES or
 * E_TOPOLOGY_OPTION.
 */
export function createSchedule(name: string, nodes: number, options: TopologyOptions = {}): Schedule {
  const entry = knownEntry(name);
  if (!Number.isSafeInteger(nodes) || nodes < 1) {
    throw new TopologyError('E_TOPOLOGY_NODES', `${name} needs an integer number of nodes >= 1; got ${nodes}`);
  }
  checkSeed(options);
  return entry.create(nodes, options);
}
