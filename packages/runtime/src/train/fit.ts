/**
 * The training loop behind `session.fit(model, data, options)`: what
 * model.compile says (objective.ts) on this rank's share of the data
 * (sources.ts), one algorithm step per batch, tfjs-style callbacks and a
 * History (callbacks.ts), validation at each epoch's end (validation.ts),
 * step lines every logEvery steps, an evaluation every evalEvery steps
 * (local and average model accuracy, consensus distance), checkpoints every
 * checkpointEvery steps, resume from the newest checkpoint every rank
 * holds, and summary.json at the end.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { Communicator } from '../comm/communicator.js';
import type { LabeledData } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import { DEFAULT_RESUME, isResumeMode, RESUME_MODES, type ResumeMode } from '../env-checks.js';
import type { ParamSource } from '../tf/params.js';
import { CallbackList, type FitCallbacks, type FitHistory, type Logs } from './callbacks.js';
import { checkpointDir, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { resumeRun } from './resume.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_EVALUATIONS, DEFAULT_LEARNING_RATE, DEFAULT_LOG_EVERY } from './constants.js';
import { forward } from './evaluate.js';
import { resolveObjective, type LossFn, type Objective } from './objective.js';
import { batchSource, checkTrainData, describeValue, isBatchDataset, isLabeledData, type TrainData } from './sources.js';
import { validator, type ValidationData } from './validation.js';
import type { EvaluateOptions } from './evaluate.js';
import { logFit, logStep, type EvalRecord, type StepStats } from './metrics.js';
import type { DistributedOptimizer, WrapOptions } from './optimizer.js';
import type { RunSummary } from './summary.js';

/**
 * What the loop needs of its session. Session (session.ts) implements it;
 * the loop names only this, so that fit.ts and session.ts do not import
 * each other.
 */
export interface FitHost {
  readonly rank: number;
  readonly size: number;
  readonly seed: number;
  readonly out: string | undefined;
  readonly algorithm: string;
  readonly topology: string;
  /** DTRAIN_RESUME (`--resume`) when set: it wins over fit's `resume` option. */
  readonly resume?: ResumeMode | undefined;
  readonly comm: Communicator;
  readonly logger: Logger;
  /** Elastic: a replacement waiting for its handover. */
  readonly joining?: boolean;
  wrap(model: ParamSource, optimizer: tf.Optimizer, options?: WrapOptions): DistributedOptimizer;
  evaluate(opt: DistributedOptimizer, options?: EvaluateOptions): Promise<EvalRecord>;
  summarize(opt: DistributedOptimizer, options?: EvaluateOptions & { extra?: Record<string, unknown>; last?: EvalRecord }): Promise<RunSummary>;
}

export interface FitData {
  /** The whole training set (sharded across ranks) or, with shard: 'none', this rank's part. */
  train: TrainData;
  /** Test set of the eval records (accuracy of the local and of the average model). */
  test?: LabeledData;
}

export interface FitOptions {
  /** The tfjs optimizer taking the local steps (default: the compiled one, else tf.train.sgd(lr)). */
  optimizer?: tf.Optimizer;
  /** Learning rate of the default optimizer of an uncompiled model (default 0.05). */
  lr?: number;
  /** The loss (default: the compiled one, else cross-entropy matching the output layer). */
  loss?: string | LossFn;
  /** Metrics per batch, replacing the compiled ones: functions, or 'accuracy'. */
  metrics?: (string | LossFn)[];
  /** tfjs-style callbacks: onTrainBegin/End, onEpochBegin/End, onBatchBegin/End. */
  callbacks?: FitCallbacks | FitCallbacks[];
  /** Held-out data: val_loss and val_<metric> of the local model at each epoch's end. */
  validationData?: ValidationData;
  /** Batches in one pass of a tf.data.Dataset whose size is unknown or infinite. */
  batchesPerEpoch?: number;
  /** Samples per rank per step (default 32). */
  batchSize?: number;
  /** Passes over the shard (default 1); ignored when `steps` is given. */
  epochs?: number;
  steps?: number;
  /** Evaluate every this many steps (default: at least DEFAULT_EVALUATIONS times in the run and once per epoch; 0: only at the end). */
  evalEvery?: number;
  /** Evaluate on at most this many test samples. */
  evalSamples?: number;
  /** A step line every this many steps (default 1; 0: none). */
  logEvery?: number;
  /** Checkpoint every this many steps into out/checkpoints (default 0: never). */
  checkpointEvery?: number;
  /**
   * The checkpoints in out/checkpoints: 'auto' (default; true): continue from the newest step every
   * rank holds intact, if any; 'never' (false): delete them and start over; 'must': continue or stop.
   * DTRAIN_RESUME (`dtrain launch --resume`) overrides it.
   */
  resume?: boolean | ResumeMode;
  /** 'iid' (default): take this rank's share of `train`; 'none': `train` is already this rank's shard. */
  shard?: 'iid' | 'none';
  /** Broadcast rank 0's initial parameters (default true). */
  syncInitial?: boolean;
  /** Called after every step (after logging, before evaluation and checkpoint). */
  onStep?: (stats: StepStats) => void | Promise<void>;
  /** Extra fields for summary.json. */
  extra?: Record<string, unknown>;
}

