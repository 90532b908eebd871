/** Multi-layer perceptron: flatten, hidden dense ReLU layers, softmax output. */
import * as tf from '@tensorflow/tfjs';

/** Hidden widths used when none are given (784-128-10 on MNIST). */
export const DEFAULT_MLP_HIDDEN: readonly number[] = [128];

export function mlp(inputShape: readonly number[], classes: number, hidden: readonly number[] = DEFAULT_MLP_HIDDEN): tf.Sequential {
  const model = tf.sequential({ name: 'mlp' });
  // Flatten needs rank >= 2 samples; flat ones go straight into the first dense layer.
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape: [...inputShape] }));
  const first = inputShape.length > 1 ? {} : { inputShape: [...inputShape] };
  hidden.forEach((units, k) => model.add(tf.layers.dense({ units, activation: 'relu', ...(k === 0 ? first : {}) })));
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', ...(hidden.length === 0 ? first : {}) }));
  return model;
}
