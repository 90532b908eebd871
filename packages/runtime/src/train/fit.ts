/**
 * The training loop behind `session.fit(model, data, options)`: iid shard
 * of the training set per rank, seeded batches, one algorithm step per
 * batch, step lines every logEvery steps, an evaluation every evalEvery
 * steps (local and average model accuracy, consensus distance),
 * checkpoints every checkpointEvery steps, resume from the newest
 * checkpoint every rank holds, and summary.json at the end.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { Communicator } from '../comm/communicator.js';
import type { Dataset } from '../data/dataset.js';
import { CheckpointError, TrainError } from '../errors.js';
import type { ParamSource } from '../tf/params.js';
import { BatchStream, iidShard } from './batches.js';
import { checkpointDir, listCheckpoints, loadCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE, DEFAULT_LOG_EVERY } from './constants.js';
import { crossEntropy } from './evaluate.js';
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
  readonly comm: Communicator;
  readonly logger: Logger;
  wrap(model: ParamSource, optimizer: tf.Optimizer, options?: WrapOptions): DistributedOptimizer;
  evaluate(opt: DistributedOptimizer, options?: EvaluateOptions): Promise<EvalRecord>;
  summarize(opt: DistributedOptimizer, options?: EvaluateOptions & { extra?: Record<string, unknown>; last?: EvalRecord }): Promise<RunSummary>;
}

export interface FitData {
  /** The whole training set (sharded iid across ranks) or, with shard: 'none', this rank's part. */
  train: Dataset;
  test?: Dataset;
}

export interface FitOptions {
  /** The tfjs optimizer taking the local steps (default tf.train.sgd(lr)). */
  optimizer?: tf.Optimizer;
  /** Learning rate of the default optimizer (default 0.05). */
  lr?: number;
  /** Samples per rank per step (default 32). */
  batchSize?: number;
  /** Passes over the shard (default 1); ignored when `steps` is given. */
  epochs?: number;
  steps?: number;
  /** Evaluate every this many steps (default: once per epoch; 0: only at the end). */
  evalEvery?: number;
  /** Evaluate on at most this many test samples. */
  evalSamples?: number;
  /** A step line every this many steps (default 1; 0: none). */
  logEvery?: number;
  /** Checkpoint every this many steps into out/checkpoints (default 0: never). */
  checkpointEvery?: number;
  /** Continue from the newest checkpoint all ranks hold, when there is one (default true). */
  resume?: boolean;
  /** 'iid' (default): take this rank's share of `train`; 'none': `train` is already this rank's shard. */
  shard?: 'iid' | 'none';
  /** Broadcast rank 0's initial parameters (default true). */
  syncInitial?: boolean;
  /** Called after every step (after logging, before evaluation and checkpoint). */
  onStep?: (stats: StepStats) => void | Promise<void>;
  /** Extra fields for summary.json. */
  extra?: Record<string, unknown>;
}

