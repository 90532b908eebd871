export {
  gatherBatch,
  labelHistogram,
  sampleSize,
  subset,
  validateDataset,
  type LabeledData,
  type LabeledSplit,
} from './dataset.js';
export { encodeIdxUbyte, findIdxFile, parseIdx, readIdx, type IdxArray, type IdxData } from './idx.js';
export { defaultMnistDir, loadMnist, FASHION_MNIST_DIR, type MnistOptions, type MnistVariant } from './mnist.js';
export {
  loadCifar10,
  parseCifarBatch,
  readCifarFiles,
  CIFAR_RECORD_BYTES,
  CIFAR_SIDE,
  CIFAR_TEST_FILE,
  CIFAR_TRAIN_FILES,
} from './cifar.js';
export {
  syntheticLogisticShard,
  syntheticLogisticTest,
  syntheticRankWeights,
  syntheticTrueWeights,
  type SyntheticLogisticOptions,
} from './synthetic.js';
export { logGamma, sampleDirichlet, sampleGamma } from './dirichlet.js';
export { dirichletShards, iidShards, shardIndices, takeShard, type ShardSpec } from './shard.js';
