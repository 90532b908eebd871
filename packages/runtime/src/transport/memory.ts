/**
 * An in-process network: one Transport per rank, with the semantics of the
 * ZeroMQ one (per-(peer, iteration, tag) queues, deadlines, finish(), stats,
 * lost peers) and no sockets. send() copies the body, so the caller may
 * write to it as soon as the promise resolves.
 */
import { PeerError, TransportError } from '../errors.js';
import { DEFAULT_MAX_ELEMENTS, DEFAULT_TIMEOUT_MS } from './constants.js';
import type { Packed } from './codec.js';
import { closedError, copyStats, Inbox } from './inbox.js';
import type { CheckOptions, PeerLoss, RecvOptions, Transport, TransportStats } from './types.js';
import { checkBody, checkFrameLimit, checkLink, checkTimeout } from './validate.js';

export interface MemoryNetworkOptions {
  /** Default deadline of a receive, in ms (default 30 s). */
  timeoutMs?: number;
  /** Shown in addresses (memory://<jobId>/<rank>). */
  jobId?: string;
  /** Largest body accepted, in float32 elements. */
  maxElements?: number;
}

/** `size` connected transports, index = rank. Closing one makes the others see it as lost. */
export function createMemoryNetwork(size: number, options: MemoryNetworkOptions = {}): Transport[] {
  if (!Number.isInteger(size) || size < 1) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `a network needs size >= 1 ranks; got ${String(size)}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkTimeout(timeoutMs);
  const jobId = options.jobId ?? 'memory';
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const nodes: MemoryTransport[] = [];
  const shared: Shared = { nodes, jobId, timeoutMs, maxElements };
  for (let rank = 0; rank < size; rank++) nodes.push(new MemoryTransport(rank, size, shared));
  return nodes;
}

interface Shared {
  nodes: MemoryTransport[];
  jobId: string;
  timeoutMs: number;
  maxElements: number;
}

class MemoryTransport implements Transport {
  readonly timeoutMs: number;
  readonly inbox: Inbox;
  closed = false;
  /** Largest body this rank sends or takes (limitFrames). */
  limit: number;
  private sentStats = { bytesSent: 0, framesSent: 0 };
  private readonly sentTo: number[];
  private readonly checkers = new Set<number>();
  /** Ranks this one removed from the membership: their frames are dropped. */
  readonly excluded = new Set<number>();
  private readonly losses = new Map<number, PeerLoss>();
  private checkWaiters: Array<() => void> = [];

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly net: Shared,
  ) {
    this.timeoutMs = net.timeoutMs;
    this.sentTo = new Array<number>(size).fill(0);
    this.limit = net.maxElements;
    this.inbox = new Inbox({ rank, size, timeoutMs: net.timeoutMs, address: (peer) => this.address(peer) });
  }

  address(peer: number): string {
    return `memory://${this.net.jobId}/${peer}`;
  }

  async send(peer: number, iter: number, tag: number, body: Float32Array | Packed): Promise<void> {
    checkLink(this.rank, this.size, peer, iter, tag);
    const target = this.net.nodes[peer]!;
    checkBody(body, Math.min(this.limit, target.limit));
    if (this.closed) throw closedError(this.rank);
    if (target.closed || this.excluded.has(peer) || target.excluded.has(this.rank)) {
      throw new PeerError(
        'E_PEER_LOST',
        peer,
        this.address(peer),
        iter,
        `rank ${this.rank}: cannot send iteration ${iter} to rank ${peer} (${this.address(peer)}): it closed its transport`,
      );
    }
    const copy = body instanceof Float32Array ? new Uint8Array(new Float32Array(body).buffer) : new Uint8Array(body.bytes);
    this.sentStats.bytesSent += copy.byteLength;
    this.sentTo[peer] += copy.byteLength;
    this.sentStats.framesSent += 1;
    const dtype = body instanceof Float32Array ? 'f32' : body.dtype;
    target.inbox.deliver(this.rank, iter, tag, copy, dtype, body.length);
  }

  recv(peer: number, iter: number, tag: number, options?: RecvOptions): Promise<Float32Array> {
    try {
      checkLink(this.rank, this.size, peer, iter, tag);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.inbox.take(peer, iter, tag, options);
  }

  finish(iter: number): void {
    this.inbox.finish(iter);
  }

  async limitFrames(maxElements: number): Promise<void> {
    checkFrameLimit(maxElements);
    this.limit = Math.min(this.limit, maxElements);
  }

  /** Like the real one: succeeds once each peer has checked this rank back (or is reported). */
  async checkPeers(peers: readonly number[], options: CheckOptions = {}): Promise<void> {
    if (this.closed) throw closedError(this.rank);
    for (const peer of peers) checkLink(this.rank, this.size, peer, 0, 0);
    const deadline = options.deadline ?? Date.now() + this.timeoutMs;
    for (const peer of peers) this.net.nodes[peer]!.checkedBy(this.rank);
    const bad: string[] = [];
    for (const peer of peers) {
      const where = `${this.rank}<->${peer} (${this.address(peer)})`;
      while (!this.checkers.has(peer) && !this.net.nodes[peer]!.closed && !this.closed && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          this.checkWaiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (this.net.nodes[peer]!.closed) bad.push(`${where}: it closed its transport`);
      else if (!this.checkers.has(peer)) bad.push(`${where}: it never checked back`);
    }
    if (bad.length > 0) {
      throw new TransportError(
        'E_TRANSPORT_UNREACHABLE',
        `rank ${this.rank} cannot reach ${bad.length} peer(s): ${bad.join('; ')}`,
      );
    }
  }

  /** `peer` checked its link to this rank. */
  checkedBy(peer: number): void {
    this.checkers.add(peer);
    this.wakeCheckers();
  }

  wakeCheckers(): void {
    const waiters = this.checkWaiters;
    this.checkWaiters = [];
    for (const wake of waiters) wake();
  }

  stats(): TransportStats {
    return copyStats({ ...this.inbox.stats, ...this.sentStats, bytesSentTo: this.sentTo });
  }

  /** Both sides see each other as lost: the excluded rank learns it at once, as over ZeroMQ once it sends. */
  exclude(peer: number, why: string): void {
    checkLink(this.rank, this.size, peer, 0, 0);
    this.excluded.add(peer);
    this.lost(peer, { cause: 'excluded', why });
    this.net.nodes[peer]!.lost(this.rank, { cause: 'excluded', why: 'it excluded this rank from the job\'s membership' });
  }

  lost(peer: number, loss: PeerLoss): void {
    if (this.losses.has(peer)) return;
    this.losses.set(peer, loss);
    this.inbox.peerLost(peer, loss.why);
  }

  lostReason(peer: number): PeerLoss | undefined {
    return this.losses.get(peer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inbox.close();
    this.wakeCheckers();
    for (const node of this.net.nodes) {
      if (node === this) continue;
      node.lost(this.rank, { cause: 'closed', why: 'it closed its transport' });
      node.wakeCheckers();
    }
  }
}
