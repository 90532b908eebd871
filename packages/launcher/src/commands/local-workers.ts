/**
 * A minimal local spawner for the communication commands (`consensus`,
 * `bench comm`): N `node` children on this machine with the worker
 * environment contract, JSON result lines collected from stdout, other
 * output passed through with a rank prefix. When one rank fails the others
 * get `graceMs` to fail on their own (so they can report which peer they
 * lost) before they are killed. Small on purpose: `dtrain launch`'s
 * spawner can replace it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { workerEnvToVars } from '@dtrain/runtime';

import { MALLOC_TUNABLES } from '../constants.js';

export { MALLOC_TUNABLES };

export interface LocalJob {
  script: string;
  args: string[];
  nodes: number;
  /** Extra environment for every rank. */
  env?: Record<string, string>;
  /** How long the other ranks may take to fail on their own after one failed. */
  graceMs: number;
  /** Where non-JSON worker output goes (default: the parent's stderr). */
  echo?: (rank: number, line: string) => void;
}

export interface WorkerOutcome {
  rank: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by this spawner after another rank failed. */
  killed: boolean;
  /** Every stdout line that parsed as a JSON object. */
  records: unknown[];
  /** The last stderr lines. */
  stderrTail: string[];
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function runLocalWorkers(job: LocalJob): Promise<WorkerOutcome[]> {
  const port = await freePort();
  const jobId = `local-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const echo = job.echo ?? ((rank, line) => process.stderr.write(`[${rank}] ${line}\n`));
  const children: ChildProcess[] = [];
  let graceTimer: NodeJS.Timeout | undefined;
  const outcomes = new Array<WorkerOutcome>(job.nodes);

  const killRest = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const onSignal = (): void => killRest();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const exits = Array.from({ length: job.nodes }, (_, rank) => {
    const vars = workerEnvToVars({
      rank,
      localRank: rank,
      worldSize: job.nodes,
      rendezvous: { host: '127.0.0.1', port },
      jobId,
      secret,
      options: {},
    });
    const child = spawn(process.execPath, [job.script, ...job.args], {
      env: { GLIBC_TUNABLES: MALLOC_TUNABLES, ...process.env, ...vars, ...job.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const outcome: WorkerOutcome = { rank, exitCode: null, signal: null, killed: false, records: [], stderrTail: [] };
    outcomes[rank] = outcome;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) {
        try {
          outcome.records.push(JSON.parse(line) as unknown);
          return;
        } catch {
          // not a record: pass it through
        }
      }
      echo(rank, line);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      outcome.stderrTail.push(line);
      if (outcome.stderrTail.length > 40) outcome.stderrTail.shift();
      echo(rank, line);
    });
    return new Promise<void>((resolve) => {
      child.once('error', (err) => {
        outcome.stderrTail.push(`could not start: ${err.message}`);
        outcome.exitCode = -1;
        resolve();
      });
      child.once('exit', (code, signal) => {
        outcome.exitCode = code;
        outcome.signal = signal;
        if ((code !== 0 || signal !== null) && graceTimer === undefined) {
          graceTimer = setTimeout(() => {
            for (const [r, c] of children.entries()) {
              if (c.exitCode === null && c.signalCode === null) {
                outcomes[r].killed = true;
                c.kill('SIGKILL');
              }
            }
          }, job.graceMs);
        }
        resolve();
      });
    });
  });
  try {
    await Promise.all(exits);
  } finally {
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    killRest();
  }
  return outcomes;
}

/** One line per rank that did not exit cleanly, for stderr. */
export function describeFailures(outcomes: readonly WorkerOutcome[]): string[] {
  return outcomes
    .filter((o) => o.exitCode !== 0 || o.signal !== null)
    .map((o) => {
      if (o.killed) return `rank ${o.rank}: killed after another rank failed (it did not fail by itself in time)`;
      if (o.signal !== null) return `rank ${o.rank}: terminated by ${o.signal}`;
      return `rank ${o.rank}: exited with code ${o.exitCode}`;
    });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each rank's `type: 'result'` record, or null for a rank that sent none. */
export function resultRecords(outcomes: readonly WorkerOutcome[]): Array<Record<string, unknown> | null> {
  return outcomes.map((o) => (o.records.find((r) => isObject(r) && r.type === 'result') as Record<string, unknown>) ?? null);
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

/** Throw an Error summing up the failed ranks (each one is also printed to stderr). */
export function reportFailure(what: string, outcomes: readonly WorkerOutcome[]): never {
  const lines = describeFailures(outcomes);
  for (const l of lines) process.stderr.write(`${l}\n`);
  throw new Error(`${what} failed: ${lines.length} rank(s) did not finish (${lines.map((l) => l.split(':')[0]).join(', ')})`);
}
