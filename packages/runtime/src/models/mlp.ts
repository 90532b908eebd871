/** Multi-layer perceptron: flatten, hidden dense ReLU layers, softmax output. */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';

/** Hidden widths used when none are given (784-128-10 on MNIST). */
export const DEFAULT_MLP_HIDDEN: readonly number[] = [128];

function checkHidden(hidden: readonly number[]): void {
  if (hidden.some((w) => !Number.isSafeInteger(w) || w < 1)) {
    throw new ModelError('E_MODEL_SHAPE', `mlp hidden widths must be positive integers, e.g. [2048, 1024]; got [${hidden.join(', ')}]`);
  }
}

/**
 * Hidden widths from text such as "2048,1024" (an environment variable or a
 * flag); "" or "none" gives no hidden layer (the multinomial logistic model).
 */
export function parseHidden(text: string): number[] {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none') return [];
  const parts = t.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new ModelError('E_MODEL_SHAPE', `mlp hidden widths ${JSON.stringify(text)} are not comma-separated positive integers; write e.g. 2048,1024`);
  }
  const widths = parts.map(Number);
  checkHidden(widths);
  return widths;
}

/**
 * Parameters of an mlp: sum over consecutive layer widths (in, out) of
 * in * out + out (kernel and bias), from the flattened input through the
 * hidden widths to `classes`. 784-2048-1024-10 has 3,716,106.
 */
export function mlpParamCount(inputShape: readonly number[], classes: number, hidden: readonly number[] = DEFAULT_MLP_HIDDEN): number {
  checkHidden(hidden);
  const widths = [inputShape.reduce((a, b) => a * b, 1), ...hidden, classes];
  let total = 0;
  for (let k = 1; k < widths.length; k++) total += (widths[k - 1] as number) * (widths[k] as number) + (widths[k] as number);
  return total;
}

export function mlp(inputShape: readonly number[], classes: number, hidden: readonly number[] = DEFAULT_MLP_HIDDEN): tf.Sequential {
  checkHidden(hidden);
  const model = tf.sequential({ name: 'mlp' });
  // Flatten needs rank >= 2 samples; flat ones go straight into the first dense layer.
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape: [...inputShape] }));
  const first = inputShape.length > 1 ? {} : { inputShape: [...inputShape] };
  hidden.forEach((units, k) => model.add(tf.layers.dense({ units, activation: 'relu', ...(k === 0 ? first : {}) })));
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', ...(hidden.length === 0 ? first : {}) }));
  return model;
}
