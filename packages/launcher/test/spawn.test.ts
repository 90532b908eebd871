// Process-level tests: run the compiled CLI (build first: npx tsc -b packages/launcher)
// with fixture workers, and check exit codes, reports and that no process survives.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';

const BIN = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const started: number[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start the launcher; `whenStarted` runs once every rank has written its pid file. */
function launch(args: string[], env: Record<string, string>, out: string, nodes: number, whenStarted?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'launch', '--out', out, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) started.push(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let poll: NodeJS.Timeout | undefined;
    if (whenStarted !== undefined) {
      poll = setInterval(() => {
        if (pidFiles(out, nodes).length === nodes) {
          clearInterval(poll);
          whenStarted(child.pid as number);
        }
      }, 25);
    }
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

function pidFiles(out: string, nodes: number): { pid: number; child: number }[] {
  if (!existsSync(out)) return [];
  const names = readdirSync(out).filter((f) => /^pid-\d+\.json$/.test(f));
  return names.length === nodes ? names.map((f) => JSON.parse(readFileSync(join(out, f), 'utf8'))) : [];
}

/** Alive = exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function survivors(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 40; i++) {
    const left = pids.filter(alive);
    if (left.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids.filter(alive);
}

function allPids(out: string, nodes: number): number[] {
  const files = pidFiles(out, nodes);
  expect(files).toHaveLength(nodes);
  return files.flatMap((f) => [f.pid, f.child]);
}

afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  removeTempDirs();
});

describe('dtrain launch with fixture workers', () => {
  it('runs every rank with the contract, writes one NDJSON log per rank and exits 0', async () => {
    const out = join(tempDir(), 'run');
    const r = await launch(['--nodes', '3', '--gpus', 'none', '--port', '29777', FIXTURE], { FIXTURE_MODE: 'ok' }, out, 3);
    expect(r.code).toBe(0);
    for (let rank = 0; rank < 3; rank++) {
      const records = readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(records.filter((x) => x.step !== undefined).map((x) => x.step)).toEqual([1, 2, 3]);
      const hello = records.find((x) => x.msg === 'started');
      expect(hello).toMatchObject({ rank, worldSize: 3, rendezvous: '127.0.0.1:29777' });
    }
    expect(r.stdout).toMatch(/finalLoss\s+0\.25/);
    expect(await survivors(allPids(out, 3))).toEqual([]);
  });

  it('stops everyone when a rank exits 3, names it and its last line, exits non-zero', async () => {
    const out = join(tempDir(), 'run');
    const env = { FIXTURE_MODE: 'exit', FIXTURE_TARGET: '2', FIXTURE_IGNORE_TERM: '1' };
    const r = await launch(['--nodes', '3', '--gpus', 'none', '--grace', '0.3', FIXTURE], env, out, 3);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rank 2 exited with code 3');
    expect(r.stderr).toContain('failing now');
    expect(await survivors(allPids(out, 3))).toEqual([]);
  });

  it('names a rank killed by SIGKILL with its signal', async () => {
    const out = join(tempDir(), 'run');
    const r = await launch(['--nodes', '2', '--gpus', 'none', '--grace', '1', FIXTURE], { FIXTURE_MODE: 'sigkill', FIXTURE_TARGET: '0' }, out, 2);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rank 0 was killed by SIGKILL');
    expect(await survivors(allPids(out, 2))).toEqual([]);
  });

  it('SIGINT to the launcher stops the whole job, grandchildren included', async () => {
    const out = join(tempDir(), 'run');
    const r = await launch(['--nodes', '3', '--gpus', 'none', '--grace', '1', FIXTURE], { FIXTURE_MODE: 'sleep' }, out, 3, (pid) =>
      process.kill(pid, 'SIGINT'),
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted by SIGINT');
    expect(await survivors(allPids(out, 3))).toEqual([]);
  });
});

describe('dtrain launch usage errors exit 2 before any worker starts', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing script', ['--nodes', '2', 'no-such-script.mjs'], /no-such-script\.mjs.*not found/],
    ['--nodes disagrees with --gpus', ['--nodes', '3', '--gpus', '0,1', FIXTURE], /--nodes 3 does not match --gpus 0,1/],
    ['bad port', ['--nodes', '2', '--port', '70000', FIXTURE], /--port "70000"/],
    ['CPU without --nodes', ['--gpus', 'none', FIXTURE], /--nodes is required/],
    ['unknown example', ['--nodes', '2', '--example', 'nope'], /--example "nope" is not a known example/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const out = join(tempDir(), 'run');
    const r = await launch(args, { FIXTURE_MODE: 'ok' }, out, 0);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
