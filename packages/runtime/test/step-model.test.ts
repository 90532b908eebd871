import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, TfLocalModel } from '@dtrain/runtime';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const X = tf.tensor2d(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), [16, 4]);
const Y = tf.tensor2d(Float32Array.from({ length: 16 }, (_, i) => i % 2), [16, 1]);

/** The same adapter used outside steps (every call to the variables) and inside begin()/end() (the step cache). */
function pair(): { plain: TfLocalModel; step: TfLocalModel; a: tf.LayersModel; b: tf.LayersModel } {
  const a = buildModel('logistic', [4], 1, 3);
  const b = buildModel('logistic', [4], 1, 3);
  return { plain: new TfLocalModel(a, tf.train.sgd(0.3)), step: new TfLocalModel(b, tf.train.sgd(0.3)), a, b };
}

const lossOf = (m: tf.LayersModel) => (): tf.Scalar => tf.losses.sigmoidCrossEntropy(Y, m.predict(X) as tf.Tensor) as tf.Scalar;

function params(m: TfLocalModel): Float32Array {
  const x = new Float32Array(m.size);
  m.read(x);
  return x;
}

describe('TfLocalModel within a step (the flat view with no-op round trips removed)', () => {
  it('ends every step with the same bits as the plain flat path, mixing or not', () => {
    const { plain, step, a, b } = pair();
    const g1 = new Float32Array(plain.size);
    const g2 = new Float32Array(step.size);
    const x1 = new Float32Array(plain.size);
    const x2 = new Float32Array(step.size);
    for (let k = 0; k < 6; k++) {
      step.begin();
      const l1 = plain.gradient(lossOf(a), g1);
      const l2 = step.gradient(lossOf(b), g2);
      expect(l2).toBe(l1);
      expect(Array.from(g2)).toEqual(Array.from(g1));
      plain.apply(g1);
      step.apply(g2);
      plain.read(x1);
      step.read(x2);
      expect(Array.from(x2)).toEqual(Array.from(x1));
      // odd steps: an identity "mix" (the write must be a no-op); even: a real change.
      if (k % 2 === 0) {
        for (let i = 0; i < x1.length; i++) x1[i] *= 0.5;
        x2.set(x1);
      }
      plain.write(x1);
      step.write(x2);
      step.end();
      expect(Array.from(params(step))).toEqual(Array.from(params(plain)));
    }
    expect(params(plain).some((v, i) => v !== new Float32Array(plain.size)[i])).toBe(true);
  });

  it('applies a direction other than the step gradient by uploading it', () => {
    const { plain, step, a, b } = pair();
    const g1 = new Float32Array(plain.size);
    const g2 = new Float32Array(step.size);
    step.begin();
    plain.gradient(lossOf(a), g1);
    step.gradient(lossOf(b), g2);
    const d = g1.map((v) => 3 * v);
    plain.apply(d);
    step.apply(d.slice());
    step.end();
    expect(Array.from(params(step))).toEqual(Array.from(params(plain)));
  });

  it('sees changes made to the variables between steps (no stale cache)', () => {
    const { step, b } = pair();
    const g = new Float32Array(step.size);
    step.begin();
    step.gradient(lossOf(b), g);
    step.apply(g);
    const before = new Float32Array(step.size);
    step.read(before);
    step.end();
    const w = step.variables[0];
    w.assign(tf.onesLike(w));
    const now = params(step);
    expect(now[0]).toBe(1);
    step.begin();
    const inStep = new Float32Array(step.size);
    step.read(inStep);
    step.write(before); // differs from the variables: must reach them
    step.end();
    expect(Array.from(inStep)).toEqual(Array.from(now));
    expect(Array.from(params(step))).toEqual(Array.from(before));
  });

  it('frees the step gradient tensors at end()', () => {
    const { step, b } = pair();
    const g = new Float32Array(step.size);
    step.begin();
    step.gradient(lossOf(b), g);
    step.apply(g);
    step.end();
    const n = tf.memory().numTensors;
    step.begin();
    step.gradient(lossOf(b), g);
    step.apply(g);
    step.end();
    expect(tf.memory().numTensors).toBe(n);
  });
});
