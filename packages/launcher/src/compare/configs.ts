/**
 * The configurations `dtrain compare` runs, parsed from a list such as
 * `psgd,dsgd:onepeer-exp,pga:onepeer-exp:8,dsgd:ring`: each entry is
 * algorithm[:topology[:H]][+overlap][+CODEC], H being Gossip-PGA's global-average
 * period, `+overlap` running that configuration with `dtrain launch
 * --overlap` (gossip overlapped with the next step's computation) and
 * `+int8` (or +fp16, +bf16, +topk:F) with `--compress int8`.
 * Every entry is checked (algorithm and topology known, the pair valid on
 * this many nodes) before anything runs.
 */
import { ALGORITHM_NAMES, ALGORITHMS, compressProblem, validateAlgorithm, type AlgorithmName } from '@dtrain/runtime/contract';
import { TOPOLOGY_NAMES, createSchedule } from '@dtrain/topology';
import { DEFAULT_TOPOLOGY } from '../constants.js';
import { UsageError } from '../errors.js';

export interface RunConfig {
  /** The entry as written, normalised: `pga:onepeer-exp:8`. */
  label: string;
  /** Directory name under the comparison's output directory. */
  slug: string;
  algorithm: AlgorithmName;
  topology: string;
  /** Global-average period for pga / local-sgd; null = the algorithm's default or none. */
  globalAvgPeriod: number | null;
  /** Run with `dtrain launch --overlap`. */
  overlap: boolean;
  /** Run with `dtrain launch --compress NAME`; null = uncompressed. */
  compress: string | null;
}

/** The suffix that asks for overlapped communication. */
export const OVERLAP_SUFFIX = '+overlap';

function isAlgorithm(name: string): name is AlgorithmName {
  return (ALGORITHM_NAMES as readonly string[]).includes(name);
}

/** A file-system-safe directory name for a configuration label. */
export function configSlug(label: string): string {
  return label.replace(/:/g, '-').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The +overlap and +CODEC suffixes of an entry (each at most once, in any order). */
function parseSuffixes(raw: string, suffixes: readonly string[]): { overlap: boolean; compress: string | null } {
  let overlap = false;
  let compress: string | null = null;
  for (const s of suffixes) {
    if (`+${s}` === OVERLAP_SUFFIX && !overlap) overlap = true;
    else if (compressProblem(s) === undefined && compress === null) compress = s;
    else {
      throw new UsageError(
        `--configs entry ${JSON.stringify(raw)}: unknown or repeated suffix '+${s}'; the suffixes are ${OVERLAP_SUFFIX} and one of +fp16, +bf16, +int8, +topk:F; write e.g. dsgd:onepeer-exp${OVERLAP_SUFFIX}+int8`,
      );
    }
  }
  return { overlap, compress: compress === 'fp32' ? null : compress };
}

function parseEntry(raw: string): RunConfig {
  const [entry, ...suffixes] = raw.split('+');
  const { overlap, compress } = parseSuffixes(raw, suffixes);
  if (overlap && entry.split(':')[0] === 'psgd') {
    throw new UsageError(`--configs entry ${JSON.stringify(raw)}: ${OVERLAP_SUFFIX} overlaps gossip, and psgd does not gossip; drop the suffix or use a gossip algorithm`);
  }
  const parts = entry.split(':').map((p) => p.trim());
  if (parts.length > 3 || parts.some((p) => p === '')) {
    throw new UsageError(`--configs entry ${JSON.stringify(entry)} is not algorithm[:topology[:H]]; write e.g. dsgd:ring or pga:onepeer-exp:8`);
  }
  const [algorithm, topologyRaw, periodRaw] = parts;
  if (!isAlgorithm(algorithm)) {
    throw new UsageError(`--configs entry ${JSON.stringify(entry)}: unknown algorithm '${algorithm}'; known algorithms: ${ALGORITHM_NAMES.join(', ')}`);
  }
  const topology = topologyRaw ?? DEFAULT_TOPOLOGY;
  if (!TOPOLOGY_NAMES.includes(topology)) {
    throw new UsageError(`--configs entry ${JSON.stringify(entry)}: unknown topology '${topology}'; known topologies: ${TOPOLOGY_NAMES.join(', ')}`);
  }
  let globalAvgPeriod: number | null = null;
  if (periodRaw !== undefined) {
    if (!ALGORITHMS[algorithm].options.includes('globalAvgPeriod')) {
      throw new UsageError(`--configs entry ${JSON.stringify(entry)}: ${algorithm} has no global-average period; drop ':${periodRaw}' or use pga / local-sgd`);
    }
    if (!/^\d+$/.test(periodRaw) || Number(periodRaw) < 1) {
      throw new UsageError(`--configs entry ${JSON.stringify(entry)}: period ${JSON.stringify(periodRaw)} is not an integer >= 1; write e.g. pga:onepeer-exp:8`);
    }
    globalAvgPeriod = Number(periodRaw);
  }
  const base = ALGORITHMS[algorithm].needs === 'none' && topologyRaw === undefined ? algorithm : [algorithm, topology, ...(periodRaw !== undefined ? [String(globalAvgPeriod)] : [])].join(':');
  const label = `${base}${overlap ? OVERLAP_SUFFIX : ''}${compress !== null ? `+${compress}` : ''}`;
  return { label, slug: configSlug(label), algorithm, topology, globalAvgPeriod, overlap, compress };
}

/** Check that the algorithm runs on this topology with `nodes` ranks (throws UsageError naming the entry). */
function checkFits(config: RunConfig, nodes: number, seed: number): void {
  try {
    const schedule = createSchedule(config.topology, nodes, { seed });
    validateAlgorithm(config.algorithm, schedule, {
      ...(config.globalAvgPeriod === null ? {} : { globalAvgPeriod: config.globalAvgPeriod }),
      ...(config.compress === null ? {} : { compress: config.compress }),
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--configs entry ${config.label} with ${nodes} nodes: ${msg}`);
  }
}

/** Parse and validate the whole list; throws UsageError on the first bad entry or a repeated one. */
export function parseConfigs(list: string, nodes: number, seed = 0): RunConfig[] {
  const entries = list.split(',').map((e) => e.trim());
  if (entries.length === 0 || entries.every((e) => e === '')) {
    throw new UsageError('--configs is empty; write e.g. --configs psgd,dsgd:ring');
  }
  const configs = entries.map(parseEntry);
  const seen = new Set<string>();
  for (const c of configs) {
    if (seen.has(c.slug)) throw new UsageError(`--configs lists ${c.label} twice; list each configuration once`);
    seen.add(c.slug);
    checkFits(c, nodes, seed);
  }
  return configs;
}
