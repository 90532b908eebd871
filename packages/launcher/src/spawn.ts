/**
 * Every process the launcher starts goes through here.
 *
 * startJob runs a plan: one child per ProcessSpec, each in its own process group
 * (detached), so stopping a rank also stops whatever it started. The first
 * rank that exits non-zero or dies by a signal stops the others: SIGTERM to
 * every group, SIGKILL after the grace period. When every rank has exited,
 * leftover processes in their groups are killed, so none outlives the job.
 * Local ranks also get DTRAIN_PARENT_PID and exit by themselves when the
 * launcher dies without cleaning up (SIGKILL).
 *
 * runLogged runs one command (`dtrain compare` starting `dtrain launch`)
 * in its own process group with its output in a file, passing on the
 * signals the launcher receives. findFreePort picks a rendezvous port for
 * a job on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { PARENT_PID_VAR } from '@dtrain/runtime/contract';
import { MALLOC_TUNABLES } from './constants.js';
import type { ProcessSpec } from './plan.js';
import type { StreamName } from './logs.js';

export interface WorkerExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (e.g. ssh not installed). */
  error?: string;
}

export type JobOutcome =
  | { kind: 'succeeded'; exits: WorkerExit[] }
  /** `stopped`: local ranks found stopped (SIGSTOP, a debugger) when the job failed. */
  | { kind: 'failed'; failed: WorkerExit; exits: WorkerExit[]; stopped: number[] }
  | { kind: 'interrupted'; signal: NodeJS.Signals; exits: WorkerExit[] };

export interface JobOptions {
  graceMs: number;
  /**
   * Elastic job: a rank that fails does not stop the others (they agree on a new
   * membership). Once a rank has finished (exit 0), those still running after
   * graceMs are stopped; the job succeeded when at least `minNodes` ranks finished.
   */
  elastic?: { minNodes: number; maxRestarts?: number; restartEnv?(rank: number): Record<string, string> };
  /** Environment the specs' variables are added to (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  onLine(rank: number, stream: StreamName, line: string): void;
  onSpawn?(rank: number, pid: number): void;
  /** Elastic: rank `exit.rank` failed and is started again (the `count`-th time). */
  onRestart?(exit: WorkerExit, count: number): void;
}

export interface Job {
  /** Pids of the started ranks (process-group ids too). */
  readonly pids: readonly number[];
  /** Stop the whole job on behalf of a signal the launcher received; a second call kills at once. */
  interrupt(signal: NodeJS.Signals): void;
  /** SIGKILL every group now, synchronously (for process 'exit'). */
  killNow(): void;
  readonly done: Promise<JobOutcome>;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty
  }
}

/** True when the process is stopped (state T or t in /proc: SIGSTOP, SIGTSTP, a debugger); false elsewhere. */
export function isStopped(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}

export function isFailure(e: WorkerExit): boolean {
  return e.error !== undefined || e.signal !== null || e.code !== 0;
}