/** What fit returns: a tfjs History (`epoch`, `history.loss`, ...) and dtrain's run figures. */
export interface FitResult extends FitHistory {
  optimizer: DistributedOptimizer;
  summary: RunSummary;
  evals: EvalRecord[];
  /** The step training resumed from, or null for a fresh start. */
  resumedFrom: number | null;
}

function count(name: string, v: number | undefined, min: number, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isSafeInteger(x) || x < min) {
    throw new TrainError('E_TRAIN_OPTION', `${name} must be an integer >= ${min}; got ${String(v)}`);
  }
  return x;
}

/** Often enough for DEFAULT_EVALUATIONS points on an accuracy curve, and at least once per epoch. */
export function defaultEvalEvery(totalSteps: number, stepsPerEpoch: number): number {
  return Math.max(1, Math.min(stepsPerEpoch, Math.floor(totalSteps / DEFAULT_EVALUATIONS)));
}

function resumeMode(host: FitHost, option: FitOptions['resume']): ResumeMode {
  if (host.resume !== undefined) return host.resume;
  if (option === undefined || option === true) return DEFAULT_RESUME;
  if (option === false) return 'never';
  if (isResumeMode(option)) return option;
  throw new TrainError('E_TRAIN_OPTION', `resume must be true, false or one of ${RESUME_MODES.join(', ')}; got ${JSON.stringify(option)}`);
}

/** model.stopTraining; an uncompiled Sequential has none (tfjs throws), so no callback set it. */
function stopSet(model: tf.LayersModel): boolean {
  try {
    return model.stopTraining;
  } catch {
    return false;
  }
}

function setStop(model: tf.LayersModel, stop: boolean): void {
  try {
    model.stopTraining = stop;
  } catch {
    // An uncompiled Sequential: nothing to set, and no tfjs callback can stop it.
  }
}

/**
 * Collective, at every epoch's end: whether any rank's callbacks set model.stopTraining
 * (tf.callbacks.earlyStopping does); then every rank stops after this same step.
 */
async function stopAgreed(session: FitHost, model: tf.LayersModel, step: number): Promise<boolean> {
  const votes = Float32Array.of(stopSet(model) ? 1 : 0);
  await session.comm.allreduce(votes);
  if (votes[0] === 0) return false;
  setStop(model, true);
  session.logger.info({ kind: 'stop', step, ranks: votes[0] }, `training stopped after step ${step}: a callback set model.stopTraining on ${votes[0]} rank(s)`);
  return true;
}

/** `fit(model, data)` takes {train, test?} or the training data alone. */
function splitData(data: FitData | TrainData): { train: TrainData; test: LabeledData | undefined } {
  if (typeof data === 'object' && data !== null && 'train' in data && !isBatchDataset(data)) {
    if (data.test !== undefined && !isLabeledData(data.test)) {
      throw new TrainError('E_TRAIN_DATA', `fit: test must be LabeledData (loadMnist(...).test); got ${describeValue(data.test)}; pass held-out tensors or a Dataset as validationData`);
    }
    return { train: checkTrainData(data.train), test: data.test };
  }
  return { train: checkTrainData(data, 'the data'), test: undefined };
}

/** One step's loss closure; the compiled metrics of the batch land in `metrics` (kept tensors: the caller reads and disposes them). */
function lossOf(model: tf.LayersModel, objective: Objective, b: { xs: tf.Tensor; ys: tf.Tensor }, metrics: tf.Tensor[]): () => tf.Scalar {
  return () => {
    const yPred = forward(model, b.xs, true);
    for (const m of objective.metrics) metrics.push(tf.keep(tf.tidy(() => tf.mean(m.fn(b.ys, yPred)))));
    return objective.total(b.ys, yPred);
  };
}

function describeObjective(o: Objective): { optimizer: string; loss: string } {
  return { optimizer: `${o.source.optimizerName} (${o.source.optimizer})`, loss: `${o.source.lossName} (${o.source.loss})` };
}

