// `dtrain simulate --validate`: the model's predictions for measured runs, the
// straggler wait, the processor cost per byte, and the directory reading.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchedule } from '@dtrain/topology';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLine, runSummary, stepLine } from '../../../test-utils/index.js';
import { runValidate, type SimulateOptionsRaw } from '../src/commands/simulate.js';
import { parseConfigs } from '../src/compare/configs.js';
import { readRunDir } from '../src/compare/run-data.js';
import { linkFromRate, ringAllreduce, seconds } from '../src/simulate/alpha-beta.js';
import { decodeComparisonFile, rateOfFlags } from '../src/simulate/validate-dir.js';
import { fitCpuPerByte, isGlobalStep, meanWait, validateRun } from '../src/simulate/validate.js';

const root = mkdtempSync(join(tmpdir(), 'dtrain-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PARAMS = 250_000;
const B = PARAMS * 4;

interface Fixture {
  algorithm: string;
  topology: string;
  nodes: number;
  steps: number;
  period?: number;
  compute: (rank: number, step: number) => number;
  comm: (rank: number, step: number) => number;
}

/** A run directory with every rank's per-step lines; the summary's means are the lines' means. */
function writeRun(name: string, f: Fixture): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  let comp = 0;
  let comm = 0;
  for (let r = 0; r < f.nodes; r++) {
    const lines = [JSON.stringify(fitLine(PARAMS))];
    for (let k = 1; k <= f.steps; k++) {
      comp += f.compute(r, k);
      comm += f.comm(r, k);
      lines.push(JSON.stringify(stepLine({ step: k, computeSeconds: f.compute(r, k), commSeconds: f.comm(r, k), bytesSent: B })));
    }
    writeFileSync(join(dir, `rank-${r}.ndjson`), `${lines.join('\n')}\n`);
  }
  const count = f.nodes * f.steps;
  const summary = runSummary({
    algorithm: f.algorithm, topology: f.topology, nodes: f.nodes, steps: f.steps, wallClockSeconds: 1,
    meanStepSeconds: (comp + comm) / count, meanCommSeconds: comm / count, meanComputeSeconds: comp / count,
    finalLoss: 0.5, finalAccuracy: 0.9, consensusDistance: 0, backend: 'wasm', ...(f.period !== undefined ? { globalAvgPeriod: f.period } : {}),
  });
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return dir;
}

const link = linkFromRate(1e9, 50e-6);
const config = (entry: string, n: number) => parseConfigs(entry, n)[0];

describe('straggler wait', () => {
  it('a global step waits for the slowest rank; a gossip step for the ranks it receives from', () => {
    // 4 ranks, compute 1, 2, 3, 6 at step 1
    const c = [1, 2, 3, 6].map((v) => new Map([[1, v]]));
    // psgd: (6-1 + 6-2 + 6-3 + 0) / 4 = 3
    expect(meanWait(c, config('psgd', 4), null)).toBe(3);
    // onepeer-exp at iteration 0: each rank receives from one peer
    const s = createSchedule('onepeer-exp', 4);
    const v = [1, 2, 3, 6];
    const expected = v.map((ci, i) => Math.max(ci, ...s.at(0, i).recvFrom.map((j) => v[j])) - ci).reduce((a, b) => a + b, 0) / 4;
    expect(meanWait(c, config('dsgd:onepeer-exp', 4), s)).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(3);
  });

  it('pga averages globally on every H-th step (k + 1 = 0 mod H); local-sgd waits only then', () => {
    const pga = config('pga:onepeer-exp:4', 4);
    expect([0, 1, 2, 3, 7].map((k) => isGlobalStep(pga, k))).toEqual([false, false, false, true, true]);
    const c = [1, 3].map((v) => new Map([[1, v], [2, v]]));
    // steps 1 (none) and 2 (global: (3-1)/2 = 1) -> mean 0.5
    expect(meanWait(c, config('local-sgd:ring:2', 2), null)).toBe(0.5);
    // only steps every rank logged count
    expect(meanWait([new Map([[1, 1]]), new Map([[2, 1]])], config('psgd', 2), null)).toBeNull();
  });
});

describe('validateRun', () => {
  it('predicts the alpha-beta communication from the given link, not from the run', () => {
    const dir = writeRun('psgd-even', { algorithm: 'psgd', topology: 'ring', nodes: 4, steps: 5, compute: () => 0.1, comm: () => 0.02 });
    const row = validateRun(readRunDir(dir, 'psgd'), { link, bytesPerParam: 4 });
    const ab = seconds(ringAllreduce(4, B), link);
    expect(row.alphaBeta.commSeconds).toBeCloseTo(ab, 15);
    expect(row.alphaBeta.commError).toBeCloseTo((ab - 0.02) / 0.02, 12);
    expect(row.alphaBeta.stepSeconds).toBeCloseTo(0.1 + ab, 15);
    // equal compute everywhere: no wait
    expect(row.waitSeconds).toBe(0);
    expect(row.pathBytes).toBeCloseTo(1.5 * B, 6);
    expect(row.withCpu).toBeNull();
  });

  it('adds the measured waits, and gamma x bytes when given', () => {
    // rank 0 computes 0.1 s longer; the others wait for it inside the allreduce
    const ab = seconds(ringAllreduce(2, B), link);
    const dir = writeRun('psgd-skew', { algorithm: 'psgd', topology: 'ring', nodes: 2, steps: 4, compute: (r) => (r === 0 ? 0.3 : 0.2), comm: (r) => ab + (r === 0 ? 0 : 0.1) });
    const row = validateRun(readRunDir(dir, 'psgd'), { link, bytesPerParam: 4, cpuSecondsPerByte: 1e-9 });
    expect(row.waitSeconds).toBeCloseTo(0.05, 15);
    // wire + wait is exactly what this run measured
    expect(row.withWaits?.commError).toBeCloseTo(0, 12);
    expect(row.withCpu?.commSeconds).toBeCloseTo(ab + 0.05 + 1e-9 * B, 15);
  });

  it('pga pays (H-1)/H gossip and one allreduce per H steps', () => {
    const dir = writeRun('pga', { algorithm: 'pga', topology: 'onepeer-exp', nodes: 4, steps: 8, period: 4, compute: () => 0.1, comm: () => 0.05 });
    const row = validateRun(readRunDir(dir, 'pga:onepeer-exp:4'), { link, bytesPerParam: 4 });
    expect(row.alphaBeta.commSeconds).toBeCloseTo((3 / 4) * (link.alpha + B * link.beta) + seconds(ringAllreduce(4, B), link) / 4, 15);
  });

  it('fitCpuPerByte recovers the gamma that made the runs', () => {
    const gamma = 2.5e-9;
    const rows = [2, 4].map((n) => {
      const path = ringAllreduce(n, B);
      const wire = seconds(path, link);
      const dir = writeRun(`gamma-${n}`, { algorithm: 'psgd', topology: 'ring', nodes: n, steps: 3, compute: () => 0.1, comm: () => wire + gamma * path.bytes });
      return validateRun(readRunDir(dir, 'psgd'), { link, bytesPerParam: 4 });
    });
    expect(fitCpuPerByte(rows) as number).toBeCloseTo(gamma, 18);
    expect(fitCpuPerByte([])).toBeNull();
  });
});

describe('--validate DIR', () => {
  const cmp = join(root, 'cmp');
  mkdirSync(cmp, { recursive: true });
  const psgd = writeRun('cmp/psgd', { algorithm: 'psgd', topology: 'ring', nodes: 4, steps: 4, compute: () => 0.1, comm: () => 0.2 });
  writeRun('cmp/dsgd-onepeer-exp', { algorithm: 'dsgd', topology: 'onepeer-exp', nodes: 4, steps: 4, compute: () => 0.1, comm: () => 0.12 });
  // recorded directories that moved since: found beside comparison.json by their slug
  writeFileSync(join(cmp, 'comparison.json'), JSON.stringify({
    runs: [{ label: 'psgd', dir: psgd }, { label: 'dsgd:onepeer-exp', dir: '/moved/away' }],
    setup: { launchFlags: ['--cluster', 'netns', '--rate', '1gbit'] },
  }));
  const raw: SimulateOptionsRaw = { configs: 'psgd', latencyUs: '50', bytesPerParam: '4', seed: '0', validate: cmp };

  it('takes the rate from the comparison and reports the largest error', () => {
    const v = runValidate({ ...raw, validate: cmp });
    expect(v.bitsPerSecond / 1e9).toBeCloseTo(1, 12);
    expect(v.rows.map((r) => r.label)).toEqual(['psgd', 'dsgd:onepeer-exp']);
    const errors = v.rows.map((r) => Math.abs(r.alphaBeta.commError));
    expect(v.worst.comm).toBe(Math.max(...errors));
    // --bandwidth wins over the recorded rate
    expect(runValidate({ ...raw, validate: cmp, bandwidth: '2gbit' }).bitsPerSecond / 2e9).toBeCloseTo(1, 12);
  });

  it('fits gamma on --cpu-from runs and predicts with it', () => {
    const v = runValidate({ ...raw, validate: cmp, cpuFrom: cmp });
    expect(v.cpuSecondsPerByte).not.toBeNull();
    expect(v.rows.every((r) => r.withCpu !== null)).toBe(true);
  });

  it('needs a link for runs without a rate, and refuses --calibrate with it', () => {
    const single = writeRun('single', { algorithm: 'psgd', topology: 'ring', nodes: 2, steps: 2, compute: () => 0.1, comm: () => 0.1 });
    expect(() => runValidate({ ...raw, validate: single })).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/--bandwidth/) }));
    expect(runValidate({ ...raw, validate: single, bandwidth: '10gbit' }).rows).toHaveLength(1);
    expect(() => runValidate({ ...raw, validate: single, calibrate: single })).toThrow(/do not combine/);
    expect(() => runValidate({ ...raw, validate: join(root, 'nope') })).toThrow(/no such directory/);
  });

  it('decodes comparison.json and launch flags', () => {
    expect(rateOfFlags(['--cluster', 'netns', '--rate', '100mbit'])).toBe('100mbit');
    expect(rateOfFlags(['--cluster', 'local'])).toBeNull();
    expect(() => decodeComparisonFile({ runs: [{ label: 1 }] }, 'x.json')).toThrow(expect.objectContaining({ code: 'E_RUN_SUMMARY' }));
    expect(decodeComparisonFile({ runs: [] }, 'x.json').launchFlags).toEqual([]);
  });
});
