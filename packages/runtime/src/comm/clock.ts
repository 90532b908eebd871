/**
 * The operation clock: gives every communicator operation a unique
 * (iter, tag block) that is the same on every rank, provided every rank
 * calls the same operations in the same order with the same iterations.
 *
 * Gossip exchanges carry the caller's training iteration; collectives
 * without an explicit iteration run in the current one (the latest seen).
 * Within an iteration, operations are numbered 0, 1, 2...; each owns the
 * tags [op * TAGS_PER_OP, (op + 1) * TAGS_PER_OP).
 *
 * When an operation completes, every iteration below the lowest one still
 * in use is finished on the transport, so stale frames are dropped.
 */
import { CommError } from '../errors.js';
import { MAX_OPS_PER_ITERATION, TAGS_PER_OP } from './constants.js';

/** One operation's place in the (iter, tag) space. */
export interface OpSlot {
  readonly iter: number;
  /** First tag of this operation's block. */
  readonly base: number;
}

export class OpClock {
  private epoch = 0;
  private nextOp = 0;
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly finish: (iter: number) => void) {}

  /** The iteration collectives run in when given none. */
  get iteration(): number {
    return this.epoch;
  }

  /** Reserve a slot for an operation named `what` (for error messages). */
  open(what: string, iteration?: number): OpSlot {
    const iter = iteration ?? this.epoch;
    if (!Number.isSafeInteger(iter) || iter < 0) {
      throw new CommError('E_COMM_ITERATION', `${what}: iteration must be a non-negative integer; got ${String(iter)}`);
    }
    if (iter < this.epoch) {
      throw new CommError(
        'E_COMM_ITERATION',
        `${what}: iteration ${iter} is below the current iteration ${this.epoch}; iterations passed to the communicator must never decrease`,
      );
    }
    if (iter > this.epoch) {
      this.epoch = iter;
      this.nextOp = 0;
    }
    if (this.nextOp >= MAX_OPS_PER_ITERATION) {
      throw new CommError(
        'E_COMM_ITERATION',
        `${what}: more than ${MAX_OPS_PER_ITERATION} operations in iteration ${iter}; pass a growing iteration to the collectives`,
      );
    }
    const base = this.nextOp++ * TAGS_PER_OP;
    this.inFlight.set(iter, (this.inFlight.get(iter) ?? 0) + 1);
    return { iter, base };
  }

  /** The operation in `slot` ended; `ok` when it completed (then old iterations are finished). */
  close(slot: OpSlot, ok: boolean): void {
    const left = (this.inFlight.get(slot.iter) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(slot.iter);
    else this.inFlight.set(slot.iter, left);
    if (!ok) return;
    let low = this.epoch;
    for (const iter of this.inFlight.keys()) low = Math.min(low, iter);
    if (low > 0) this.finish(low);
  }
}