export function startJob(specs: readonly ProcessSpec[], options: JobOptions): Job {
  const baseEnv = options.baseEnv ?? process.env;
  const exits: (WorkerExit | undefined)[] = specs.map(() => undefined);
  const children: ChildProcess[] = [];
  let failure: WorkerExit | null = null;
  let interruptedBy: NodeJS.Signals | null = null;
  let stopping = false;
  let killTimer: NodeJS.Timeout | null = null;
  let running = 0;
  const restarts = specs.map(() => 0);
  /** Every process a rank ran (a replacement adds one): all of them are stopped with the job. */
  const groups: ChildProcess[] = [];
  let resolveDone: (o: JobOutcome) => void = () => {};
  const done = new Promise<JobOutcome>((r) => (resolveDone = r));

  const killAll = (signal: NodeJS.Signals): void => groups.forEach((c) => killGroup(c.pid, signal));
  let stopped: number[] = [];
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    stopped = specs.flatMap((spec, i) => (!spec.remote && exits[i] === undefined && isStopped(children[i]?.pid) ? [spec.rank] : []));
    killAll('SIGTERM');
    // A stopped rank handles SIGTERM only once continued: without this it would wait for the SIGKILL.
    killAll('SIGCONT');
    killTimer = setTimeout(() => killAll('SIGKILL'), options.graceMs);
  };
  const finish = (): void => {
    if (killTimer !== null) clearTimeout(killTimer);
    if (finishTimer !== null) clearTimeout(finishTimer);
    const all = exits.map((e, rank) => e ?? { rank, code: null, signal: null });
    const finished = all.filter((e) => !isFailure(e)).length;
    if (interruptedBy !== null) resolveDone({ kind: 'interrupted', signal: interruptedBy, exits: all });
    else if (options.elastic !== undefined && finished >= Math.max(1, options.elastic.minNodes)) resolveDone({ kind: 'succeeded', exits: all });
    else if (failure !== null) resolveDone({ kind: 'failed', failed: failure, exits: all, stopped });
    else resolveDone({ kind: 'succeeded', exits: all });
  };
  let finishTimer: NodeJS.Timeout | null = null;
  const recordExit = (exit: WorkerExit): void => {
    if (exits[exit.rank] !== undefined) return;
    const e = options.elastic;
    if (e !== undefined && isFailure(exit) && !stopping && finishTimer === null && restarts[exit.rank]! < (e.maxRestarts ?? 0)) {
      // torchrun's --max-restarts: a new process of this rank asks the others to take it back in.
      restarts[exit.rank]! += 1;
      options.onRestart?.(exit, restarts[exit.rank]!);
      start(exit.rank, e.restartEnv?.(exit.rank) ?? {});
      return;
    }
    exits[exit.rank] = exit;
    if (options.elastic !== undefined) {
      // The last failure names the reason when the survivors give up (too few left).
      if (isFailure(exit)) failure = exit;
      // A rank finished: any still running once the grace is over is stuck (stopped, excluded and hung).
      if (!isFailure(exit) && finishTimer === null) finishTimer = setTimeout(stop, options.graceMs);
    } else if (!stopping && isFailure(exit)) {
      failure = exit;
      stop();
    }
    // Every rank has exited: whatever is left in their groups goes now.
    if (exits.every((e) => e !== undefined)) killAll('SIGKILL');
  };

  const start = (i: number, extraEnv: Record<string, string>): void => {
    const spec = specs[i]!;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      // Workers get the malloc settings ZeroMQ needs unless the user chose their own; local
      // ones get our pid, so they exit when we are gone, even after a SIGKILL (parent-watch.ts).
      env: { GLIBC_TUNABLES: MALLOC_TUNABLES, ...baseEnv, ...spec.env, ...extraEnv, ...(spec.remote ? {} : { [PARENT_PID_VAR]: String(process.pid) }) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children[i] = child;
    groups.push(child);
    running += 1;
    if (child.pid !== undefined) options.onSpawn?.(spec.rank, child.pid);
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream];
      if (input !== null) createInterface({ input, crlfDelay: Infinity }).on('line', (l) => options.onLine(spec.rank, stream, l));
    }
    child.on('error', (err) => recordExit({ rank: i, code: null, signal: null, error: err.message }));
    child.on('exit', (code, signal) => recordExit({ rank: i, code, signal }));
    child.on('close', () => {
      running -= 1;
      if (running === 0 && exits.every((e) => e !== undefined)) finish();
    });
  };
  specs.forEach((_, i) => start(i, {}));

  return {
    pids: children.map((c) => c.pid).filter((p): p is number => p !== undefined),
    interrupt(signal) {
      if (interruptedBy === null && failure === null) interruptedBy = signal;
      if (stopping) killAll('SIGKILL'); // a second Ctrl-C does not wait for the grace period
      else stop();
    },
    killNow: () => killAll('SIGKILL'),
    done,
  };
}

/** "rank 2 exited with code 3" / "rank 1 was killed by SIGKILL" / "rank 0 could not start: ...". */
export function describeExit(e: WorkerExit): string {
  if (e.error !== undefined) return `rank ${e.rank} could not start: ${e.error}`;
  if (e.signal !== null) return `rank ${e.rank} was killed by ${e.signal}`;
  return `rank ${e.rank} exited with code ${e.code}`;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Run `command args` with `env` added to ours, stdout and stderr into
 * `logFile`; resolves to its exit code (130 / 143 when SIGINT / SIGTERM
 * ended it, 1 when it could not start). In its own process group, so a
 * terminal's Ctrl-C reaches only us and we pass it on once; killed with
 * us when we exit.
 */
export function runLogged(command: string, args: readonly string[], env: Record<string, string>, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const log = createWriteStream(logFile, { flags: 'w' });
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    const killNow = (): void => {
      child.kill('SIGKILL');
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    process.on('exit', killNow);
    const finish = (code: number): void => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.off('exit', killNow);
      log.end(() => resolve(code));
    };
    child.on('error', (err) => {
      log.write(`could not start ${command}: ${err.message}\n`);
      finish(1);
    });
    child.on('close', (code, signal) => finish(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}
