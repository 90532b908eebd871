/**
 * The GossipComm handed to algorithms: the Communicator with the schedule
 * and gossip rounds bound, and a stopwatch around every operation (the
 * communication seconds each step reports). On one rank both operations
 * are identities and return at once.
 */
import type { Schedule } from '@dtrain/topology';
import type { GossipComm } from '../algorithms/types.js';
import type { Communicator } from '../comm/communicator.js';
import type { ExchangeResult } from '../comm/exchange.js';

export class TimedGossip implements GossipComm {
  /** Seconds spent inside communicator operations since the last `take()`. */
  private seconds = 0;

  constructor(
    readonly comm: Communicator,
    readonly schedule: Schedule,
    readonly rounds: number,
  ) {}

  get rank(): number {
    return this.comm.rank;
  }

  get size(): number {
    return this.comm.size;
  }

  async exchange(x: Float32Array, iteration: number, weight?: number): Promise<ExchangeResult> {
    // One rank: W = [1], so every round leaves x (and the push-sum weight) as it is.
    if (this.comm.size === 1) return { weight, floatsSent: 0 };
    return this.timed(() => this.comm.exchange(x, this.schedule, iteration, { rounds: this.rounds, weight }));
  }

  async allreduceMean(x: Float32Array, iteration: number): Promise<void> {
    if (this.comm.size === 1) return; // the mean of one vector
    return this.timed(() => this.comm.allreduce(x, { op: 'mean', iteration }));
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
