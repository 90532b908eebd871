/** The real ResolveIO: files, nvidia-smi, clock, randomness, the topology registry. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as topology from '@dtrain/topology';
import { validateAlgorithm } from '@dtrain/runtime/contract';
import { detectGpus } from './gpus.js';
import type { ResolveIO } from './resolve.js';
import type { AlgoRunOptions } from './algo-options.js';
import { readHeldCheckpoints } from './resume-checks.js';

/** examples/ at the repository root, or DTRAIN_EXAMPLES_DIR. */
export function examplesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DTRAIN_EXAMPLES_DIR ?? fileURLToPath(new URL('../../../examples/', import.meta.url));
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
