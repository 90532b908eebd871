// `dtrain launch --hosts` over real ssh: two emulated hosts (network namespaces)
// run OpenSSH servers; the launcher runs in a third namespace, as on a login node,
// and starts two ranks on each host through ssh. Root only (namespaces), and
// openssh-server must be installed; otherwise the tests skip with the reason.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetnsCluster, type NetnsCluster } from '../src/netns/cluster.js';
import { BIN, CHECK_WORKER, finish, netnsSkipReason, records } from './netns-helpers.js';
import { processesOfJob, sshSkipReason, startSshServers, type SshServers } from './ssh-helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const skip = netnsSkipReason() ?? sshSkipReason();
const clusters: NetnsCluster[] = [];
const dirs: string[] = [];
const PARAMS = JSON.stringify({ lengths: [1, 1000, 50_000], iterations: 4, seed: 5, timeoutMs: 20_000 });

afterEach(async () => {
  for (const c of clusters.splice(0)) await c.destroy();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dtrain-ssh-'));
  dirs.push(d);
  return d;
}

/** A login namespace (rank 0 of the cluster) and two hosts with sshd (ranks 1, 2). */
async function hosts(): Promise<{ cluster: NetnsCluster; ssh: SshServers; dir: string }> {
  const cluster = await createNetnsCluster({ nodes: 3, prefix: 'dtrssh' });
  clusters.push(cluster);
  const dir = tempDir();
  const ssh = await startSshServers(cluster, [1, 2], dir, 0);
  return { cluster, ssh, dir };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe.skipIf(skip !== null)(`dtrain launch --hosts over ssh${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('4 ranks on 2 hosts: rank 0\'s host is the rendezvous, results exact, nothing left running', async () => {
    const { cluster, ssh, dir } = await hosts();
    const [a, b] = [cluster.hosts[1], cluster.hosts[2]];
    const out = join(dir, 'run');
    const launcher = cluster.spawn(0, process.execPath, [
      BIN, 'launch', '--hosts', `${a}:2,${b}:2`, '--nodes', '4', '--gpus', 'none', '--port', '29810',
      '--ssh-config', ssh.clientConfig, '--job-id', 'ssh-exact', '--out', out, CHECK_WORKER, '--', PARAMS,
    ]);
    const r = await finish(launcher);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { host: string; command: string; args: string[] }[];
    expect(plan.map((s) => s.host)).toEqual([a, a, b, b]);
    plan.forEach((s) => {
      expect(s.command).toBe('ssh');
      expect(s.args).toContain(ssh.clientConfig);
      expect(s.args.join(' ')).toContain(`DTRAIN_RENDEZVOUS=${a}:29810`);
    });
    const results = [0, 1, 2, 3].flatMap((rank) =>
      records(readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8')).filter((x) => x.type === 'result'),
    ) as unknown as { rank: number; allreduceError: number[]; exchangeError: number; checksums: number[] }[];
    expect(results.map((x) => x.rank).sort()).toEqual([0, 1, 2, 3]);
    for (const x of results) {
      x.allreduceError.forEach((e) => expect(e).toBeLessThan(1e-4));
      expect(x.exchangeError).toBeLessThan(1e-5);
      expect(x.checksums).toEqual(results[0].checksums);
    }
    expect(processesOfJob('ssh-exact')).toEqual([]);
  });

  it('a remote rank that fails stops the job, naming it; no remote process (or grandchild) survives', async () => {
    const { cluster, ssh, dir } = await hosts();
    const out = join(dir, 'fail');
    const launcher = cluster.spawn(0, process.execPath, [
      BIN, 'launch', '--hosts', `${cluster.hosts[1]}:2,${cluster.hosts[2]}:2`, '--nodes', '4', '--gpus', 'none',
      '--grace', '1', '--ssh-config', ssh.clientConfig, '--job-id', 'ssh-fail', '--out', out,
      '--env', 'FIXTURE_MODE=exit', '--env', 'FIXTURE_TARGET=2', FIXTURE,
    ]);
    const r = await finish(launcher);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rank 2 exited with code 3');
    // Every rank got as far as writing its pid file: the others were running when rank 2 failed.
    for (let rank = 0; rank < 4; rank++) expect(JSON.parse(readFileSync(join(out, `pid-${rank}.json`), 'utf8'))).toHaveProperty('pid');
    let left = processesOfJob('ssh-fail');
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await sleep(100);
      left = processesOfJob('ssh-fail');
    }
    expect(left).toEqual([]);
  });

  it('Ctrl-C on the launcher ends the remote ranks too (exit 130)', async () => {
    const { cluster, ssh, dir } = await hosts();
    const out = join(dir, 'int');
    const launcher = cluster.spawn(0, process.execPath, [
      BIN, 'launch', '--hosts', `${cluster.hosts[1]}:1,${cluster.hosts[2]}:1`, '--nodes', '2', '--gpus', 'none',
      '--grace', '1', '--ssh-config', ssh.clientConfig, '--job-id', 'ssh-int', '--out', out, '--env', 'FIXTURE_MODE=sleep', FIXTURE,
    ]);
    const done = finish(launcher);
    for (let i = 0; i < 200 && processesOfJob('ssh-int').length < 4; i++) await sleep(50);
    expect(processesOfJob('ssh-int').length).toBeGreaterThanOrEqual(4); // two ranks and their grandchildren
    spawn('kill', ['-INT', String(launcher.pid)]);
    const r = await done;
    expect(r.code).toBe(130);
    let left = processesOfJob('ssh-int');
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await sleep(100);
      left = processesOfJob('ssh-int');
    }
    expect(left).toEqual([]);
  });
});
