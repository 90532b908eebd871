import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlgorithmError,
  buildModel,
  createMemoryNetwork,
  createSession,
  init,
  syntheticLogisticShard,
  syntheticLogisticTest,
  type FitResult,
  type SyntheticLogisticOptions,
} from '@dtrain/runtime';
import { closeAll, distance } from './helpers/train-world.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dtrain-train-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const problem: SyntheticLogisticOptions = { seed: 4, dim: 10, samplesPerRank: 320, ranks: 4, heterogeneity: 0.5, testSamples: 1000 };
const test = syntheticLogisticTest(problem);

interface Run {
  results: FitResult[];
  lines: Record<string, unknown>[][];
}

async function train(algorithm: string, topology: string, out: string | undefined, extra: { steps?: number; syncInitial?: boolean; seeds?: number[] } = {}): Promise<Run> {
  const n = problem.ranks as number;
  const lines: Record<string, unknown>[][] = Array.from({ length: n }, () => []);
  const ss = createMemoryNetwork(n, { timeoutMs: 10_000 }).map((transport, r) =>
    createSession({
      transport,
      algorithm,
      topology,
      seed: 1,
      out,
      logger: pino({ base: { rank: r } }, { write: (msg: string) => lines[r].push(JSON.parse(msg) as Record<string, unknown>) }),
    }),
  );
  try {
    const results = await Promise.all(
      ss.map((s, r) => {
        const model = buildModel('logistic', [problem.dim], 2, extra.seeds?.[r] ?? 9);
        return s.fit(model, { train: syntheticLogisticShard(problem, r), test }, { shard: 'none', lr: 0.5, batchSize: 16, steps: extra.steps ?? 60, evalEvery: 10, syncInitial: extra.syncInitial });
      }),
    );
    return { results, lines };
  } finally {
    await closeAll(ss);
  }
}

describe('fit on 4 in-process ranks (synthetic logistic regression, heterogeneous shards)', () => {
  it('DSGD (one-peer exponential) and PSGD both learn, and PSGD ranks hold one model', async () => {
    const out = tempDir();
    const dsgd = await train('dsgd', 'onepeer-exp', out);
    const psgd = await train('psgd', 'ring', undefined);
    const sd = dsgd.results[0].summary;
    const sp = psgd.results[0].summary;
    expect(sd.finalAccuracy as number).toBeGreaterThan(0.8);
    expect(sp.finalAccuracy as number).toBeGreaterThan(0.8);
    expect(Math.abs((sd.finalAccuracy as number) - (sp.finalAccuracy as number))).toBeLessThan(0.05);
    expect(sp.consensusDistance).toBe(0);
    expect(sd.consensusDistance).toBeGreaterThan(0);
    // summary.json on disk, written by rank 0.
    const disk = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['algorithm', 'topology', 'nodes', 'steps', 'wallClockSeconds', 'meanStepSeconds', 'meanCommSeconds', 'finalLoss', 'finalAccuracy', 'consensusDistance', 'backend']) {
      expect(disk).toHaveProperty(key);
    }
    expect(disk).toMatchObject({ algorithm: 'dsgd', topology: 'onepeer-exp', nodes: 4, steps: 60, finalAccuracy: sd.finalAccuracy });
    expect((disk.finalLoss as number) < Math.log(2)).toBe(true);
  });

  it('records NDJSON step and eval lines per rank with the required fields', async () => {
    const run = await train('pga', 'ring', undefined, { steps: 20 });
    for (const lines of run.lines) {
      const steps = lines.filter((l) => l.kind === 'step');
      const evals = lines.filter((l) => l.kind === 'eval');
      expect(steps.map((l) => l.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const l of steps) {
        expect(typeof l.loss).toBe('number');
        expect(l.computeSeconds as number).toBeGreaterThanOrEqual(0);
        expect(l.commSeconds as number).toBeGreaterThanOrEqual(0);
        expect(l.bytesSent as number).toBeGreaterThan(0);
      }
      expect(evals.map((l) => l.step)).toEqual([10, 20]);
      for (const l of evals) expect(Object.keys(l)).toEqual(expect.arrayContaining(['localAccuracy', 'averageAccuracy', 'consensusDistance']));
    }
  });

  it("DSGD's ranks come together: from different starts the consensus distance falls by orders of magnitude (seed 001)", async () => {
    const seeds = [1, 2, 3, 4];
    const starts = seeds.map((s) => buildModel('logistic', [problem.dim], 2, s));
    const x0 = starts.map((m) => Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.dataSync()))));
    const mean = x0[0].map((_, i) => x0.reduce((s, x) => s + x[i], 0) / x0.length);
    const initial = x0.reduce((s, x) => s + distance(x, mean) ** 2, 0) / x0.length;
    const run = await train('dsgd', 'ring', undefined, { syncInitial: false, seeds, steps: 60 });
    const curve = run.results[0].evals.map((e) => e.consensusDistance);
    expect(curve[0]).toBeLessThan(initial);
    expect(curve[curve.length - 1]).toBeLessThan(0.02 * initial);
    expect(Math.max(...curve)).toBeLessThan(initial);
  });
});

describe('init', () => {
  it('runs as rank 0 of 1 without the environment contract and writes summary.json', async () => {
    const out = tempDir();
    const lines: string[] = [];
    const dt = await init({ env: {}, backend: 'cpu', out, algorithm: 'dsgd', topology: 'ring', momentum: 0.5, logger: pino({ base: { rank: 0 } }, { write: (m: string) => lines.push(m) }) });
    try {
      expect([dt.rank, dt.size, dt.algorithm, dt.topology, dt.backend]).toEqual([0, 1, 'dsgd', 'ring', 'cpu']);
      const model = buildModel('logistic', [problem.dim], 2, 3);
      const r = await dt.fit(model, { train: syntheticLogisticShard(problem, 0), test }, { shard: 'none', lr: 0.5, steps: 40 });
      expect(r.summary.finalAccuracy as number).toBeGreaterThan(0.75);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ nodes: 1, steps: 40, backend: 'cpu' });
    } finally {
      await dt.close();
    }
  });

  it('refuses an invalid algorithm/topology pair from the launcher environment before connecting', async () => {
    const env = {
      DTRAIN_RANK: '0',
      DTRAIN_WORLD_SIZE: '4',
      DTRAIN_RENDEZVOUS: '127.0.0.1:9',
      DTRAIN_JOB_ID: 'job',
      DTRAIN_SECRET: 'a-long-enough-secret',
      DTRAIN_ALGORITHM: 'exact-diffusion',
      DTRAIN_TOPOLOGY: 'onepeer-exp',
    };
    const err = await init({ env, backend: 'cpu', logger: pino({ enabled: false }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlgorithmError);
    expect((err as AlgorithmError).code).toBe('E_ALGORITHM_TOPOLOGY');
  });
});
