/**
 * The Communicator: neighbour exchange, ring allreduce, broadcast, barrier
 * and a small allgather over any Transport. It knows nothing about how
 * frames travel.
 *
 * Every rank must call the same operations in the same order (with the
 * same iterations and vector lengths); that is what keeps the (iter, tag)
 * of each frame identical on sender and receiver (see clock.ts). Vectors
 * are updated in place; a vector must not be touched by the caller while
 * an operation on it is pending.
 */
import type { Schedule } from '@dtrain/topology';
import { CommError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import { ringAllreduce, type ReduceOp } from './allreduce.js';
import { chocoExchange, planChoco, type ChocoOptions } from './choco.js';
import { compressedAllreduceMean, type FeedbackOptions } from './ef-allreduce.js';
import { OpClock, type OpSlot } from './clock.js';
import { allgather, barrier, broadcast, checkRoot } from './collectives.js';
import { DEFAULT_CHUNK_FLOATS, DEFAULT_COMM_TIMEOUT_MS, DEFAULT_LANES } from './constants.js';
import type { OpContext } from './context.js';
import { exchange, planExchange, type ExchangeOptions, type ExchangeResult } from './exchange.js';
import { hierAllreduce, hierExchange, hostLayout } from './hierarchy.js';
import { ScratchPool } from './lanes.js';

export interface CommunicatorOptions {
  /** Receive deadline in ms, counted from the start of each receive (default 30 s). */
  timeoutMs?: number;
  /** Floats per streamed frame (default 2^20 = 4 MiB). */
  chunkFloats?: number;
  /** Chunks of one operation in flight at once (default 2, DEFAULT_LANES). */
  lanes?: number;
  /**
   * Ranks per host (rank = host * localSize + local rank): allreduce then
   * runs hierarchically (inside hosts, between their leaders, back inside).
   * Default: flat.
   */
  localSize?: number;
}

/** Options of the collectives: the iteration they run in (default: the latest one seen). */
export interface CollectiveOptions {
  iteration?: number;
}

export interface AllreduceOptions extends CollectiveOptions {
  /** 'sum' (default) or 'mean'. */
  op?: ReduceOp;
  /** Compressed chunks with error feedback (ef-allreduce.ts); 'mean' only. */
  compress?: FeedbackOptions;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CommError('E_COMM_ARGUMENT', `${name} must be an integer >= 1; got ${String(value)}`);
  }
  return value;
}

export class Communicator {
  readonly rank: number;
  readonly size: number;
  private readonly ctx: OpContext;
  private readonly clock: OpClock;
  private readonly localSize: number | undefined;

