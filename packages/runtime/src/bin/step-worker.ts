/**
 * One rank of `dtrain bench step`: the cost of a dtrain step apart from
 * communication, against plain tfjs loops on the same backend, model, batch
 * and optimizer, run in the same process and alternated round by round so
 * that load from other processes hits every loop alike:
 *
 * - dtrain: session.wrap(model, sgd).step(loss) with a real neighbour
 *   exchange over ZeroMQ; the step's seconds minus its communication seconds;
 * - bare: tf.variableGrads + optimizer.applyGradients + reading the loss;
 * - bareReadWrite: bare, plus one dataSync and one assign of every weight
 *   (the naive minimum of a runtime that exchanges through host memory);
 * - memcpy: two copies of a buffer the size of the weights.
 *
 * Prints one result record with the median ms of each loop per round.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { createSession } from '../train/session.js';
import { buildModel } from '../models/build.js';
import { crossEntropy } from '../train/evaluate.js';
import { selectBackend } from '../tf/backend.js';
import { BACKEND_CHOICES, type BackendChoice } from '../tf/probe.js';
import { openTransport } from './connect.js';
import { emit, fail, intParam, readParams, settleOnTerm, stringParam } from './worker-io.js';

const MODELS = ['mlp', 'cnn'] as const;
const LR = 0.01;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function hiddenParam(params: Record<string, unknown>): number[] | undefined {
  const h = params.hidden;
  if (h === undefined) return undefined;
  if (!Array.isArray(h) || !h.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    throw new Error(`parameter hidden must be a list of positive integers; got ${JSON.stringify(h)}`);
  }
  return h as number[];
}

/**
 * Milliseconds spent in each of the step model's calls (the gradient with
 * its read-out, the optimizer update, the parameter read and write), by
 * wrapping the instance's methods: where a dtrain step's own time goes.
 */
function timeParts(model: object): { reset(): void; perStep(steps: number): Record<string, number> } {
  const totals: Record<string, number> = {};
  const target = model as Record<string, unknown>;
  for (const name of ['gradient', 'apply', 'read', 'write']) {
    const f = target[name];
    if (typeof f !== 'function') continue;
    totals[name] = 0;
    target[name] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      try {
        return (f as (...a: unknown[]) => unknown).apply(model, args);
      } finally {
        totals[name] += performance.now() - t0;
      }
    };
  }
  return {
    reset: () => Object.keys(totals).forEach((k) => (totals[k] = 0)),
    perStep: (steps) => Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / steps])),
  };
}

/** Let the gc observer's entries of the loop just run arrive (they are delivered asynchronously). */
function flushGc(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A fixed batch per rank: the cost of a step does not depend on the pixel values. */
function batchTensors(batch: number, rank: number): { x: tf.Tensor; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 11 + rank),
    y: tf.randomUniform([batch], 0, 10, 'int32', 23 + rank).toInt() as tf.Tensor1D,
  }));
}

/** A plain tfjs step; with readWrite, one dataSync and one assign of every weight after it. */
function bareStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, y: tf.Tensor1D, readWrite: boolean): number {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => crossEntropy(model, x, y), vars);
  opt.applyGradients(grads);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  if (readWrite) {
    for (const v of vars) {
      const data = v.dataSync();
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
    }
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const params = readParams();
  const backend = stringParam(params, 'backend', BACKEND_CHOICES as readonly BackendChoice[], 'auto');
  const modelName = stringParam(params, 'model', MODELS, 'mlp');
  const hidden = hiddenParam(params);
  const batch = intParam(params, 'batch', 1, 4);
  const steps = intParam(params, 'steps', 1, 10);
  const rounds = intParam(params, 'rounds', 1, 5);
  const warmup = intParam(params, 'warmup', 0, 3);
  const timeoutMs = intParam(params, 'timeoutMs', 1, 60_000);
  const protocol = stringParam(params, 'transport', ['tcp', 'ipc'] as const, 'tcp');
  const algorithm = stringParam(params, 'algorithm', undefined, 'dsgd');
  const topology = stringParam(params, 'topology', undefined, 'onepeer-exp');

  settleOnTerm(timeoutMs);
  const report = await selectBackend(backend);
  const transport = await openTransport(protocol, timeoutMs);
  const { rank } = transport;
  try {
    const session = createSession({ transport, algorithm, topology, backend: report.backend });
    const build = (): tf.LayersModel => buildModel(modelName, [28, 28, 1], 10, 1, hidden === undefined ? {} : { hidden });
    const dModel = build();
    const bModel = build();
    const bOpt = tf.train.sgd(LR);
    const opt = session.wrap(dModel, tf.train.sgd(LR));
    const { x, y } = batchTensors(batch, rank);
    const size = opt.size;
    const a = new Float32Array(size);
    const b = new Float32Array(size);
    for (let i = 0; i < warmup; i++) {
      await opt.step(() => crossEntropy(dModel, x, y));
      bareStep(bModel, bOpt, x, y, true);
    }
    const parts = timeParts(opt.local);
    const tensorsBefore = tf.memory().numTensors;
    // Garbage-collection pauses inside each loop: the cost of buffers freed by another part of the step lands here.
    let gcMs = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration;
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const gcPerStep = { dtrain: [] as number[], bare: [] as number[], rw: [] as number[] };
    const breakdown: Record<string, number>[] = [];
    const out = { dtrainMs: [] as number[], commMs: [] as number[], bareMs: [] as number[], bareReadWriteMs: [] as number[], memcpyMs: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const d: number[] = [];
      const c: number[] = [];
      parts.reset();
      await flushGc();
      let g0 = gcMs;
      for (let i = 0; i < steps; i++) {
        const s = await opt.step(() => crossEntropy(dModel, x, y));
        d.push(s.computeSeconds * 1000);
        c.push(s.commSeconds * 1000);
      }
      await flushGc();
      gcPerStep.dtrain.push((gcMs - g0) / steps);
      breakdown.push(parts.perStep(steps));
      g0 = gcMs;
      const bare = Array.from({ length: steps }, () => bareStep(bModel, bOpt, x, y, false));
      await flushGc();
      gcPerStep.bare.push((gcMs - g0) / steps);
      g0 = gcMs;
      const rw = Array.from({ length: steps }, () => bareStep(bModel, bOpt, x, y, true));
      await flushGc();
      gcPerStep.rw.push((gcMs - g0) / steps);
      const mc = Array.from({ length: steps }, () => {
        const t0 = performance.now();
        b.set(a);
        a.set(b);
        return performance.now() - t0;
      });
      out.dtrainMs.push(median(d));
      out.commMs.push(median(c));
      out.bareMs.push(median(bare));
      out.bareReadWriteMs.push(median(rw));
      out.memcpyMs.push(median(mc));
    }
    gcObserver.disconnect();
    await session.comm.barrier();
    emit({
      type: 'result',
      rank,
      backend: report.backend,
      params: size,
      ...out,
      gcMs: { dtrain: median(gcPerStep.dtrain), bare: median(gcPerStep.bare), bareReadWrite: median(gcPerStep.rw) },
      dtrainPartsMs: Object.fromEntries(Object.keys(breakdown[0] ?? {}).map((k) => [k, median(breakdown.map((b) => b[k]))])),
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
    });
    await session.close();
  } catch (err) {
    await transport.close().catch(() => undefined);
    fail(rank, err);
  }
}

main().catch((err: unknown) => fail(-1, err));