export interface FitResult {
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

/** Agree on the newest checkpoint every rank holds and restore it (collective). */
async function resumeFrom(session: FitHost, opt: DistributedOptimizer, meta: CheckpointMeta, stream: BatchStream): Promise<number | null> {
  const out = session.out as string;
  const dir = checkpointDir(out, session.rank);
  const steps = listCheckpoints(dir);
  const all = await session.comm.allgather([steps.length === 0 ? 0 : steps[steps.length - 1]], { iteration: 0 });
  const target = Math.min(...all.map((v) => v[0]));
  if (target <= 0) return null;
  if (!steps.includes(target)) {
    throw new CheckpointError('E_CHECKPOINT_MISSING', `rank ${session.rank} has no checkpoint of step ${target} (it has ${steps.join(', ')}); delete ${checkpointDir(out, 0).replace(/rank-0$/, '')} to start over`);
  }
  const ckpt = loadCheckpoint(dir, target, meta);
  const want = stream.position(target);
  if (ckpt.data.epoch !== want.epoch || ckpt.data.offset !== want.offset) {
    throw new CheckpointError('E_CHECKPOINT_MISMATCH', `checkpoint of step ${target} was taken at epoch ${ckpt.data.epoch} batch ${ckpt.data.offset}, this run's data puts it at epoch ${want.epoch} batch ${want.offset}; use the same dataset and batch size`);
  }
  await opt.restore(ckpt.snapshot);
  session.logger.info({ kind: 'resume', step: target }, `resumed from the checkpoint of step ${target}`);
  return target;
}

export async function runFit(session: FitHost, model: tf.LayersModel, data: FitData, options: FitOptions): Promise<FitResult> {
  const batchSize = count('batchSize', options.batchSize, 1, DEFAULT_BATCH_SIZE);
  const lr = options.lr ?? DEFAULT_LEARNING_RATE;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new TrainError('E_TRAIN_OPTION', `lr must be a positive number; got ${String(options.lr)}`);
  const indices =
    (options.shard ?? 'iid') === 'iid' ? iidShard(data.train.n, session.rank, session.size, session.seed) : Int32Array.from({ length: data.train.n }, (_, i) => i);
  const stream = new BatchStream(data.train, indices, batchSize, session.seed, session.rank);
  const total = options.steps !== undefined ? count('steps', options.steps, 0, 0) : stream.stepsPerEpoch * count('epochs', options.epochs, 1, DEFAULT_EPOCHS);
  const evalEvery = count('evalEvery', options.evalEvery, 0, stream.stepsPerEpoch);
  const logEvery = count('logEvery', options.logEvery, 0, DEFAULT_LOG_EVERY);
  const checkpointEvery = count('checkpointEvery', options.checkpointEvery, 0, 0);
  if (checkpointEvery > 0 && session.out === undefined) {
    throw new TrainError('E_TRAIN_OPTION', `checkpointEvery = ${checkpointEvery} needs an output directory; set out (DTRAIN_OUT, --out)`);
  }
  const opt = session.wrap(model, options.optimizer ?? tf.train.sgd(lr), { syncInitial: options.syncInitial });
  const meta: CheckpointMeta = { algorithm: session.algorithm, topology: session.topology, nodes: session.size, rank: session.rank, seed: session.seed, paramCount: opt.size };
  const resumedFrom = options.resume !== false && session.out !== undefined ? await resumeFrom(session, opt, meta, stream) : null;
  const evalOpts = { model, test: data.test, limit: options.evalSamples };
  const evals: EvalRecord[] = [];
  const shape = [batchSize, ...data.train.sampleShape];
  logFit(session.logger, { algorithm: session.algorithm, topology: session.topology, steps: total, stepsPerEpoch: stream.stepsPerEpoch, batchSize, shard: indices.length, params: opt.size });

  for (let k = opt.iteration; k < total; k++) {
    const b = stream.batch(k);
    const xb = tf.tensor(b.x, shape, 'float32');
    const yb = tf.tensor1d(b.y, 'int32');
    let stats: StepStats;
    try {
      stats = await opt.step(() => crossEntropy(model, xb, yb));
    } finally {
      xb.dispose();
      yb.dispose();
    }
    if (logEvery > 0 && (k + 1) % logEvery === 0) logStep(session.logger, stats, { totalSteps: total, samples: batchSize });
    await options.onStep?.(stats);
    if (evalEvery > 0 && (k + 1) % evalEvery === 0 && k + 1 < total) evals.push(await session.evaluate(opt, evalOpts));
    if (checkpointEvery > 0 && (k + 1) % checkpointEvery === 0) {
      const dir = checkpointDir(session.out as string, session.rank);
      saveCheckpoint(dir, { meta, step: k + 1, data: stream.position(k + 1), snapshot: await opt.snapshot() });
    }
  }
  const last = await session.evaluate(opt, evalOpts);
  evals.push(last);
  const summary = await session.summarize(opt, { ...evalOpts, last, extra: { batchSize, stepsPerEpoch: stream.stepsPerEpoch, ...options.extra } });
  return { optimizer: opt, summary, evals, resumedFrom };
}
