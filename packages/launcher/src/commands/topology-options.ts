/**
 * The options of `dtrain topology matrix|inspect`, declared once, and their
 * decoding from command-line strings into a checked TopologyOptions. Every
 * bad value is a UsageError naming the flag, the value seen and the fix.
 */
import type { Command } from 'commander';
import { WEIGHT_SCHEMES, type TopologyOptions, type WeightScheme } from '@dtrain/topology';
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
  eta?: string;
  weights?: string;
  base?: string;
  edges?: string;
  searchIterations?: string;
}

/** Declares --topology, --nodes, --seed and the name-specific options on `cmd`. */
export function addTopologyOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--topology <name>', 'topology name (see `dtrain topology list`)')
    .requiredOption('--nodes <n>', 'number of nodes (ranks), an integer >= 1')
    .option('--seed <s>', 'seed of every random draw (non-negative integer)', '0')
    .option('--rows <r>', 'grid/torus: rows')
    .option('--cols <c>', 'grid/torus: columns')
    .option('--p <p>', 'erdos-renyi/watts-strogatz: edge or rewiring probability in [0, 1]')
    .option('--degree <d>', 'ring-lattice/watts-strogatz/r3l/ls-r2l: degree; d-/u-equistatic: number of basis graphs')
    .option('--eta <eta>', 'od-/ou-equidyn: mixing parameter in (0, 1]')
    .option('--weights <scheme>', `static undirected graphs: ${WEIGHT_SCHEMES.join(' | ')}`)
    .option('--base <name>', 'onepeer: the static undirected graph to sample one peer from (default ring)')
    .option('--edges <list>', 'directed: edges "from>to,from>to,..." e.g. "0>1,1>2,2>0"')
    .option('--search-iterations <k>', 'ls-r2l: local search iterations');
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

export function decodeTopologyFlags(flags: RawTopologyFlags): TopologyRequest {
  if (flags.topology === undefined || flags.topology.trim() === '') {
    throw new UsageError('--topology is required; see `dtrain topology list` for the names');
  }
  if (flags.nodes === undefined) throw new UsageError('--nodes is required, an integer >= 1');
  const options: TopologyOptions = { seed: parseInteger('--seed', flags.seed ?? '0', 0) };
  if (flags.rows !== undefined) options.rows = parseInteger('--rows', flags.rows, 1);
  if (flags.cols !== undefined) options.cols = parseInteger('--cols', flags.cols, 1);
  if (flags.p !== undefined) options.p = parseNumber('--p', flags.p);
  if (flags.degree !== undefined) options.degree = parseInteger('--degree', flags.degree, 1);
  if (flags.eta !== undefined) options.eta = parseNumber('--eta', flags.eta);
  if (flags.weights !== undefined) options.weights = parseWeights(flags.weights);
  if (flags.base !== undefined) options.base = flags.base;
  if (flags.edges !== undefined) options.edges = parseEdges(flags.edges);
  if (flags.searchIterations !== undefined) {
    options.searchIterations = parseInteger('--search-iterations', flags.searchIterations, 0);
  }
  return { name: flags.topology.trim(), nodes: parseInteger('--nodes', flags.nodes, 1), options };
}
