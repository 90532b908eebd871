// Helpers for the tests that run real training jobs (launch-job, launch-failure):
// start `dtrain launch` or `dtrain worker` processes on the compiled CLI
// (build first: npx tsc -b packages/launcher), find their pids, and check
// that none is left. Every process and directory made here is removed by cleanup().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, removeTempDirs, tempDir } from '../../../test-utils/index.js';

export { freePort, tempDir };

export const BIN = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
export const TRAIN_FIXTURE = fileURLToPath(new URL('./fixtures/train-job.mjs', import.meta.url));
export const FIT_FIXTURE = fileURLToPath(new URL('./fixtures/fit-job.mjs', import.meta.url));
export const LR_EXAMPLE = fileURLToPath(new URL('../../../examples/logistic-regression/train.mjs', import.meta.url));
export const SECRET = 'launch-job-test-secret-0123456789';

const children = new Set<ChildProcess>();
const pidsSeen = new Set<number>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Output so far (grows while the process runs). */
  readonly output: { stdout: string; stderr: string };
  exited: Promise<Exit>;
}

/** Start `node dtrain.js ...args` with extra environment variables. */
export function startCli(args: string[], env: Record<string, string>, cwd?: string): Running {
  return startProcess(process.execPath, [BIN, ...args], env, cwd);
}

/** Start any command (e.g. `script` around the CLI), kept and cleaned up as startCli's are. */
export function startProcess(file: string, args: string[], env: Record<string, string>, cwd?: string): Running {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  children.add(child);
  if (child.pid !== undefined) pidsSeen.add(child.pid);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, ...output });
    }),
  );
  return { child, output, exited };
}

/** torchrun's variables for one rank of `size` (rank 0 listens on MASTER_PORT + 1). */
export function torchrunEnv(rank: number, size: number, rendezvousPort: number): Record<string, string> {
  return {
    RANK: String(rank),
    WORLD_SIZE: String(size),
    LOCAL_RANK: String(rank),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(rendezvousPort - 1),
    DTRAIN_SECRET: SECRET,
  };
}

/** `size` ranks started as `dtrain worker script`, each with torchrun's variables plus `env(rank)`. */
export async function startWorkers(size: number, script: string, env: (rank: number) => Record<string, string>): Promise<Running[]> {
  const port = await freePort();
  return Array.from({ length: size }, (_, r) => startCli(['worker', script], { ...torchrunEnv(r, size, port), ...env(r) }));
}

/** Pids from the fixture's DIR/pid-<rank>.json files (those written so far). */
export function fixturePids(out: string): number[] {
  if (!existsSync(out)) return [];
  return readdirSync(out)
    .filter((f) => /^pid-\d+\.json$/.test(f))
    .map((f) => (JSON.parse(readFileSync(join(out, f), 'utf8')) as { pid: number }).pid)
    .map((pid) => {
      pidsSeen.add(pid);
      return pid;
    });
}

/** Alive = exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids still alive after waiting up to `ms` for them to go. */
export async function survivors(pids: readonly number[], ms = 5000): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** NDJSON records of a text (non-JSON lines skipped). */
export function records(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Records of the launcher's DIR/rank-<r>.ndjson (its `line` field parsed when it holds JSON). */
export function rankLog(out: string, rank: number): Record<string, unknown>[] {
  const path = join(out, `rank-${rank}.ndjson`);
  return existsSync(path) ? records(readFileSync(path, 'utf8')) : [];
}

/** Still one of ours (not a pid reused by another process since): runs the CLI or a training script. */
function ours(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return [BIN, TRAIN_FIXTURE, FIT_FIXTURE, LR_EXAMPLE].some((p) => cmd.includes(p));
  } catch {
    return false;
  }
}

/** Kill whatever a test left running and remove its directories. */
export function cleanup(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const pid of pidsSeen) if (alive(pid) && ours(pid)) process.kill(pid, 'SIGKILL');
  pidsSeen.clear();
  removeTempDirs();
}
