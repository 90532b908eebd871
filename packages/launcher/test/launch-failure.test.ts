// Failure handling with real training workers (ZeroMQ, tfjs cpu backend):
// a rank that dies at any moment ends the whole job, named, non-zero, with
// no process left; a rank that cannot be reached fails the startup check;
// bad usage exits 2 before any worker starts. Build first: npx tsc -b packages/launcher.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TRAIN_FIXTURE,
  cleanup,
  fixturePids,
  freePort,
  rankLog,
  records,
  startCli,
  startWorkers,
  survivors,
  tempDir,
  until,
} from './job-helpers.js';

afterEach(cleanup);

const NODES = 3;

async function launchFixture(out: string, algorithm: string, env: Record<string, string>, onRunning?: () => Promise<void>, timeoutS = 5) {
  const port = await freePort();
  const job = startCli(
    ['launch', '--nodes', String(NODES), '--gpus', 'none', '--algorithm', algorithm, '--topology', 'ring',
      '--timeout', String(timeoutS), '--grace', '1', '--port', String(port), '--out', out, TRAIN_FIXTURE],
    { STEPS: '100000', FIXTURE_STEP_MS: '20', ...env },
  );
  await onRunning?.();
  return job.exited;
}

describe('one rank dies: the launcher ends the job and names it', () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ['before registering at the rendezvous', 'dsgd', { FIXTURE_DIE_RANK: '2', FIXTURE_DIE_AT: 'init' }, /rank 2 exited with code 7/],
    ['by SIGKILL while the others are in a psgd allreduce', 'psgd', { FIXTURE_DIE_RANK: '1', FIXTURE_DIE_AT: '3', FIXTURE_DIE_HOW: 'sigkill' }, /rank 1 was killed by SIGKILL/],
    ['rank 0 (the rendezvous host) exits mid-gossip', 'pga', { FIXTURE_DIE_RANK: '0', FIXTURE_DIE_AT: '5' }, /rank 0 exited with code 7/],
  ];
  it.each(cases)('%s', async (_name, algorithm, env, message) => {
    const out = join(tempDir(), 'run');
    const r = await launchFixture(out, algorithm, env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('stopped the other ranks');
    const pids = fixturePids(out);
    expect(pids).toHaveLength(NODES);
    expect(await survivors(pids)).toEqual([]);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });

  it('a rank SIGKILLed from outside during training', async () => {
    const out = join(tempDir(), 'run');
    let pids: number[] = [];
    const r = await launchFixture(out, 'psgd', {}, async () => {
      await until('every rank to take a step', () => [0, 1, 2].every((k) => rankLog(out, k).some((x) => x.kind === 'step')));
      pids = fixturePids(out);
      process.kill(pids[2], 'SIGKILL');
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/rank 2 was killed by SIGKILL/);
    expect(await survivors(pids)).toEqual([]);
  });
});

describe('startup check', () => {
  it('a rank that registers but never answers fails the job before the first step, naming the pair and its address', async () => {
    const out = join(tempDir(), 'run');
    const r = await launchFixture(out, 'dsgd', { FIXTURE_SILENT_RANK: '2' }, undefined, 2);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/E_TRANSPORT_UNREACHABLE|cannot exchange with/);
    expect(r.stderr).toMatch(/[01]<->2 \(tcp:\/\/127\.0\.0\.1:\d+\)/);
    for (const k of [0, 1]) expect(rankLog(out, k).some((x) => x.kind === 'step')).toBe(false);
    expect(await survivors(fixturePids(out))).toEqual([]);
  });
});

describe('workers started by another engine (dtrain worker, no launcher)', () => {
  const env = (out: string) => () => ({ DTRAIN_OUT: out, DTRAIN_ALGORITHM: 'psgd', DTRAIN_TIMEOUT_MS: '3000', STEPS: '100000', FIXTURE_STEP_MS: '20' });

  it('SIGTERM: the rank closes its transport and exits 143; its peers fail naming it', async () => {
    const out = tempDir();
    const workers = await startWorkers(NODES, TRAIN_FIXTURE, env(out));
    await until('every rank to take a step', () => workers.every((w) => records(w.output.stdout).some((x) => x.kind === 'step')));
    workers[1].child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits[1].code).toBe(143);
    expect(records(exits[1].stdout).find((x) => x.kind === 'stop')?.msg).toMatch(/SIGTERM/);
    expect(exits[0].code).not.toBe(0);
    expect(exits[2].code).not.toBe(0);
    // Each peer names a rank that is gone and its address: rank 1, or the other peer when that one gave
    // up first (in the ring each waits on both neighbours); at least one of them names rank 1.
    for (const k of [0, 2]) expect(exits[k].stderr).toMatch(new RegExp(`rank (1|${2 - k}) \\(tcp://127\\.0\\.0\\.1:\\d+\\)`));
    expect([0, 2].some((k) => /rank 1 \(tcp:\/\/127\.0\.0\.1:\d+\)/.test(exits[k].stderr))).toBe(true);
    expect(await survivors(fixturePids(out))).toEqual([]);
  });

  it('a rank that exits before the rendezvous: the others give up within the timeout, naming it', async () => {
    const out = tempDir();
    const workers = await startWorkers(NODES, TRAIN_FIXTURE, () => ({ ...env(out)(), FIXTURE_DIE_RANK: '2', FIXTURE_DIE_AT: 'init' }));
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map((e) => e.code)).toEqual([1, 1, 7]);
    expect(exits[0].stderr).toMatch(/ranks? 2 of 3 did not join/);
    expect(await survivors(fixturePids(out))).toEqual([]);
  });
});

describe('usage errors exit 2 before any worker starts', () => {
  const cases: [string, string[], RegExp][] = [
    ['a topology that does not fit the node count', ['--nodes', '7', '--topology', 'torus', TRAIN_FIXTURE], /--topology torus with 7 nodes: .*got n=7.*use nodes=8 or 'ring'/],
    ['an unknown algorithm', ['--nodes', '3', '--algorithm', 'nope', TRAIN_FIXTURE], /--algorithm nope: unknown algorithm 'nope'; known algorithms: psgd, dsgd/],
    ['an algorithm that refuses the topology', ['--nodes', '4', '--algorithm', 'exact-diffusion', '--topology', 'onepeer-exp', TRAIN_FIXTURE], /exact-diffusion needs a symmetric .*; use an undirected static topology/],
    ['an unknown option', ['--nodes', '3', '--bogus', TRAIN_FIXTURE], /unknown option '--bogus'.*\n.*--help/],
    ['an unknown --secure mode', ['--nodes', '2', '--secure', 'tls', TRAIN_FIXTURE], /--secure <mode>' argument 'tls' is invalid\. Allowed choices are mac, curve/],
    ['a missing script', ['--nodes', '3', 'missing-train.mjs'], /script "missing-train\.mjs" not found \(looked at .*missing-train\.mjs\); check the path/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const r = await startCli(['launch', '--gpus', 'none', '--out', out, ...args], {}, dir).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
