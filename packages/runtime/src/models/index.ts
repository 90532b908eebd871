export { buildModel, initializeWeights, MODEL_NAMES, type BuildModelOptions, type ModelName } from './build.js';
export { mlp, mlpParamCount, parseHidden, DEFAULT_MLP_HIDDEN } from './mlp.js';
export { cnn } from './cnn.js';
export { logistic } from './logistic.js';
