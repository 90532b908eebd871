/**
 * The tensorflow backend (tfjs-node's native binding), in this process:
 * chosen by auto and said once; the same losses as cpu from the same
 * weights; a CNN trains; no tensor leaks over 500 steps; no buffer the
 * runtime hands over or receives aliases the model. Skipped, with the
 * reason, where the binding is missing (helpers/native.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  checkGpuDevice,
  createMemoryNetwork,
  createSession,
  crossEntropy,
  probeBackends,
  readFloat32Into,
  readParams,
  selectBackend,
  writeParams,
  type Session,
} from '@dtrain/runtime';
import { NATIVE_TENSORFLOW, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('native-tensorflow.test.ts');

/** Fixed batches per rank, made on the current backend from seeded JS numbers. */
function batches(rank: number, count: number, batch: number, shape: number[]): { x: tf.Tensor; y: tf.Tensor1D }[] {
  let s = 1234 + rank * 7919;
  const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => {
    const y = Int32Array.from({ length: batch }, () => Math.floor(rand() * 10));
    // Inputs whose brightness tells the class, so that a model can learn it.
    const x = Float32Array.from({ length: batch * size }, (_, i) => rand() * 0.5 + y[Math.floor(i / size)] / 9);
    return { x: tf.tensor(x, [batch, ...shape]), y: tf.tensor1d(y, 'int32') };
  });
}

/** `steps` DSGD steps on 2 ranks (in-memory network) from the flat weights `w0`; rank 0's losses. */
async function dsgdLosses(backend: 'cpu' | 'tensorflow', w0: Float32Array, steps: number): Promise<number[]> {
  await selectBackend(backend);
  const sessions: Session[] = createMemoryNetwork(2, { timeoutMs: 10_000 }).map((transport) =>
    createSession({ transport, algorithm: 'dsgd', topology: 'ring', backend }),
  );
  const models = sessions.map(() => buildModel('mlp', [28, 28, 1], 10, 1, { hidden: [32] }));
  models.forEach((m) => writeParams(m, w0));
  const opts = sessions.map((s, r) => s.wrap(models[r], tf.train.sgd(0.1)));
  const data = sessions.map((_, r) => batches(r, 5, 8, [28, 28, 1]));
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const stats = await Promise.all(opts.map((o, r) => o.step(() => crossEntropy(models[r], data[r][k % 5].x, data[r][k % 5].y))));
    losses.push(stats[0].loss);
  }
  await Promise.all(sessions.map((s) => s.close()));
  data.flat().forEach((b) => tf.dispose([b.x, b.y]));
  models.forEach((m) => m.dispose());
  return losses;
}

