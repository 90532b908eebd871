// Jobs on the emulated cluster (root only): `dtrain launch --cluster netns` end to end, and
// four emulated hosts started one process each with `dtrain worker`, as an outside engine
// would (native DTRAIN_* variables on some ranks, torchrun's on others). Workload: the
// runtime's self-checking worker (ring allreduce vs the exact sum, one-peer exchanges vs
// the float64 simulation of x(k+1) = W(k) x(k)).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetnsCluster, type NetnsCluster } from '../src/netns/cluster.js';
import { BIN, CHECK_WORKER, bridgePortRxBytes, finish, namespaces, netnsSkipReason, records } from './netns-helpers.js';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const skip = netnsSkipReason();
const clusters: NetnsCluster[] = [];
const LONG = 100_000;
const PARAMS = JSON.stringify({ lengths: [1, 1000, LONG], iterations: 6, seed: 3, timeoutMs: 20_000 });

interface CheckResult {
  rank: number;
  allreduceError: number[];
  checksums: number[];
  exchangeError: number;
}

afterEach(async () => {
  for (const c of clusters.splice(0)) await c.destroy();
  removeTempDirs();
});

/** Every rank agrees bit for bit and matches the exact results (float32 rounding only). */
function expectConsistent(results: CheckResult[], nodes: number): void {
  expect(results.map((r) => r.rank).sort()).toEqual(Array.from({ length: nodes }, (_, i) => i));
  for (const r of results) {
    r.allreduceError.forEach((e) => expect(e).toBeLessThan(1e-4));
    expect(r.exchangeError).toBeLessThan(1e-5);
    expect(r.checksums).toEqual(results[0].checksums);
  }
}

function launch(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<ReturnType<typeof finish> extends Promise<infer T> ? T & { pid: number } : never> {
  const child = spawn(process.execPath, [BIN, 'launch', '--cluster', 'netns', '--gpus', 'none', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (onStart !== undefined) child.stderr.once('data', () => setTimeout(() => onStart(child.pid as number), 600));
  return finish(child).then((r) => ({ ...r, pid: child.pid as number }));
}

/** The launcher's namespaces carry its pid: none may be left. */
function leftoversOf(pid: number): string[] {
  return namespaces().filter((n) => n.includes(`-${pid}-`));
}

describe.skipIf(skip !== null)(`jobs on the emulated cluster${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('dtrain launch --cluster netns --rate 1gbit: ranks at distinct addresses, rank 0\'s as rendezvous, results exact', async () => {
    const out = join(tempDir(), 'run');
    const r = await launch(['--nodes', '3', '--rate', '1gbit', '--port', '29650', '--out', out, CHECK_WORKER, '--', PARAMS]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { host: string; command: string; args: string[]; env: Record<string, string> }[];
    expect(plan.map((s) => s.host)).toEqual(['10.213.0.1', '10.213.0.2', '10.213.0.3']);
    plan.forEach((s) => {
      expect(s.env.DTRAIN_RENDEZVOUS).toBe('10.213.0.1:29650');
      expect(s.args.slice(0, 2)).toEqual(['netns', 'exec']);
    });
    expect(new Set(plan.map((s) => s.args[2])).size).toBe(3);
    const results = [0, 1, 2].flatMap((rank) => records(readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8')).filter((x) => x.type === 'result')) as unknown as CheckResult[];
    expectConsistent(results, 3);
    expect(leftoversOf(r.pid)).toEqual([]);
  });

  it('--secure curve across emulated hosts: encrypted rendezvous and links, results exact', async () => {
    const out = join(tempDir(), 'run');
    const r = await launch(['--nodes', '3', '--secure', 'curve', '--port', '29651', '--out', out, CHECK_WORKER, '--', PARAMS]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { env: Record<string, string> }[];
    expect(plan.map((s) => s.env.DTRAIN_SECURE)).toEqual(['curve', 'curve', 'curve']);
    const results = [0, 1, 2].flatMap((rank) => records(readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8')).filter((x) => x.type === 'result')) as unknown as CheckResult[];
    expectConsistent(results, 3);
  });

  it('a failing rank stops the job and SIGINT stops it too; neither leaves a namespace', async () => {
    const failed = await launch(['--nodes', '3', '--grace', '0.5', '--out', join(tempDir(), 'a'), FIXTURE], { FIXTURE_MODE: 'exit', FIXTURE_TARGET: '1' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('rank 1 exited with code 3');
    expect(leftoversOf(failed.pid)).toEqual([]);
    const stopped = await launch(['--nodes', '2', '--grace', '0.5', '--out', join(tempDir(), 'b'), FIXTURE], { FIXTURE_MODE: 'sleep' }, (pid) => process.kill(pid, 'SIGINT'));
    expect(stopped.code).toBe(130);
    expect(leftoversOf(stopped.pid)).toEqual([]);
  });

  it('--cluster netns with --hosts is a usage error (exit 2), before any namespace exists', async () => {
    const r = await launch(['--nodes', '2', '--hosts', 'a:1,b:1', CHECK_WORKER]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cluster netns');
    expect(leftoversOf(r.pid)).toEqual([]);
  });

  it('4 emulated hosts, one `dtrain worker` each (ranks 1 and 3 from torchrun variables), traffic through the bridge', async () => {
    const nodes = 4;
    const c = await createNetnsCluster({ nodes, prefix: 'dtrtest' });
    clusters.push(c);
    const port = 29700;
    const common = { DTRAIN_JOB_ID: 'netns-multihost', DTRAIN_SECRET: 'f'.repeat(32), DTRAIN_OUT: tempDir() };
    const envFor = (rank: number): Record<string, string> =>
      rank % 2 === 1
        ? { ...common, RANK: String(rank), WORLD_SIZE: String(nodes), LOCAL_RANK: '0', MASTER_ADDR: c.hosts[0], MASTER_PORT: String(port - 1) }
        : { ...common, DTRAIN_RANK: String(rank), DTRAIN_WORLD_SIZE: String(nodes), DTRAIN_RENDEZVOUS: `${c.hosts[0]}:${port}` };
    const runs = await Promise.all(
      c.hosts.map((_, rank) => finish(c.spawn(rank, process.execPath, [BIN, 'worker', CHECK_WORKER, '--', PARAMS], envFor(rank)))),
    );
    runs.forEach((r) => expect(r.code, r.stderr).toBe(0));
    const results = runs.flatMap((r) => records(r.stdout).filter((x) => x.type === 'result')) as unknown as CheckResult[];
    expectConsistent(results, nodes);
    // Ring allreduce sends 2(n-1)/n of the vector from every rank: all of it crossed the bridge.
    const ringBytes = ((2 * (nodes - 1)) / nodes) * LONG * 4;
    c.hosts.forEach((_, rank) => expect(bridgePortRxBytes(c.bridgeNamespace, `v${rank}`)).toBeGreaterThan(ringBytes));
  });
});
