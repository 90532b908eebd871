// `dtrain bench comm --cluster netns`: every rank an emulated host (root only, skipped with
// the reason otherwise), and the usage errors of --rate and --transport ipc (any user).
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, finish, namespaces, netnsSkipReason, type Finished } from './netns-helpers.js';

const skip = netnsSkipReason();
const pids: number[] = [];

function bench(args: string[]): Promise<Finished & { pid: number }> {
  const child = spawn(process.execPath, [BIN, 'bench', 'comm', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  pids.push(child.pid as number);
  return finish(child).then((r) => ({ ...r, pid: child.pid as number }));
}

/** The launcher's namespaces carry its pid: none may be left. */
function leftoversOf(pid: number): string[] {
  return namespaces().filter((n) => n.includes(`-${pid}-`));
}

afterAll(() => {
  if (skip !== null) return;
  // A failed run must not leave namespaces behind for the next test run.
  for (const pid of pids) expect(leftoversOf(pid)).toEqual([]);
});

describe('bench comm --cluster local (default) and usage errors', () => {
  it('a local run says so: cluster local, rateBits null', async () => {
    const r = await bench(['--nodes', '2', '--floats', '1000', '--iters', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report.cluster).toBe('local');
    expect(report.rateBits).toBeNull();
  }, 30_000);

  it('--rate without --cluster netns: exit 2 before anything starts, naming the flag and the fix', async () => {
    const r = await bench(['--rate', '1gbit', '--nodes', '2', '--floats', '10']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--rate 1gbit');
    expect(r.stderr).toContain('add --cluster netns or drop --rate');
    expect(r.stdout).toBe('');
  });

  it('--cluster netns with --transport ipc: exit 2, naming both and the fix', async () => {
    const r = await bench(['--cluster', 'netns', '--transport', 'ipc', '--nodes', '2', '--floats', '10']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--transport ipc');
    expect(r.stderr).toContain('write --transport tcp or drop --cluster netns');
  });

  it('an unparsable --rate is a usage error too', async () => {
    const r = await bench(['--cluster', 'netns', '--rate', 'fast', '--nodes', '2', '--floats', '10']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--rate');
  });
});

describe.skipIf(skip !== null)(`bench comm on emulated hosts${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('--cluster netns --rate 1gbit: JSON names the cluster and rate, both timings positive, no namespace left', async () => {
    const r = await bench(['--cluster', 'netns', '--rate', '1gbit', '--nodes', '2', '--floats', '100000', '--iters', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report.cluster).toBe('netns');
    expect(report.rateBits).toBe(1e9);
    expect(report.rawMs).toBeGreaterThan(0);
    expect(report.opMs).toBeGreaterThan(0);
    expect(leftoversOf(r.pid)).toEqual([]);
  }, 30_000);
});
