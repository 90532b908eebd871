import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  createParamVector,
  ModelError,
  paramCount,
  paramLayout,
  readFloat32Into,
  readParams,
  selectBackend,
  writeParams,
} from '@dtrain/runtime';
import { backendsUnderTest, noteNativeSkip } from './helpers/native.js';

noteNativeSkip('params.test.ts');

function ramp(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i + 1));
}

for (const backend of backendsUnderTest(['cpu', 'wasm']) as ('cpu' | 'wasm' | 'tensorflow')[]) {
  describe(`params on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    it('layout and count follow the model (784-128-10 MLP)', () => {
      const m = buildModel('mlp', [28, 28, 1], 10, 1);
      const layout = paramLayout(m);
      expect(layout.shapes).toEqual([[784, 128], [128], [128, 10], [10]]);
      expect(layout.offsets).toEqual([0, 784 * 128, 784 * 128 + 128, 784 * 128 + 128 + 1280]);
      expect(paramCount(m)).toBe(784 * 128 + 128 + 1280 + 10);
    });

    it('write then read round-trips exactly', () => {
      const m = buildModel('cnn', [28, 28, 1], 10, 3);
      const v = ramp(paramCount(m));
      writeParams(m, v);
      const back = createParamVector(m);
      expect(back).toEqual(v);
      // The model really computes with the new weights: the first conv kernel equals the vector's head.
      const k = m.trainableWeights[0]!.read();
      expect(Array.from(k.dataSync().slice(0, 5))).toEqual(Array.from(v.slice(0, 5)));
    });

    it('no aliasing: mutating the written vector or the read vector leaves the model alone', () => {
      const m = buildModel('mlp', [8], 3, 4, { hidden: [5] });
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const src = ramp(paramCount(vars));
      writeParams(vars, src);
      src.fill(42);
      const out = new Float32Array(paramCount(vars));
      readParams(vars, out);
      expect(out).toEqual(ramp(out.length));
      out.fill(-7);
      expect(createParamVector(vars)).toEqual(ramp(out.length));
      // A model update does not show through a vector read earlier.
      const before = createParamVector(m);
      writeParams(m, ramp(before.length, 2));
      expect(before).toEqual(ramp(before.length));
    });

    it('readParams reuses the caller buffer; a wrong length is E_PARAMS_LENGTH', () => {
      const m = buildModel('logistic', [6], 1, 0);
      const buf = new Float32Array(paramCount(m));
      expect(readParams(m, buf)).toBe(buf);
      expect(() => writeParams(m, new Float32Array(buf.length + 1))).toThrow(ModelError);
      try {
        readParams(m, new Float32Array(2));
        expect.unreachable();
      } catch (err) {
        expect((err as ModelError).code).toBe('E_PARAMS_LENGTH');
      }
    });

    it('readFloat32Into copies exactly what dataSync holds, at an offset, also after the memory grew', () => {
      const a = tf.tensor(ramp(1000), [10, 100], 'float32');
      const sum = tf.add(a, tf.scalar(0.25)); // an op result, not a variable
      const out = new Float32Array(1003).fill(-1);
      readFloat32Into(sum, out, 2);
      expect(out.subarray(2, 1002)).toEqual(Float32Array.from(sum.dataSync()));
      expect([out[0], out[1], out[1002]]).toEqual([-1, -1, -1]);
      // A large allocation may grow (and move) the backend's memory; reads stay right.
      const big = tf.ones([1 << 22]);
      const again = new Float32Array(1000);
      readFloat32Into(sum, again);
      expect(again).toEqual(Float32Array.from(sum.dataSync()));
      // The copy is detached: later writes to the buffer do not reach the tensor.
      again.fill(7);
      expect(sum.dataSync()[0]).toBeCloseTo(Math.sin(1) + 0.25, 6);
      tf.dispose([a, sum, big]);
    });

    it('readFloat32Into refuses int32 tensors and buffers too short (E_PARAMS_LENGTH)', () => {
      const t = tf.tensor1d([1, 2, 3], 'int32');
      const f = tf.tensor1d([1, 2, 3]);
      const code = (fn: () => void): string | undefined => {
        try {
          fn();
        } catch (err) {
          return (err as ModelError).code;
        }
        return undefined;
      };
      expect(code(() => readFloat32Into(t, new Float32Array(3)))).toBe('E_PARAMS_LENGTH');
      expect(code(() => readFloat32Into(f, new Float32Array(4), 2))).toBe('E_PARAMS_LENGTH');
      tf.dispose([t, f]);
      expect(() => readFloat32Into(f, new Float32Array(3))).toThrow(/disposed/);
    });

    it('buildModel is deterministic from the seed and differs across seeds', () => {
      const a = createParamVector(buildModel('cnn', [12, 12, 1], 4, 9));
      const b = createParamVector(buildModel('cnn', [12, 12, 1], 4, 9));
      const c = createParamVector(buildModel('cnn', [12, 12, 1], 4, 10));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      // Glorot-uniform bound on the first conv kernel: sqrt(6 / (9*1 + 9*8)).
      const limit = Math.sqrt(6 / (9 + 72));
      const k = a.slice(0, 72);
      expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
      expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit / 2);
    });
  });
}

describe('buildModel validation', () => {
  it('rejects unknown names and bad shapes with codes', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as ModelError).code;
      }
      return undefined;
    };
    expect(code(() => buildModel('resnet' as 'mlp', [4], 2, 0))).toBe('E_MODEL_UNKNOWN');
    expect(code(() => buildModel('cnn', [784], 10, 0))).toBe('E_MODEL_SHAPE');
    expect(code(() => buildModel('mlp', [0], 10, 0))).toBe('E_MODEL_SHAPE');
    expect(code(() => buildModel('mlp', [4], 0, 0))).toBe('E_MODEL_SHAPE');
  });
});
