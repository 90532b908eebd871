/**
 * A training session: one rank's view of a job (transport, communicator,
 * schedule, validated algorithm, logger, output directory). `init()`
 * (init.ts) builds one from the environment; `createSession` builds one from
 * any Transport (the in-memory network in tests).
 */
import type * as tf from '@tensorflow/tfjs';
import { createSchedule, type Schedule, type TopologyOptions } from '@dtrain/topology';
import type { Logger } from 'pino';
import { DEFAULT_ALGORITHM } from '../algorithms/constants.js';
import { validateAlgorithm, type AlgorithmSpec } from '../algorithms/registry.js';
import type { AlgorithmOptions, ResolvedAlgorithmOptions } from '../algorithms/types.js';
import { Communicator, type CommunicatorOptions } from '../comm/communicator.js';
import { FRAME_SLACK_FLOATS } from '../comm/constants.js';
import { ElasticError, TrainError } from '../errors.js';
import type { ResumeMode } from '../env-checks.js';
import { paramCount, type ParamSource } from '../tf/params.js';
import type { Transport } from '../transport/types.js';
import { DEFAULT_SEED } from '../contract/defaults.js';
import { defaultTopology } from '../contract/defaults.js';
import { accuracy, consensus, type EvaluateOptions } from './evaluate.js';

export type { EvaluateOptions } from './evaluate.js';
import { runFit, type FitData, type FitHost, type FitOptions, type FitResult } from './fit.js';
import { TimedGossip } from './gossip.js';
import { averageWeights } from './average.js';
import type { TrainData } from './sources.js';
import { logEval, silentLogger, type EvalRecord } from './metrics.js';
import { DistributedOptimizer, type WrapOptions } from './optimizer.js';
import { gatherSummary, writeSummary, type RunSummary, type SummaryBase } from './summary.js';
import { checkElastic, ElasticRun } from './elastic.js';

export interface SessionOptions {
  /** A connected transport; the session closes it on close(). */
  transport: Transport;
  /** Algorithm name (default dsgd). */
  algorithm?: string;
  /** Topology name for createSchedule (default ring); ignored when `schedule` is given. */
  topology?: string;
  topologyOptions?: TopologyOptions;
  schedule?: Schedule;
  algorithmOptions?: AlgorithmOptions;
  /** Seed shared by every rank: schedules, data order (default 0). */
  seed?: number;
  /** Output directory: summary.json and checkpoints/ (none: nothing is written). */
  out?: string;
  /** Backend name, recorded in summary.json. */
  backend?: string;
  /** A pino logger (default: silent). */
  logger?: Logger;
  communicator?: CommunicatorOptions;
  /** Channel protection the transport runs with, recorded in summary.json. */
  secure?: string;
  /** What fit does with checkpoints in `out` (DTRAIN_RESUME); unset: fit's `resume` option, else 'auto'. */
  resume?: ResumeMode;
  /** Elastic membership (docs/elastic.md): a lost rank does not end the job. */
  elastic?: { minNodes?: number; joining?: boolean };
}

export class Session implements FitHost {
  readonly rank: number;
  readonly size: number;
  readonly spec: AlgorithmSpec;
  readonly algorithmOptions: ResolvedAlgorithmOptions;
  readonly topology: string;
  readonly seed: number;
  readonly out: string | undefined;
  readonly backend: string;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly secure: string | undefined;
  readonly resume: ResumeMode | undefined;
  /** Set with the `elastic` option: the membership and the current view. */
  readonly elastic: ElasticRun | undefined;
  private current: { comm: Communicator; schedule: Schedule };
  private gossip: TimedGossip | undefined;
  private wrapped: DistributedOptimizer | undefined;
  private closed = false;

