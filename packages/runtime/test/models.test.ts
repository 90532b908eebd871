// Models by name: the MLP's widths, its parameter count formula against the
// built model, parsing widths from text, and the errors.
import { describe, expect, it } from 'vitest';
import { buildModel, DEFAULT_MLP_HIDDEN, mlpParamCount, parseHidden } from '../src/models/index.js';

describe('mlp widths', () => {
  it('parameter count: sum of in x out + out over consecutive widths, equal to the built model', () => {
    // 784-2048-1024-10: 784*2048+2048 + 2048*1024+1024 + 1024*10+10
    expect(mlpParamCount([28, 28, 1], 10, [2048, 1024])).toBe(1_607_680 + 2_098_176 + 10_250);
    expect(mlpParamCount([28, 28, 1], 10)).toBe(784 * 128 + 128 + 128 * 10 + 10);
    for (const hidden of [[], [16], [32, 8], [7, 5, 3]]) {
      const model = buildModel('mlp', [6, 4], 3, 1, { hidden });
      expect(model.countParams()).toBe(mlpParamCount([6, 4], 3, hidden));
      // one kernel and one bias per dense layer
      expect(model.trainableWeights).toHaveLength(2 * (hidden.length + 1));
      model.dispose();
    }
  });

  it('the default stays 784-128-10', () => {
    expect(DEFAULT_MLP_HIDDEN).toEqual([128]);
    const model = buildModel('mlp', [28, 28, 1], 10, 0);
    expect(model.countParams()).toBe(101_770);
    model.dispose();
  });

  it('the same seed gives the same initial weights at any width', () => {
    const a = buildModel('mlp', [5], 2, 9, { hidden: [4, 3] });
    const b = buildModel('mlp', [5], 2, 9, { hidden: [4, 3] });
    const flat = (m: typeof a) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(flat(a)).toEqual(flat(b));
    a.dispose();
    b.dispose();
  });

  it('parses widths from text', () => {
    expect(parseHidden('2048,1024')).toEqual([2048, 1024]);
    expect(parseHidden(' 64 , 32 ')).toEqual([64, 32]);
    expect(parseHidden('none')).toEqual([]);
    expect(parseHidden('')).toEqual([]);
    for (const bad of ['2048x1024', '-3', '1.5', '64,,32', '0']) {
      expect(() => parseHidden(bad)).toThrow(expect.objectContaining({ code: 'E_MODEL_SHAPE' }));
    }
  });

  it('refuses a zero width, and widths for a model that has none', () => {
    expect(() => buildModel('mlp', [4], 2, 0, { hidden: [8, 0] })).toThrow(expect.objectContaining({ code: 'E_MODEL_SHAPE' }));
    expect(() => buildModel('logistic', [4], 2, 0, { hidden: [8] })).toThrow(expect.objectContaining({ code: 'E_MODEL_SHAPE', message: expect.stringMatching(/mlp model only/) }));
  });
});
