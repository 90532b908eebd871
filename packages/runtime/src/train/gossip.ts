/**
 * The GossipComm handed to algorithms: the Communicator with the schedule
 * and gossip rounds bound, and a stopwatch around every operation (the
 * communication seconds each step reports). On one rank both operations
 * are identities and return at once.
 *
 * An exchange started with startExchange (overlap.ts) runs while the step
 * computes its gradient; the seconds it reports are only those the step
 * spends on it: starting it, the one event-loop turn that hands its chunks
 * to the transport (handOver), and waiting for what is left after the
 * gradient. The time it travels behind the gradient is not counted.
 *
 * With compression (--compress) the exchange is CHOCO-Gossip with this
 * rank's public copies (comm/choco.ts) and the allreduce mean is
 * compressed with error feedback, one residual per vector length
 * (comm/ef-allreduce.ts).
 */
import type { Schedule } from '@dtrain/topology';
import type { CompressOptions, GossipComm, PendingExchange } from '../algorithms/types.js';
import { ChocoState } from '../comm/choco.js';
import type { Communicator } from '../comm/communicator.js';
import type { ExchangeResult } from '../comm/exchange.js';

export class TimedGossip implements GossipComm {
  /** Seconds spent inside communicator operations since the last `take()`. */
  private seconds = 0;
  /** Exchanges started and not yet handed over (see handOver). */
  private started = 0;

  private readonly choco = new ChocoState();
  private readonly residuals = new Map<number, Float32Array>();

  constructor(
    public comm: Communicator,
    public schedule: Schedule,
    readonly rounds: number,
    readonly compress?: CompressOptions,
  ) {}

  private mix(x: Float32Array, iteration: number, weight?: number): Promise<ExchangeResult> {
    const c = this.compress;
    if (c === undefined || weight !== undefined) return this.comm.exchange(x, this.schedule, iteration, { rounds: this.rounds, weight });
    return this.comm.compressedExchange(x, this.schedule, iteration, { rounds: this.rounds, codec: c.codec, gamma: c.gamma, state: this.choco });
  }

  /** A new membership (elastic): its communicator and schedule from the next operation on. */
  rebind(comm: Communicator, schedule: Schedule): void {
    this.comm = comm;
    this.schedule = schedule;
  }

  get rank(): number {
    return this.comm.rank;
  }

  get size(): number {
    return this.comm.size;
  }

  async exchange(x: Float32Array, iteration: number, weight?: number): Promise<ExchangeResult> {
    // One rank: W = [1], so every round leaves x (and the push-sum weight) as it is.
    if (this.comm.size === 1) return { weight, floatsSent: 0 };
    return this.timed(() => this.mix(x, iteration, weight));
  }

  startExchange(x: Float32Array, iteration: number): PendingExchange {
    if (this.comm.size === 1) {
      const done = Promise.resolve<ExchangeResult>({ weight: undefined, floatsSent: 0 });
      return { wait: () => done };
    }
    const t0 = performance.now();
    const running = this.mix(x, iteration);
    // A failure surfaces in wait(); until then it must not count as unhandled.
    running.catch(() => undefined);
    this.seconds += (performance.now() - t0) / 1000;
    this.started += 1;
    return { wait: () => this.timed(() => running) };
  }

  /**
   * When an exchange was started since the last call: yield one event-loop
   * turn, so its promise chain runs up to the sockets and its chunks are
   * queued to the transport before synchronous work (the gradient) holds the
   * thread. Timed as communication.
   */
  async handOver(): Promise<void> {
    if (this.started === 0) return;
    this.started = 0;
    await this.timed(() => new Promise<void>((resolve) => setImmediate(resolve)));
  }

  async allreduceMean(x: Float32Array, iteration: number): Promise<void> {
    if (this.comm.size === 1) return; // the mean of one vector
    const c = this.compress;
    if (c === undefined) return this.timed(() => this.comm.allreduce(x, { op: 'mean', iteration }));
    let residual = this.residuals.get(x.length);
    if (residual === undefined) {
      residual = new Float32Array(x.length);
      this.residuals.set(x.length, residual);
    }
    const compress = { codec: c.codec, residual };
    return this.timed(() => this.comm.allreduce(x, { op: 'mean', iteration, compress }));
  }

  /** Any other communicator operation, timed. */
  async timed<T>(op: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await op();
    } finally {
      this.seconds += (performance.now() - t0) / 1000;
    }
  }

  /** Seconds accumulated since the last call; resets the count. */
  take(): number {
    const s = this.seconds;
    this.seconds = 0;
    return s;
  }
}
