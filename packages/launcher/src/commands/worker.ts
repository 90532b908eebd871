import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { describeFailure, EXIT_FAILED, normalizeWorkerEnv, PARENT_PID_VAR, WorkerEnvError } from '@dtrain/runtime/contract';
import { ALGO_FLAG_VARS, parseAlgoFlags, type AlgoFlagsRaw, type AlgoRunOptions } from '../algo-options.js';
import { UsageError } from '../errors.js';
import { intOption, resumeOption, secondsOption } from '../options.js';

const HELP = `
Reads the rank from DTRAIN_* variables, or from torchrun (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT; rank 0 listens on MASTER_PORT+1), Slurm (SLURM_PROCID,
SLURM_NTASKS, SLURM_LOCALID, first host of SLURM_JOB_NODELIST) or a Kubernetes Indexed Job
(JOB_COMPLETION_INDEX with DTRAIN_WORLD_SIZE and DTRAIN_RENDEZVOUS), sets the DTRAIN_*
variables and runs the script in this process. DTRAIN_SECRET is always required:
  export DTRAIN_SECRET=$(openssl rand -hex 16)   # before torchrun / sbatch, same on every rank
With --exit-with-parent the rank also exits (closing its links) when the process that started
it is gone, even if that process was killed with SIGKILL and could not stop its children.`;

export interface WorkerFlags extends AlgoFlagsRaw {
  gpuPerLocalRank?: boolean;
  /** --overlap: DTRAIN_OVERLAP=1 for this rank (dsgd / pga overlap the exchange with the gradient). */
  overlap?: boolean;
  exitWithParent?: boolean;
  /** --resume auto|never|must: DTRAIN_RESUME for this rank. */
  resume?: string;
  /** --heartbeat SECONDS: DTRAIN_HEARTBEAT_MS; --elastic: DTRAIN_ELASTIC=1; --min-nodes: DTRAIN_MIN_NODES. */
  heartbeat?: string;
  elastic?: boolean;
  minNodes?: string;
}

/**
 * Resolve the contract into `env` (mutated), or throw a UsageError naming the
 * variable. `parentPid`: the pid watched with --exit-with-parent (default: ours).
 */
export function prepareWorkerEnv(env: NodeJS.ProcessEnv, flags: WorkerFlags, parentPid: number = process.ppid): void {
  let vars: Record<string, string>;
  if (flags.overlap === true) env.DTRAIN_OVERLAP = '1';
  for (const [key, value] of Object.entries(parseAlgoFlags(flags)) as [keyof AlgoRunOptions, string | number][]) env[ALGO_FLAG_VARS[key]] = String(value);
  if (flags.resume !== undefined) env.DTRAIN_RESUME = flags.resume;
  if (flags.heartbeat !== undefined) env.DTRAIN_HEARTBEAT_MS = String(Math.round(secondsOption('--heartbeat', flags.heartbeat) * 1000));
  if (flags.elastic === true) env.DTRAIN_ELASTIC = '1';
  if (flags.minNodes !== undefined) env.DTRAIN_MIN_NODES = String(intOption('--min-nodes', flags.minNodes, 1));
  try {
    vars = normalizeWorkerEnv(env);
  } catch (err) {
    if (err instanceof WorkerEnvError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  Object.assign(env, vars);
  if (flags.gpuPerLocalRank === true && env.CUDA_VISIBLE_DEVICES === undefined) env.CUDA_VISIBLE_DEVICES = vars.DTRAIN_LOCAL_RANK;
  if (flags.exitWithParent === true) {
    // pid 1 (or 0 in a container) is no launcher: we were already orphaned, or are the container's init.
    if (parentPid <= 1) throw new UsageError(`--exit-with-parent: the parent pid is ${parentPid}, so there is no launcher to follow; drop --exit-with-parent`);
    env[PARENT_PID_VAR] = String(parentPid);
  }
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run one rank of a job started by another engine (torchrun, Slurm, Kubernetes, compose)')
    .argument('<script>', 'worker script to run in this process')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .option('--gpu-per-local-rank', 'set CUDA_VISIBLE_DEVICES to the local rank when the engine left it unset')
    .option('--overlap', 'set DTRAIN_OVERLAP=1: dsgd / pga send the neighbour exchange while the gradient is computed')
    .option('--compress <codec>', 'set DTRAIN_COMPRESS: fp32, fp16, bf16, int8, topk:F')
    .option('--consensus-step <gamma>', 'set DTRAIN_CONSENSUS_STEP (CHOCO\'s step size with compressed gossip)')
    .option('--outer-optimizer <name>', 'set DTRAIN_OUTER_OPTIMIZER: sgd or nesterov (local-sgd, pga, diloco-gossip)')
    .option('--outer-lr <lr>', 'set DTRAIN_OUTER_LR')
    .option('--outer-momentum <mu>', 'set DTRAIN_OUTER_MOMENTUM')
    .addOption(resumeOption())
    .option('--heartbeat <seconds>', 'set DTRAIN_HEARTBEAT_MS: heartbeat interval between ranks that talk (0: none; default 2)')
    .option('--elastic', 'set DTRAIN_ELASTIC=1: survive a lost rank (docs/elastic.md)')
    .option('--min-nodes <m>', 'set DTRAIN_MIN_NODES: with --elastic, stop when fewer than m ranks are left')
    .option('--exit-with-parent', 'exit when the process that started this one is gone (its pid goes to the script as DTRAIN_PARENT_PID)')
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
      try {
        await import(pathToFileURL(path).href);
      } catch (err) {
        // As `node SCRIPT` after init() would: one line `E_CODE: message` (the stack only for an
        // error without a code), and exit 1 even when sockets or timers are still open.
        process.stderr.write(`${describeFailure(err)}\n`);
        process.exit(EXIT_FAILED);
      }
    });
}
