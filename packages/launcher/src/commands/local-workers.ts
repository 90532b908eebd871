/**
 * The local job of the communication commands (`consensus`, `bench comm`):
 * N `node` ranks on this machine started by the launcher's own spawner
 * (spawn.ts: process groups, malloc settings, stop on the first failure),
 * with the worker environment contract. JSON lines on stdout are collected
 * as records, every other line is passed through with a rank prefix.
 *
 * The comm workers answer SIGTERM by giving their pending operation the
 * time to fail by itself (worker-io.ts), so when one rank dies the others
 * still report which peer they lost before they exit.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { timeoutOption } from '../option-defs.js';
import { workerEnvToVars } from '@dtrain/runtime/contract';
import { UsageError } from '../errors.js';
import { secondsOption } from '../options.js';
import type { NetnsPlacement, ProcessSpec } from '../plan.js';
import { describeExit, findFreePort, isFailure, startJob, type WorkerExit } from '../spawn.js';

export interface LocalJob {
  script: string;
  /** The worker's parameters (argv[2], JSON). */
  params: Record<string, unknown>;
  nodes: number;
  /** How long the ranks get between SIGTERM and SIGKILL once one has failed. */
  graceMs: number;
  /** Where non-JSON worker output goes (default: the parent's stderr). */
  echo?: (rank: number, line: string) => void;
  /** Extra variables for every rank (the contract's DTRAIN_* ones win). */
  env?: Record<string, string>;
  /** Emulated hosts of this many ranks each (DTRAIN_LOCAL_RANK = rank mod L, DTRAIN_LOCAL_WORLD_SIZE = L); default one host. */
  localSize?: number;
  /** Elastic: a rank that dies does not stop the others; the results of those that finished count. */
  elastic?: boolean;
  /**
   * Emulated hosts (`--cluster netns`): rank i runs in its own namespace at hosts[i], the
   * rendezvous is hosts[0], each rank is alone on its host (localSize is ignored).
   */
  placement?: NetnsPlacement;
}

export interface WorkerOutcome extends WorkerExit {
  /** Every stdout line that parsed as a JSON object. */
  records: unknown[];
}

export function transportOption(raw: string): 'tcp' | 'ipc' {
  if (raw !== 'tcp' && raw !== 'ipc') throw new UsageError(`--transport ${JSON.stringify(raw)} is not tcp or ipc; write --transport tcp`);
  return raw;
}

/** The options every communication command shares: --transport, --timeout and --json. */
/** `defaultTimeoutS`: the launch default, except for benchmarks of large frames. */
export function commOptions(command: Command, defaultTimeoutS: number, json: string): Command {
  return command
    .option('--transport <tcp|ipc>', 'ZeroMQ transport between the processes', 'tcp')
    .addOption(timeoutOption(defaultTimeoutS))
    .option('--json', json);
}

/** The --timeout flag in ms. */
export function timeoutMsOption(raw: string): number {
  return Math.max(1, Math.round(secondsOption('--timeout', raw) * 1000));
}

export async function runLocalWorkers(job: LocalJob): Promise<WorkerOutcome[]> {
  const port = await findFreePort();
  const jobId = `local-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const echo = job.echo ?? ((rank, line) => process.stderr.write(`[${rank}] ${line}\n`));
  const records: unknown[][] = Array.from({ length: job.nodes }, () => []);
  const { placement } = job;
  const L = placement !== undefined ? 1 : (job.localSize ?? job.nodes);
  const rendezvous = { host: placement?.hosts[0] ?? '127.0.0.1', port };
  const args = [job.script, JSON.stringify(job.params)];
  const specs: ProcessSpec[] = Array.from({ length: job.nodes }, (_, rank) => {
    const line = placement?.command(rank, process.execPath, args) ?? { command: process.execPath, args };
    return {
      rank,
      localRank: rank % L,
      host: placement?.hosts[rank] ?? 'localhost',
      remote: false,
      command: line.command,
      args: line.args,
      env: {
        ...job.env,
        ...workerEnvToVars({ rank, localRank: rank % L, localWorldSize: L, worldSize: job.nodes, rendezvous, jobId, secret, options: {} }),
      },
      cwd: process.cwd(),
      logPath: '/dev/null',
    };
  });
  const onLine = (rank: number, stream: 'stdout' | 'stderr', line: string): void => {
    if (stream === 'stdout' && line.startsWith('{')) {
      try {
        records[rank].push(JSON.parse(line) as unknown);
        return;
      } catch {
        // not a record: pass it through
      }
    }
    echo(rank, line);
  };
  const running = startJob(specs, { graceMs: job.graceMs, onLine, ...(job.elastic === true ? { elastic: { minNodes: 1 } } : {}) });
  const onSignal = (signal: NodeJS.Signals): void => running.interrupt(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await running.done;
    return outcome.exits.map((exit) => ({ ...exit, records: records[exit.rank] }));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list of finite numbers, or a message naming what is wrong. */
export function numberList(value: unknown, length: number | undefined, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`${what} is not a list of finite numbers: ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new Error(`${what} has ${value.length} entries; expected ${length}`);
  }
  return value as number[];
}

/**
 * Runs the job and returns each rank's `type: 'result'` record. When a rank
 * fails or sends none, every failed rank is printed to stderr and this throws.
 */
export async function runForResults(what: string, job: LocalJob): Promise<Array<Record<string, unknown>>> {
  const outcomes = await runLocalWorkers(job);
  const results = outcomes.map((o) => o.records.find((r): r is Record<string, unknown> => isObject(r) && r.type === 'result'));
  const failed = outcomes.filter((o, rank) => isFailure(o) || results[rank] === undefined);
  // Elastic: the ranks killed on purpose are gone; those that finished carry the result.
  if (job.elastic === true && results.some((r) => r !== undefined)) {
    for (const o of failed) process.stderr.write(`${describeExit(o)} (left the membership)\n`);
    return results.filter((r): r is Record<string, unknown> => r !== undefined);
  }
  if (failed.length > 0) {
    const lines = failed.map((o) => (isFailure(o) ? describeExit(o) : `rank ${o.rank} exited without a result`));
    for (const line of lines) process.stderr.write(`${line}\n`);
    throw new Error(`${what} failed: ${lines.length} rank(s) did not finish (${failed.map((o) => `rank ${o.rank}`).join(', ')})`);
  }
  return results as Array<Record<string, unknown>>;
}