  constructor(options: SessionOptions) {
    this.transport = options.transport;
    this.rank = options.transport.rank;
    this.size = options.transport.size;
    this.seed = options.seed ?? DEFAULT_SEED;
    const schedule = options.schedule ?? createSchedule(options.topology ?? defaultTopology(this.size), this.size, { seed: this.seed, ...options.topologyOptions });
    this.topology = schedule.name;
    if (schedule.nodes !== this.size) {
      throw new TrainError('E_TRAIN_OPTION', `schedule ${schedule.name} has ${schedule.nodes} nodes but the job has ${this.size} ranks; build it with nodes = ${this.size}`);
    }
    const v = validateAlgorithm(options.algorithm ?? DEFAULT_ALGORITHM, schedule, options.algorithmOptions ?? {});
    this.spec = v.spec;
    this.algorithmOptions = v.options;
    // A hierarchical schedule groups ranks by host: every allreduce then runs hierarchically too.
    const hosts = schedule.hierarchy === undefined ? {} : { localSize: schedule.hierarchy.localSize };
    const commOptions = { ...(options.communicator ?? { timeoutMs: this.transport.timeoutMs }), ...hosts };
    if (options.elastic !== undefined && this.size > 1) {
      checkElastic(this.spec, options.algorithmOptions ?? {});
      refuseWithElastic(schedule, this.algorithmOptions);
      this.elastic = new ElasticRun({
        transport: this.transport, minNodes: options.elastic.minNodes ?? 1, topology: options.topology ?? this.topology,
        topologyOptions: options.topologyOptions, seed: this.seed, spec: this.spec, algorithmOptions: options.algorithmOptions ?? {},
        communicator: commOptions, logger: options.logger ?? silentLogger(), joining: options.elastic.joining === true,
        host: { rebind: (comm, next) => this.rebind(comm, next) },
      });
      this.current = { comm: this.elastic.comm, schedule };
    } else {
      this.current = { comm: new Communicator(this.transport, commOptions), schedule };
    }
    this.out = options.out;
    this.backend = options.backend ?? 'unknown';
    this.logger = options.logger ?? silentLogger();
    this.secure = options.secure;
    this.resume = options.resume;
  }

  get algorithm(): string {
    return this.spec.name;
  }

  /** The communicator of the current membership (all ranks, unless elastic lost some). */
  get comm(): Communicator {
    return this.current.comm;
  }

  /** The schedule in use: the job's, or the current membership's. */
  get schedule(): Schedule {
    return this.current.schedule;
  }

  /** True on the lowest live rank (rank 0 unless it left an elastic job): it writes summary.json and saves models. */
  get leader(): boolean {
    return this.comm.rank === 0;
  }

  /** True on a replacement until it has been handed the state of a live rank (docs/elastic.md). */
  get joining(): boolean {
    return this.elastic?.joining === true;
  }

  /** The job ranks of the members, ascending. */
  get members(): readonly number[] {
    return this.elastic?.members ?? Array.from({ length: this.size }, (_, r) => r);
  }

  private rebind(comm: Communicator, schedule: Schedule): void {
    this.current = { comm, schedule };
    this.gossip?.rebind(comm, schedule);
  }

  /**
   * A collective of the caller's: elastic runs settle a pending membership
   * first and run it again on the new one when a member is lost under it.
   */
  async collective<T>(op: () => Promise<T>): Promise<T> {
    const e = this.elastic;
    if (e === undefined) return op();
    for (;;) {
      if (this.wrapped !== undefined) await e.settle(this.wrapped);
      try {
        return await op();
      } catch (error) {
        if (!e.absorbs(error) || this.wrapped === undefined) throw error;
      }
    }
  }

  /**
   * Wrap the user's model (or variables) and tfjs optimizer. Every rank
   * takes rank 0's parameters before the first step. One model per session.
   */
  wrap(model: ParamSource, optimizer: tf.Optimizer, options: WrapOptions = {}): DistributedOptimizer {
    if (this.wrapped !== undefined) {
      throw new TrainError('E_TRAIN_STATE', 'this session already wraps a model; use one session per model');
    }
    const size = paramCount(model);
    const algorithm = this.spec.create({ size, options: this.algorithmOptions });
    // Now the largest legitimate frame is known: nothing bigger is buffered from the wire.
    const limit = Math.min((this.spec.frameScale ?? 1) * size, this.comm.chunkFloats) + FRAME_SLACK_FLOATS;
    this.transport.limitFrames(limit).then(
      () => this.logger.debug({ kind: 'frame-limit', floats: limit }, `frames above ${limit} floats are refused`),
      (error: unknown) => this.logger.warn({ kind: 'frame-limit', floats: limit, error: String(error) }, 'could not lower the frame limit'),
    );
    const gossip = new TimedGossip(this.comm, this.schedule, this.algorithmOptions.rounds, this.algorithmOptions.compress);
    this.gossip = gossip;
    const opt = new DistributedOptimizer(model, optimizer, algorithm, gossip, () => this.transport.stats().bytesSent, options, this.elastic);
    this.wrapped = opt;
    return opt;
  }

  /**
   * Train a Layers model as it is compiled (see FitOptions) on `{train, test?}` or on the
   * training data alone; writes summary.json at the end.
   */
  async fit(model: tf.LayersModel, data: FitData | TrainData, options: FitOptions = {}): Promise<FitResult> {
    return runFit(this, model, data, options);
  }

