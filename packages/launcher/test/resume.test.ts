// --resume auto|never|must over real jobs: `dtrain launch` of the fit fixture (2 ranks, ZeroMQ,
// tfjs cpu), relaunched into the same --out. Build first: npx tsc -b packages/launcher.
import { readFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRunSummary, readCheckpointHeader, type RunSummary } from '@dtrain/runtime/contract';
import { resolveCluster } from '../src/cluster.js';
import { prepareWorkerEnv } from '../src/commands/worker.js';
import { composeFile } from '../src/compose.js';
import { k8sManifests } from '../src/k8s.js';
import type { ResolveIO } from '../src/resolve.js';
import { toYaml } from '../src/yaml.js';
import { FIT_FIXTURE, cleanup, freePort, rankLog, startCli, tempDir, type Exit } from './job-helpers.js';

afterEach(cleanup);

const summary = (out: string): RunSummary => decodeRunSummary(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), out);

async function launch(out: string, env: Record<string, string>, ...flags: string[]): Promise<Exit> {
  const port = await freePort();
  return startCli(['launch', '--nodes', '2', '--gpus', 'none', '--port', String(port), '--out', out, ...flags, FIT_FIXTURE], env).exited;
}

const resumedAt = (out: string, rank: number): unknown[] => rankLog(out, rank).filter((r) => r.kind === 'resume').map((r) => r.step);
const noTrace = (text: string): void => expect(text).not.toMatch(/^\s+at /m);

describe('--resume', () => {
  it('auto continues a run, and the summary accounts for every segment', async () => {
    const out = tempDir();
    const first = await launch(out, { STEPS: '20' });
    expect(first.code, first.stderr).toBe(0);
    const s1 = summary(out);
    expect(s1.segments).toEqual([{ fromStep: 0, toStep: 20, wallClockSeconds: s1.wallClockSeconds }]);

    const second = await launch(out, { STEPS: '30' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('resuming from the checkpoints');
    expect([resumedAt(out, 0), resumedAt(out, 1)]).toEqual([[20], [20]]);
    const s2 = summary(out);
    expect(s2.steps).toBe(30);
    expect(s2.segments?.map((s) => [s.fromStep, s.toStep])).toEqual([[0, 20], [20, 30]]);
    const segs = s2.segments ?? [];
    expect(s2.wallClockSeconds).toBeCloseTo(segs[0].wallClockSeconds + segs[1].wallClockSeconds, 9);
    // The first segment's time is carried, not replaced by the second's.
    expect(s2.wallClockSeconds).toBeGreaterThan(segs[1].wallClockSeconds);
    expect(segs[0].wallClockSeconds).toBeLessThanOrEqual(s1.wallClockSeconds);
    // The same bytes every step (one model per exchange): 30 steps send 1.5 times what 20 did.
    for (const r of [0, 1]) expect(s2.ranks[r].bytesSent).toBe((s1.ranks[r].bytesSent * 30) / 20);
    expect(s2.ranks.map((r) => r.steps)).toEqual([30, 30]);

    // A finished run launched again resumes at its end: the summary is still the whole run's.
    const third = await launch(out, { STEPS: '30' });
    expect(third.code, third.stderr).toBe(0);
    const s3 = summary(out);
    expect(s3.steps).toBe(30);
    expect(s3.segments?.map((s) => [s.fromStep, s.toStep])).toEqual([[0, 20], [20, 30]]);
    expect(s3.ranks.map((r) => r.bytesSent)).toEqual(s2.ranks.map((r) => r.bytesSent));
    expect(s3.finalLoss).not.toBeNull();
  }, 120_000);

  it('refuses checkpoints of another configuration with exit 2 and the choices; never starts over', async () => {
    const out = tempDir();
    expect((await launch(out, { STEPS: '10' })).code).toBe(0);
    const before = readdirSync(join(out, 'checkpoints', 'rank-0'));
    const other = await launch(out, { STEPS: '10' }, '--algorithm', 'psgd');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/another run \(--algorithm dsgd .*--resume never.*another --out/s);
    noTrace(other.stderr);
    expect(readdirSync(join(out, 'checkpoints', 'rank-0'))).toEqual(before);

    const fresh = await launch(out, { STEPS: '10' }, '--algorithm', 'psgd', '--resume', 'never');
    expect(fresh.code, fresh.stderr).toBe(0);
    const s = summary(out);
    expect([s.algorithm, s.steps, s.segments?.length]).toEqual(['psgd', 10, 1]);
    expect(resumedAt(out, 0)).toEqual([]);
    const newest = readCheckpointHeader(join(out, 'checkpoints', 'rank-1', 'step-10.ckpt'));
    expect(newest.meta.algorithm).toBe('psgd');
  }, 120_000);

  it('must stops with exit 2 when --out has no checkpoints', async () => {
    const out = tempDir();
    const r = await launch(out, { STEPS: '10' }, '--resume', 'must');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resume must');
    noTrace(r.stderr);
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);

  it('falls back to the newest step every rank holds intact when one rank\'s newest is damaged', async () => {
    const out = tempDir();
    expect((await launch(out, { STEPS: '20' })).code).toBe(0);
    truncateSync(join(out, 'checkpoints', 'rank-1', 'step-20.ckpt'), 100);
    const r = await launch(out, { STEPS: '25' }, '--resume', 'must');
    expect(r.code, r.stderr).toBe(0);
    expect([resumedAt(out, 0), resumedAt(out, 1)]).toEqual([[15], [15]]);
    expect(rankLog(out, 1).some((l) => l.kind === 'checkpoint-damaged' && l.step === 20)).toBe(true);
    const s = summary(out);
    expect(s.steps).toBe(25);
    expect(s.segments?.map((g) => [g.fromStep, g.toStep])).toEqual([[0, 15], [15, 25]]);
  }, 120_000);
});

describe('--resume outside dtrain launch', () => {
  const io: ResolveIO = {
    cwd: '/w', now: new Date(0), hostname: 'h', nodeBin: 'node', examplesDir: '/repo/examples',
    isFile: (p) => p === '/repo/examples/mnist/train.mjs', readFile: () => '', listDir: () => ['mnist'], detectGpus: () => [], randomHex: (n) => 'cd'.repeat(n),
  };
  const raw = { image: 'dtrain:cpu', algorithm: 'dsgd', topology: 'ring', seed: '1', port: '29600', timeout: '30', jobId: 'r-1', nodes: '2', example: 'mnist' };

  it('compose and k8s hand DTRAIN_RESUME to every rank only when --resume is given', () => {
    const never = resolveCluster(undefined, [], { ...raw, resume: 'never' }, io);
    expect(toYaml(composeFile(never)).match(/DTRAIN_RESUME: "never"/g)).toHaveLength(2);
    expect(JSON.stringify(k8sManifests(never))).toContain('{"name":"DTRAIN_RESUME","value":"never"}');
    expect(toYaml(composeFile(resolveCluster(undefined, [], raw, io)))).not.toContain('DTRAIN_RESUME');
  });

  it('dtrain worker --resume sets DTRAIN_RESUME for the script', () => {
    const env: NodeJS.ProcessEnv = { DTRAIN_RANK: '0', DTRAIN_WORLD_SIZE: '1', DTRAIN_RENDEZVOUS: '127.0.0.1:29600', DTRAIN_JOB_ID: 'j', DTRAIN_SECRET: 'x'.repeat(20) };
    prepareWorkerEnv(env, { resume: 'must' }, 4242);
    expect(env.DTRAIN_RESUME).toBe('must');
  });
});
