/**
 * One membership's view of the job's transport: the live ranks, renumbered
 * 0 .. m-1 in ascending order, over the transport every rank opened at
 * start. A Communicator built on it runs every collective (ring allreduce,
 * broadcast, barrier, allgather) and every schedule over the members only,
 * unchanged. Each membership has its own iterations on the wire,
 * iteration * EPOCH_SLOTS + epoch mod EPOCH_SLOTS (wireIteration), so two
 * memberships that start at the same iteration (a rank lost, then its
 * replacement back, with no step between) never take each other's frames,
 * and finishing iteration k finishes it for every membership.
 * abort() fails whatever the view still has pending, at once, and
 * every later operation: that is how a membership change stops the step in
 * flight (the frames left on the wire belong to iterations the next
 * membership finishes, so they are dropped as stale).
 */
import { TransportError } from '../errors.js';
import type { CheckOptions, PeerLoss, RecvOptions, Transport, TransportStats } from '../transport/types.js';

/** Memberships told apart on the wire at one iteration. */
export const EPOCH_SLOTS = 1024;

/** Where iteration `iter` of membership `epoch` travels. */
export function wireIteration(iter: number, epoch: number): number {
  return iter * EPOCH_SLOTS + (epoch % EPOCH_SLOTS);
}

export class ViewTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  readonly timeoutMs: number;
  private aborted: Error | undefined;
  private readonly waiters = new Set<(error: Error) => void>();

  constructor(
    readonly base: Transport,
    /** Real ranks of the members, ascending; index = rank in this view. */
    readonly members: readonly number[],
    readonly epoch = 0,
  ) {
    this.rank = members.indexOf(base.rank);
    if (this.rank < 0) throw new TransportError('E_TRANSPORT_ARGUMENT', `rank ${base.rank} is not among the members ${members.join(', ')}`);
    this.size = members.length;
    this.timeoutMs = base.timeoutMs;
  }

  /** The job rank of member `v`. */
  real(v: number): number {
    const r = this.members[v];
    if (r === undefined) throw new TransportError('E_TRANSPORT_ARGUMENT', `rank ${this.rank} of ${this.size} members: no member ${String(v)}`);
    return r;
  }

  send(peer: number, iter: number, tag: number, body: Float32Array): Promise<void> {
    return this.guard(() => this.base.send(this.real(peer), wireIteration(iter, this.epoch), tag, body));
  }

  release(body: Float32Array): void {
    this.base.release?.(body);
  }

  recv(peer: number, iter: number, tag: number, options?: RecvOptions): Promise<Float32Array> {
    return this.guard(() => this.base.recv(this.real(peer), wireIteration(iter, this.epoch), tag, options));
  }

  finish(iter: number): void {
    if (this.aborted === undefined) this.base.finish(iter * EPOCH_SLOTS);
  }

  limitFrames(maxElements: number): Promise<void> {
    return this.base.limitFrames(maxElements);
  }

  checkPeers(peers: readonly number[], options?: CheckOptions): Promise<void> {
    return this.guard(() => this.base.checkPeers(peers.map((p) => this.real(p)), options));
  }

  exclude(peer: number, why: string): void {
    this.base.exclude(this.real(peer), why);
  }

  lostReason(peer: number): PeerLoss | undefined {
    return this.base.lostReason(this.real(peer));
  }

  address(peer: number): string {
    const r = this.members[peer];
    return r === undefined ? `member ${peer} (none)` : this.base.address(r);
  }

  stats(): TransportStats {
    return this.base.stats();
  }

  /** Fails every pending and later operation of this view with `error` (idempotent; the first error stays). */
  abort(error: Error): void {
    if (this.aborted !== undefined) return;
    this.aborted = error;
    for (const fail of this.waiters) fail(error);
    this.waiters.clear();
  }

  get isAborted(): boolean {
    return this.aborted !== undefined;
  }

  /** A view closes without closing the job's transport (the session does that). */
  async close(): Promise<void> {
    this.abort(new TransportError('E_TRANSPORT_CLOSED', `rank ${this.base.rank}: this membership's view is closed`));
  }

  private guard<T>(op: () => Promise<T>): Promise<T> {
    if (this.aborted !== undefined) return Promise.reject(this.aborted);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => reject(error);
      this.waiters.add(fail);
      let running: Promise<T>;
      try {
        running = op();
      } catch (error) {
        this.waiters.delete(fail);
        reject(error as Error);
        return;
      }
      running.then(
        (value) => {
          this.waiters.delete(fail);
          resolve(value);
        },
        (error: unknown) => {
          this.waiters.delete(fail);
          reject(error as Error);
        },
      );
    });
  }
}