export async function runFit(session: FitHost, model: tf.LayersModel, data: FitData | TrainData, options: FitOptions): Promise<FitResult> {
  const { train, test } = splitData(data);
  const batchSize = count('batchSize', options.batchSize, 1, DEFAULT_BATCH_SIZE);
  const objective = resolveObjective(model, options, DEFAULT_LEARNING_RATE);
  const validate = options.validationData === undefined ? undefined : validator(options.validationData);
  const shard = options.shard ?? 'iid';
  const steps = options.steps !== undefined ? count('steps', options.steps, 0, 0) : undefined;
  const batchesPerEpoch = options.batchesPerEpoch === undefined ? undefined : count('batchesPerEpoch', options.batchesPerEpoch, 1, 1);
  const stream = batchSource(train, { rank: session.rank, size: session.size, seed: session.seed, batchSize, shard, target: objective.target, batchesPerEpoch, steps });
  const total = steps ?? stream.stepsPerEpoch * count('epochs', options.epochs, 1, DEFAULT_EPOCHS);
  const evalEvery = count('evalEvery', options.evalEvery, 0, defaultEvalEvery(total, stream.stepsPerEpoch));
  const logEvery = count('logEvery', options.logEvery, 0, DEFAULT_LOG_EVERY);
  const checkpointEvery = count('checkpointEvery', options.checkpointEvery, 0, 0);
  if (checkpointEvery > 0 && session.out === undefined) {
    throw new TrainError('E_TRAIN_OPTION', `checkpointEvery = ${checkpointEvery} needs an output directory; set out (DTRAIN_OUT, --out)`);
  }
  const opt = session.wrap(model, objective.optimizer, { syncInitial: options.syncInitial });
  const meta: CheckpointMeta = { algorithm: session.algorithm, topology: session.topology, nodes: session.size, rank: session.rank, seed: session.seed, paramCount: opt.size };
  const mode = resumeMode(session, options.resume);
  // A replacement takes its state from a live rank instead (docs/elastic.md).
  const resumedFrom = session.out !== undefined && session.joining !== true ? await resumeRun(session, opt, meta, stream, mode) : null;
  if (mode === 'must' && session.out === undefined) throw new TrainError('E_TRAIN_OPTION', "resume 'must' needs an output directory; set out (DTRAIN_OUT, --out)");
  const evalOpts = { model, test, limit: options.evalSamples };
  const evals: EvalRecord[] = [];
  const what = describeObjective(objective);
  if (objective.source.loss === 'default' || objective.source.optimizer === 'default') {
    // Once per job: rank 0 at info, the others at debug (the fit record of every rank names both anyway).
    const level = session.rank === 0 ? 'info' : 'debug';
    session.logger[level]({ kind: 'objective', ...what }, `the model is not compiled: training with ${what.optimizer} and ${what.loss}; compile it, or pass optimizer/loss to fit, to choose`);
  }
  logFit(session.logger, { algorithm: session.algorithm, topology: session.topology, steps: total, stepsPerEpoch: stream.stepsPerEpoch, batchSize, shard: stream.shardSize, params: opt.size, ...what });
  const callbacks = new CallbackList(options.callbacks);
  callbacks.bind(model, { epochs: Math.ceil(total / stream.stepsPerEpoch), steps: total, samples: stream.shardSize, batchSize, verbose: 0, doValidation: validate !== undefined });
  setStop(model, false);
  await callbacks.trainBegin();
  let epochLogs: Logs = {};
  // The loop follows opt.iteration: an elastic membership change may move it forward (docs/elastic.md).
  let first = true;
  for (;;) {
    await opt.settle();
    const k = opt.iteration;
    if (k >= total) break;
    const { epoch, offset } = stream.position(k);
    if (offset === 0 || first) await callbacks.epochBegin(epoch);
    first = false;
    await callbacks.batchBegin(offset, batchSize);
    const b = await stream.batch(k);
    const metrics: tf.Tensor[] = [];
    let stats: StepStats;
    const logs: Logs = { batch: offset, size: b.xs.shape[0] ?? batchSize };
    try {
      stats = await opt.step(lossOf(model, objective, b, metrics));
      logs.loss = stats.loss;
      objective.metrics.forEach((m, i) => (logs[m.name] = (metrics[i] as tf.Tensor).dataSync()[0] as number));
    } finally {
      tf.dispose([b.xs, b.ys, ...metrics]);
    }
    const done = opt.iteration;
    if (logEvery > 0 && done % logEvery === 0) logStep(session.logger, stats, { totalSteps: total, samples: batchSize });
    await callbacks.batchEnd(offset, logs);
    await options.onStep?.(stats);
    if (evalEvery > 0 && done % evalEvery === 0 && done < total) evals.push(await session.evaluate(opt, evalOpts));
    // Also at the last step, so that a finished run launched again resumes at its end and reports the same run.
    if (checkpointEvery > 0 && (done % checkpointEvery === 0 || done === total)) {
      const dir = checkpointDir(session.out as string, session.rank);
      const totals = opt.totals.carried(done, opt.wallSeconds());
      saveCheckpoint(dir, { meta, step: done, data: stream.position(done), snapshot: await opt.snapshot(), totals });
    }
    if (offset === stream.stepsPerEpoch - 1 || done >= total) {
      epochLogs = await callbacks.epochEnd(epoch, validate === undefined ? {} : await validate(model, objective));
      if (done < total && (await stopAgreed(session, model, done))) break;
    }
  }
  const last = await session.evaluate(opt, evalOpts);
  evals.push(last);
  const summary = await session.summarize(opt, { ...evalOpts, last, extra: { batchSize, stepsPerEpoch: stream.stepsPerEpoch, ...options.extra } });
  await callbacks.trainEnd(epochLogs);
  return { ...callbacks.history, optimizer: opt, summary, evals, resumedFrom };
}
