/**
 * Shared by `dtrain compose` and `dtrain k8s`: the job as seen from inside
 * the image (paths are container paths under /app), resolved from options.
 */
import { join } from 'node:path';
import { DEFAULT_SECURE, type RunOptions } from '@dtrain/runtime/contract';
import { EXAMPLE_ENTRIES } from './constants.js';
import { UsageError } from './errors.js';
import { parseGpuList } from './gpus.js';
import { elasticRunOptions, intOption, secondsOption } from './options.js';
import { parseAlgoFlags, type AlgoFlagsRaw } from './algo-options.js';
import { knownExamples, type ResolveIO } from './resolve.js';

/** Working directory of the images in docker/. */
export const IMAGE_WORKDIR = '/app';
export const DEFAULT_IMAGE = 'dtrain:cpu';

export interface ClusterOptionsRaw extends AlgoFlagsRaw {
  nodes?: string;
  gpus?: string;
  image: string;
  algorithm: string;
  topology: string;
  globalAvgPeriod?: string;
  overlap?: boolean;
  secure?: string;
  backend?: string;
  seed: string;
  port: string;
  timeout: string;
  iface?: string;
  example?: string;
  jobId?: string;
  output?: string;
  resume?: string;
  heartbeat?: string;
  elastic?: boolean;
  minNodes?: string;
}

export interface ClusterConfig {
  nodes: number;
  /** GPU id per rank (compose) or null for CPU; k8s asks for one GPU per pod when non-null. */
  gpus: number[] | null;
  image: string;
  /** Script path inside the image. */
  script: string;
  scriptArgs: string[];
  port: number;
  jobId: string;
  secret: string;
  options: RunOptions;
}

function containerScript(script: string | undefined, example: string | undefined, io: ResolveIO): string {
  if (script !== undefined && example !== undefined) throw new UsageError(`got both a script (${script}) and --example ${example}; give one of them`);
  if (example !== undefined) {
    const entry = EXAMPLE_ENTRIES.find((e) => io.isFile(join(io.examplesDir, example, e)));
    if (entry === undefined) {
      const known = knownExamples(io);
      throw new UsageError(`--example ${JSON.stringify(example)} is not a known example; known: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    }
    return `${IMAGE_WORKDIR}/examples/${example}/${entry}`;
  }
  if (script === undefined) throw new UsageError('no script given; write the script path inside the image (e.g. examples/mnist/train.mjs) or --example NAME');
  return script.startsWith('/') ? script : `${IMAGE_WORKDIR}/${script.replace(/^\.\//, '')}`;
}

export function resolveCluster(script: string | undefined, scriptArgs: string[], raw: ClusterOptionsRaw, io: ResolveIO): ClusterConfig {
  const gpus = raw.gpus === undefined ? null : parseGpuList(raw.gpus);
  const nodesFlag = raw.nodes === undefined ? undefined : intOption('--nodes', raw.nodes, 1);
  let nodes: number;
  if (gpus !== null && gpus.length > 0) {
    if (nodesFlag !== undefined && nodesFlag !== gpus.length) {
      throw new UsageError(`--nodes ${nodesFlag} does not match --gpus ${raw.gpus} (${gpus.length} GPUs, one rank each); drop --nodes or list ${nodesFlag} GPU ids`);
    }
    nodes = gpus.length;
  } else if (nodesFlag === undefined) {
    throw new UsageError('--nodes is required (or --gpus with one id per rank); write e.g. --nodes 4');
  } else nodes = nodesFlag;
  const seed = intOption('--seed', raw.seed, 0);
  const globalAvgPeriod = raw.globalAvgPeriod === undefined ? undefined : intOption('--global-avg-period', raw.globalAvgPeriod, 1);
  const jobId = raw.jobId ?? io.randomHex(4);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(jobId) || jobId.length > 40) {
    throw new UsageError(`--job-id ${JSON.stringify(jobId)} must be lowercase letters, digits and '-' (at most 40), as it names services; write e.g. --job-id mnist-1`);
  }
  io.checkTopology?.(raw.topology, nodes, seed);
  const algo = parseAlgoFlags(raw);
  if (io.checkAlgorithm !== undefined) {
    try {
      io.checkAlgorithm(raw.algorithm, raw.topology, nodes, seed, { ...(globalAvgPeriod !== undefined ? { globalAvgPeriod } : {}), ...(raw.overlap === true ? { overlap: true } : {}), ...algo });
    } catch (err) {
      throw new UsageError(`--algorithm ${raw.algorithm}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  return {
    nodes,
    gpus: gpus !== null && gpus.length > 0 ? gpus : null,
    image: raw.image,
    script: containerScript(script, raw.example, io),
    scriptArgs,
    port: intOption('--port', raw.port, 1, 65535),
    jobId,
    secret: io.randomHex(16),
    options: {
      algorithm: raw.algorithm,
      topology: raw.topology,
      seed,
      timeoutMs: Math.round(secondsOption('--timeout', raw.timeout) * 1000),
      out: `${IMAGE_WORKDIR}/runs/${jobId}`,
      ...(raw.backend !== undefined ? { backend: raw.backend } : {}),
      ...(raw.iface !== undefined ? { iface: raw.iface } : {}),
      ...(globalAvgPeriod !== undefined ? { globalAvgPeriod } : {}),
      ...(raw.overlap === true ? { overlap: true } : {}),
      ...algo,
      secure: raw.secure ?? DEFAULT_SECURE,
      ...(raw.resume !== undefined ? { resume: raw.resume } : {}),
      // No launcher collects the ranks' stdout here: each rank writes OUT/rank-<i>.ndjson itself.
      logRecords: true,
      ...elasticRunOptions(raw, nodes),
    },
  };
}