describe.skipIf(!NATIVE_TENSORFLOW)('tensorflow backend (native)', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('auto picks tensorflow when the binding is there, and says why once', async () => {
    const logs: string[] = [];
    const r = await selectBackend('auto', (m) => logs.push(m));
    expect(r.backend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    const chosen = logs.filter((l) => l.startsWith('backend tensorflow'));
    expect(chosen).toHaveLength(1);
    expect(chosen[0]).toMatch(/tfjs-node/);
    expect(r.isUsingGpuDevice).toBe(false);
    expect(Array.from(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([0, 1, 1, 0], [2, 2])).dataSync())).toEqual([2, 1, 4, 3]);
  });

  it('the same initial weights give the same losses as on cpu, within 1e-4 over 50 steps', async () => {
    await selectBackend('cpu');
    const init = buildModel('mlp', [28, 28, 1], 10, 1, { hidden: [32] });
    const w0 = new Float32Array(init.countParams());
    readParams(init, w0);
    init.dispose();
    const onCpu = await dsgdLosses('cpu', w0, 50);
    const onTf = await dsgdLosses('tensorflow', w0, 50);
    expect(onTf).toHaveLength(50);
    const worst = Math.max(...onTf.map((l, k) => Math.abs(l - onCpu[k])));
    expect(worst).toBeLessThan(1e-4);
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(onTf.slice(40))).toBeLessThan(mean(onTf.slice(0, 10))); // and it learns
  });

  it('a CNN trains (conv gradients run natively, no replacement kernel)', async () => {
    const r = await selectBackend('tensorflow');
    expect(r.convGradient).toBe(false);
    const [transport] = createMemoryNetwork(1);
    const session = createSession({ transport, algorithm: 'dsgd', topology: 'ring', backend: 'tensorflow' });
    const model = buildModel('cnn', [28, 28, 1], 10, 2);
    const opt = session.wrap(model, tf.train.adam(0.01));
    const data = batches(0, 4, 16, [28, 28, 1]);
    const losses: number[] = [];
    for (let k = 0; k < 40; k++) losses.push((await opt.step(() => crossEntropy(model, data[k % 4].x, data[k % 4].y))).loss);
    expect(losses[39]).toBeLessThan(losses[0] * 0.5);
    await session.close();
  });

  it('no tensor leaks: tf.memory().numTensors is flat over 500 steps of 2 ranks', async () => {
    await selectBackend('tensorflow');
    const sessions = createMemoryNetwork(2, { timeoutMs: 10_000 }).map((transport) => createSession({ transport, algorithm: 'dsgd', topology: 'ring' }));
    const models = sessions.map(() => buildModel('mlp', [28, 28, 1], 10, 3, { hidden: [16] }));
    const opts = sessions.map((s, r) => s.wrap(models[r], tf.train.momentum(0.05, 0.9)));
    const data = sessions.map((_, r) => batches(r, 2, 4, [28, 28, 1]));
    const counts: number[] = [];
    for (let k = 0; k < 500; k++) {
      await Promise.all(opts.map((o, r) => o.step(() => crossEntropy(models[r], data[r][k % 2].x, data[r][k % 2].y))));
      if ((k + 1) % 100 === 0) counts.push(tf.memory().numTensors);
    }
    expect(counts).toEqual(Array(5).fill(counts[0]));
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('reads a TensorFlow-resident tensor into a buffer at an offset, through tensorDataInto when the binding has it', async () => {
    await selectBackend('tensorflow');
    const t = tf.tidy(() => tf.range(0, 1000, 1, 'float32').mul(0.5).reshape([10, 100]));
    const out = new Float32Array(1010).fill(-1);
    readFloat32Into(t, out, 7);
    expect(out[6]).toBe(-1);
    expect(out[1007]).toBe(-1);
    expect(Array.from(out.subarray(7, 1007))).toEqual(Array.from(t.dataSync()));
    const binding = (tf.backend() as unknown as { binding?: { tensorDataInto?: unknown } }).binding;
    // `dtrain setup tensorflow` builds the binding with it (its stamp says so); a prebuilt addon from the download has none.
    const dir = probeBackends().node.dir;
    const stamp = dir !== undefined && existsSync(join(dir, 'deps', '.dtrain-setup.json')) ? readFileSync(join(dir, 'deps', '.dtrain-setup.json'), 'utf8') : '';
    if (stamp.includes('tensorDataInto')) expect(typeof binding?.tensorDataInto).toBe('function');
    expect(() => readFloat32Into(t, new Float32Array(999))).toThrow(/do not fit/);
    t.dispose();
  });

  it('no aliasing: the buffers written into or read out of the model stay the callers', async () => {
    await selectBackend('tensorflow');
    const model = buildModel('mlp', [28, 28, 1], 10, 4, { hidden: [8] });
    const n = model.countParams();
    // TensorFlow wraps JS memory without a copy when it is 64-byte aligned: try every float offset, one of them is.
    const back = new Float32Array(n);
    for (let at = 0; at < 16; at++) {
      const big = new Float32Array(n + 16);
      const src = big.subarray(at, at + n);
      src.forEach((_, i) => (src[i] = (i % 13) / 13));
      writeParams(model, src);
      big.fill(Number.NaN); // a neighbour's buffer reused for the next receive
      readParams(model, back);
      expect(back.findIndex((v, i) => v !== Math.fround((i % 13) / 13)), `model changed with its source at offset ${at}`).toBe(-1);
    }
    back.fill(7); // the caller's copy changes, the model does not
    const again = new Float32Array(n);
    readParams(model, again);
    expect(again[5], 'the model after its read-out copy was changed').toBe(Math.fround(5 / 13));
    // The flat step path: a step's exchange buffer, mutated right after the step returns.
    const [transport] = createMemoryNetwork(1);
    const session = createSession({ transport, algorithm: 'dsgd', topology: 'ring' });
    const opt = session.wrap(model, tf.train.sgd(0.1));
    const { x, y } = batches(0, 1, 4, [28, 28, 1])[0];
    await opt.step(() => crossEntropy(model, x, y));
    const after = opt.params();
    const kept = after.slice();
    after.fill(0);
    const now = opt.params();
    expect(now.findIndex((v, i) => v !== kept[i]), 'params() after its copy was zeroed').toBe(-1);
    await session.close();
  });
});

describe('GPU honesty (fake reports)', () => {
  const probe = probeBackends();
  const visible = { ...probe, cuda: { visible: true, reason: '/dev/nvidia0 present' } };
  it('a GPU backend whose TensorFlow sees no device fails, naming the missing CUDA libraries', () => {
    const libs = () => [
      { name: 'libcudart.so.11.0', path: null },
      { name: 'libcublas.so.11', path: '/usr/lib/libcublas.so.11' },
      { name: 'libcudnn.so.8', path: null },
    ];
    expect(() => checkGpuDevice({ candidate: 'tfjs-node-gpu', isUsingGpuDevice: false, probe: visible }, libs)).toThrow(/missing: libcudart\.so\.11\.0, libcudnn\.so\.8/);
    try {
      checkGpuDevice({ candidate: 'tfjs-node-gpu', isUsingGpuDevice: false, probe: visible }, libs);
    } catch (err) {
      expect(err).toMatchObject({ code: 'E_BACKEND_NO_GPU' });
    }
  });
  it('a device in use, no device visible, or the CPU package: no error', () => {
    const libs = () => [];
    expect(() => checkGpuDevice({ candidate: 'tfjs-node-gpu', isUsingGpuDevice: true, probe: visible }, libs)).not.toThrow();
    expect(() => checkGpuDevice({ candidate: 'tfjs-node-gpu', isUsingGpuDevice: false, probe: { ...probe, cuda: { visible: false, reason: 'none' } } }, libs)).not.toThrow();
    expect(() => checkGpuDevice({ candidate: 'tfjs-node', isUsingGpuDevice: false, probe: visible }, libs)).not.toThrow();
  });
});
