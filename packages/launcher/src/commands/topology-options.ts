/**
 * The options of `dtrain topology matrix|inspect`, declared once, and their
 * decoding from command-line strings into a checked TopologyOptions. Every
 * bad value is a UsageError naming the flag, the value seen and the fix; so
 * is an option the chosen topology does not read (`--weights` on exp).
 */
import type { Command } from 'commander';
import { topologyOptionKeys, WEIGHT_SCHEMES, type OptionKey, type TopologyOptions, type WeightScheme } from '@dtrain/topology';
import { UsageError } from '../errors.js';

/** The raw strings commander hands over (every value option is a string or absent). */
export interface RawTopologyFlags {
  topology?: string;
  nodes?: string;
  seed?: string;
  rows?: string;
  cols?: string;
  p?: string;
  degree?: string;
  epsilon?: string;
  eta?: string;
  weights?: string;
  base?: string;
  edges?: string;
  searchIterations?: string;
  expBase?: string;
  hub?: string;
  localSize?: string;
}

/** The flag of each option key, for messages. */
const FLAGS: Record<OptionKey, string> = {
  seed: '--seed',
  rows: '--rows',
  cols: '--cols',
  p: '--p',
  degree: '--degree',
  epsilon: '--epsilon',
  eta: '--eta',
  weights: '--weights',
  base: '--base',
  edges: '--edges',
  searchIterations: '--search-iterations',
  expBase: '--exp-base',
  hub: '--hub',
  localSize: '--local-size',
};

/** Declares --topology, --nodes, --seed and the name-specific options on `cmd`; the name may also come positionally. */
export function addTopologyOptions(cmd: Command): Command {
  return cmd
    .argument('[name]', 'topology name (see `dtrain topology list`); or --topology NAME')
    .option('--topology <name>', 'topology name, when not given positionally')
    .requiredOption('--nodes <n>', 'number of nodes (ranks), an integer >= 1')
    .option('--seed <s>', 'seed of every random draw (non-negative integer)', '0')
    .option('--rows <r>', 'grid/torus: rows')
    .option('--cols <c>', 'grid/torus: columns')
    .option('--p <p>', 'erdos-renyi/watts-strogatz: edge or rewiring probability; EquiTopo with --epsilon: failure probability (0.1)')
    .option('--degree <d>', 'ring-lattice/watts-strogatz/r3l/ls-r2l: degree; EquiTopo: number of basis graphs M')
    .option('--epsilon <e>', 'EquiTopo: choose M so that rho < e with probability >= 1 - p')
    .option('--eta <eta>', 'od-/ou-equidyn: mixing parameter in (0, 1]')
    .option('--weights <scheme>', `static undirected graphs: ${WEIGHT_SCHEMES.join(' | ')}`)
    .option('--base <name>', 'onepeer/onepeer-cycle: the static graph to take one peer from (default ring)')
    .option('--edges <list>', 'directed: edges "from>to,from>to,..." e.g. "0>1,1>2,2>0"')
    .option('--search-iterations <k>', 'ls-r2l: local search iterations')
    .option('--exp-base <b>', 'exp (default 2) / sym-exp (default 4): base of the offsets 1, b, b^2, ...')
    .option('--hub <rank>', 'star: the hub rank (default 0)')
    .option('--local-size <L>', 'hier:*, inner-outer-ring/-exp2, machine-exp2: ranks per host (inspect: any topology, to count what crosses hosts)');
}