  constructor(transport: Transport, options: CommunicatorOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMM_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new CommError('E_COMM_ARGUMENT', `timeoutMs must be a positive number of ms; got ${String(timeoutMs)}`);
    }
    this.rank = transport.rank;
    this.size = transport.size;
    this.ctx = {
      transport,
      rank: transport.rank,
      size: transport.size,
      timeoutMs,
      chunkFloats: positiveInt('chunkFloats', options.chunkFloats ?? DEFAULT_CHUNK_FLOATS),
      lanes: positiveInt('lanes', options.lanes ?? DEFAULT_LANES),
      pool: new ScratchPool(),
    };
    this.clock = new OpClock((iter) => transport.finish(iter));
    this.localSize = options.localSize;
    if (this.localSize !== undefined) hostLayout(this.rank, this.size, this.localSize);
  }

  /** Floats per frame: no frame this communicator sends is longer (plus FRAME_SLACK_FLOATS). */
  get chunkFloats(): number {
    return this.ctx.chunkFloats;
  }

  /** The iteration collectives run in when given none: the latest one passed to any operation. */
  get iteration(): number {
    return this.clock.iteration;
  }

  /** Floats held in reusable receive buffers. */
  get scratchFloats(): number {
    return this.ctx.pool.floats;
  }

  /**
   * One neighbour exchange of training iteration `iteration` (x updated in
   * place): x <- W(k)[i][i] x + sum_j W(k)[i][j] x_j, `rounds` times.
   */
  async exchange(
    x: Float32Array,
    schedule: Schedule,
    iteration: number,
    options: ExchangeOptions = {},
  ): Promise<ExchangeResult> {
    checkVector('exchange', x);
    const slot = this.clock.open('exchange', iteration);
    const { hierarchy } = schedule;
    if (hierarchy !== undefined) {
      if (options.weight !== undefined) throw new CommError('E_COMM_ARGUMENT', `${schedule.name} is doubly stochastic: it mixes no push-sum weight`);
      if (schedule.nodes !== this.size) planExchange(this.ctx, schedule, iteration, options); // throws E_COMM_SCHEDULE
      return this.run(slot, () => hierExchange(this.ctx, slot, x, { ...schedule, hierarchy }, iteration, options.rounds ?? 1));
    }
    return this.run(slot, () => {
      const steps = planExchange(this.ctx, schedule, iteration, options);
      return exchange(this.ctx, slot, x, steps, options.weight);
    });
  }

  /**
   * A compressed neighbour exchange of training iteration `iteration`
   * (CHOCO-Gossip, choco.ts): x moves gamma of the way towards the mix of
   * the public copies; every rank keeps its own ChocoState across calls.
   */
  async compressedExchange(
    x: Float32Array,
    schedule: Schedule,
    iteration: number,
    options: ChocoOptions & { rounds?: number },
  ): Promise<ExchangeResult> {
    checkVector('compressed exchange', x);
    const slot = this.clock.open('compressed exchange', iteration);
    return this.run(slot, () => {
      const steps = planExchange(this.ctx, schedule, iteration, { rounds: options.rounds });
      return chocoExchange(this.ctx, slot, x, planChoco(this.rank, schedule, iteration, steps), options);
    });
  }

  /** x <- sum (or mean) of every rank's x, in place; identical bits on every rank. */
  async allreduce(x: Float32Array, options: AllreduceOptions = {}): Promise<void> {
    checkVector('allreduce', x);
    const op = options.op ?? 'sum';
    if (op !== 'sum' && op !== 'mean') {
      throw new CommError('E_COMM_ARGUMENT', `allreduce op must be 'sum' or 'mean'; got ${String(op)}`);
    }
    const compress = options.compress;
    if (compress !== undefined && op !== 'mean') {
      throw new CommError('E_COMM_ARGUMENT', `a compressed allreduce computes the mean; got op '${op}' (pass op: 'mean')`);
    }
    if (compress?.residual !== undefined && compress.residual.length !== x.length) {
      throw new CommError('E_COMM_ARGUMENT', `the error-feedback residual has ${compress.residual.length} floats but x has ${x.length}; keep one residual per vector`);
    }
    const slot = this.clock.open('allreduce', options.iteration);
    if (compress !== undefined) return this.run(slot, () => compressedAllreduceMean(this.ctx, slot, x, compress));
    const L = this.localSize;
    if (L !== undefined && L > 1 && L < this.size) return this.run(slot, () => hierAllreduce(this.ctx, slot, x, op === 'mean', L));
    return this.run(slot, () => ringAllreduce(this.ctx, slot, x, op));
  }

  /** x <- the root's x, in place. */
  async broadcast(x: Float32Array, root: number, options: CollectiveOptions = {}): Promise<void> {
    checkVector('broadcast', x);
    checkRoot(this.ctx, root);
    const slot = this.clock.open('broadcast', options.iteration);
    return this.run(slot, () => broadcast(this.ctx, slot, x, root));
  }

  /** Resolves once every rank has entered the barrier. */
  async barrier(options: CollectiveOptions = {}): Promise<void> {
    const slot = this.clock.open('barrier', options.iteration);
    return this.run(slot, () => barrier(this.ctx, slot));
  }

  /** A few numbers from every rank, indexed by rank; float64, bit-exact. */
  async allgather(values: ArrayLike<number>, options: CollectiveOptions = {}): Promise<Float64Array[]> {
    const slot = this.clock.open('allgather', options.iteration);
    return this.run(slot, () => allgather(this.ctx, slot, values));
  }

  private async run<T>(slot: OpSlot, body: () => Promise<T>): Promise<T> {
    let ok = false;
    try {
      const out = await body();
      ok = true;
      return out;
    } finally {
      this.clock.close(slot, ok);
    }
  }
}

function checkVector(what: string, x: unknown): asserts x is Float32Array {
  if (!(x instanceof Float32Array)) {
    throw new CommError('E_COMM_ARGUMENT', `${what} needs a Float32Array; got ${x === null ? 'null' : typeof x}`);
  }
}
