/**
 * What an algorithm is: a small strategy object that, given the local
 * gradient at the model's current parameters, updates the model through the
 * user's optimizer and the communicator. Algorithms see the model only as a
 * flat vector (LocalModel) and the network only as GossipComm, so they run
 * unchanged over ZeroMQ, in memory, or on one process.
 */
import type { ExchangeResult } from '../comm/exchange.js';
import type { Codec } from '../transport/codec.js';

/** Names chosen by the user (`--algorithm`, DTRAIN_ALGORITHM). */
export type AlgorithmName =
  | 'psgd'
  | 'dsgd'
  | 'pga'
  | 'local-sgd'
  | 'gradient-tracking'
  | 'exact-diffusion'
  | 'push-sum'
  | 'diloco-gossip';

/** Options shared by the algorithms; each reads only those it documents. */
export interface AlgorithmOptions {
  /** Gossip rounds per iteration (multi-gossip): x <- W^R x. Gossip algorithms only; default 1. */
  rounds?: number;
  /** pga, local-sgd: an exact global average every this many iterations. */
  globalAvgPeriod?: number;
  /** dsgd, pga: local heavy-ball momentum beta in [0, 1) applied before the user's optimizer; default 0. */
  momentum?: number;
  /**
   * dsgd, pga: overlap the neighbour exchange of iteration k with the
   * gradient of iteration k (combine and adapt in parallel, overlap.ts);
   * default false. Refused (E_ALGORITHM_OPTION) by the other algorithms.
   */
  overlap?: boolean;
  /**
   * psgd, dsgd, pga, local-sgd, diloco-gossip: compress what is sent,
   * 'fp32' (none), 'fp16', 'bf16', 'int8' or 'topk:F' (keep the fraction F
   * of largest values, 0 < F <= 0.5). Gossip becomes CHOCO-Gossip
   * (comm/choco.ts), the allreduce compressed with error feedback
   * (comm/ef-allreduce.ts). Default fp32.
   */
  compress?: string;
  /** With compress, on gossip: CHOCO's consensus step size gamma in (0, 1]; default 1 (topk:F: min(1, 4F)). */
  consensusStep?: number;
  /**
   * local-sgd, pga, diloco-gossip: an outer optimizer on the pseudo-gradient
   * x(round start) - average at the end of each round of H steps (DiLoCo,
   * outer.ts): 'sgd' or 'nesterov'. Default: none (the average is taken as is).
   */
  outerOptimizer?: string;
  /** Outer learning rate; default 0.7 for nesterov (DiLoCo), 1 for sgd. */
  outerLr?: number;
  /** Outer momentum in [0, 1); default 0.9 for nesterov (DiLoCo), 0 for sgd. */
  outerMomentum?: number;
}

/** The outer optimizer of a round (outer.ts), resolved. */
export interface OuterOptions {
  readonly optimizer: 'sgd' | 'nesterov';
  readonly lr: number;
  readonly momentum: number;
}

/** The compression of what is sent, resolved: the wire codec and, for gossip, CHOCO's gamma. */
export interface CompressOptions {
  readonly codec: Codec;
  readonly name: string;
  readonly gamma: number;
}

/**
 * AlgorithmOptions with defaults filled in; `overlap` is present (true) only
 * when on, `compress` only when not fp32, `outer` only with an outer optimizer.
 */
export type ResolvedAlgorithmOptions = Required<Pick<AlgorithmOptions, 'rounds' | 'globalAvgPeriod' | 'momentum'>> & {
  overlap?: true;
  compress?: CompressOptions;
  outer?: OuterOptions;
};

/** The model as the algorithms see it: one flat float32 vector and the user's optimizer. */
export interface LocalModel {
  /** Number of trainable parameters. */
  readonly size: number;
  /** Copy the model's parameters into `out` (no aliasing). */
  read(out: Float32Array): void;
  /** Set the model's parameters from `x` (copied). */
  write(x: Float32Array): void;
  /**
   * One step of the user's optimizer along `direction` (used as the
   * gradient). With tf.train.sgd(lr) this is x <- x - lr * direction.
   */
  apply(direction: Float32Array): void;
}

/** An exchange started by GossipComm.startExchange and not yet waited for. */
export interface PendingExchange {
  /** Completes the exchange: its vector then holds W(k)^R x. Counts as communication time only while waiting. */
  wait(): Promise<ExchangeResult>;
}

/** The communication an algorithm may use, with the schedule and rounds already bound. */
export interface GossipComm {
  readonly rank: number;
  readonly size: number;
  /** x <- W(k)^R x in place (partial averaging); mixes a push-sum weight alongside when given. */
  exchange(x: Float32Array, iteration: number, weight?: number): Promise<ExchangeResult>;
  /**
   * Start x <- W(k)^R x in place without waiting for it. `x` belongs to the
   * exchange (its chunks are sent zero-copy, then mixed in place) until
   * wait() resolves: neither read nor write it before then.
   */
  startExchange(x: Float32Array, iteration: number): PendingExchange;
  /** x <- (1/n) sum_i x_i in place, identical bits on every rank. */
  allreduceMean(x: Float32Array, iteration: number): Promise<void>;
}

/** How iteration k's local step is mixed: partial averaging, an exact global average, or not at all. */
export type CombineRule = (k: number) => 'gossip' | 'global' | 'none';

/** What an algorithm carries from one iteration to the next (saved in checkpoints). */
export interface AlgorithmState {
  vectors: Record<string, Float32Array>;
  scalars: Record<string, number>;
}

export interface Algorithm {
  readonly name: AlgorithmName;
  /**
   * False when step() only hands `g` to model.apply() and never reads its
   * values (dsgd / pga / local-sgd without momentum): the optimizer then
   * applies the gradient tensors directly and does not copy them into `g`,
   * whose contents are unspecified. Absent means true.
   */
  readonly readsGradient?: boolean;
  /**
   * Optional: called at the start of iteration k, with the model at x(k),
   * before the gradient is computed. An algorithm that overlaps
   * communication with computation starts it here; step(k) completes it.
   * Must leave the model unchanged.
   */
  beforeGradient?(k: number, model: LocalModel, comm: GossipComm): void;
  /**
   * Iteration k, given the local (stochastic) gradient `g` evaluated at the
   * model's current parameters. Leaves the model at x(k+1).
   */
  step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void>;
  state(): AlgorithmState;
  restore(state: AlgorithmState): void;
}

/** What an algorithm's constructor receives. */
export interface AlgorithmSetup {
  /** Number of parameters. */
  size: number;
  options: ResolvedAlgorithmOptions;
}
