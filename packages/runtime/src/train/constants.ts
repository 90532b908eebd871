/** Training-loop defaults, in one place. */

/** Topology used when neither the launcher nor the script names one (one value for both: the contract's). */
export { DEFAULT_TOPOLOGY } from '../contract/defaults.js';
/** fit(): samples per rank per step. */
export const DEFAULT_BATCH_SIZE = 32;
/** fit(): learning rate of the default optimizer tf.train.sgd(lr). */
export const DEFAULT_LEARNING_RATE = 0.05;
/** fit(): passes over each rank's shard when `steps` is not given. */
export const DEFAULT_EPOCHS = 1;
/** fit(): a step line every this many steps. */
export const DEFAULT_LOG_EVERY = 1;
/** fit(): evaluations of a run at least (the default evalEvery gives an accuracy curve this many points). */
export const DEFAULT_EVALUATIONS = 10;
