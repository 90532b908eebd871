import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { normalizeWorkerEnv, WorkerEnvError } from '@dtrain/runtime';
import { UsageError } from '../errors.js';

const HELP = `
Reads the rank from DTRAIN_* variables, or from torchrun (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT; rank 0 listens on MASTER_PORT+1), Slurm (SLURM_PROCID,
SLURM_NTASKS, SLURM_LOCALID, first host of SLURM_JOB_NODELIST) or a Kubernetes Indexed Job
(JOB_COMPLETION_INDEX with DTRAIN_WORLD_SIZE and DTRAIN_RENDEZVOUS), sets the DTRAIN_*
variables and runs the script in this process. DTRAIN_SECRET is always required:
  export DTRAIN_SECRET=$(openssl rand -hex 16)   # before torchrun / sbatch, same on every rank`;

export interface WorkerFlags {
  gpuPerLocalRank?: boolean;
}

/** Resolve the contract into `env` (mutated), or throw a UsageError naming the variable. */
export function prepareWorkerEnv(env: NodeJS.ProcessEnv, flags: WorkerFlags): void {
  let vars: Record<string, string>;
  try {
    vars = normalizeWorkerEnv(env);
  } catch (err) {
    if (err instanceof WorkerEnvError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  Object.assign(env, vars);
  if (flags.gpuPerLocalRank === true && env.CUDA_VISIBLE_DEVICES === undefined) env.CUDA_VISIBLE_DEVICES = vars.DTRAIN_LOCAL_RANK;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run one rank of a job started by another engine (torchrun, Slurm, Kubernetes, compose)')
    .argument('<script>', 'worker script to run in this process')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .option('--gpu-per-local-rank', 'set CUDA_VISIBLE_DEVICES to the local rank when the engine left it unset')
    .addHelpText('after', HELP)
    .action(async (script: string, args: string[], flags: WorkerFlags) => {
      const path = resolve(script);
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        // reported below
      }
      if (!isFile) throw new UsageError(`script ${JSON.stringify(script)} not found (looked at ${path}); check the path`);
      prepareWorkerEnv(process.env, flags);
      process.argv = [process.argv[0], path, ...args];
      await import(pathToFileURL(path).href);
    });
}
