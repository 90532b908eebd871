/**
 * The `overlap` option of dsgd and pga (algorithms/overlap.ts): combine and
 * adapt in parallel, X(k+1) = W(k) X(k) - gamma G(X(k)), checked against a
 * dense float64 recursion over the schedule's own matrices; without overlap
 * the same runs follow adapt-then-combine, X(k+1) = W(k) (X(k) - gamma G(X(k))).
 * Also: checkpoints stay bit-exact, invalid pairings are refused before
 * training, the option travels through the environment, and 4 real
 * processes learn with it (compiled dist/: build first with
 * `npx tsc -b packages/runtime`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedule } from '@dtrain/topology';
import {
  AlgorithmError,
  buildModel,
  checkpointDir,
  createMemoryNetwork,
  createSession,
  init,
  listCheckpoints,
  readRunOptions,
  syntheticLogisticShard,
  syntheticLogisticTest,
  validateAlgorithm,
  WorkerEnvError,
  workerEnvToVars,
  type AlgorithmOptions,
  type SyntheticLogisticOptions,
} from '@dtrain/runtime';
import { closeAll, leastSquares, lsLoss, maxAbsDiff, sessions, type LeastSquares } from './helpers/train-world.js';
import { freePort, removeTempDirs, tempDir } from '../../../test-utils/index.js';

const live = new Set<ChildProcess>();
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
  removeTempDirs();
});

const N = 4;
const DIM = 3;
const LR = 0.1;
const STEPS = 12;

/** Rank r's distinct start, so W matters from the first iteration. */
const start = (r: number): Float32Array => Float32Array.from({ length: DIM }, (_, j) => Math.sin(1 + 3 * r + j));

/** grad f_r(x) = (1/m) A_r^T (A_r x - b_r), in float64. */
function gradient(p: LeastSquares, r: number, x: Float64Array): Float64Array {
  const g = new Float64Array(p.dim);
  for (let i = 0; i < p.m; i++) {
    let res = -p.b[r][i];
    for (let j = 0; j < p.dim; j++) res += p.A[r][i * p.dim + j] * x[j];
    for (let j = 0; j < p.dim; j++) g[j] += (p.A[r][i * p.dim + j] * res) / p.m;
  }
  return g;
}

type Mix = 'W' | 'mean' | 'none';

/** X <- M X, row i of the result mixing every rank's vector. */
function mix(X: Float64Array[], M: number[][]): Float64Array[] {
  return X.map((_, i) => {
    const out = new Float64Array(DIM);
    X.forEach((xj, j) => xj.forEach((v, d) => (out[d] += M[i][j] * v)));
    return out;
  });
}

/**
 * The dense recursions: 'parallel' X(k+1) = M(k) X(k) - gamma D(k) and
 * 'atc' X(k+1) = M(k) (X(k) - gamma D(k)), with D = G or the heavy ball
 * M_b <- beta M_b + G, and M(k) = W(k), the exact mean, or I per `rule(k)`.
 * On the exact-mean iterations of pga both forms are adapt-then-combine.
 */
function reference(p: LeastSquares, topology: string, form: 'parallel' | 'atc', rule: (k: number) => Mix, beta = 0): Float64Array[] {
  const schedule = createSchedule(topology, N, { seed: 0 });
  let X = Array.from({ length: N }, (_, r) => Float64Array.from(start(r)));
  const ball = Array.from({ length: N }, () => new Float64Array(DIM));
  const mean = Array.from({ length: N }, () => new Array<number>(N).fill(1 / N));
  for (let k = 0; k < STEPS; k++) {
    const D = X.map((x, r) => {
      const g = gradient(p, r, x);
      ball[r] = ball[r].map((m, d) => beta * m + g[d]);
      return beta > 0 ? ball[r] : g;
    });
    const r = rule(k);
    const M = r === 'W' ? schedule.matrix(k) : r === 'mean' ? mean : null;
    if (form === 'parallel' && r === 'W') {
      const WX = mix(X, schedule.matrix(k));
      X = WX.map((wx, i) => wx.map((v, d) => v - LR * D[i][d]));
    } else {
      const half = X.map((x, i) => x.map((v, d) => v - LR * D[i][d]));
      X = M === null ? half : mix(half, M);
    }
  }
  return X;
}

/** The runtime on the in-memory network: N ranks from their distinct starts, plain SGD. */
async function train(p: LeastSquares, algorithm: string, topology: string, options: AlgorithmOptions): Promise<Float32Array[]> {
  const ss = sessions(N, { algorithm, topology, algorithmOptions: options });
  try {
    return await Promise.all(
      ss.map(async (s, r) => {
        const x = tf.variable(tf.tensor2d(start(r), [DIM, 1]));
        const opt = s.wrap([x], tf.train.sgd(LR), { syncInitial: false });
        const loss = lsLoss(p, r, x);
        for (let k = 0; k < STEPS; k++) await opt.step(loss);
        return opt.params();
      }),
    );
  } finally {
    await closeAll(ss);
  }
}

