/**
 * What `dtrain launch` checks about a resolved job before it starts
 * anything, where the workers would otherwise each fail with the same
 * error: every rank's environment read back through the workers' own
 * contract (a backend they cannot load, a timeout of 0, a job id too long),
 * an output path that is a file, and an interface this machine lacks.
 * Each is a UsageError (exit 2) naming the flag and the fix.
 */
import { readWorkerEnv, WorkerEnvError, workerEnvToVars, type RunOptions } from '@dtrain/runtime/contract';
import { UsageError } from './errors.js';

/** The launch flag behind each contract variable. */
const FLAG_OF: Record<string, string> = {
  DTRAIN_BACKEND: '--backend',
  DTRAIN_TIMEOUT_MS: '--timeout',
  DTRAIN_JOB_ID: '--job-id',
  DTRAIN_IFACE: '--iface',
  DTRAIN_ALGORITHM: '--algorithm',
  DTRAIN_TOPOLOGY: '--topology',
  DTRAIN_SEED: '--seed',
  DTRAIN_GLOBAL_AVG_PERIOD: '--global-avg-period',
  DTRAIN_SECURE: '--secure',
};

export interface JobFacts {
  nodes: number;
  jobId: string;
  options: RunOptions;
  out: string;
  /** Whether every rank runs on this machine (outside network namespaces): then --iface can be checked here. */
  allHere: boolean;
}

export interface CheckIO {
  isFile(path: string): boolean;
  /** This machine's network interface names; absent: not checked. */
  interfaces?(): string[];
}

export function checkJob(job: JobFacts, io: CheckIO): void {
  try {
    readWorkerEnv(
      workerEnvToVars({
        rank: 0,
        localRank: 0,
        worldSize: job.nodes,
        rendezvous: { host: '127.0.0.1', port: 1 },
        jobId: job.jobId,
        secret: 'x'.repeat(32),
        options: job.options,
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkerEnvError)) throw err;
    const flag = FLAG_OF[err.variable];
    throw new UsageError(flag === undefined ? err.message : `${flag}: ${err.message}`, { cause: err });
  }
  if (io.isFile(job.out)) {
    throw new UsageError(`--out ${job.out} is a file; name a directory (it is created when missing)`);
  }
  const iface = job.options.iface;
  if (iface !== undefined && job.allHere && io.interfaces !== undefined) {
    const names = io.interfaces();
    if (!names.includes(iface)) {
      throw new UsageError(`--iface ${iface}: this machine has no such network interface; use one of ${names.join(', ')}, or drop --iface to use every interface`);
    }
  }
}