  /**
   * Collective: set every rank's model (all its weights, trainable or not) or
   * variables to the average over the ranks, e.g. before `model.save(...)`.
   */
  async averageModel(model: tf.LayersModel | readonly tf.Variable[]): Promise<void> {
    await this.collective(() => averageWeights(this.comm, model));
  }

  /**
   * Collective: accuracy of the local and of the average model on `test`,
   * and the consensus distance. Every rank must call it at the same step.
   */
  async evaluate(opt: DistributedOptimizer, options: EvaluateOptions = {}): Promise<EvalRecord> {
    return this.collective(() => this.evaluateOnce(opt, options));
  }

  private async evaluateOnce(opt: DistributedOptimizer, options: EvaluateOptions): Promise<EvalRecord> {
    const t0 = performance.now();
    const x = opt.params();
    const { average, distance } = await consensus(this.comm, x, opt.iteration);
    let localAccuracy: number | null = null;
    let averageAccuracy: number | null = null;
    if (options.model !== undefined && options.test !== undefined) {
      localAccuracy = accuracy(options.model, options.test, options.limit);
      opt.local.write(average);
      try {
        averageAccuracy = accuracy(options.model, options.test, options.limit);
      } finally {
        opt.local.write(x);
      }
    }
    const record: EvalRecord = { step: opt.iteration, localAccuracy, averageAccuracy, consensusDistance: distance, seconds: (performance.now() - t0) / 1000 };
    logEval(this.logger, record);
    return record;
  }

  /**
   * Collective: evaluate, gather every rank's figures and (rank 0, when an
   * output directory is set) write summary.json. Returns the summary on every rank.
   */
  async summarize(opt: DistributedOptimizer, options: EvaluateOptions & { extra?: Record<string, unknown>; last?: EvalRecord } = {}): Promise<RunSummary> {
    const summary = await this.collective(async () => {
      const end = options.last?.step === opt.iteration ? options.last : await this.evaluateOnce(opt, options);
      this.elastic?.flush();
      const elastic = this.elastic === undefined ? {} : { elastic: this.elastic.summary() };
      return gatherSummary(this.comm, opt, this.summaryBase(), end, this.transport.stats(), { ...options.extra, ...elastic }, this.members);
    });
    if (this.leader && this.out !== undefined) {
      const file = writeSummary(this.out, summary);
      this.logger.info({ kind: 'summary', file, finalAccuracy: summary.finalAccuracy, finalLoss: summary.finalLoss }, 'summary written');
    }
    return summary;
  }

  /** The run's settings for summary.json: schedule, rounds, overlap, and H when the algorithm uses one. */
  private summaryBase(): SummaryBase {
    const base: SummaryBase = {
      algorithm: this.algorithm,
      topology: this.topology,
      schedule: this.schedule.name,
      dynamic: this.schedule.dynamic,
      rounds: this.spec.options.includes('rounds') ? this.algorithmOptions.rounds : 1,
      overlap: this.algorithmOptions.overlap === true,
      backend: this.backend,
      seed: this.seed,
      ...(this.secure !== undefined ? { secure: this.secure } : {}),
    };
    if (this.spec.options.includes('globalAvgPeriod')) base.globalAvgPeriod = this.algorithmOptions.globalAvgPeriod;
    const { compress, outer } = this.algorithmOptions;
    if (compress !== undefined) base.compress = compress.name;
    if (outer !== undefined) base.outerOptimizer = `${outer.optimizer} lr=${outer.lr} momentum=${outer.momentum}`;
    return base;
  }

  /** Close the transport (idempotent). No communication: safe after an error. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.elastic?.close();
    this.elastic?.membership.close();
    await this.transport.close();
  }
}

/** A session over any transport; refuses an invalid algorithm/topology pair (AlgorithmError) before any training. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}

/** What a membership change cannot carry over: hosts that no longer line up, compressed public copies of lost links. */
function refuseWithElastic(schedule: Schedule, options: ResolvedAlgorithmOptions): void {
  if (schedule.hierarchy !== undefined) throw new ElasticError('E_ELASTIC_OPTION', `${schedule.name} groups ranks by host, which a lost rank breaks up; run --elastic on a flat topology (e.g. onepeer-exp)`);
  if (options.compress !== undefined) throw new ElasticError('E_ELASTIC_OPTION', '--compress keeps a public copy per link, which a new membership would lose; drop --compress or --elastic');
}