/** Largest |runtime - reference| over ranks, relative to the reference's largest entry. */
function relError(got: Float32Array[], want: Float64Array[]): number {
  const scale = Math.max(...want.map((x) => Math.max(...Array.from(x, Math.abs))));
  return Math.max(...got.map((x, r) => maxAbsDiff(x, want[r]))) / scale;
}

describe('overlap follows combine-and-adapt-in-parallel; without it, adapt-then-combine', () => {
  const p = leastSquares(N, DIM, 10, 21, 1.5);
  const gossip = (): Mix => 'W';

  it.each(['ring', 'onepeer-exp'])('dsgd on %s', async (topology) => {
    const parallel = reference(p, topology, 'parallel', gossip);
    const atc = reference(p, topology, 'atc', gossip);
    const overlapped = await train(p, 'dsgd', topology, { overlap: true });
    const plain = await train(p, 'dsgd', topology, {});
    expect(relError(overlapped, parallel)).toBeLessThan(1e-5);
    expect(relError(plain, atc)).toBeLessThan(1e-5);
    // The two forms are different recursions, far apart next to float error.
    expect(relError(overlapped, atc)).toBeGreaterThan(1e-3);
  });

  it('dsgd with heavy-ball momentum on onepeer-exp: X(k+1) = W(k) X(k) - gamma M(k+1)', async () => {
    const want = reference(p, 'onepeer-exp', 'parallel', gossip, 0.5);
    const got = await train(p, 'dsgd', 'onepeer-exp', { overlap: true, momentum: 0.5 });
    expect(relError(got, want)).toBeLessThan(1e-5);
  });

  it('pga (H = 3): parallel gossip iterations, adapt-then-combine exact averages', async () => {
    const rule = (k: number): Mix => ((k + 1) % 3 === 0 ? 'mean' : 'W');
    const want = reference(p, 'onepeer-exp', 'parallel', rule);
    const got = await train(p, 'pga', 'onepeer-exp', { overlap: true, globalAvgPeriod: 3 });
    expect(relError(got, want)).toBeLessThan(1e-5);
    expect(relError(got, reference(p, 'onepeer-exp', 'atc', rule))).toBeGreaterThan(1e-3);
  });
});

const problem: SyntheticLogisticOptions = { seed: 8, dim: 6, samplesPerRank: 96, ranks: N, heterogeneity: 1, testSamples: 200 };
const testSet = syntheticLogisticTest(problem);

/** fit() on N ranks with overlap; `stopAfter` aborts every rank after that many steps (a crash). */
async function fitRun(out: string, stopAfter?: number): Promise<{ params: Float32Array[]; resumedFrom: (number | null)[] }> {
  const ss = createMemoryNetwork(N, { timeoutMs: 10_000 }).map((transport) =>
    createSession({ transport, algorithm: 'dsgd', topology: 'onepeer-exp', seed: 5, out, algorithmOptions: { overlap: true, momentum: 0.5 } }),
  );
  try {
    const results = await Promise.all(
      ss.map((s, r) =>
        s.fit(buildModel('mlp', [problem.dim], 2, 2, { hidden: [5] }), { train: syntheticLogisticShard(problem, r), test: testSet }, {
          shard: 'none',
          optimizer: tf.train.momentum(0.1, 0.9),
          batchSize: 8,
          steps: 24,
          evalEvery: 0,
          checkpointEvery: 8,
          onStep: (st) => {
            if (stopAfter !== undefined && st.iteration + 1 === stopAfter) throw new Error('simulated crash');
          },
        }),
      ),
    );
    return { params: results.map((res) => res.optimizer.params()), resumedFrom: results.map((res) => res.resumedFrom) };
  } finally {
    await closeAll(ss);
  }
}

