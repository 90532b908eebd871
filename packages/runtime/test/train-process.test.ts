/**
 * Real processes over ZeroMQ: a job of 3 workers (fixtures/train-worker.mjs,
 * compiled dist/) started with the DTRAIN_* contract. Build first:
 * `npx tsc -b packages/runtime`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir, DROP_REASONS, listCheckpoints, workerEnvToVars } from '@dtrain/runtime';
import { freePort, removeTempDirs, tempDir } from '../../../test-utils/index.js';
import { backendsUnderTest, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('train-process.test.ts');

const WORKER = fileURLToPath(new URL('./fixtures/train-worker.mjs', import.meta.url));
const NODES = 3;
const live = new Set<ChildProcess>();

afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
  removeTempDirs();
});

interface Job {
  children: ChildProcess[];
  stdout: string[];
  stderr: string[];
  exits: Promise<(number | null)[]>;
}

async function launch(out: string, env: Record<string, string> = {}): Promise<Job> {
  const port = await freePort();
  const stdout: string[] = Array.from({ length: NODES }, () => '');
  const stderr: string[] = Array.from({ length: NODES }, () => '');
  const children = Array.from({ length: NODES }, (_, rank) => {
    const vars = workerEnvToVars({
      rank,
      localRank: rank,
      worldSize: NODES,
      rendezvous: { host: '127.0.0.1', port },
      jobId: `train-process-${port}`,
      secret: 'train-process-test-secret',
      options: { algorithm: 'dsgd', topology: 'onepeer-exp', seed: 2, out, timeoutMs: 20_000 },
    });
    const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...vars, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.stdout!.on('data', (b: Buffer) => (stdout[rank] += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr[rank] += b.toString()));
    return child;
  });
  const exits = Promise.all(
    children.map((c) => new Promise<number | null>((resolve) => c.on('exit', (code) => {
      live.delete(c);
      resolve(code);
    }))),
  );
  return { children, stdout, stderr, exits };
}

const records = (text: string): Record<string, unknown>[] =>
  text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

const params = (out: string, rank: number): number[] => {
  const b = readFileSync(join(out, `params-rank-${rank}.bin`));
  return Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
};

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(backendsUnderTest(['cpu']))('training over ZeroMQ between real processes on %s', (backend) => {
  const whole = tempDir('dtrain-proc-');
  // One TensorFlow thread per rank: the resumed run must repeat the uninterrupted one bit for bit.
  const env = { FIXTURE_BACKEND: backend, TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' };

  it('trains DSGD on one-peer exponential: NDJSON per rank, summary.json from rank 0', async () => {
    const job = await launch(whole, env);
    const codes = await job.exits;
    expect(codes, job.stderr.join('\n')).toEqual([0, 0, 0]);
    for (let r = 0; r < NODES; r++) {
      const lines = records(job.stdout[r]);
      expect(lines.every((l) => l.rank === r)).toBe(true);
      expect(lines.filter((l) => l.kind === 'step').length).toBe(60);
      const evals = lines.filter((l) => l.kind === 'eval');
      expect(evals.map((l) => l.step)).toEqual([20, 40, 60]);
    }
    const summary = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ algorithm: 'dsgd', topology: 'onepeer-exp', nodes: NODES, steps: 60, backend });
    expect(summary.finalAccuracy as number).toBeGreaterThan(0.75);
    expect(summary.meanCommSeconds as number).toBeGreaterThan(0);
    // The channel's protection and what it dropped are on record.
    expect(summary.secure).toBe('mac');
    expect(Object.keys(summary.dropped as Record<string, number>)).toEqual([...DROP_REASONS]);
    expect((summary.dropped as Record<string, number>)['bad-mac']).toBe(0);
  });

  it('under DTRAIN_SECURE=curve the same job ends with bit-identical models, and says so in summary.json', async () => {
    const out = tempDir('dtrain-proc-');
    const job = await launch(out, { ...env, DTRAIN_SECURE: 'curve' });
    expect(await job.exits, job.stderr.join('\n')).toEqual([0, 0, 0]);
    expect(records(job.stdout[0]).find((l) => l.kind === 'init')).toMatchObject({ secure: 'curve' });
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ secure: 'curve' });
    for (let r = 0; r < NODES; r++) expect(params(out, r)).toEqual(params(whole, r));
  });

  it('a job killed after its step-30 checkpoint resumes to the same final models as the uninterrupted run', async () => {
    const out = tempDir('dtrain-proc-');
    const killed = await launch(out, { ...env, FIXTURE_HANG_AFTER: '35' });
    await until(() => Array.from({ length: NODES }, (_, r) => listCheckpoints(checkpointDir(out, r)).includes(30)).every(Boolean), 40_000);
    for (const c of killed.children) c.kill('SIGKILL');
    await killed.exits;
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
    const resumed = await launch(out, env);
    expect(await resumed.exits, resumed.stderr.join('\n')).toEqual([0, 0, 0]);
    expect(records(resumed.stdout[0]).find((l) => l.kind === 'resume')).toMatchObject({ step: 30 });
    for (let r = 0; r < NODES; r++) expect(params(out, r)).toEqual(params(whole, r));
    expect(params(whole, 0)).not.toEqual(params(whole, 1));
  });
});
