/**
 * Logistic regression: one dense layer. classes = 1 gives the binary model
 * (sigmoid output, labels in {0, 1}); classes >= 2 the multinomial one (softmax).
 */
import * as tf from '@tensorflow/tfjs';

export function logistic(inputShape: readonly number[], classes: number): tf.Sequential {
  const model = tf.sequential({ name: 'logistic' });
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape: [...inputShape] }));
  const first = inputShape.length > 1 ? {} : { inputShape: [...inputShape] };
  model.add(tf.layers.dense({ units: classes, activation: classes === 1 ? 'sigmoid' : 'softmax', ...first }));
  return model;
}
