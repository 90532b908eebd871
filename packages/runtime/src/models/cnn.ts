/** Small CNN: conv8(3x3)-maxpool-conv16(3x3)-maxpool-dense(classes), ReLU, softmax. */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';

export function cnn(inputShape: readonly number[], classes: number): tf.Sequential {
  if (inputShape.length !== 3 || (inputShape[0] as number) < 10 || (inputShape[1] as number) < 10) {
    throw new ModelError(
      'E_MODEL_SHAPE',
      `cnn needs an image input shape [height, width, channels] of at least 10x10; got [${inputShape.join(', ')}]. ` +
        'Use the dataset sampleShape (e.g. [28, 28, 1] for MNIST) or the mlp model',
    );
  }
  const model = tf.sequential({ name: 'cnn' });
  model.add(tf.layers.conv2d({ inputShape: [...inputShape], filters: 8, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: classes, activation: 'softmax' }));
  return model;
}
