/**
 * The step model's writes reuse two arrays per variable (tf/param-writer.ts):
 * no new memory in steady state, and never an array that a live tensor
 * still reads (a clone kept by the user forces a fresh one).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildModel, ParamWriter, readParams, selectBackend, trainableVariables } from '@dtrain/runtime';
import { backendsUnderTest, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('param-writer.test.ts');

for (const backend of backendsUnderTest(['cpu', 'wasm'])) {
  describe(`ParamWriter on ${backend}`, () => {
    it('steady state: the optimizer moves every variable on, so both arrays are reused and nothing is allocated', async () => {
      await selectBackend(backend as 'cpu' | 'wasm' | 'tensorflow');
      const model = buildModel('mlp', [8], 3, 1, { hidden: [4] });
      const vars = trainableVariables(model);
      const writer = new ParamWriter(vars);
      const n = vars.reduce((s, v) => s + v.size, 0);
      const opt = tf.train.sgd(0.1);
      const x = tf.ones([2, 8]);
      const y = tf.tensor1d([0, 2], 'int32');
      const src = new Float32Array(n);
      const out = new Float32Array(n);
      for (let k = 0; k < 20; k++) {
        src.forEach((_, i) => (src[i] = Math.sin(i + k)));
        writer.write(src);
        readParams(vars, out);
        expect(out).toEqual(src);
        src.fill(Number.NaN); // the caller's buffer is free once write() returns
        readParams(vars, out);
        expect(out.some(Number.isNaN)).toBe(false);
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), model.predict(x) as tf.Tensor) as tf.Scalar, vars);
        opt.applyGradients(grads);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(writer.fresh).toBe(0);
      tf.dispose([x, y]);
    });

    it('a clone of a written variable keeps its values: that array is not reused while the clone lives', async () => {
      await selectBackend(backend as 'cpu' | 'wasm' | 'tensorflow');
      const v = tf.variable(tf.zeros([1000]));
      const writer = new ParamWriter([v]);
      const a = Float32Array.from({ length: 1000 }, (_, i) => i);
      writer.write(a);
      const kept = v.clone(); // shares the data written from the first array
      for (let k = 1; k <= 3; k++) writer.write(new Float32Array(1000).fill(k));
      expect(Array.from(kept.dataSync().subarray(0, 3))).toEqual([0, 1, 2]);
      expect(v.dataSync()[0]).toBe(3);
      // cpu and tfjs-node keep the written array as the tensor's memory, so a live clone forces a new one;
      // wasm copies into its own heap when the tensor is made, and its reuse is safe either way.
      if (backend !== 'wasm') expect(writer.fresh).toBeGreaterThan(0);
      tf.dispose([kept, v]);
    });
  });
}
