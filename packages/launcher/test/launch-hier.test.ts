// Hierarchical schedules in real training jobs (ZeroMQ, tfjs cpu backend), with two emulated
// hosts on this machine: `--hosts localhost:2,127.0.0.1:2` puts ranks 0-1 on the first and 2-3
// on the second, and every rank gets DTRAIN_LOCAL_WORLD_SIZE=2. Build first: npx tsc -b packages/launcher.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LR_EXAMPLE, cleanup, freePort, rankLog, startCli, tempDir } from './job-helpers.js';

afterEach(cleanup);

interface Summary {
  topology: string;
  steps: number;
  consensusDistance: number;
  ranks: { rank: number; finalLoss: number }[];
}

const HOSTS = ['--hosts', 'localhost:2,127.0.0.1:2'];

async function job(algorithm: string, topology: string, hosts: string[]): Promise<{ out: string; summary: Summary }> {
  const out = join(tempDir(), `${algorithm}-${topology.replace(':', '-')}`);
  const port = await freePort();
  const run = await startCli(
    ['launch', '--nodes', '4', ...hosts, '--gpus', 'none', '--algorithm', algorithm, '--topology', topology, '--seed', '2', '--port', String(port), '--timeout', '90', '--out', out, LR_EXAMPLE],
    { STEPS: '30', HETEROGENEITY: '1', LR: '0.5' },
  ).exited;
  expect(run.code, run.stderr).toBe(0);
  return { out, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary };
}

const losses = (s: Summary): number[] => s.ranks.map((r) => r.finalLoss);

describe('hierarchical schedules in training jobs over 2 emulated hosts of 2 ranks', () => {
  it('every rank passes the start-up verifier with the hosts it was given; dsgd on hier:onepeer-exp (exact over 2 hosts) and psgd on hier train as flat psgd', async () => {
    const hier = await job('dsgd', 'hier:onepeer-exp', HOSTS);
    for (let rank = 0; rank < 4; rank++) {
      const initLine = rankLog(hier.out, rank).find((r) => r.kind === 'init');
      expect(initLine).toMatchObject({ topology: 'hier:onepeer-exp', hosts: 2, localSize: 2, checkedIterations: 64 });
    }
    expect(hier.summary.consensusDistance).toBeLessThan(1e-6);
    const hierPsgd = await job('psgd', 'hier', HOSTS);
    const flatPsgd = await job('psgd', 'ring', []);
    // With plain SGD, averaging the parameters after each local step is averaging the gradients:
    // the three runs follow the same trajectory, up to float32 rounding.
    losses(flatPsgd.summary).forEach((loss, r) => {
      expect(losses(hierPsgd.summary)[r]).toBeCloseTo(loss, 4);
      expect(losses(hier.summary)[r]).toBeCloseTo(loss, 4);
    });
    expect(new Set(losses(flatPsgd.summary)).size).toBe(4); // heterogeneous shards: a real comparison
  }, 240_000);

  it('refuses a hierarchical topology when the hosts hold different numbers of ranks, before starting anything', async () => {
    const run = await startCli(['launch', '--nodes', '4', '--hosts', 'localhost:3,127.0.0.1:1', '--topology', 'hier:onepeer-exp', LR_EXAMPLE], {}).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--topology hier:onepeer-exp with 4 nodes: .*ranks per host/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