/** An integer >= min from a flag's string, or a UsageError naming both. */
export function parseInteger(flag: string, raw: string, min: number): number {
  const text = raw.trim();
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} must be an integer >= ${min}; got '${raw}'`);
  }
  return value;
}

/** A finite number from a flag's string, or a UsageError. */
export function parseNumber(flag: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`${flag} must be a number; got '${raw}'`);
  return value;
}

/** "0>1, 1->2" into [[0, 1], [1, 2]]. */
export function parseEdges(raw: string): Array<[number, number]> {
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError(`--edges needs at least one edge "from>to"; got '${raw}'`);
  return parts.map((part) => {
    const m = /^(\d+)\s*-?>\s*(\d+)$/.exec(part);
    if (m === null) throw new UsageError(`--edges: '${part}' is not an edge; write "from>to", e.g. --edges "0>1,1>2,2>0"`);
    return [Number(m[1]), Number(m[2])];
  });
}

function parseWeights(raw: string): WeightScheme {
  const found = WEIGHT_SCHEMES.find((w) => w === raw);
  if (found === undefined) throw new UsageError(`--weights must be one of ${WEIGHT_SCHEMES.join(', ')}; got '${raw}'`);
  return found;
}

/** The decoded request: name, node count and the options the topology package reads. */
export interface TopologyRequest {
  readonly name: string;
  readonly nodes: number;
  readonly options: TopologyOptions;
}

/** The topology name from the positional argument or --topology (both: they must agree). */
export function topologyName(positional: string | undefined, flag: string | undefined): string {
  const a = positional?.trim();
  const b = flag?.trim();
  if (a && b && a !== b) {
    throw new UsageError(`got the topology twice, '${a}' as an argument and --topology '${b}'; give it once`);
  }
  const name = a || b;
  if (!name) throw new UsageError('name a topology: `dtrain topology inspect NAME --nodes N` (or --topology NAME); see `dtrain topology list`');
  return name;
}

function decodeOptions(flags: RawTopologyFlags): TopologyOptions {
  const options: TopologyOptions = { seed: parseInteger('--seed', flags.seed ?? '0', 0) };
  if (flags.rows !== undefined) options.rows = parseInteger('--rows', flags.rows, 1);
  if (flags.cols !== undefined) options.cols = parseInteger('--cols', flags.cols, 1);
  if (flags.p !== undefined) options.p = parseNumber('--p', flags.p);
  if (flags.degree !== undefined) options.degree = parseInteger('--degree', flags.degree, 1);
  if (flags.epsilon !== undefined) options.epsilon = parseNumber('--epsilon', flags.epsilon);
  if (flags.eta !== undefined) options.eta = parseNumber('--eta', flags.eta);
  if (flags.weights !== undefined) options.weights = parseWeights(flags.weights);
  if (flags.base !== undefined) options.base = flags.base;
  if (flags.edges !== undefined) options.edges = parseEdges(flags.edges);
  if (flags.searchIterations !== undefined) {
    options.searchIterations = parseInteger('--search-iterations', flags.searchIterations, 0);
  }
  if (flags.expBase !== undefined) options.expBase = parseInteger('--exp-base', flags.expBase, 2);
  if (flags.hub !== undefined) options.hub = parseInteger('--hub', flags.hub, 0);
  if (flags.localSize !== undefined) options.localSize = parseInteger('--local-size', flags.localSize, 1);
  return options;
}

/** A UsageError for the first given option that topology `name` does not read. */
function refuseUnused(name: string, options: TopologyOptions, always: readonly OptionKey[]): void {
  const reads = new Set<OptionKey>(['seed', ...always, ...topologyOptionKeys(name, options)]);
  const given = (Object.keys(options) as OptionKey[]).filter((k) => options[k] !== undefined);
  const unused = given.filter((k) => !reads.has(k));
  if (unused.length === 0) return;
  const its = [...reads].filter((k) => k !== 'seed').map((k) => FLAGS[k]);
  throw new UsageError(
    `${unused.map((k) => FLAGS[k]).join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used by ${name}; drop ${unused.length === 1 ? 'it' : 'them'}` +
      (its.length > 0 ? ` (${name} reads ${its.join(', ')}${name.startsWith('onepeer') ? ' and the options of its --base' : ''})` : ` (${name} reads only --seed)`),
  );
}

/** `always`: options accepted whatever the topology (inspect's --local-size groups ranks by host for its report). */
export function decodeTopologyFlags(flags: RawTopologyFlags, positional?: string, always: readonly OptionKey[] = []): TopologyRequest {
  const name = topologyName(positional, flags.topology);
  if (flags.nodes === undefined) throw new UsageError('--nodes is required, an integer >= 1');
  const options = decodeOptions(flags);
  refuseUnused(name, options, always);
  return { name, nodes: parseInteger('--nodes', flags.nodes, 1), options };
}
