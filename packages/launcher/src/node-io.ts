/** The real ResolveIO: files, nvidia-smi, clock, randomness, the topology registry. */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topology from '@dtrain/topology';
import { validateAlgorithm } from '@dtrain/runtime/contract';
import { detectGpus } from './gpus.js';
import type { ResolveIO } from './resolve.js';
import type { AlgoRunOptions } from './algo-options.js';
import { readHeldCheckpoints } from './resume-checks.js';

/**
 * Where `--example NAME` looks: DTRAIN_EXAMPLES_DIR; else, in a dtrain
 * checkout (this package at packages/launcher), examples/ at its root; else
 * the examples an installed package ships (PACKAGE/examples, copied in by
 * npm pack).
 */
export function examplesDir(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  if (env.DTRAIN_EXAMPLES_DIR !== undefined && env.DTRAIN_EXAMPLES_DIR !== '') return env.DTRAIN_EXAMPLES_DIR;
  const checkout = checkoutRoot(exists);
  if (checkout !== null && exists(join(checkout, 'examples'))) return join(checkout, 'examples');
  return fileURLToPath(new URL('../examples/', import.meta.url));
}

/** The root of the dtrain checkout this package sits in (it holds packages/launcher), or null for an installed package. */
export function checkoutRoot(exists: (path: string) => boolean = existsSync): string | null {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return exists(join(root, 'packages', 'launcher', 'package.json')) ? root : null;
}

/** Builds the schedule once (createSchedule throws TopologyError naming a bad name, size or option). */
export function checkTopology(name: string, nodes: number, seed: number, localSize?: number): string {
  return topology.createSchedule(name, nodes, { seed, ...(localSize === undefined ? {} : { localSize }) }).name;
}

/** The workers' own check (validateAlgorithm), run before any of them starts. */
export function checkAlgorithm(algorithm: string, name: string, nodes: number, seed: number, options: { globalAvgPeriod?: number; overlap?: boolean } & AlgoRunOptions, localSize?: number): void {
  validateAlgorithm(algorithm, topology.createSchedule(name, nodes, { seed, ...(localSize === undefined ? {} : { localSize }) }), options);
}

export function nodeIO(): ResolveIO {
  return {
    cwd: process.cwd(),
    now: new Date(),
    hostname: hostname(),
    nodeBin: process.execPath,
    examplesDir: examplesDir(),
    interfaces: () => Object.keys(networkInterfaces()),
    isFile: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    readFile: (p) => readFileSync(p, 'utf8'),
    listDir: (p) => readdirSync(p),
    detectGpus: () => detectGpus(),
    randomHex: (bytes) => randomBytes(bytes).toString('hex'),
    env: process.env,
    checkTopology,
    checkAlgorithm,
    checkpoints: readHeldCheckpoints,
  };
}
