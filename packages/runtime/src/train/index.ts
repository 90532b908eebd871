export { init, type InitOptions } from './init.js';
export { Session, createSession, type SessionOptions, type EvaluateOptions } from './session.js';
export { DistributedOptimizer, type WrapOptions, type StepStats, type OptimizerSnapshot } from './optimizer.js';
export { TfLocalModel } from './local-model.js';
export { TimedGossip } from './gossip.js';
export type { FitData, FitHost, FitOptions, FitResult } from './fit.js';
export { scriptOptions, scriptOptionsHelp, type ScriptOption, type ScriptOptionValues } from './script-options.js';
export { defaultEvalEvery } from './fit.js';
export { CallbackList, type FitCallbacks, type FitHistory, type Logs } from './callbacks.js';
export { defaultLoss, labelTargets, outputKind, resolveObjective, LOSS_NAMES, type LossFn, type Metric, type Objective, type OutputKind, type TargetForm } from './objective.js';
export { batchSource, checkTrainData, type BatchDataset, type BatchSource, type TensorData, type TrainData } from './sources.js';
export { validator, type ValidationData } from './validation.js';
export { averageWeights } from './average.js';
export { BatchStream, iidShard, type Batch } from './batches.js';
export { accuracy, consensus, crossEntropy, forward } from './evaluate.js';
export { createLogger, silentLogger, logStep, logEval, logFit, RunTotals, type EvalRecord, type StepContext } from './metrics.js';
export { gatherSummary, writeSummary, type RunSummary, type RankSummary, type SummaryBase } from './summary.js';
export {
  checkpointDir,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  CHECKPOINTS_KEPT,
  type Checkpoint,
  type CheckpointMeta,
} from './checkpoint.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_EVALUATIONS, DEFAULT_LEARNING_RATE, DEFAULT_LOG_EVERY, DEFAULT_TOPOLOGY } from './constants.js';
export { PARENT_PID_VAR, watchProcess, type ProcessWatch, type WatchOptions } from './parent-watch.js';
export { startupHorizon, startupPeers, runStartupChecks, type StartupReport } from './startup.js';
