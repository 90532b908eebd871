import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rngFrom } from '@dtrain/topology';
import {
  buildModel,
  conv2dFilterGradient,
  conv2dFilterKernel,
  convGradientActive,
  createParamVector,
  installConvGradient,
  selectBackend,
} from '@dtrain/runtime';

type Pad = 'same' | 'valid';
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  out: number;
  stride: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { x: [1, 5, 5, 1], k: [3, 3], out: 1, stride: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], k: [3, 3], out: 4, stride: 1, pad: 'same' },
  { x: [3, 8, 8, 2], k: [3, 3], out: 5, stride: 2, pad: 'same' },
  { x: [2, 9, 8, 2], k: [3, 2], out: 3, stride: 2, pad: 'valid' },
  { x: [4, 7, 7, 3], k: [2, 2], out: 2, stride: 2, pad: 'valid' }, // last row/column unused: crop
  { x: [2, 10, 9, 2], k: [5, 4], out: 3, stride: [2, 3], pad: 'same' },
  { x: [2, 6, 6, 1], k: [1, 1], out: 2, stride: 2, pad: 'same' },
];

function randomArray(n: number, seed: number): Float32Array {
  const rng = rngFrom(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function caseTensors(c: Case, seed: number): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  const x = tf.tensor4d(randomArray(c.x.reduce((a, b) => a * b), seed), c.x);
  const w = tf.tensor4d(randomArray(c.k[0] * c.k[1] * c.x[3] * c.out, seed + 1), [c.k[0], c.k[1], c.x[3], c.out]);
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const dy = tf.tensor4d(randomArray(y.size, seed + 2), y.shape);
  return { x, w, dy };
}

/** The stock pure-JS cpu kernel. */
function stockFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, c: Case, filterShape: number[]): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.stride,
    pad: c.pad,
    dataFormat: 'NHWC',
    filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

describe('conv2d filter gradient on cpu', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each(CASES.map((c, i) => [i, c] as const))('case %i matches the stock Conv2DBackpropFilter', (i, c) => {
    const { x, w, dy } = caseTensors(c, 100 + i);
    const want = stockFilterGrad(x, dy, c, w.shape).dataSync();
    const ours = conv2dFilterGradient(x, dy, w.shape, c.stride, c.pad);
    expect(ours.shape).toEqual(w.shape);
    expect(maxAbsDiff(ours.dataSync(), want)).toBeLessThan(1e-4);

    // The kernel form, run on the cpu backend's own kernels.
    const k = conv2dFilterKernel('cpu');
    const info = k.kernelFunc({
      inputs: { x, dy },
      backend: tf.backend(),
      attrs: { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    const kt = tf.engine().makeTensorFromTensorInfo(info);
    expect(kt.shape).toEqual(w.shape);
    expect(maxAbsDiff(kt.dataSync(), want)).toBeLessThan(1e-4);
  });

  it('tf.grad through conv2d uses the installed gradient and agrees with the stock one', async () => {
    const c = CASES[2] as Case;
    const { x, w, dy } = caseTensors(c, 7);
    const want = stockFilterGrad(x, dy, c, w.shape).dataSync();
    installConvGradient();
    expect(convGradientActive('cpu')).toBe(true);
    expect(convGradientActive('tensorflow')).toBe(false);
    let g = tf.zeros([1]);
    const profile = await tf.profile(() => {
      g = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.stride, c.pad), dy)))(w);
      return g;
    });
    // Ours ran: the stock kernel did not.
    expect(profile.kernelNames).toContain('Conv2D');
    expect(profile.kernelNames).not.toContain('Conv2DBackpropFilter');
    expect(maxAbsDiff(g.dataSync(), want)).toBeLessThan(1e-4);
    // And the input gradient is still right: compare with a finite difference on one entry.
    const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, w, c.stride, c.pad), dy)))(x);
    const h = 1e-2;
    const idx = ((1 * x.shape[1] + 3) * x.shape[2] + 4) * x.shape[3] + 1;
    const bumped = x.dataSync().slice() as Float32Array;
    bumped[idx] += h;
    const f = (t: tf.Tensor4D): number => tf.sum(tf.mul(tf.conv2d(t, w, c.stride, c.pad), dy)).dataSync()[0] as number;
    const fd = (f(tf.tensor4d(bumped, x.shape)) - f(x)) / h;
    expect(Math.abs(fd - (gx.dataSync()[idx] as number))).toBeLessThan(1e-2);
  });
});

describe('CNN training on wasm', () => {
  it('trains a step without the missing Conv2DBackpropFilter kernel and matches cpu gradients', async () => {
    const batch = 4;
    const xs = randomArray(batch * 28 * 28, 11);
    const labels = [0, 3, 7, 9];

    const gradsOn = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await selectBackend(backend);
      const model = buildModel('cnn', [28, 28, 1], 10, 5);
      const x = tf.tensor4d(xs, [batch, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.predict(x) as tf.Tensor) as tf.Scalar);
      const out = model.trainableWeights.map((w) => (grads[(w.read() as tf.Variable).name] as tf.Tensor).dataSync().slice() as Float32Array);
      // One SGD step really changes the weights.
      const before = createParamVector(model);
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      await model.trainOnBatch(x, y);
      const after = createParamVector(model);
      expect(maxAbsDiff(before, after)).toBeGreaterThan(1e-6);
      return out;
    };
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((g, i) => expect(maxAbsDiff(g, wasm[i] as Float32Array)).toBeLessThan(1e-4));
  });

  it('the fused conv2d (linear activation) gradient runs on wasm through the added kernel', async () => {
    const c = CASES[3] as Case;
    await selectBackend('cpu');
    const { x, w, dy } = caseTensors(c, 21);
    const xa = x.dataSync().slice();
    const wa = w.dataSync().slice();
    const dya = dy.dataSync().slice();
    const want = stockFilterGrad(x, dy, c, w.shape).dataSync().slice();
    await selectBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const xw = tf.tensor4d(xa, x.shape);
    const dyw = tf.tensor4d(dya, dy.shape);
    const g = tf.grad((f: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.conv2d({ x: xw, filter: f as tf.Tensor4D, strides: c.stride, pad: c.pad, activation: 'linear' }), dyw)),
    )(tf.tensor4d(wa, w.shape));
    expect(maxAbsDiff(g.dataSync(), want)).toBeLessThan(1e-4);
  });
});
