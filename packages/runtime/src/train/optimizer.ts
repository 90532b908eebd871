/**
 * The user-facing optimizer wrapper (what `session.wrap(model, tf.train.sgd(lr))`
 * returns), in the manner of Horovod's / BlueFog's distributed optimizers:
 * the user keeps their model and their tfjs optimizer; `step(lossFn)`
 * computes the local gradient, and the chosen algorithm combines the
 * optimizer's local step with communication.
 *
 * Before the first step every rank takes rank 0's parameters (broadcast),
 * so all ranks start identical, unless restored from a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import type { Algorithm } from '../algorithms/types.js';
import { TrainError } from '../errors.js';
import type { ParamSource } from '../tf/params.js';
import type { TimedGossip } from './gossip.js';
import type { StepStats } from './metrics.js';
import { RunTotals } from './totals.js';
import { TfLocalModel } from './local-model.js';
import type { ElasticRun } from './elastic.js';
import type { OptimizerSnapshot } from './snapshot.js';

export interface WrapOptions {
  /** Broadcast rank 0's parameters before the first step (default true). */
  syncInitial?: boolean;
}

export type { StepStats } from './metrics.js';

export type { OptimizerSnapshot } from './snapshot.js';

export class DistributedOptimizer {
  readonly local: TfLocalModel;
  /** Totals of the steps taken by this process (for summary.json). */
  readonly totals = new RunTotals();
  /** performance.now() at the first step of this process, if any. */
  startedAt: number | undefined;
  private k = 0;
  private synced: boolean;
  private readonly grad: Float32Array;

  constructor(
    src: ParamSource,
    readonly optimizer: tf.Optimizer,
    readonly algorithm: Algorithm,
    private readonly gossip: TimedGossip,
    private readonly bytesSent: () => number,
    options: WrapOptions = {},
    /** Elastic membership (train/elastic.ts): failed exchanges are absorbed, changes settled between steps. */
    private readonly elastic?: ElasticRun,
  ) {
    this.local = new TfLocalModel(src, optimizer);
    this.grad = new Float32Array(this.local.size);
    this.synced = options.syncInitial === false;
  }

  /** Iterations completed so far (the next step's iteration). */
  get iteration(): number {
    return this.k;
  }

  /** Seconds since this process's first step (0 before it). */
  wallSeconds(): number {
    return this.startedAt === undefined ? 0 : (performance.now() - this.startedAt) / 1000;
  }

  /** Number of trainable parameters. */
  get size(): number {
    return this.local.size;
  }

  /** Broadcast rank 0's parameters to every rank (done by the first step when not called). */
  async sync(): Promise<void> {
    if (this.synced) return;
    const x = new Float32Array(this.local.size);
    for (;;) {
      this.local.read(x);
      try {
        // The lowest live rank's: rank 0 unless it left an elastic job before the first step.
        await this.gossip.timed(() => this.gossip.comm.broadcast(x, 0, { iteration: this.k }));
        break;
      } catch (error) {
        if (this.elastic === undefined || !this.elastic.absorbs(error)) throw error;
        await this.elastic.settle(this);
      }
    }
    this.local.write(x);
    this.synced = true;
  }

  /** Elastic runs: agree on a pending membership change now (a collective among the survivors); else nothing. */
  async settle(): Promise<void> {
    await this.elastic?.settle(this, true);
  }

  /** A new membership holds from `iteration` (never backwards): the iterations in between are skipped. */
  jumpTo(iteration: number): void {
    if (iteration > this.k) this.k = iteration;
  }

  /**
   * One iteration: the gradient of `lossFn` (a function returning a scalar
   * tf loss of the wrapped variables) at the current parameters, then the
   * algorithm's local step(s) and communication. An algorithm with a
   * beforeGradient hook (overlap) starts its communication before the
   * gradient and completes it in its step; none is pending when step()
   * returns, so snapshots and evaluations between steps see x(k+1).
   */
  async step(lossFn: () => tf.Scalar): Promise<StepStats> {
    await this.settle();
    await this.sync();
    const t0 = performance.now();
    const started = (this.startedAt ??= t0);
    const b0 = this.bytesSent();
    this.gossip.take();
    this.local.begin();
    if (this.elastic !== undefined) this.elastic.stepping = true;
    let loss = Number.NaN;
    let absorbed = false;
    try {
      if (this.algorithm.beforeGradient !== undefined) {
        // Overlap: the algorithm starts its exchange of x(k); hand it to the transport before the gradient holds the thread.
        this.algorithm.beforeGradient(this.k, this.local, this.gossip);
        await this.gossip.handOver();
      }
      loss = this.local.gradient(lossFn, this.grad, this.algorithm.readsGradient !== false);
      if (!Number.isFinite(loss)) {
        throw new TrainError('E_TRAIN_STATE', `rank ${this.gossip.rank}: the loss is ${loss} at iteration ${this.k}; lower the learning rate`);
      }
      await this.algorithm.step(this.k, this.grad, this.local, this.gossip);
    } catch (error) {
      // Elastic: a member lost under the exchange; the step stays a local one and the change is agreed next.
      if (this.elastic === undefined || !Number.isFinite(loss) || !this.elastic.absorbs(error)) throw error;
      absorbed = true;
    } finally {
      this.local.end();
      if (this.elastic !== undefined) this.elastic.stepping = false;
    }
    const t1 = performance.now();
    const seconds = (t1 - t0) / 1000;
    const commSeconds = this.gossip.take();
    const stats: StepStats = {
      iteration: this.k,
      loss,
      seconds,
      computeSeconds: Math.max(0, seconds - commSeconds),
      commSeconds,
      bytesSent: this.bytesSent() - b0,
      elapsedSeconds: (t1 - started) / 1000,
    };
    this.k += 1;
    this.totals.add(stats);
    if (this.elastic !== undefined && !absorbed) await this.elastic.afterStep(this);
    return stats;
  }

  /** A copy of the current local parameters. */
  params(): Float32Array {
    const x = new Float32Array(this.local.size);
    this.local.read(x);
    return x;
  }

  async snapshot(): Promise<OptimizerSnapshot> {
    const weights = await this.optimizer.getWeights();
    const optimizer = weights.map((w) => ({ name: w.name, shape: [...w.tensor.shape], values: Float32Array.from(w.tensor.dataSync()) }));
    return { iteration: this.k, params: this.params(), algorithm: this.algorithm.state(), optimizer };
  }

  /** Continue from a snapshot: parameters, algorithm state, optimizer weights and iteration. */
  async restore(s: OptimizerSnapshot): Promise<void> {
    if (s.params.length !== this.local.size) {
      throw new TrainError('E_TRAIN_STATE', `snapshot has ${s.params.length} parameters, the model ${this.local.size}; restore into the same model definition`);
    }
    this.local.write(s.params);
    this.algorithm.restore(s.algorithm);
    const tensors = s.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values.slice(), w.shape, 'float32') }));
    await this.optimizer.setWeights(tensors);
    for (const t of tensors) t.tensor.dispose();
    this.k = s.iteration;
    this.synced = true;
  }
}