describe('checkpoints with overlap', () => {
  it('a run stopped after step 20 and resumed from its step-16 checkpoint ends bit for bit like an uninterrupted run', async () => {
    const wholeDir = tempDir();
    const whole = await fitRun(wholeDir);
    const summary = JSON.parse(readFileSync(join(wholeDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ algorithm: 'dsgd', overlap: true, steps: 24 });
    const out = tempDir();
    await expect(fitRun(out, 20)).rejects.toThrow('simulated crash');
    expect(listCheckpoints(checkpointDir(out, 3))).toEqual([8, 16]);
    const resumed = await fitRun(out);
    expect(resumed.resumedFrom).toEqual([16, 16, 16, 16]);
    for (let r = 0; r < N; r++) expect(Array.from(resumed.params[r])).toEqual(Array.from(whole.params[r]));
    expect(Array.from(whole.params[0])).not.toEqual(Array.from(whole.params[1]));
  });
});

function refusal(f: () => unknown): AlgorithmError {
  try {
    f();
  } catch (err) {
    if (err instanceof AlgorithmError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('option checks', () => {
  const ring = createSchedule('ring', N);
  const refused: [string, string][] = [
    ['psgd', 'ring'],
    ['gradient-tracking', 'onepeer-exp'],
    ['exact-diffusion', 'ring'],
    ['push-sum', 'digraph-skewed'],
    ['local-sgd', 'ring'],
  ];

  it.each(refused)('%s with overlap is refused before training, naming the algorithm and the fix', (algorithm, topology) => {
    const schedule = createSchedule(topology, N);
    expect(validateAlgorithm(algorithm, schedule, { overlap: false }).options.overlap).toBeUndefined();
    const err = refusal(() => validateAlgorithm(algorithm, schedule, { overlap: true }));
    expect(err.code).toBe('E_ALGORITHM_OPTION');
    expect(err.message).toContain(`${algorithm} cannot overlap`);
    expect(err.message).toMatch(/use dsgd or pga/);
    expect(refusal(() => createSession({ transport: createMemoryNetwork(N)[0], algorithm, topology, algorithmOptions: { overlap: true } })).code).toBe('E_ALGORITHM_OPTION');
  });

  it('dsgd and pga accept it; a non-boolean is refused', () => {
    expect(validateAlgorithm('dsgd', ring, { overlap: true }).options.overlap).toBe(true);
    expect(validateAlgorithm('pga', ring, { overlap: true, globalAvgPeriod: 2 }).options).toEqual({ rounds: 1, globalAvgPeriod: 2, momentum: 0, overlap: true });
    expect(refusal(() => validateAlgorithm('dsgd', ring, { overlap: 'yes' as unknown as boolean })).code).toBe('E_ALGORITHM_OPTION');
  });

  it('DTRAIN_OVERLAP travels through the environment contract', async () => {
    const quiet = pino({ enabled: false });
    expect(readRunOptions({ DTRAIN_OVERLAP: '1' })).toEqual({ overlap: true });
    expect(readRunOptions({ DTRAIN_OVERLAP: 'false' })).toEqual({ overlap: false });
    expect(() => readRunOptions({ DTRAIN_OVERLAP: 'maybe' })).toThrow(WorkerEnvError);
    const spec = { rank: 0, localRank: 0, worldSize: 2, rendezvous: { host: 'h', port: 1 }, jobId: 'j', secret: 's'.repeat(16) };
    expect(workerEnvToVars({ ...spec, options: { overlap: true } }).DTRAIN_OVERLAP).toBe('1');
    expect(workerEnvToVars({ ...spec, options: {} }).DTRAIN_OVERLAP).toBeUndefined();
    // The launcher's value is explicit: psgd refuses it before any backend or network work.
    await expect(init({ env: { DTRAIN_ALGORITHM: 'psgd', DTRAIN_OVERLAP: '1' }, backend: 'cpu', logger: quiet })).rejects.toThrow(/psgd cannot overlap/);
    // The script's is a default, kept for the algorithms that read it.
    const dt = await init({ env: {}, backend: 'cpu', algorithm: 'dsgd', topology: 'ring', overlap: true, logger: quiet });
    try {
      expect(dt.algorithmOptions.overlap).toBe(true);
    } finally {
      await dt.close();
    }
  });
});

describe('overlap between real processes over ZeroMQ', () => {
  it('4 ranks of DSGD on onepeer-exp with DTRAIN_OVERLAP=1 learn and finish', async () => {
    const worker = fileURLToPath(new URL('./fixtures/train-worker.mjs', import.meta.url));
    const out = tempDir();
    const port = await freePort();
    const stderr: string[] = Array.from({ length: N }, () => '');
    const exits = Array.from({ length: N }, (_, rank) => {
      const vars = workerEnvToVars({
        rank,
        localRank: rank,
        worldSize: N,
        rendezvous: { host: '127.0.0.1', port },
        jobId: `overlap-${port}`,
        secret: 'overlap-process-test-secret',
        options: { algorithm: 'dsgd', topology: 'onepeer-exp', seed: 2, out, timeoutMs: 20_000, overlap: true },
      });
      const child = spawn(process.execPath, [worker], { env: { ...process.env, ...vars }, stdio: ['ignore', 'ignore', 'pipe'] });
      live.add(child);
      child.stderr!.on('data', (b: Buffer) => (stderr[rank] += b.toString()));
      return new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          live.delete(child);
          resolve(code);
        }),
      );
    });
    expect(await Promise.all(exits), stderr.join('\n')).toEqual([0, 0, 0, 0]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ algorithm: 'dsgd', topology: 'onepeer-exp', overlap: true, nodes: N, steps: 60 });
    expect(summary.finalAccuracy as number).toBeGreaterThan(0.75);
    expect(summary.consensusDistance as number).toBeLessThan(0.5);
  });
});
